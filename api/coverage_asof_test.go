package api_test

import (
	"net/url"
	"testing"
	"time"
)

// TestCoverageReportAsOfAnInstant (#17 §4): over HTTP, ?as_of=<RFC 3339> answers the state at
// that instant from the history (basis instant) and no as_of the state now.
func TestCoverageReportAsOfAnInstant(t *testing.T) {
	srv, st := newServer(t)
	admin := login(t, srv.URL, "admin", "admin-password")
	s, _, b := admin.do("POST", "/api/v1/units", `{"name":"西城县","net":"region","kind":"county"}`)
	if s != 201 {
		t.Fatalf("unit: %d %v", s, b)
	}
	county, path := b["id"].(string), ""
	st.DB().Raw(`SELECT path FROM units WHERE id = ?`, county).Scan(&path)
	now := st.Now()
	if err := st.DB().Exec(`INSERT INTO organizations (uscc, name, region_unit_id, region_path, region_owners, coverage, operating, created_at, updated_at)
		VALUES ('91350100M000100Y43', '甲精密机械有限公司', ?, ?, 1, 'none', TRUE, ?, ?)`, county, path, now.Add(-2*time.Hour), now.Add(-2*time.Hour)).Error; err != nil {
		t.Fatal(err)
	}
	if err := st.DB().Exec(`UPDATE organizations SET coverage = 'single', updated_at = ? WHERE uscc = '91350100M000100Y43'`, now.Add(-time.Hour)).Error; err != nil {
		t.Fatal(err)
	}
	report := func(asOf string) (single float64, basis string) {
		t.Helper()
		q := "/api/v1/reports/coverage?unit=" + county
		if asOf != "" {
			q += "&as_of=" + url.QueryEscape(asOf)
		}
		s, _, b := admin.do("GET", q, "")
		items, _ := b["items"].([]any)
		if s != 200 || len(items) != 1 {
			t.Fatalf("%s: %d %v", q, s, b)
		}
		return items[0].(map[string]any)["single"].(float64), b["figures_as_of"].(map[string]any)["basis"].(string)
	}
	if single, basis := report(now.Add(-90 * time.Minute).Format(time.RFC3339)); single != 0 || basis != "instant" {
		t.Errorf("before the formation: single %v, basis %s; want 0, instant", single, basis)
	}
	if single, basis := report(""); single != 1 || basis != "now" {
		t.Errorf("now: single %v, basis %s; want 1, now", single, basis)
	}
}
