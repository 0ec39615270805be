package api_test

import (
	"context"
	"strings"
	"testing"

	"tandem/calendar"
	"tandem/domain"
)

// A liaison lists their deliveries, an officer the imports of the departments below them (the
// city unit also the held ones), a stranger nothing; filters and pages hold (#17 §3).
func TestListRosterImports(t *testing.T) {
	srv, st := newServer(t)
	ctx := context.Background()
	admin := login(t, srv.URL, "admin", "admin-password")
	mk := func(body string) string {
		s, _, u := admin.do("POST", "/api/v1/units", body)
		if s != 201 {
			t.Fatalf("unit %s: %d %v", body, s, u)
		}
		return u["id"].(string)
	}
	city := mk(`{"name":"江州市两新工委","net":"region","kind":"city"}`)
	county := mk(`{"name":"青山县","net":"region","kind":"county","parent_id":"` + city + `"}`)
	market := mk(`{"name":"市场监管局","net":"department","kind":"department","parent_id":"` + city + `"}`)
	tax := mk(`{"name":"税务局","net":"department","kind":"department"}`)
	for _, u := range []struct{ name, unit, role string }{
		{"officer-city", city, "officer"}, {"officer-county", county, "officer"},
		{"liaison-market", market, "liaison"}, {"liaison-tax", tax, "liaison"}, {"inspector-county", county, "inspector"},
	} {
		if s, _, b := admin.do("POST", "/api/v1/users", `{"username":"`+u.name+`","password":"password-123","memberships":[{"unit_id":"`+u.unit+`","role":"`+u.role+`"}]}`); s != 201 {
			t.Fatalf("user %s: %d %v", u.name, s, b)
		}
	}
	for src, unit := range map[string]string{"market": market, "tax": tax} {
		if s, _, b := admin.do("PUT", "/api/v1/sources/"+src, `{"unit_id":"`+unit+`"}`); s != 200 {
			t.Fatalf("map %s: %d %v", src, s, b)
		}
	}
	const extract = "统一社会信用代码,企业名称\n91110108MA01B2C3D0,东风物流有限公司\n"
	as := func(name, unit string, role domain.Role) domain.Principal {
		return domain.Principal{Username: name, Memberships: []domain.Membership{{UnitID: unit, Role: role}}}
	}
	m1, err := st.CreateImport(ctx, as("liaison-market", market, domain.RoleLiaison), "market", "m1.csv", strings.NewReader(extract), 1<<20, "")
	if err != nil {
		t.Fatal(err)
	}
	m2, err := st.CreateImport(ctx, domain.Principal{Username: "admin", Admin: true}, "market", "m2.csv", strings.NewReader(extract), 1<<20, "")
	if err != nil {
		t.Fatal(err)
	}
	t1, err := st.CreateImport(ctx, as("liaison-tax", tax, domain.RoleLiaison), "tax", "t1.csv", strings.NewReader(extract), 1<<20, "")
	if err != nil {
		t.Fatal(err)
	}
	t2, err := st.CreateImport(ctx, as("liaison-tax", tax, domain.RoleLiaison), "tax", "t2.csv", strings.NewReader(extract), 1<<20, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := st.DB().Exec("UPDATE roster_imports SET status = ? WHERE id = ?", string(domain.ImportAwaitingConfirmation), t2.ID).Error; err != nil {
		t.Fatal(err)
	}
	ids := func(c *client, query string) string {
		t.Helper()
		s, _, b := c.do("GET", "/api/v1/roster-imports"+query, "")
		if s != 200 {
			t.Fatalf("list %s: %d %v", query, s, b)
		}
		var out []string
		for _, it := range b["items"].([]any) {
			out = append(out, it.(map[string]any)["id"].(string))
		}
		return strings.Join(out, ",")
	}
	join := func(v ...string) string { return strings.Join(v, ",") }
	for _, c := range []struct {
		who, query, want string
	}{
		{"liaison-market", "", join(m1.ID, m2.ID)},
		{"liaison-tax", "", join(t1.ID, t2.ID)},
		{"officer-city", "", join(m1.ID, m2.ID, t2.ID)}, // its departments, and the held tax import
		{"officer-county", "", ""},
		{"inspector-county", "", ""},
		{"admin", "", join(m1.ID, m2.ID, t1.ID, t2.ID)},
		{"admin", "?source=tax", join(t1.ID, t2.ID)},
		{"admin", "?status=awaiting_confirmation", t2.ID},
		{"admin", "?month=" + st.Now().In(calendar.Shanghai).Format("2006-01"), join(m1.ID, m2.ID, t1.ID, t2.ID)},
		{"admin", "?month=" + st.Now().In(calendar.Shanghai).AddDate(0, -2, 0).Format("2006-01"), ""},
		{"liaison-market", "?source=tax", ""},
	} {
		cl := admin
		if c.who != "admin" {
			cl = login(t, srv.URL, c.who, "password-123")
		}
		if got := ids(cl, c.query); got != c.want {
			t.Errorf("%s lists %q: %s, want %s", c.who, c.query, got, c.want)
		}
		// Whoever lists an import reads it; the rest of the list's rule is GetImport's too.
		for _, id := range strings.Split(c.want, ",") {
			if id == "" {
				continue
			}
			if s, _, b := cl.do("GET", "/api/v1/roster-imports/"+id, ""); s != 200 {
				t.Errorf("%s reads listed import %s: %d %v", c.who, id, s, b)
			}
		}
	}
	t.Run("Pages", func(t *testing.T) {
		s, _, b := admin.do("GET", "/api/v1/roster-imports?limit=3", "")
		next, _ := b["next_cursor"].(string)
		if s != 200 || len(b["items"].([]any)) != 3 || next == "" {
			t.Fatalf("first page: %d %v", s, b)
		}
		s, _, b = admin.do("GET", "/api/v1/roster-imports?limit=3&cursor="+next, "")
		items := b["items"].([]any)
		if s != 200 || len(items) != 1 || items[0].(map[string]any)["id"] != t2.ID || b["next_cursor"] != "" {
			t.Fatalf("second page: %d %v", s, b)
		}
	})
	t.Run("BadFiltersName422", func(t *testing.T) {
		for field, q := range map[string]string{"month": "?month=2026-13", "status": "?status=finished", "source": "?source=weather", "limit": "?limit=0"} {
			s, h, b := admin.do("GET", "/api/v1/roster-imports"+q, "")
			wantProblem(t, s, h, b, 422)
			if !strings.Contains(jsonText(b["errors"]), `"`+field+`"`) {
				t.Errorf("%s: the problem does not name %s: %v", q, field, b)
			}
		}
	})
}
