package main_test

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

// TestUploadRetentionEndToEnd: past the upload quota the real binary answers 429; restarted 91
// days later (TANDEM_TEST_CLOCK), its housekeeping deletes the merged import's file and the
// import says so, counts intact.
func TestUploadRetentionEndToEnd(t *testing.T) {
	eachDatabase(t, func(t *testing.T, db, dbURL string) {
		t.Setenv("TANDEM_UPLOAD_QUOTA", "1KiB")
		t.Setenv("TANDEM_ADMIN_UPLOAD_QUOTA", "1KiB")
		data := t.TempDir()
		p := startDev(t, data, dbURL)
		admin := loginAs(t, p.base, "admin", adminPassword)
		const file = "../../roster/testdata/market-gbk.csv" // 529 bytes
		market := admin.upload("market", file)
		raw, _ := os.ReadFile(file)
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		_ = w.WriteField("source", "market")
		fw, _ := w.CreateFormFile("file", "market-gbk.csv")
		_, _ = fw.Write(raw)
		_ = w.Close()
		req, _ := http.NewRequest("POST", p.base+"/api/v1/roster-imports", &buf)
		req.Header.Set("Content-Type", w.FormDataContentType())
		req.Header.Set("Authorization", "Bearer "+admin.token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var problem map[string]any
		_ = json.NewDecoder(res.Body).Decode(&problem)
		res.Body.Close()
		if res.StatusCode != 429 || res.Header.Get("Retry-After") == "" || !strings.Contains(problem["detail"].(string), "1 KiB") {
			t.Fatalf("second upload past a 1 KiB quota: %d %q %v", res.StatusCode, res.Header.Get("Retry-After"), problem)
		}
		p.kill(t)

		t.Setenv("TANDEM_TEST_CLOCK", time.Now().Add(91*24*time.Hour).Format(time.RFC3339))
		p = startDev(t, data, dbURL)
		admin = loginAs(t, p.base, "admin", adminPassword)
		var imp map[string]any
		for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
			if imp = admin.must(200, "GET", "/roster-imports/"+market["id"].(string), nil); imp["file_removed_at"] != nil {
				break
			}
		}
		if imp["file_removed_at"] == nil || imp["status"] != "done" || imp["sha256"] != market["sha256"] {
			t.Fatalf("91 days after the merge, housekeeping did not remove the file: %v", imp)
		}
		wantCounts(t, "market after removal", counts(imp), counts(market))
		// The first upload has left the quota's window.
		admin.uploadNoWait("market", file)
	})
}
