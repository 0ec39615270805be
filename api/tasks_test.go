package api_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"mime/multipart"
	"net/http"
	"testing"
	"time"

	"tandem/domain"
	"tandem/store"
)

// taskFixture: township A with an inspector and an officer, and two open inspector tasks.
func taskFixture(t *testing.T) (base string, insp, off *client, taskIDs []string) {
	t.Helper()
	srv, st := newServer(t)
	admin := login(t, srv.URL, "admin", "admin-password")
	_, _, town := admin.do("POST", "/api/v1/units", `{"name":"A镇","net":"region","kind":"township"}`)
	unitID := town["id"].(string)
	for _, u := range [][2]string{{"insp", "inspector"}, {"off", "officer"}} {
		if s, _, b := admin.do("POST", "/api/v1/users", `{"username":"`+u[0]+`","password":"password-123","memberships":[{"unit_id":"`+unitID+`","role":"`+u[1]+`"}]}`); s != 201 {
			t.Fatalf("user: %d %v", s, b)
		}
	}
	for _, key := range []string{"k1", "k2"} {
		task, _, err := st.CreateTask(context.Background(), store.NewTask{Key: key, Kind: "drill.acknowledge", WorkflowID: "wf",
			UnitID: unitID, Role: domain.RoleInspector, DueAt: st.Now().Add(-time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		taskIDs = append(taskIDs, task.ID)
	}
	return srv.URL, login(t, srv.URL, "insp", "password-123"), login(t, srv.URL, "off", "password-123"), taskIDs
}

func TestTaskActions(t *testing.T) {
	base, insp, off, ids := taskFixture(t)
	t.Run("InboxDefaultsToActionable", func(t *testing.T) {
		_, _, b := insp.do("GET", "/api/v1/tasks", "")
		if n := len(b["items"].([]any)); n != 2 {
			t.Fatalf("inspector's inbox: %d", n)
		}
		first := b["items"].([]any)[0].(map[string]any)
		if first["overdue"] != true || first["form"] == nil {
			t.Fatalf("task %v", first)
		}
		_, _, b = off.do("GET", "/api/v1/tasks", "")
		if n := len(b["items"].([]any)); n != 0 {
			t.Fatalf("officer's actionable inbox: %d", n)
		}
		_, _, b = off.do("GET", "/api/v1/tasks?scope=visible&overdue=true", "")
		if n := len(b["items"].([]any)); n != 2 {
			t.Fatalf("officer's visible overdue: %d", n)
		}
		if s, _, _ := insp.do("GET", "/api/v1/tasks?status=bogus", ""); s != 422 {
			t.Fatalf("bad status filter: %d", s)
		}
	})
	t.Run("BulkClaimReportsEachItem", func(t *testing.T) {
		s, _, b := insp.do("POST", "/api/v1/tasks/bulk/claim", `{"task_ids":["`+ids[0]+`","nope"]}`)
		if s != 200 {
			t.Fatalf("bulk: %d %v", s, b)
		}
		rs := b["results"].([]any)
		if rs[0].(map[string]any)["status"] != float64(200) || rs[1].(map[string]any)["status"] != float64(404) {
			t.Fatalf("results %v", rs)
		}
		_, _, b = insp.do("GET", "/api/v1/tasks?assignee=me", "")
		if n := len(b["items"].([]any)); n != 1 {
			t.Fatalf("assignee=me: %d", n)
		}
	})
	t.Run("OfficerAssigns", func(t *testing.T) {
		if s, _, _ := insp.do("POST", "/api/v1/tasks/"+ids[1]+"/assign", `{"assignee":"insp"}`); s != 403 {
			t.Fatalf("inspector assigns: %d", s)
		}
		s, _, b := off.do("POST", "/api/v1/tasks/"+ids[1]+"/assign", `{"assignee":"insp"}`)
		if s != 200 || b["assignee"] != "insp" || b["status"] != "claimed" {
			t.Fatalf("assign: %d %v", s, b)
		}
	})
	t.Run("CommentsAndHistory", func(t *testing.T) {
		if s, _, _ := insp.do("POST", "/api/v1/tasks/"+ids[0]+"/comments", `{"body":"  "}`); s != 422 {
			t.Fatalf("blank comment: %d", s)
		}
		if s, _, _ := off.do("POST", "/api/v1/tasks/"+ids[0]+"/comments", `{"body":"请尽快走访"}`); s != 201 {
			t.Fatalf("comment: %d", s)
		}
		_, _, b := insp.do("GET", "/api/v1/tasks/"+ids[0], "")
		if len(b["comments"].([]any)) != 1 || len(b["history"].([]any)) != 3 { // created, claimed, commented
			t.Fatalf("detail %v", b)
		}
	})
	t.Run("Attachments", func(t *testing.T) {
		upload := func(name string, data []byte, key ...string) (int, map[string]any) {
			var buf bytes.Buffer
			w := multipart.NewWriter(&buf)
			fw, _ := w.CreateFormFile("file", name)
			fw.Write(data)
			w.Close()
			req, _ := http.NewRequest("POST", base+"/api/v1/tasks/"+ids[0]+"/attachments", &buf)
			req.Header.Set("Content-Type", w.FormDataContentType())
			req.Header.Set("Authorization", "Bearer "+insp.token)
			if len(key) > 0 {
				req.Header.Set("Idempotency-Key", key[0])
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			var out map[string]any
			_ = decodeJSON(res.Body, &out)
			return res.StatusCode, out
		}
		pdf := []byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF")
		s, b := upload("走访记录.pdf", pdf)
		sum := sha256.Sum256(pdf)
		if s != 201 || b["content_type"] != "application/pdf" || b["sha256"] != hex.EncodeToString(sum[:]) {
			t.Fatalf("pdf: %d %v", s, b)
		}
		// A retried upload with the same key answers the first attachment (body spooled, hashed).
		_, first := upload("retry.pdf", pdf, "up-1")
		if _, again := upload("retry.pdf", pdf, "up-1"); again["id"] != first["id"] || first["id"] == nil {
			t.Fatalf("retried upload: %v vs %v", again, first)
		}
		if s, _ := upload("evil.pdf", []byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00")); s != 415 {
			t.Fatalf("executable: %d", s)
		}
		if s, _ := upload("big.pdf", append([]byte("%PDF-"), make([]byte, 11<<20)...)); s != 413 {
			t.Fatalf("11 MiB: %d", s)
		}
		req, _ := http.NewRequest("GET", base+"/api/v1/tasks/"+ids[0]+"/attachments/"+b["id"].(string), nil)
		req.Header.Set("Authorization", "Bearer "+off.token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || !bytes.Equal(got, pdf) {
			t.Fatalf("download: %d", res.StatusCode)
		}
	})
}

func TestCalendarAPI(t *testing.T) {
	srv, _ := newServer(t)
	admin := login(t, srv.URL, "admin", "admin-password")
	// 5 working days after Friday 2026-02-13 skip the Spring Festival: Saturday 02-14 is a
	// make-up working day, 02-15..23 are off, so the fifth is 02-27 (due at its end).
	s, _, b := admin.do("GET", "/api/v1/calendar/deadline?working_days=5&from=2026-02-13T10:00:00%2B08:00", "")
	if s != 200 || b["due_at_local"] != "2026-02-28T00:00:00+08:00" || b["provisional"] != false {
		t.Fatalf("deadline: %d %v", s, b)
	}
	// A local holiday on Tuesday 2026-02-24 pushes it one working day later, onto Saturday
	// 02-28, another make-up working day.
	if s, _, b := admin.do("PUT", "/api/v1/calendar/overrides/2026-02-24", `{"workday":false,"name":"地方假日"}`); s != 200 {
		t.Fatalf("override: %d %v", s, b)
	}
	_, _, b = admin.do("GET", "/api/v1/calendar/deadline?working_days=5&from=2026-02-13T10:00:00%2B08:00", "")
	if b["due_at_local"] != "2026-03-01T00:00:00+08:00" {
		t.Fatalf("with override: %v", b)
	}
	_, _, b = admin.do("GET", "/api/v1/calendar/deadline?working_days=5&from=2028-03-01T10:00:00%2B08:00", "")
	if b["provisional"] != true {
		t.Fatalf("2028 is not provisional: %v", b)
	}
	if s, _, _ := admin.do("PUT", "/api/v1/calendar/overrides/2026-13-01", `{"workday":false}`); s != 422 {
		t.Fatalf("bad date: %d", s)
	}
}

// TestDeadlineInMonths previews a "within one calendar month" deadline as tasks get it: from
// the eve of the Spring Festival 2027 the same day a month on is Friday 5 March; from
// 31 January 2027 it clamps to Sunday 28 February and moves to Monday 1 March.
func TestDeadlineInMonths(t *testing.T) {
	srv, _ := newServer(t)
	admin := login(t, srv.URL, "admin", "admin-password")
	for from, want := range map[string]string{
		"2027-02-05T10:00:00%2B08:00": "2027-03-06T00:00:00+08:00",
		"2027-01-31T10:00:00%2B08:00": "2027-03-02T00:00:00+08:00",
	} {
		if s, _, b := admin.do("GET", "/api/v1/calendar/deadline?months=1&from="+from, ""); s != 200 || b["due_at_local"] != want || b["months"] != 1.0 {
			t.Fatalf("deadline a month from %s: %d %v, want %s", from, s, b, want)
		}
	}
	for _, q := range []string{"", "?months=1&working_days=5", "?months=0", "?months=37"} {
		if s, _, b := admin.do("GET", "/api/v1/calendar/deadline"+q, ""); s != 422 {
			t.Fatalf("deadline%s: %d %v, want 422", q, s, b)
		}
	}
}
