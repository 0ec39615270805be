package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"tandem/activities"
	"tandem/api"
	"tandem/auth"
	"tandem/store"
	"tandem/store/storetest"
)

// serveStore serves the API on st with an admin whose password is "admin-password".
func serveStore(t *testing.T, st *store.Store) *httptest.Server {
	t.Helper()
	hash, _ := auth.HashPassword("admin-password")
	if _, err := st.EnsureAdmin(context.Background(), "admin", hash); err != nil {
		t.Fatal(err)
	}
	s := &api.Server{Store: st, Auth: auth.NewService(st, time.Hour), Calendar: &activities.CalendarCache{Store: st, TTL: time.Minute},
		Log: slog.New(slog.DiscardHandler)}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return srv
}

// wantFields asserts a problem answer with status want whose errors name exactly field.
func wantField(t *testing.T, status int, h http.Header, body map[string]any, want int, field string) {
	t.Helper()
	wantProblem(t, status, h, body, want)
	errs, _ := body["errors"].([]any)
	for _, e := range errs {
		if e.(map[string]any)["field"] == field {
			return
		}
	}
	t.Fatalf("errors do not name %q: %v", field, body)
}

// PostgreSQL refuses a NUL in text ("invalid byte sequence for encoding UTF8: 0x00"), which
// was a 500 there and stored as is on SQLite: the edge refuses it alike on both, and bounds
// every text.
func TestTextAtTheEdge(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		srv := serveStore(t, st)
		anon := &client{t: t, base: srv.URL}
		admin := login(t, srv.URL, "admin", "admin-password")
		s, _, county := admin.do("POST", "/api/v1/units", `{"name":"青山县","net":"region","kind":"county"}`)
		if s != 201 {
			t.Fatalf("create county: %d %v", s, county)
		}
		unit := county["id"].(string)
		long := strings.Repeat("长", 201)

		t.Run("422NULInLoginName", func(t *testing.T) {
			s, h, b := anon.do("POST", "/api/v1/auth/login", `{"username":"ad\u0000min","password":"admin-password"}`)
			wantField(t, s, h, b, 422, "username")
		})
		t.Run("422NULInUnitName", func(t *testing.T) {
			s, h, b := admin.do("POST", "/api/v1/units", `{"name":"东风\u0000街道","net":"region","kind":"township","parent_id":"`+unit+`"}`)
			wantField(t, s, h, b, 422, "name")
			s, h, b = admin.do("PATCH", "/api/v1/units/"+unit, `{"name":"青山\u0000县"}`)
			wantField(t, s, h, b, 422, "name")
		})
		t.Run("422NULInAlias", func(t *testing.T) {
			s, h, b := admin.do("POST", "/api/v1/units/"+unit+"/aliases", `{"alias":"青山\u0000"}`)
			wantField(t, s, h, b, 422, "alias")
		})
		t.Run("422OtherControlCharacters", func(t *testing.T) {
			for _, esc := range []string{`\u0001`, `\u001b`, `\u007f`, `\u0085`, `\t`, `\n`} {
				s, h, b := admin.do("POST", "/api/v1/units/"+unit+"/aliases", `{"alias":"青山`+esc+`"}`)
				wantField(t, s, h, b, 422, "alias")
			}
		})
		t.Run("400NULInQueryFilter", func(t *testing.T) {
			s, h, b := admin.do("GET", "/api/v1/organizations?text=%00", "")
			wantField(t, s, h, b, 400, "text")
			s, h, b = admin.do("GET", "/api/v1/units?name=a%00b", "")
			wantField(t, s, h, b, 400, "name")
			s, h, b = admin.do("GET", "/api/v1/organizations?text=%FF", "")
			wantField(t, s, h, b, 400, "text")
		})
		t.Run("400BeforeAuthentication", func(t *testing.T) {
			s, h, b := anon.do("GET", "/api/v1/organizations?text=%00", "")
			wantField(t, s, h, b, 400, "text")
		})
		t.Run("400NULInPath", func(t *testing.T) {
			s, h, b := admin.do("GET", "/api/v1/units/a%00b", "")
			wantField(t, s, h, b, 400, "id")
			s, h, b = admin.do("PUT", "/api/v1/industry-mappings/%E5%88%B6%00", `{"unit_id":"`+unit+`"}`)
			wantField(t, s, h, b, 400, "text")
		})
		t.Run("422NestedFieldNamedByPath", func(t *testing.T) {
			s, h, b := admin.do("POST", "/api/v1/users", `{"username":"someone","password":"password-123","memberships":[{"unit_id":"`+unit+`","role":"officer"},{"unit_id":"x\u0000","role":"officer"}]}`)
			wantField(t, s, h, b, 422, "memberships[1].unit_id")
			s, h, b = admin.do("PUT", "/api/v1/organizations/91110000600037341L/tags", `{"tags":["ok","bad\u0000"]}`)
			wantField(t, s, h, b, 422, "tags[1]")
		})
		t.Run("422OverLongText", func(t *testing.T) {
			s, h, b := admin.do("POST", "/api/v1/units/"+unit+"/aliases", `{"alias":"`+long+`"}`)
			wantField(t, s, h, b, 422, "alias")
			s, h, b = admin.do("PUT", "/api/v1/tags/large", `{"label":"`+long+`"}`)
			wantField(t, s, h, b, 422, "label")
			s, h, b = admin.do("PUT", "/api/v1/calendar/overrides/2026-10-09", `{"workday":false,"name":"`+long+`"}`)
			wantField(t, s, h, b, 422, "name")
			s, h, b = admin.do("POST", "/api/v1/organizations/91110000600037341L/resolutions", `{"field":"name","value":"`+long+`","reason":"核实"}`)
			wantField(t, s, h, b, 422, "value")
			s, h, b = admin.do("POST", "/api/v1/organizations/91110000600037341L/resolutions", `{"field":"name","value":"甲公司","reason":"`+strings.Repeat("因", 2001)+`"}`)
			wantField(t, s, h, b, 422, "reason")
			s, h, b = admin.do("PUT", "/api/v1/industry-mappings/"+long, `{"unit_id":"`+unit+`"}`)
			wantField(t, s, h, b, 400, "text")
		})
		t.Run("LimitIsInclusive", func(t *testing.T) {
			ok := strings.Repeat("长", 200)
			if s, _, b := admin.do("POST", "/api/v1/units/"+unit+"/aliases", `{"alias":"`+ok+`"}`); s != 200 {
				t.Fatalf("a 200-character alias: %d %v", s, b)
			}
			if s, _, b := admin.do("PUT", "/api/v1/calendar/overrides/2026-10-09", `{"workday":false,"name":"调休\t补班"}`); s != 422 {
				t.Fatalf("a tab in a one-line name: %d %v", s, b)
			}
		})
		t.Run("422MultipartField", func(t *testing.T) {
			var buf bytes.Buffer
			w := multipart.NewWriter(&buf)
			_ = w.WriteField("source", "market\x00")
			fw, _ := w.CreateFormFile("file", "roster.csv")
			_, _ = io.WriteString(fw, "统一社会信用代码,名称\n")
			_ = w.Close()
			req, _ := http.NewRequest("POST", srv.URL+"/api/v1/roster-imports", &buf)
			req.Header.Set("Content-Type", w.FormDataContentType())
			req.Header.Set("Authorization", "Bearer "+admin.token)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			var b map[string]any
			_ = json.NewDecoder(res.Body).Decode(&b)
			wantField(t, res.StatusCode, res.Header, b, 422, "source")
		})
		t.Run("NothingStored", func(t *testing.T) {
			_, _, b := admin.do("GET", "/api/v1/units/"+unit+"/aliases", "")
			for _, a := range b["aliases"].([]any) {
				if strings.ContainsRune(a.(string), 0) || strings.ContainsRune(a.(string), '\t') {
					t.Fatalf("a refused alias was stored: %q", a)
				}
			}
		})
	})
}
