package api_test

import (
	"bytes"
	"context"
	"io"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"tandem/domain"
	"tandem/store"
)

// documentsFixture: a county 西城县 with township 东街道 (which has a park) and 西街道, organizations in
// each, a township officer and a county officer. The store's clock stands at 20:21 UTC on
// 1 December 2026, 04:21 on 2 December in Shanghai: the UTC and Shanghai dates differ.
type documentsFixture struct {
	srv                  string
	st                   *store.Store
	admin, town, county  *client
	countyID, townID     string
	periodID, halfPeriod string
	registration         string
}

// utcStamp is an RFC 3339 time in UTC, as Go prints one.
var utcStamp = regexp.MustCompile(`\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?( ?Z| \+0000 UTC)`)

var docNow = time.Date(2026, 12, 1, 20, 21, 0, 0, time.UTC)

func newDocumentsFixture(t *testing.T) documentsFixture {
	srv, st := newServer(t)
	// The documents' instant, set before logging in: a token issued on another day (the
	// awkward-days run moves the tests' day) would have expired at docNow.
	st.Now = func() time.Time { return docNow }
	ctx := context.Background()
	admin := login(t, srv.URL, "admin", "admin-password")
	mk := func(body string) string {
		s, _, b := admin.do("POST", "/api/v1/units", body)
		if s != 201 {
			t.Fatalf("unit %s: %d %v", body, s, b)
		}
		return b["id"].(string)
	}
	county := mk(`{"name":"西城县","net":"region","kind":"county"}`)
	east := mk(`{"name":"东街道","net":"region","kind":"township","parent_id":"` + county + `"}`)
	park := mk(`{"name":"科技园","net":"region","kind":"park","parent_id":"` + east + `"}`)
	west := mk(`{"name":"西街道","net":"region","kind":"township","parent_id":"` + county + `"}`)
	for _, u := range []struct{ name, unit string }{{"officer-east", east}, {"officer-county", county}} {
		if s, _, b := admin.do("POST", "/api/v1/users", `{"username":"`+u.name+`","password":"password-123","memberships":[{"unit_id":"`+u.unit+`","role":"officer"}]}`); s != 201 {
			t.Fatalf("user %s: %d %v", u.name, s, b)
		}
	}
	path := func(id string) string {
		var p string
		st.DB().Raw(`SELECT path FROM units WHERE id = ?`, id).Scan(&p)
		return p
	}
	visited := docNow
	for _, o := range []struct {
		uscc, name, coverage, unit string
	}{
		{"91350100M000100Y43", "甲精密机械有限公司", "single", east},
		{"91110108MA01B2C3D0", "乙物流有限公司", "none", east},
		{"91310000MA1FL0000N", "丙软件有限公司", "joint", park},
		{"91440300MA5F00001A", "丁传媒有限公司", "none", west},
	} {
		if err := st.DB().Exec(`INSERT INTO organizations (uscc, name, region_unit_id, region_path, region_owners, industry_path, coverage,
			operating, visited_at, created_at, updated_at) VALUES (?, ?, ?, ?, 1, '', ?, TRUE, ?, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`,
			o.uscc, o.name, o.unit, path(o.unit), o.coverage, visited).Error; err != nil {
			t.Fatal(err)
		}
	}
	p, _, err := st.OpenPeriod(ctx, "monthly", "2026-11", "manual", "admin", docNow.AddDate(0, 0, -7), docNow.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.MakeBulletin(ctx, p.ID, county, "2026-11", "2026-10"); err != nil {
		t.Fatal(err)
	}
	h, _, err := st.OpenPeriod(ctx, "half-year", "2026-H2", "manual", "admin", docNow.AddDate(0, 0, -7), docNow.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	as, err := st.OpenAssessments(ctx, h.ID, 0)
	if err != nil || len(as) == 0 {
		t.Fatalf("assessments %v %v", as, err)
	}
	if err := st.LockAssessment(ctx, as[0].AssessmentID, domain.Marks{}, map[string]float64{}, domain.AsOf{}, domain.Outcome{Grade: "好"}, "off", ""); err != nil {
		t.Fatal(err)
	}
	reg, err := st.ReportRegistration(ctx, "admin", store.RegistrationReport{USCC: "91320500MA1N000022", Name: "戊科技有限公司", Township: "东街道",
		Event: "new"}, docNow.AddDate(0, 0, 7))
	if err != nil {
		t.Fatal(err)
	}
	return documentsFixture{registration: reg.ID, srv: srv.URL, st: st, admin: admin, town: login(t, srv.URL, "officer-east", "password-123"),
		county: login(t, srv.URL, "officer-county", "password-123"), countyID: county, townID: east, periodID: p.ID, halfPeriod: h.ID}
}

func (c *client) raw(path string) (int, string, []byte) {
	c.t.Helper()
	req, _ := http.NewRequest("GET", c.base+path, nil)
	req.Header.Set("Authorization", "Bearer "+c.token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header.Get("Content-Type"), b
}

// xlsxText is every cell of every sheet of a workbook, one per line.
func xlsxText(t *testing.T, b []byte) string {
	t.Helper()
	x, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	var out []string
	for _, sh := range x.GetSheetList() {
		rows, _ := x.GetRows(sh)
		for _, r := range rows {
			out = append(out, strings.Join(r, "|"))
		}
	}
	return strings.Join(out, "\n")
}

// TestNoDocumentPrintsUTC: with the clock where the UTC and Shanghai dates differ, every document
// and export prints Shanghai's date and time (2日, 04:21) and never UTC's (1日 20:21, a Z).
func TestNoDocumentPrintsUTC(t *testing.T) {
	fx := newDocumentsFixture(t)
	docs := map[string]string{
		"bulletin html": "/api/v1/periods/" + fx.periodID + "/bulletins/" + fx.countyID + "?format=html",
		"bulletin xlsx": "/api/v1/periods/" + fx.periodID + "/bulletins/" + fx.countyID + "?format=xlsx",
		"ledger":        "/api/v1/ledgers/" + fx.countyID,
		"assessments":   "/api/v1/periods/" + fx.halfPeriod + "/assessments?format=xlsx",
		"prompt letter": "/api/v1/registrations/" + fx.registration + "/letter",
	}
	for name, path := range docs {
		status, ctype, body := fx.admin.raw(path)
		if status != 200 {
			t.Fatalf("%s: %d %s", name, status, body)
		}
		text := string(body)
		if strings.Contains(ctype, "spreadsheetml") {
			text = xlsxText(t, body)
		}
		if !strings.Contains(text, "2026年12月2日") {
			t.Errorf("%s does not print the Shanghai date 2026年12月2日:\n%s", name, text)
		}
		for _, utc := range []string{"20:21", "2026-12-01", "12月1日"} {
			if strings.Contains(text, utc) {
				t.Errorf("%s prints the UTC time (%q):\n%s", name, utc, text)
			}
		}
		if m := utcStamp.FindString(text); m != "" {
			t.Errorf("%s prints a UTC timestamp %q", name, m)
		}
	}
}

// TestBulletinDocument: the printed bulletin names the county and the period in its title, says who
// issues it under which 文号 on which date, prints each rate with its numerator and denominator,
// keeps the park as its own row, and says which instant its figures describe.
func TestBulletinDocument(t *testing.T) {
	fx := newDocumentsFixture(t)
	_, _, html := fx.county.raw("/api/v1/periods/" + fx.periodID + "/bulletins/" + fx.countyID + "?format=html")
	_, _, xb := fx.county.raw("/api/v1/periods/" + fx.periodID + "/bulletins/" + fx.countyID + "?format=xlsx")
	xlsx := xlsxText(t, xb)
	for _, want := range []string{"西城县2026年11月两新组织“双同步”工作通报", "西城县两新通〔2026〕11号", "2026年12月2日",
		"东街道（不含园区）", "科技园", "东街道小计", "50.0%（1/2）", "100.0%（1/1）", "66.7%（2/3）", "50.0%（2/4）",
		"数据截至2026年12月2日 04:21（2026年11月数据报送结束时的状态）"} {
		if !strings.Contains(string(html), want) {
			t.Errorf("the printed bulletin lacks %q", want)
		}
		if !strings.Contains(xlsx, want) {
			t.Errorf("the bulletin workbook lacks %q", want)
		}
	}
	if _, _, letter := fx.admin.raw("/api/v1/registrations/" + fx.registration + "/letter"); !strings.Contains(string(letter), "东街道<br>2026年12月2日") {
		t.Errorf("the prompt letter does not name its issuing unit above its date:\n%s", letter)
	}
	x, _ := excelize.OpenReader(bytes.NewReader(xb))
	if w, _ := x.GetColWidth("通报", "A"); w < 20 {
		t.Errorf("the unit column is %v wide: names do not fit", w)
	}
	_, _, ab := fx.admin.raw("/api/v1/periods/" + fx.halfPeriod + "/assessments?format=xlsx")
	if a := xlsxText(t, ab); !strings.Contains(a, "已锁定") || strings.Contains(a, "locked") || !strings.Contains(a, "2026年下半年") {
		t.Errorf("the assessments export prints status words or its title wrong:\n%s", a)
	}
}

// TestCoverageReportDefaultsToCallersUnits: without unit=, a township officer gets their township's
// row (not an empty list), a county officer the county's; an admin every county (the fixture's
// registration adds a fifth organization in 东街道).
func TestCoverageReportDefaultsToCallersUnits(t *testing.T) {
	fx := newDocumentsFixture(t)
	for _, tc := range []struct {
		who       *client
		name      string
		operating float64
	}{{fx.town, "东街道", 4}, {fx.county, "西城县", 5}, {fx.admin, "西城县", 5}} {
		s, _, b := tc.who.do("GET", "/api/v1/reports/coverage", "")
		items, _ := b["items"].([]any)
		if s != 200 || len(items) != 1 {
			t.Fatalf("%s: %d %v", tc.name, s, b)
		}
		it := items[0].(map[string]any)
		if it["name"] != tc.name || it["operating"] != tc.operating {
			t.Errorf("coverage without unit= gives %v, want %s with %v operating", it, tc.name, tc.operating)
		}
	}
}

// TestDocumentNumbers (#17 §6): a unit's 文号 prefix is configurable (PATCH /units/{id}
// doc_prefix, audited); the bulletin carries the county's, the prompt letter its township's,
// numbered in the township's year when first printed and kept on reprints; a bad prefix is a
// 422 naming doc_prefix in Chinese.
func TestDocumentNumbers(t *testing.T) {
	fx := newDocumentsFixture(t)
	letter := func(id string) string {
		t.Helper()
		s, _, b := fx.admin.raw("/api/v1/registrations/" + id + "/letter")
		if s != 200 {
			t.Fatalf("letter: %d %s", s, b)
		}
		return string(b)
	}
	if l := letter(fx.registration); !strings.Contains(l, "东街道两新提〔2026〕1号") {
		t.Errorf("the default letter number is missing:\n%s", l)
	}
	for _, bad := range []string{`"西党建〔2026〕"`, `"西党建1"`, `"` + strings.Repeat("党", domain.MaxDocPrefix+1) + `"`} {
		s, _, b := fx.admin.do("PATCH", "/api/v1/units/"+fx.countyID, `{"doc_prefix":`+bad+`}`)
		fields, _ := b["errors"].([]any)
		if s != 422 || len(fields) != 1 || fields[0].(map[string]any)["field"] != "doc_prefix" ||
			!regexp.MustCompile(`\p{Han}`).MatchString(fields[0].(map[string]any)["reason"].(string)) {
			t.Errorf("prefix %s: %d %v", bad, s, b)
		}
	}
	for id, prefix := range map[string]string{fx.countyID: "西党建", fx.townID: "东党建"} {
		if s, _, b := fx.admin.do("PATCH", "/api/v1/units/"+id, `{"doc_prefix":"`+prefix+`"}`); s != 200 || b["doc_prefix"] != prefix {
			t.Fatalf("set %s: %d %v", prefix, s, b)
		}
	}
	_, _, html := fx.county.raw("/api/v1/periods/" + fx.periodID + "/bulletins/" + fx.countyID + "?format=html")
	if !strings.Contains(string(html), "西党建〔2026〕11号") || strings.Contains(string(html), "西城县两新通") {
		t.Errorf("the bulletin does not carry the configured 文号:\n%s", html)
	}
	if l := letter(fx.registration); !strings.Contains(l, "东党建提〔2026〕1号") {
		t.Errorf("a reprinted letter keeps its number under the new prefix:\n%s", l)
	}
	reg, err := fx.st.ReportRegistration(context.Background(), "admin", store.RegistrationReport{USCC: "91110108MA01B2C3D0", Name: "乙物流有限公司",
		Township: "东街道", Event: "changed"}, docNow.AddDate(0, 0, 7))
	if err != nil {
		t.Fatal(err)
	}
	if l := letter(reg.ID); !strings.Contains(l, "东党建提〔2026〕2号") {
		t.Errorf("the next letter of the township's year is not 2号:\n%s", l)
	}
	var audits int64
	fx.st.DB().Raw(`SELECT count(*) FROM audit_events WHERE action IN ('registration.letter_number', 'unit.change')`).Scan(&audits)
	if audits != 4 { // two numbers issued, two prefixes set
		t.Errorf("%d audit records, want 4", audits)
	}
}

// TestDownloadNames: every download is named in Chinese for people (RFC 5987 filename*, which
// browsers use) with an ASCII filename="…" beside it for older clients; the ledger names its
// unit and the month it was exported in (Shanghai's: 2026-12 while UTC still says 2026-12-01).
func TestDownloadNames(t *testing.T) {
	fx := newDocumentsFixture(t)
	for path, want := range map[string]string{
		"/api/v1/ledgers/" + fx.countyID: `attachment; filename="ledger-2026-12.xlsx"; filename*=UTF-8''` +
			url.PathEscape("西城县-台账-2026-12.xlsx"),
		"/api/v1/periods/" + fx.periodID + "/bulletins/" + fx.countyID + "?format=xlsx": `attachment; filename="bulletin-2026-11-` +
			fx.countyID + `.xlsx"; filename*=UTF-8''` + url.PathEscape("西城县-通报-2026年11月.xlsx"),
	} {
		req, _ := http.NewRequest("GET", fx.admin.base+path, nil)
		req.Header.Set("Authorization", "Bearer "+fx.admin.token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = res.Body.Close()
		got := res.Header.Get("Content-Disposition")
		if res.StatusCode != 200 || got != want {
			t.Errorf("%s: %d\n got %s\nwant %s", path, res.StatusCode, got, want)
		}
		_, params, err := mime.ParseMediaType(got)
		if err != nil || !strings.HasSuffix(params["filename"], ".xlsx") || !strings.HasPrefix(params["filename"], "西城县-") {
			t.Errorf("%s: Go's mime reads %v (%v)", path, params, err)
		}
	}
}
