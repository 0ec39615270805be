package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"tandem/domain"
	"tandem/store"
)

// upload posts a roster file as c and returns the status and problem or import.
func (c *client) upload(source, body string) (int, map[string]any) {
	c.t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	_ = w.WriteField("source", source)
	fw, _ := w.CreateFormFile("file", "extract.csv")
	_, _ = fw.Write([]byte(body))
	w.Close()
	req, _ := http.NewRequest("POST", c.base+"/api/v1/roster-imports", &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+c.token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(res.Body).Decode(&out)
	return res.StatusCode, out
}

// Only the department a source is mapped to (or an admin) delivers and reads its extracts.
func TestWhoDeliversASource(t *testing.T) {
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
	county := mk(`{"name":"青山县","net":"region","kind":"county"}`)
	township := mk(`{"name":"东风街道","net":"region","kind":"township","parent_id":"` + county + `"}`)
	market := mk(`{"name":"市场监管局","net":"department","kind":"department"}`)
	tax := mk(`{"name":"税务局","net":"department","kind":"department"}`)
	for _, u := range []struct{ name, unit, role string }{
		{"officer-town", township, "officer"}, {"liaison-market", market, "liaison"}, {"liaison-tax", tax, "liaison"},
	} {
		if s, _, b := admin.do("POST", "/api/v1/users", `{"username":"`+u.name+`","password":"password-123","memberships":[{"unit_id":"`+u.unit+`","role":"`+u.role+`"}]}`); s != 201 {
			t.Fatalf("user %s: %d %v", u.name, s, b)
		}
	}
	officer := login(t, srv.URL, "officer-town", "password-123")
	liaisonMarket := login(t, srv.URL, "liaison-market", "password-123")
	liaisonTax := login(t, srv.URL, "liaison-tax", "password-123")

	t.Run("MapASource", func(t *testing.T) {
		s, h, b := admin.do("PUT", "/api/v1/sources/market", `{"unit_id":"`+township+`"}`)
		wantProblem(t, s, h, b, 422)
		if f := b["errors"]; f == nil || !strings.Contains(jsonText(f), "unit_id") {
			t.Fatalf("a township as the market's department: %v", b)
		}
		s, h, b = admin.do("PUT", "/api/v1/sources/weather", `{"unit_id":"`+market+`"}`)
		wantProblem(t, s, h, b, 400)
		s, h, b = liaisonMarket.do("PUT", "/api/v1/sources/market", `{"unit_id":"`+market+`"}`)
		wantProblem(t, s, h, b, 403)
		if s, _, b := admin.do("PUT", "/api/v1/sources/market", `{"unit_id":"`+market+`"}`); s != 200 || b["unit_name"] != "市场监管局" || b["label"] != "市场监管" {
			t.Fatalf("map market: %d %v", s, b)
		}
		s, _, b = officer.do("GET", "/api/v1/sources", "")
		items, _ := b["items"].([]any)
		if s != 200 || len(items) != 7 {
			t.Fatalf("sources: %d %v", s, b)
		}
		for _, it := range items {
			m := it.(map[string]any)
			if m["source"] == "market" && m["unit_id"] != market || m["source"] == "tax" && m["unit_id"] != nil {
				t.Fatalf("source %v", m)
			}
		}
	})

	const extract = "统一社会信用代码,企业名称,所属乡镇(街道)\n91110108MA01B2C3D0,东风物流有限公司,东风街道\n"
	counts := func() string {
		var imports, orgs int64
		st.DB().Raw("SELECT count(*) FROM roster_imports").Scan(&imports)
		st.DB().Raw("SELECT count(*) FROM organizations").Scan(&orgs)
		return jsonText(map[string]int64{"imports": imports, "organizations": orgs})
	}
	t.Run("403OthersNamingWhoMay", func(t *testing.T) {
		before := counts()
		for _, c := range []struct {
			who    *client
			source string
			detail string
		}{
			{officer, "market", "市场监管名册只能由市场监管局的联络员或管理员上报"},
			{liaisonTax, "market", "市场监管名册只能由市场监管局的联络员或管理员上报"},
			{liaisonMarket, "social", "社保名册尚未指定对接部门，只能由管理员上报"},
		} {
			s, b := c.who.upload(c.source, extract)
			if s != 403 || !strings.Contains(b["detail"].(string), c.detail) {
				t.Fatalf("%s uploads %s: %d %v", c.who.token[:4], c.source, s, b)
			}
		}
		if after := counts(); after != before {
			t.Fatalf("refused uploads changed something: %s → %s", before, after)
		}
	})
	t.Run("ReadOnlyTheDepartmentsImports", func(t *testing.T) {
		lm := domain.Principal{Username: "liaison-market", Memberships: []domain.Membership{{UnitID: market, Role: domain.RoleLiaison}}}
		imp, err := st.CreateImport(ctx, lm, "market", "m.csv", strings.NewReader(extract), 1<<20, "")
		if err != nil || imp.UnitID != market {
			t.Fatalf("the market's liaison delivers: %+v %v", imp, err)
		}
		byAdmin, err := st.CreateImport(ctx, domain.Principal{Username: "admin", Admin: true}, "market", "m.csv", strings.NewReader(extract), 1<<20, "")
		if err != nil {
			t.Fatal(err)
		}
		for _, path := range []string{"/api/v1/roster-imports/" + imp.ID, "/api/v1/roster-imports/" + imp.ID + "/rejects"} {
			for _, c := range []*client{officer, liaisonTax} {
				if s, h, b := c.do("GET", path, ""); s != 404 {
					wantProblem(t, s, h, b, 404)
				}
			}
			if s, _, b := liaisonMarket.do("GET", path, ""); s != 200 {
				t.Fatalf("the market's liaison reads %s: %d %v", path, s, b)
			}
		}
		if s, _, b := liaisonMarket.do("GET", "/api/v1/roster-imports/"+byAdmin.ID, ""); s != 200 || b["status"] != string(domain.ImportPending) {
			t.Fatalf("the market's liaison reads an admin's market import: %d %v", s, b)
		}
	})
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestSourceConflicts: a department's liaison sees the conflicts their own source is part of
// (and within an organization only those fields), never another department's; who may not
// deliver the source gets 403.
func TestSourceConflicts(t *testing.T) {
	srv, st := newServer(t)
	admin := login(t, srv.URL, "admin", "admin-password")
	county := mkUnit(t, st, "西城县", domain.NetRegion, domain.KindCounty, nil)
	mkUnit(t, st, "东街道", domain.NetRegion, domain.KindTownship, &county)
	depts := map[string]string{}
	for _, d := range []struct{ source, name, liaison string }{{"market", "市场监管局", "liaison-market"}, {"tax", "税务局", "liaison-tax"}, {"social", "人社局", "liaison-social"}} {
		u := mkUnit(t, st, d.name, domain.NetDepartment, domain.KindDepartment, nil)
		depts[d.source] = u.ID
		if s, _, b := admin.do("POST", "/api/v1/users", `{"username":"`+d.liaison+`","password":"password-123","memberships":[{"unit_id":"`+u.ID+`","role":"liaison"}]}`); s != 201 {
			t.Fatalf("user: %d %v", s, b)
		}
		if s, _, b := admin.do("PUT", "/api/v1/sources/"+d.source, `{"unit_id":"`+u.ID+`"}`); s != 200 {
			t.Fatalf("map %s: %d %v", d.source, s, b)
		}
	}
	const x, y, z = "91110108551385082Q", "9144030071526726XG", "91350100M000100Y43"
	importInto(t, st, "market",
		store.StagedRow{Row: 2, USCC: x, Name: "甲科技有限公司", Township: "东街道", Employees: new(12)},
		store.StagedRow{Row: 3, USCC: y, Name: "乙贸易有限公司", Township: "东街道"},
		store.StagedRow{Row: 4, USCC: z, Name: "丙食品有限公司", Township: "东街道", Employees: new(5)})
	importInto(t, st, "tax",
		store.StagedRow{Row: 2, USCC: x, Name: "甲科技有限公司", Township: "东街道", Employees: new(15)},
		store.StagedRow{Row: 3, USCC: y, Name: "乙贸易有限公司", Township: "东街道", Employees: new(30)})
	importInto(t, st, "social", store.StagedRow{Row: 2, USCC: y, Name: "乙贸易有限公司", Township: "东街道", Employees: new(40)})

	seen := func(c *client, source string) string {
		t.Helper()
		s, _, b := c.do("GET", "/api/v1/sources/"+source+"/conflicts", "")
		if s != 200 {
			t.Fatalf("%s conflicts: %d %v", source, s, b)
		}
		var out []string
		for _, it := range b["items"].([]any) {
			o := it.(map[string]any)
			for _, cf := range o["conflicts"].([]any) {
				cf := cf.(map[string]any)
				var says []string
				for _, v := range cf["values"].([]any) {
					says = append(says, v.(map[string]any)["source"].(string))
				}
				out = append(out, o["name"].(string)+":"+cf["field"].(string)+":"+strings.Join(says, "+"))
			}
		}
		return strings.Join(out, " ")
	}
	market := login(t, srv.URL, "liaison-market", "password-123")
	tax := login(t, srv.URL, "liaison-tax", "password-123")
	social := login(t, srv.URL, "liaison-social", "password-123")
	for _, c := range []struct {
		who          *client
		source, want string
	}{
		{market, "market", "甲科技有限公司:employees:market+tax"}, // not 乙: market says nothing of its employees
		{tax, "tax", "甲科技有限公司:employees:market+tax 乙贸易有限公司:employees:tax+social"},
		{social, "social", "乙贸易有限公司:employees:tax+social"},
		{admin, "market", "甲科技有限公司:employees:market+tax"},
	} {
		if got := seen(c.who, c.source); got != c.want {
			t.Errorf("%s: got %q, want %q", c.source, got, c.want)
		}
	}
	t.Run("403ForAnotherDepartmentsSource", func(t *testing.T) {
		s, h, b := market.do("GET", "/api/v1/sources/tax/conflicts", "")
		wantProblem(t, s, h, b, 403)
		if !strings.Contains(b["detail"].(string), "税务局") {
			t.Errorf("the refusal does not name who may: %v", b)
		}
	})
	t.Run("404UnknownSource", func(t *testing.T) {
		s, h, b := market.do("GET", "/api/v1/sources/weather/conflicts", "")
		wantProblem(t, s, h, b, 404)
	})
}
