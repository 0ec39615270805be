package main_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestEmbeddedTemporalDiskFigures (make bench-disk; skipped unless TANDEM_DISK_BENCH_ORGS is
// set) measures the embedded Temporal server's file: the real `tandem dev` binary
// (TANDEM_BINARY picks another build, such as one from before the vacuum), a roster of
// TANDEM_DISK_BENCH_ORGS organizations in ten townships, two census rounds over the county, each
// verification claimed and completed through the API by its township's inspector, and after
// each round a wait of TANDEM_TEMPORAL_RETENTION (TANDEM_DISK_BENCH_RETENTION, default 1m) and
// two minutes more (deletion timers, jitter, the minutely vacuum). It logs the file sizes as
// `figures:` lines; it fails only if the rounds do not complete.
func TestEmbeddedTemporalDiskFigures(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("TANDEM_DISK_BENCH_ORGS"))
	if n <= 0 {
		t.Skip("minutes long: make bench-disk (TANDEM_DISK_BENCH_ORGS=10000)")
	}
	retention := os.Getenv("TANDEM_DISK_BENCH_RETENTION")
	if retention == "" {
		retention = "1m"
	}
	wait, err := time.ParseDuration(retention)
	if err != nil {
		t.Fatalf("TANDEM_DISK_BENCH_RETENTION %q: a Go duration such as 1m", retention)
	}
	settle := wait + 2*time.Minute
	data := t.TempDir()
	p := startDev(t, data, "", "TANDEM_TEMPORAL_RETENTION="+retention)
	admin := loginAs(t, p.base, "admin", adminPassword)
	county := admin.unit("青山县", "region", "county", nil)
	admin.must(201, "POST", "/users", map[string]any{"username": "officer-county", "password": "password-officer-county",
		"memberships": []map[string]string{{"unit_id": county, "role": "officer"}}})
	const towns = 10
	var csv strings.Builder
	csv.WriteString("统一社会信用代码,企业名称,所属乡镇(街道)\n")
	inspectors := make([]*session, towns)
	for k := range towns {
		name := fmt.Sprintf("第%d镇", k+1)
		town := admin.unit(name, "region", "township", county)
		user := fmt.Sprintf("inspector-%d", k)
		admin.must(201, "POST", "/users", map[string]any{"username": user, "password": "password-" + user,
			"memberships": []map[string]string{{"unit_id": town, "role": "inspector"}}})
		inspectors[k] = loginAs(t, p.base, user, "password-"+user)
		for i := k; i < n; i += towns {
			fmt.Fprintf(&csv, "%s,第%d号测试企业有限公司,%s\n", usccFor(i), i, name)
		}
	}
	roster := filepath.Join(t.TempDir(), "market.csv")
	if err := os.WriteFile(roster, []byte(csv.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	id := admin.uploadNoWait("market", roster)
	for deadline := time.Now().Add(10 * time.Minute); admin.must(200, "GET", "/roster-imports/"+id, nil)["status"] != "done"; time.Sleep(time.Second) {
		if time.Now().After(deadline) {
			t.Fatal("the roster import did not finish in 10 minutes")
		}
	}
	officer := loginAs(t, p.base, "officer-county", "password-officer-county")

	size := func(name string) int64 {
		fi, err := os.Stat(filepath.Join(data, name))
		if err != nil {
			return 0
		}
		return fi.Size()
	}
	mib := func(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }
	t.Logf("figures: binary %s, %d organizations, TANDEM_TEMPORAL_RETENTION=%s (a build before it ignores it); before the first round temporal.db %s", binary, n, retention, mib(size("temporal.db")))
	for round := 1; round <= 2; round++ {
		began := time.Now()
		officer.must(202, "POST", "/census-rounds", map[string]any{"unit_id": county, "select": "all"})
		var wg sync.WaitGroup
		errs := make(chan error, towns)
		for k, s := range inspectors {
			want := (n - k + towns - 1) / towns
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := completeVerifications(s, want, began.Add(60*time.Minute)); err != nil {
					errs <- fmt.Errorf("inspector-%d: %w", k, err)
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		took := time.Since(began)
		closed := size("temporal.db")
		time.Sleep(settle)
		t.Logf("figures: round %d: %d verifications completed in %v (%.0f/s); temporal.db %s when the last closed, %s (WAL %s) %v later",
			round, n, took.Round(time.Second), float64(n)/took.Seconds(), mib(closed), mib(size("temporal.db")), mib(size("temporal.db-wal")), settle)
	}
}

// completeVerifications claims and completes census.verify tasks of s's inbox until want are
// done (each organization found not operating: no follow-up process), or the deadline passes.
func completeVerifications(s *session, want int, deadline time.Time) error {
	result := map[string]any{"result": map[string]any{"operating": false, "employees": 0, "formal_members": 0, "probationary_members": 0, "party_org": "none"}}
	call := func(method, path string, body any, out any) (int, error) {
		var r *bytes.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			r = bytes.NewReader(b)
		} else {
			r = bytes.NewReader(nil)
		}
		req, _ := http.NewRequest(method, s.base+"/api/v1"+path, r)
		req.Header.Set("Authorization", "Bearer "+s.token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, err
		}
		defer res.Body.Close()
		if out != nil {
			_ = json.NewDecoder(res.Body).Decode(out)
		}
		return res.StatusCode, nil
	}
	for done := 0; done < want; {
		if time.Now().After(deadline) {
			return fmt.Errorf("%d of %d completed by the deadline", done, want)
		}
		var page struct {
			Items []struct{ ID, Status string } `json:"items"`
		}
		if status, err := call("GET", "/tasks?kind=census.verify&limit=200", nil, &page); err != nil || status != 200 {
			return fmt.Errorf("list: %d %v", status, err)
		}
		if len(page.Items) == 0 {
			time.Sleep(500 * time.Millisecond) // the round is still starting verifications
			continue
		}
		for _, it := range page.Items {
			if it.Status == "open" {
				if status, err := call("POST", "/tasks/"+it.ID+"/claim", nil, nil); err != nil || status != 200 {
					return fmt.Errorf("claim %s: %d %v", it.ID, status, err)
				}
			}
			if status, err := call("POST", "/tasks/"+it.ID+"/complete", result, nil); err != nil || status != 200 {
				return fmt.Errorf("complete %s: %d %v", it.ID, status, err)
			}
			done++
		}
	}
	return nil
}
