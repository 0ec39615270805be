package main_test

import (
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"tandem/roster/rostertest"
)

// vmHWM reads the peak resident set of a process from /proc/<pid>/status, in bytes.
func vmHWM(t *testing.T, pid int) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Fatal("no VmHWM in /proc status")
	return 0
}

// post uploads a file as multipart form and returns the status and the whole answer.
func (s *session) post(path, name string, data []byte, fields ...string) (int, []byte) {
	s.t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for i := 0; i+1 < len(fields); i += 2 {
		_ = w.WriteField(fields[i], fields[i+1])
	}
	fw, _ := w.CreateFormFile("file", name)
	_, _ = fw.Write(data)
	w.Close()
	req, _ := http.NewRequest("POST", s.base+"/api/v1"+path, &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+s.token)
	return s.send(req)
}

func (s *session) get(path string) (int, []byte) {
	s.t.Helper()
	req, _ := http.NewRequest("GET", s.base+"/api/v1"+path, nil)
	req.Header.Set("Authorization", "Bearer "+s.token)
	return s.send(req)
}

func (s *session) send(req *http.Request) (int, []byte) {
	s.t.Helper()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	// Read a little past the bound, so that an answer of a gigabyte costs the test nothing.
	body, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		s.t.Fatal(err)
	}
	return res.StatusCode, body
}

// TestHostileFilesEndToEnd sends the files of the hardening issue to the real binary: an XLSX
// of 1.1 MB holding one cell of 1.1 GB, and a CSV row of a million columns, to the units
// import and to a roster import (source market, as admin). Every answer (the POST, the import,
// its rejects and warnings) stays under 4 KB, and the peak RSS of `tandem dev` grows by less
// than 100 MB over the whole run.
func TestHostileFilesEndToEnd(t *testing.T) {
	dir := t.TempDir()
	var cell, wide bytes.Buffer
	start := time.Now()
	if err := rostertest.OneCellXLSX(&cell, 1100<<20, true); err != nil {
		t.Fatal(err)
	}
	if err := rostertest.WideCSV(&wide, 1_000_000); err != nil {
		t.Fatal(err)
	}
	t.Logf("one-cell XLSX %d KB, wide CSV %d KB, written in %v", cell.Len()>>10, wide.Len()>>10, time.Since(start).Round(time.Millisecond))
	eachDatabase(t, func(t *testing.T, db, dbURL string) {
		p := startDev(t, filepath.Join(dir, db), dbURL)
		admin := loginAs(t, p.base, "admin", adminPassword)
		pid := p.cmd.Process.Pid
		before := vmHWM(t, pid)
		const bound = 4096
		short := func(what string, status int, body []byte) string {
			t.Helper()
			t.Logf("%s: %d, %d bytes: %s", what, status, len(body), body[:min(len(body), 400)])
			if len(body) > bound {
				t.Errorf("%s: answer of %d bytes, bound %d", what, len(body), bound)
			}
			return string(body)
		}
		// A small roster import first, to tell what any import costs from what the hostile
		// files cost; the bound holds from before it.
		small := "统一社会信用代码,企业名称\n91110108551385082Q,青山科技有限公司\n"
		status, body := admin.post("/roster-imports", "small.csv", []byte(small), "source", "market")
		short("small roster import", status, body)
		waitImport(t, admin, importID(t, body))
		warm := vmHWM(t, pid)

		// The units import refuses both files with a reason naming the limit; nothing created.
		status, body = admin.post("/units/import", "units.xlsx", cell.Bytes())
		if s := short("units import of the one-cell XLSX", status, body); status != 422 || !strings.Contains(s, "MB") {
			t.Errorf("units import of the one-cell XLSX: %d %s", status, s)
		}
		status, body = admin.post("/units/import", "units.csv", wide.Bytes())
		if s := short("units import of the wide CSV", status, body); status != 422 || !strings.Contains(s, "512") {
			t.Errorf("units import of the wide CSV: %d %s", status, s)
		}

		// The roster import of the one-cell XLSX: the row is kept, the cell emptied with a
		// warning naming the row and the limit.
		status, body = admin.post("/roster-imports", "one-cell.xlsx", cell.Bytes(), "source", "market")
		short("roster import of the one-cell XLSX", status, body)
		if status != 202 {
			t.Fatalf("roster import: %d", status)
		}
		id := importID(t, body)
		imp := waitImport(t, admin, id)
		if s := short("GET the one-cell import", 200, imp); !strings.Contains(s, `"status":"done"`) {
			t.Errorf("one-cell import: %s", s)
		}
		status, body = admin.get("/roster-imports/" + id + "/rejects?severity=warning")
		if s := short("its warnings", status, body); status != 200 || !strings.Contains(s, "第 2 行") || !strings.Contains(s, "32767") {
			t.Errorf("warnings: %s", s)
		}
		status, body = admin.get("/roster-imports/" + id + "/rejects")
		short("its rejects", status, body)

		// The roster import of the wide CSV fails with a reason naming the row and the bound.
		status, body = admin.post("/roster-imports", "wide.csv", wide.Bytes(), "source", "market")
		short("roster import of the wide CSV", status, body)
		id = importID(t, body)
		imp = waitImport(t, admin, id)
		if s := short("GET the wide import", 200, imp); !strings.Contains(s, `"status":"failed"`) || !strings.Contains(s, "第 2 行超过 512 列") {
			t.Errorf("wide import: %s", s)
		}
		status, body = admin.get("/roster-imports/" + id + "/rejects")
		short("its rejects", status, body)

		// A NUL, bytes that are not UTF-8 and a duplicate header are warnings, and the rows
		// reach the store (PostgreSQL refuses NUL and invalid UTF-8 in text).
		odd := "统一社会信用代码,企业名称,企业名称\n91110108551385082Q,青山\x00科技,x\n9144030071526726XG,\xC7\xE0,y\n"
		status, body = admin.post("/roster-imports", "odd.csv", []byte(odd), "source", "market", "encoding", "utf-8")
		short("roster import of odd cells", status, body)
		id = importID(t, body)
		if s := short("GET the odd import", 200, waitImport(t, admin, id)); !strings.Contains(s, `"status":"done"`) || !strings.Contains(s, `"accepted":2`) {
			t.Errorf("odd import: %s", s)
		}
		status, body = admin.get("/roster-imports/" + id + "/rejects?severity=warning")
		if s := short("its warnings", status, body); !strings.Contains(s, "duplicate_header") || !strings.Contains(s, "control_character") || !strings.Contains(s, "bad_encoding") {
			t.Errorf("odd warnings: %s", s)
		}

		after := vmHWM(t, pid)
		t.Logf("%s: VmHWM of tandem dev %d MB after login, %d MB after a small import, %d MB after the hostile files (+%d MB over all, +%d MB for the hostile files; bound 100 MB)",
			db, before>>20, warm>>20, after>>20, (after-before)>>20, (after-warm)>>20)
		if after-before >= 100<<20 {
			t.Errorf("peak RSS grew by %d MB (bound 100 MB)", (after-before)>>20)
		}
	})
}

func importID(t *testing.T, body []byte) string {
	t.Helper()
	_, rest, ok := bytes.Cut(body, []byte(`"id":"`))
	id, _, ok2 := bytes.Cut(rest, []byte(`"`))
	if !ok || !ok2 {
		t.Fatalf("no import id in %s", body)
	}
	return string(id)
}

// waitImport polls an import until it is done or failed and returns its last answer.
func waitImport(t *testing.T, s *session, id string) []byte {
	t.Helper()
	for deadline := time.Now().Add(3 * time.Minute); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		status, body := s.get("/roster-imports/" + id)
		if status != 200 {
			t.Fatalf("GET import %s: %d %s", id, status, body[:min(len(body), 400)])
		}
		if bytes.Contains(body, []byte(`"status":"done"`)) || bytes.Contains(body, []byte(`"status":"failed"`)) {
			return body
		}
	}
	t.Fatalf("import %s not finished in 3 minutes", id)
	return nil
}
