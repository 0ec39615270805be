package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"tandem/activities"
	"tandem/api"
	"tandem/auth"
	"tandem/store"
	"tandem/store/storetest"
	"tandem/telemetry"
	"tandem/testclock"
)

// newServer serves the API on a fresh SQLite store with an admin whose password is "admin-password".
// Temporal is not connected: these tests cover what does not run workflows (the end-to-end
// test in cmd/tandem covers the rest against the real binary).
func newServer(t *testing.T) (*httptest.Server, *store.Store) {
	t.Helper()
	st := storetest.SQLite(t)
	st.Now = testclock.Clock() // the wall clock, or TANDEM_TEST_DATE's day (make test-dates)
	hash, _ := auth.HashPassword("admin-password")
	if _, err := st.EnsureAdmin(context.Background(), "admin", hash); err != nil {
		t.Fatal(err)
	}
	s := &api.Server{Store: st, Auth: auth.NewService(st, time.Hour), Calendar: &activities.CalendarCache{Store: st, TTL: time.Minute},
		Log: slog.New(slog.DiscardHandler)}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return srv, st
}

type client struct {
	t     *testing.T
	base  string
	token string
}

func (c *client) do(method, path, body string, headers ...string) (int, http.Header, map[string]any) {
	c.t.Helper()
	req, _ := http.NewRequest(method, c.base+path, strings.NewReader(body))
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	return res.StatusCode, res.Header, out
}

func login(t *testing.T, base, user, pw string) *client {
	t.Helper()
	c := &client{t: t, base: base}
	status, _, body := c.do("POST", "/api/v1/auth/login", `{"username":"`+user+`","password":"`+pw+`"}`)
	if status != 200 {
		t.Fatalf("login %s: %d %v", user, status, body)
	}
	c.token = body["token"].(string)
	return c
}

func wantProblem(t *testing.T, status int, h http.Header, body map[string]any, want int) {
	t.Helper()
	if status != want {
		t.Fatalf("status %d, want %d: %v", status, want, body)
	}
	if ct := h.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		t.Fatalf("content type %q", ct)
	}
	if body["status"] != float64(want) || body["title"] == "" || body["detail"] == "" {
		t.Fatalf("not problem details: %v", body)
	}
}

func TestErrors(t *testing.T) {
	srv, _ := newServer(t)
	anon := &client{t: t, base: srv.URL}
	admin := login(t, srv.URL, "admin", "admin-password")

	t.Run("401WithoutToken", func(t *testing.T) {
		s, h, b := anon.do("GET", "/api/v1/units", "")
		wantProblem(t, s, h, b, 401)
		if h.Get("WWW-Authenticate") == "" {
			t.Fatal("no WWW-Authenticate")
		}
	})
	t.Run("401BadToken", func(t *testing.T) {
		bad := &client{t: t, base: srv.URL, token: "nope"}
		s, h, b := bad.do("GET", "/api/v1/me", "")
		wantProblem(t, s, h, b, 401)
	})
	t.Run("401WrongPassword", func(t *testing.T) {
		s, h, b := anon.do("POST", "/api/v1/auth/login", `{"username":"admin","password":"wrong-password"}`)
		wantProblem(t, s, h, b, 401)
	})
	t.Run("400MalformedJSON", func(t *testing.T) {
		s, h, b := admin.do("POST", "/api/v1/units", `{"name": "x",`)
		wantProblem(t, s, h, b, 400)
	})
	t.Run("400UnknownField", func(t *testing.T) {
		s, h, b := admin.do("POST", "/api/v1/units", `{"name":"x","net":"region","kind":"county","colour":"red"}`)
		wantProblem(t, s, h, b, 400)
		if !strings.Contains(b["detail"].(string), "colour") {
			t.Fatalf("detail does not name the field: %v", b["detail"])
		}
	})
	t.Run("400WrongType", func(t *testing.T) {
		s, h, b := admin.do("POST", "/api/v1/units", `{"name":7,"net":"region","kind":"county"}`)
		wantProblem(t, s, h, b, 400)
	})
	t.Run("422ListsFields", func(t *testing.T) {
		s, h, b := admin.do("POST", "/api/v1/users", `{"username":"a","password":"short","memberships":[{"unit_id":"","role":"king"}]}`)
		wantProblem(t, s, h, b, 422)
		var fields []string
		for _, e := range b["errors"].([]any) {
			fields = append(fields, e.(map[string]any)["field"].(string))
		}
		sort.Strings(fields)
		want := "memberships[0].role memberships[0].unit_id password username"
		if strings.Join(fields, " ") != want {
			t.Fatalf("fields %v, want %s", fields, want)
		}
	})
	t.Run("404UnknownUnit", func(t *testing.T) {
		s, h, b := admin.do("GET", "/api/v1/units/nope", "")
		wantProblem(t, s, h, b, 404)
	})
	t.Run("404UnknownRoute", func(t *testing.T) {
		s, h, b := admin.do("GET", "/api/v1/nothing-here", "")
		wantProblem(t, s, h, b, 404)
	})
	t.Run("405WrongMethod", func(t *testing.T) {
		s, h, b := admin.do("DELETE", "/api/v1/units", "")
		wantProblem(t, s, h, b, 405)
	})
}

func TestAccess(t *testing.T) {
	srv, _ := newServer(t)
	admin := login(t, srv.URL, "admin", "admin-password")
	_, _, county := admin.do("POST", "/api/v1/units", `{"name":"县","net":"region","kind":"county"}`)
	cid := county["id"].(string)
	_, _, ta := admin.do("POST", "/api/v1/units", `{"name":"A镇","net":"region","kind":"township","parent_id":"`+cid+`"}`)
	_, _, tb := admin.do("POST", "/api/v1/units", `{"name":"B镇","net":"region","kind":"township","parent_id":"`+cid+`"}`)
	mkUser := func(name, unit, role string) {
		s, _, b := admin.do("POST", "/api/v1/users", `{"username":"`+name+`","password":"password-123","memberships":[{"unit_id":"`+unit+`","role":"`+role+`"}]}`)
		if s != 201 {
			t.Fatalf("create %s: %d %v", name, s, b)
		}
	}
	mkUser("officer-a", ta["id"].(string), "officer")
	mkUser("inspector-b", tb["id"].(string), "inspector")

	t.Run("403OfficerCreatesUser", func(t *testing.T) {
		off := login(t, srv.URL, "officer-a", "password-123")
		s, h, b := off.do("POST", "/api/v1/users", `{"username":"someone","password":"password-123"}`)
		wantProblem(t, s, h, b, 403)
	})
	t.Run("MemberSeesOwnSubtree", func(t *testing.T) {
		insp := login(t, srv.URL, "inspector-b", "password-123")
		_, _, b := insp.do("GET", "/api/v1/units", "")
		items := b["items"].([]any)
		if len(items) != 1 || items[0].(map[string]any)["id"] != tb["id"] {
			t.Fatalf("inspector of B sees %v", items)
		}
		if s, _, _ := insp.do("GET", "/api/v1/units/"+ta["id"].(string), ""); s != 404 {
			t.Fatalf("inspector of B reads township A: %d", s)
		}
		_, _, me := insp.do("GET", "/api/v1/me", "")
		if me["username"] != "inspector-b" || len(me["units"].([]any)) != 1 {
			t.Fatalf("me %v", me)
		}
		if roles := fmt.Sprint(me["roles"]); roles != "[map[role:inspector role_label:摸排人员 unit_id:"+tb["id"].(string)+" unit_name:"+tb["name"].(string)+"]]" {
			t.Fatalf("me's roles %s", roles)
		}
	})
	t.Run("DisabledUserTokenDiesAtOnce", func(t *testing.T) {
		insp := login(t, srv.URL, "inspector-b", "password-123")
		if s, _, _ := admin.do("POST", "/api/v1/users/inspector-b/disable", ""); s != 200 {
			t.Fatalf("disable: %d", s)
		}
		if s, _, _ := insp.do("GET", "/api/v1/me", ""); s != 401 {
			t.Fatalf("disabled user's token: %d", s)
		}
		anon := &client{t: t, base: srv.URL}
		if s, _, _ := anon.do("POST", "/api/v1/auth/login", `{"username":"inspector-b","password":"password-123"}`); s != 401 {
			t.Fatalf("disabled user logs in: %d", s)
		}
		admin.do("POST", "/api/v1/users/inspector-b/enable", "")
		login(t, srv.URL, "inspector-b", "password-123")
	})
	t.Run("ChangeAndResetPassword", func(t *testing.T) {
		off := login(t, srv.URL, "officer-a", "password-123")
		if s, _, b := off.do("POST", "/api/v1/me/password", `{"current_password":"wrong","new_password":"another-pass-1"}`); s != 422 {
			t.Fatalf("wrong current password: %d %v", s, b)
		}
		if s, _, b := off.do("POST", "/api/v1/me/password", `{"current_password":"password-123","new_password":"another-pass-1"}`); s != 204 {
			t.Fatalf("change: %d %v", s, b)
		}
		if s, _, _ := off.do("GET", "/api/v1/me", ""); s != 401 {
			t.Fatal("old token survives a password change")
		}
		login(t, srv.URL, "officer-a", "another-pass-1")
		if s, _, _ := admin.do("POST", "/api/v1/users/officer-a/password", `{"password":"reset-pass-12"}`); s != 204 {
			t.Fatalf("reset: %d", s)
		}
		login(t, srv.URL, "officer-a", "reset-pass-12")
	})
}

func TestIdempotencyKey(t *testing.T) {
	srv, _ := newServer(t)
	admin := login(t, srv.URL, "admin", "admin-password")
	body := `{"name":"县","net":"region","kind":"county"}`
	s1, _, first := admin.do("POST", "/api/v1/units", body, "Idempotency-Key", "k-1")
	s2, h2, second := admin.do("POST", "/api/v1/units", body, "Idempotency-Key", "k-1")
	if s1 != 201 || s2 != 201 || first["id"] != second["id"] || h2.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("replay: %d %v / %d %v", s1, first, s2, second)
	}
	_, _, units := admin.do("GET", "/api/v1/units", "")
	if n := len(units["items"].([]any)); n != 1 {
		t.Fatalf("%d units after a retried create, want 1", n)
	}
	s3, h3, b3 := admin.do("POST", "/api/v1/units", `{"name":"另一县","net":"region","kind":"county"}`, "Idempotency-Key", "k-1")
	wantProblem(t, s3, h3, b3, 422)
}

// TestOpenAPIMatchesRoutes keeps the OpenAPI document and the router in step, both ways.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	var doc struct {
		Paths map[string]map[string]any `yaml:"paths"`
	}
	if err := yaml.Unmarshal(api.OpenAPI, &doc); err != nil {
		t.Fatalf("openapi.yaml: %v", err)
	}
	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		for method := range ops {
			if method == "parameters" {
				continue
			}
			documented[strings.ToUpper(method)+" "+path] = true
		}
	}
	s := &api.Server{Log: slog.New(slog.DiscardHandler)}
	routed := map[string]bool{}
	for _, r := range s.Handler().Routes() {
		parts := strings.Split(r.Path, "/")
		for i, p := range parts {
			if strings.HasPrefix(p, ":") {
				parts[i] = "{" + p[1:] + "}"
			}
		}
		routed[r.Method+" "+strings.Join(parts, "/")] = true
	}
	for r := range routed {
		if !documented[r] {
			t.Errorf("route %s is not in openapi.yaml", r)
		}
	}
	for d := range documented {
		if !routed[d] {
			t.Errorf("openapi.yaml documents %s, which has no route", d)
		}
	}
}

func TestOpenAPIServed(t *testing.T) {
	srv, _ := newServer(t)
	res, err := http.Get(srv.URL + "/api/v1/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 || !bytes.Equal(b, api.OpenAPI) {
		t.Fatalf("status %d", res.StatusCode)
	}
}

func decodeJSON(r io.Reader, v any) error { return json.NewDecoder(r).Decode(v) }

// The access log names the survey route without the token that opens it.
func TestAccessLogHidesSurveyToken(t *testing.T) {
	var buf bytes.Buffer
	st := storetest.SQLite(t)
	s := &api.Server{Store: st, Auth: auth.NewService(st, time.Hour), Log: slog.New(slog.NewJSONHandler(&buf, nil))}
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	const token = "s3cr3t-survey-token-0123456789"
	resp, err := http.Get(srv.URL + "/survey/" + token)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if strings.Contains(buf.String(), token) || !strings.Contains(buf.String(), "/survey/[token]") {
		t.Fatalf("access log: %s", buf.String())
	}
}

// Every line of a request carries its request ID once, written by the log handler: the access
// line too, not also by its caller.
func TestAccessLogRequestIDOnce(t *testing.T) {
	var buf bytes.Buffer
	st := storetest.SQLite(t)
	log := slog.New(telemetry.ContextHandler{Handler: slog.NewJSONHandler(&buf, nil)})
	s := &api.Server{Store: st, Auth: auth.NewService(st, time.Hour), Log: log}
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	req, _ := http.NewRequest("GET", srv.URL+"/api/v1/me", nil)
	req.Header.Set("X-Request-ID", "req-once-1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var access string
	for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		if strings.Contains(l, `"msg":"http"`) {
			access = l
		}
	}
	if strings.Count(access, `"request_id":"req-once-1"`) != 1 || strings.Count(access, "req-once-1") != 1 {
		t.Fatalf("access line: %s", access)
	}
}
