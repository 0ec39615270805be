package api_test

import (
	"regexp"
	"testing"
)

// TestProblemsAreChinese (#17 §2): representative wrong requests, one per kind of refusal (a
// body's field errors, a query parameter, a path that names nothing, no route, no token, bad
// JSON, a store rule, the survey an enterprise answers), each answer a problem whose detail and
// every field reason are Chinese, with a stable English code beside each field. The catalogue
// and the source scan (archtest TestUserMessagesAreChinese) cover the rest.
func TestProblemsAreChinese(t *testing.T) {
	srv, _ := newServer(t)
	admin := login(t, srv.URL, "admin", "admin-password")
	anon := &client{t: t, base: srv.URL}
	han := regexp.MustCompile(`\p{Han}`)
	for _, tc := range []struct {
		name         string
		who          *client
		method, path string
		body         string
		status       int
	}{
		{"UnitFields", admin, "POST", "/api/v1/units", `{"name":"","net":"sea","kind":"ship"}`, 422},
		{"UnitNothingToChange", admin, "PATCH", "/api/v1/units/nope", `{}`, 422},
		{"UnitNotFound", admin, "GET", "/api/v1/units/nope", ``, 404},
		{"DocPrefix", admin, "PATCH", "/api/v1/units/nope", `{"doc_prefix":"甲〔2026〕"}`, 404},
		{"TaskFilter", admin, "GET", "/api/v1/tasks?status=bogus&overdue=perhaps", ``, 422},
		{"CoverageAsOf", admin, "GET", "/api/v1/reports/coverage?as_of=yesterday", ``, 422},
		{"CoverageNoSnapshot", admin, "GET", "/api/v1/reports/coverage?as_of=2020-01", ``, 404},
		{"NoRoute", admin, "GET", "/api/v1/no-such-thing", ``, 404},
		{"NoToken", anon, "GET", "/api/v1/tasks", ``, 401},
		{"BadJSON", admin, "POST", "/api/v1/units", `{"name":`, 400},
		{"UnknownField", admin, "POST", "/api/v1/units", `{"nom":"x"}`, 400},
		{"CensusRound", admin, "POST", "/api/v1/census-rounds", `{"unit_id":"nope","select":"some"}`, 422},
		{"WrongLogin", anon, "POST", "/api/v1/auth/login", `{"username":"admin","password":"wrong-password"}`, 401},
		{"SurveyAnswer", anon, "POST", "/survey/no-such-token", `{"formal_members":-1,"probationary_members":0,"party_org":"maybe"}`, 422},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, _, b := tc.who.do(tc.method, tc.path, tc.body, "Content-Type", "application/json")
			if status != tc.status {
				t.Fatalf("%d %v, want %d", status, b, tc.status)
			}
			if d, _ := b["detail"].(string); !han.MatchString(d) {
				t.Errorf("detail %q has no Chinese: %v", d, b)
			}
			fields, _ := b["errors"].([]any)
			if tc.status == 422 && len(fields) == 0 {
				t.Errorf("a 422 names no field: %v", b)
			}
			for _, f := range fields {
				fe := f.(map[string]any)
				if r, _ := fe["reason"].(string); !han.MatchString(r) || fe["code"] == nil || fe["code"] == "" {
					t.Errorf("field %v: reason without Chinese or no code", fe)
				}
			}
		})
	}
}
