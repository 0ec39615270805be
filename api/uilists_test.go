package api_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"tandem/domain"
	"tandem/store"
)

func TestUnitTreeAPI(t *testing.T) {
	srv, _ := newServer(t)
	admin := login(t, srv.URL, "admin", "admin-password")
	mk := func(name, net, kind, parent string) string {
		body := `{"name":"` + name + `","net":"` + net + `","kind":"` + kind + `"`
		if parent != "" {
			body += `,"parent_id":"` + parent + `"`
		}
		s, _, b := admin.do("POST", "/api/v1/units", body+"}")
		if s != 201 {
			t.Fatalf("unit %s: %d %v", name, s, b)
		}
		return b["id"].(string)
	}
	county := mk("西城县", "region", "county", "")
	west := mk("西街道", "region", "township", county)
	mk("东街道", "region", "township", county)
	mk("园区甲", "region", "park", west)
	mk("非公经济行业党委", "industry", "committee", "")
	if s, _, b := admin.do("POST", "/api/v1/users", `{"username":"off-w","password":"password-123","memberships":[{"unit_id":"`+west+`","role":"officer"}]}`); s != 201 {
		t.Fatalf("user: %d %v", s, b)
	}
	var names func(nodes any) string
	names = func(nodes any) string {
		var out []string
		for _, n := range nodes.([]any) {
			m := n.(map[string]any)
			s := m["name"].(string)
			if kids := m["children"].([]any); len(kids) > 0 {
				s += names(kids)
			}
			out = append(out, s)
		}
		return fmt.Sprint(out)
	}
	t.Run("AdminSeesBothNets", func(t *testing.T) {
		s, _, b := admin.do("GET", "/api/v1/units/tree", "")
		if s != 200 || b["count"] != float64(5) {
			t.Fatalf("%d %v", s, b)
		}
		if got := names(b["region"]); got != "[西城县[东街道 西街道[园区甲]]]" {
			t.Fatalf("region %s", got)
		}
		if got := names(b["industry"]); got != "[非公经济行业党委]" {
			t.Fatalf("industry %s", got)
		}
	})
	t.Run("AnOfficerSeesTheirSubtree", func(t *testing.T) {
		off := login(t, srv.URL, "off-w", "password-123")
		_, _, b := off.do("GET", "/api/v1/units/tree?net=region", "")
		if got := names(b["region"]); got != "[西街道[园区甲]]" || b["industry"] != nil {
			t.Fatalf("officer's tree %s %v", got, b)
		}
		s, h, body := off.do("GET", "/api/v1/units/tree?root="+county, "")
		wantProblem(t, s, h, body, 404)
	})
	t.Run("ErrBadNet", func(t *testing.T) {
		s, h, b := admin.do("GET", "/api/v1/units/tree?net=moon", "")
		wantProblem(t, s, h, b, 422)
	})
}

func TestRoundsAndTrendAPI(t *testing.T) {
	srv, st := newServer(t)
	ctx := context.Background()
	admin := login(t, srv.URL, "admin", "admin-password")
	_, _, county := admin.do("POST", "/api/v1/units", `{"name":"西城县","net":"region","kind":"county"}`)
	_, _, town := admin.do("POST", "/api/v1/units", `{"name":"西街道","net":"region","kind":"township","parent_id":"`+county["id"].(string)+`"}`)
	townID := town["id"].(string)
	u, err := st.GetUnit(ctx, domain.Principal{Admin: true}, townID)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.DB().Exec(`INSERT INTO organizations (uscc, name, region_unit_id, region_path, region_owners, industry_owners, coverage, operating,
		created_at, updated_at) VALUES ('91350100M000100Y43', '甲公司', ?, ?, 1, 0, 'single', true, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
		('91110108MA01B2C3D0', '乙公司', ?, ?, 1, 0, 'none', true, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`, u.ID, u.Path, u.ID, u.Path).Error; err != nil {
		t.Fatal(err)
	}
	sys := domain.Principal{Admin: true, Username: "admin"}
	var ids []string
	for range 3 {
		r, err := st.CreateRound(ctx, sys, store.RoundStart{UnitID: townID})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.ID)
	}
	t.Run("RoundsNewestFirstPaged", func(t *testing.T) {
		s, _, b := admin.do("GET", "/api/v1/census-rounds?limit=2&unit="+townID, "")
		items, _ := b["items"].([]any)
		if s != 200 || len(items) != 2 || items[0].(map[string]any)["id"] != ids[2] || items[0].(map[string]any)["total"] != float64(2) {
			t.Fatalf("%d %v", s, b)
		}
		_, _, b = admin.do("GET", "/api/v1/census-rounds?limit=2&cursor="+b["next_cursor"].(string), "")
		if items := b["items"].([]any); len(items) != 1 || items[0].(map[string]any)["id"] != ids[0] || b["next_cursor"] != "" {
			t.Fatalf("page 2 %v", b)
		}
		s, h, b := admin.do("GET", "/api/v1/census-rounds?status=paused", "")
		wantProblem(t, s, h, b, 422)
	})
	t.Run("RoundsSayTheirStatusAndSelectionInChinese", func(t *testing.T) {
		_, _, b := admin.do("GET", "/api/v1/census-rounds?limit=1&unit="+townID, "")
		r := b["items"].([]any)[0].(map[string]any)
		if r["status_label"] != "进行中" || r["select_label"] != "全部组织" {
			t.Fatalf("list labels %v", r)
		}
		_, _, d := admin.do("GET", "/api/v1/census-rounds/"+ids[0], "")
		if d["status_label"] == "" || d["status_label"] == nil || d["select_label"] != "全部组织" {
			t.Fatalf("detail labels %v", d)
		}
	})
	t.Run("Trend", func(t *testing.T) {
		st.Now = func() time.Time { return time.Date(2026, 11, 2, 2, 0, 0, 0, time.UTC) }
		if _, err := st.TakeCoverageSnapshot(ctx, "2026-10"); err != nil {
			t.Fatal(err)
		}
		// Log in again on the moved clock: a token from the real day may lie outside it (make test-dates).
		admin := login(t, srv.URL, "admin", "admin-password")
		s, _, b := admin.do("GET", "/api/v1/reports/coverage/trend?months=3&unit="+county["id"].(string), "")
		if s != 200 {
			t.Fatalf("%d %v", s, b)
		}
		points := b["points"].([]any)
		last := points[2].(map[string]any)
		if len(points) != 3 || points[0].(map[string]any)["taken"] != false || points[0].(map[string]any)["operating"] != nil ||
			last["month"] != "2026-10" || last["taken"] != true ||
			fmt.Sprint(last["organization_coverage"]) != "map[denominator:2 numerator:1 rate:0.5]" {
			t.Fatalf("points %v", points)
		}
		for _, q := range []string{"months=3", "months=37&unit=" + townID, "months=x&unit=" + townID} {
			s, h, b := admin.do("GET", "/api/v1/reports/coverage/trend?"+q, "")
			wantProblem(t, s, h, b, 422)
		}
	})
}

func TestFormsAPI(t *testing.T) {
	srv, _ := newServer(t)
	admin := login(t, srv.URL, "admin", "admin-password")
	s, _, b := admin.do("GET", "/api/v1/forms", "")
	items, _ := b["items"].([]any)
	if s != 200 || len(items) < 20 {
		t.Fatalf("%d %d forms", s, len(items))
	}
	s, _, f := admin.do("GET", "/api/v1/forms/census.verify", "")
	schema, _ := f["schema"].(map[string]any)
	if s != 200 || f["title"] != "实地走访复核" || schema == nil {
		t.Fatalf("%d %v", s, f)
	}
	party := schema["properties"].(map[string]any)["party_org"].(map[string]any)
	if fmt.Sprint(party["x-enum-titles"]) != "[无 单独组建 联合组建 区域兜底]" {
		t.Fatalf("party_org %v", party)
	}
	s, h, b := admin.do("GET", "/api/v1/forms/no.such", "")
	wantProblem(t, s, h, b, 404)
}
