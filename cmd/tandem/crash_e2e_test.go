package main_test

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"tandem/domain"
)

// usccFor makes the i-th valid credit code.
func usccFor(i int) string { return string(domain.CompleteUSCC(fmt.Sprintf("91110108%09d", i))) }

// TestImportCrash kills `tandem dev` with SIGKILL while a large import runs and starts it
// again: the master roster holds none of the import right after the restart, or all of it,
// never part; then the import finishes by itself, exactly once.
func TestImportCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("large import")
	}
	const n = 150_000
	dir := t.TempDir()
	path := filepath.Join(dir, "big.csv")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	fmt.Fprintln(w, "统一社会信用代码,企业名称,所属乡镇（街道）,从业人数")
	for i := 0; i < n; i++ {
		fmt.Fprintf(w, "%s,企业%07d,乡镇%03d,%d\n", usccFor(i), i, i%500, 3+i%50)
	}
	w.Flush()
	f.Close()

	data := filepath.Join(dir, "data")
	p := startDev(t, data, "")
	admin := loginAs(t, p.base, "admin", adminPassword)
	total := func() int {
		return int(admin.must(200, "GET", "/reports/responsibility?net=region&limit=1", nil)["counts"].(map[string]any)["none"].(float64))
	}

	// Upload without waiting, then kill while it runs.
	id := admin.uploadNoWait("market", path)
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if admin.must(200, "GET", "/roster-imports/"+id, nil)["status"] == "running" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the import never ran")
		}
	}
	time.Sleep(500 * time.Millisecond)
	p.kill(t)

	p = startDev(t, data, "")
	admin.base = p.base
	if got := total(); got != 0 && got != n {
		t.Fatalf("after the crash the roster holds %d organizations: part of the import", got)
	}
	var imp map[string]any
	for deadline := time.Now().Add(150 * time.Second); ; time.Sleep(500 * time.Millisecond) {
		imp = admin.must(200, "GET", "/roster-imports/"+id, nil)
		if imp["status"] == "done" || imp["status"] == "failed" {
			break
		}
		if got := total(); got != 0 && got != n {
			t.Fatalf("during the retried import the roster holds %d organizations", got)
		}
		if time.Now().After(deadline) {
			t.Fatalf("the import did not finish after the restart: %v", imp)
		}
	}
	if imp["status"] != "done" || total() != n {
		t.Fatalf("import %v, roster %d, want done and %d", imp, total(), n)
	}
	if c := counts(imp); c["new"]+c["unchanged"] != n || c["rows"] != n {
		t.Fatalf("counts %v", c)
	}
}
