package main_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestDevReadyzDisk: `tandem dev` reports the data folder's disk in /readyz; with a threshold
// above the machine's free space (99.99 %) it stays ready (200), says the disk is low in
// Chinese, and logs the warning once, not at every check.
func TestDevReadyzDisk(t *testing.T) {
	readyz := func(p *devProcess) (int, map[string]any) {
		t.Helper()
		res, err := http.Get(p.base + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var out map[string]any
		if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
			t.Fatal(err)
		}
		return res.StatusCode, out
	}
	data := t.TempDir()
	p := startDev(t, data, "", "TANDEM_DISK_MIN_FREE=off")
	status, out := readyz(p)
	disk, _ := out["disk"].(map[string]any)
	if status != 200 || out["checks"].(map[string]any)["disk"] != "ok" || disk["path"] != data ||
		disk["free_bytes"].(float64) <= 0 || disk["total_bytes"].(float64) < disk["free_bytes"].(float64) || disk["checked_at"] == nil {
		t.Fatalf("readyz with the warning off: %d %v", status, out)
	}
	p.kill(t)

	p = startDev(t, data, "", "TANDEM_DISK_MIN_FREE=99.99%")
	for range 3 {
		status, out = readyz(p)
		disk, _ = out["disk"].(map[string]any)
		if status != 200 || out["checks"].(map[string]any)["disk"] != "low" ||
			!strings.Contains(disk["detail"].(string), "数据目录 "+data+" 所在磁盘剩余空间不足") {
			t.Fatalf("readyz on a low disk: %d %v", status, out)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if n := strings.Count(p.output.String(), "nearly full"); n != 1 {
		t.Fatalf("%d warnings about the disk, want 1:\n%s", n, p.output.String())
	}
}
