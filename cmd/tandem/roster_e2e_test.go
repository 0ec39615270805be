package main_test

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

func (s *session) upload(source, path string) map[string]any {
	s.t.Helper()
	id := s.uploadNoWait(source, path)
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		imp := s.must(200, "GET", "/roster-imports/"+id, nil)
		switch imp["status"] {
		case "done":
			return imp
		case "failed":
			s.t.Fatalf("import %s failed: %v", path, imp["error"])
		}
	}
	s.t.Fatalf("import %s not done in 30s", path)
	return nil
}

// uploadNoWait uploads a roster and returns the import's ID at once.
func (s *session) uploadNoWait(source, path string) string {
	s.t.Helper()
	status, out := s.uploadStatus(source, path)
	if status != 202 {
		s.t.Fatalf("upload %s: %d %v", path, status, out)
	}
	return out["id"].(string)
}

// uploadStatus uploads a roster and returns the status and the body, whatever they are.
func (s *session) uploadStatus(source, path string) (int, map[string]any) {
	s.t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		s.t.Fatal(err)
	}
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	_ = w.WriteField("source", source)
	fw, _ := w.CreateFormFile("file", path[strings.LastIndex(path, "/")+1:])
	_, _ = fw.Write(data)
	w.Close()
	req, _ := http.NewRequest("POST", s.base+"/api/v1/roster-imports", &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+s.token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(res.Body).Decode(&out)
	return res.StatusCode, out
}

func counts(imp map[string]any) map[string]int {
	out := map[string]int{}
	for k, v := range imp["counts"].(map[string]any) {
		out[k] = int(v.(float64))
	}
	return out
}

func wantCounts(t *testing.T, name string, got map[string]int, want map[string]int) {
	t.Helper()
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %s = %d, want %d (all: %v)", name, k, got[k], v, got)
		}
	}
}

// TestRosterEndToEnd is scenario 3 of acceptance.md: a GBK market CSV, a tax XLSX with its
// header on row 2 and a social-security CSV with a BOM merge into one roster by credit code;
// bad codes are rejected with reasons; disagreements are conflicts with every source kept; the
// same file again changes nothing.
func TestRosterEndToEnd(t *testing.T) {
	eachDatabase(t, func(t *testing.T, db, dbURL string) {
		p := startDev(t, t.TempDir(), dbURL)
		admin := loginAs(t, p.base, "admin", adminPassword)
		county := admin.unit("青山县", "region", "county", nil)
		for _, name := range []string{"东风街道", "南湖镇"} {
			admin.unit(name, "region", "township", county)
		}
		const dir = "../../roster/testdata/"
		market := admin.upload("market", dir+"market-gbk.csv")
		wantCounts(t, "market", counts(market), map[string]int{"rows": 7, "accepted": 4, "rejected": 3, "warnings": 1, "new": 4, "changed": 0, "unchanged": 0, "conflicts": 0})
		tax := admin.upload("tax", dir+"tax-header-row2.xlsx")
		wantCounts(t, "tax", counts(tax), map[string]int{"rows": 4, "accepted": 3, "rejected": 1, "new": 0, "changed": 2, "unchanged": 0, "conflicts": 2})
		social := admin.upload("social", dir+"social-bom.csv")
		wantCounts(t, "social", counts(social), map[string]int{"rows": 2, "accepted": 2, "rejected": 0, "new": 0, "changed": 2, "conflicts": 1})
		again := admin.upload("market", dir+"market-gbk.csv")
		wantCounts(t, "market again", counts(again), map[string]int{"rows": 7, "accepted": 4, "rejected": 3, "new": 0, "changed": 0, "unchanged": 4, "conflicts": 2})

		rejects := admin.must(200, "GET", "/roster-imports/"+market["id"].(string)+"/rejects", nil)["items"].([]any)
		var got []string
		for _, r := range rejects {
			m := r.(map[string]any)
			got = append(got, jsonNum(m["row"])+":"+m["reason"].(string)+":"+m["raw"].(string))
		}
		if strings.Join(got, " ") != "5:uscc_checksum:91110108551385082A 6:uscc_legacy:110108001234567 8:uscc_missing:" {
			t.Errorf("rejects %v", got)
		}

		orgs := admin.must(200, "GET", "/organizations?limit=200", nil)["items"].([]any)
		if len(orgs) != 4 {
			t.Fatalf("%d organizations, want 4", len(orgs))
		}
		org := admin.must(200, "GET", "/organizations/91110108551385082Q", nil)
		conflicts := org["conflicts"].([]any)
		if len(conflicts) != 1 || conflicts[0].(map[string]any)["field"] != "employees" || len(conflicts[0].(map[string]any)["values"].([]any)) != 3 {
			t.Fatalf("conflicts of 91110108551385082Q: %v", conflicts)
		}
		if th := org["three_haves"].(map[string]any); th["operating"] != true || th["employees"] != true || th["min_employees"] != float64(3) {
			t.Fatalf("三有 of 91110108551385082Q: %v", th)
		}
		if len(org["sources"].([]any)) != 3 || org["region_unit_id"] == nil {
			t.Fatalf("organization %v", org)
		}
		resp := admin.must(200, "GET", "/reports/responsibility?net=region", nil)
		problems := map[string]string{}
		for _, it := range resp["items"].([]any) {
			m := it.(map[string]any)
			problems[m["uscc"].(string)] = m["problem"].(string)
		}
		if problems["914403001922038216"] != "none" || problems["9144030071526726XG"] != "multiple" || len(problems) != 2 {
			t.Fatalf("responsibility %v", problems)
		}
		// On the industry net nothing is mapped yet: all four count in 青山县 — the two with a
		// township there, and the two without one township, which 青山县 (the region root) resolves.
		ind := admin.must(200, "GET", "/reports/responsibility?net=industry", nil)["counts"].(map[string]any)
		byCounty := ind["by_county"].([]any)
		if ind["none"] != float64(4) || len(byCounty) != 1 || byCounty[0].(map[string]any)["none"] != float64(4) {
			t.Fatalf("industry counts %v", ind)
		}

		// An officer's resolution settles the conflict; an alias gives 老城街道 an owner.
		admin.must(200, "POST", "/organizations/91110108551385082Q/resolutions", map[string]any{"field": "employees", "value": "80", "reason": "以社保参保人数为准"})
		if org := admin.must(200, "GET", "/organizations/91110108551385082Q", nil); len(org["conflicts"].([]any)) != 0 || org["employees"] != float64(80) {
			t.Fatalf("after resolution %v", org)
		}
		units := admin.must(200, "GET", "/units?name=南湖镇", nil)["items"].([]any)
		admin.must(200, "POST", "/units/"+units[0].(map[string]any)["id"].(string)+"/aliases", map[string]any{"alias": "老城街道"})
		if org := admin.must(200, "GET", "/organizations/914403001922038216", nil); org["region_unit_id"] == nil {
			t.Fatalf("alias did not resolve: %v", org)
		}

		// Tags from the configurable set filter the roster.
		if status, _ := admin.call("PUT", "/organizations/91110108551385082Q/tags", map[string]any{"tags": []string{"no_such_tag"}}); status != 422 {
			t.Fatalf("unknown tag: %d", status)
		}
		admin.must(200, "PUT", "/organizations/91110108551385082Q/tags", map[string]any{"tags": []string{"high_tech", "above_scale"}})
		if tagged := admin.must(200, "GET", "/organizations?tag=high_tech", nil)["items"].([]any); len(tagged) != 1 {
			t.Fatalf("%d organizations tagged high_tech, want 1", len(tagged))
		}

		res, err := http.NewRequest("GET", p.base+"/api/v1/roster-imports/"+market["id"].(string)+"/rejects?format=csv", nil)
		if err != nil {
			t.Fatal(err)
		}
		res.Header.Set("Authorization", "Bearer "+admin.token)
		r, err := http.DefaultClient.Do(res)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(r.Body)
		r.Body.Close()
		if !bytes.HasPrefix(body, []byte("\xEF\xBB\xBF行号")) || bytes.Count(body, []byte("\n")) != 4 {
			t.Fatalf("rejects CSV:\n%s", body)
		}
	})
}

func jsonNum(v any) string { b, _ := json.Marshal(v); return string(b) }
