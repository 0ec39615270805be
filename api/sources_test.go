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
