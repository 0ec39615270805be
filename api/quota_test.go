package api_test

import (
	"bytes"
	"context"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"tandem/activities"
	"tandem/api"
	"tandem/auth"
	"tandem/domain"
	"tandem/store"
	"tandem/store/storetest"
)

func TestUploadQuota(t *testing.T) {
	st := storetest.SQLite(t)
	ctx := context.Background()
	t0 := time.Date(2027, 3, 1, 2, 30, 0, 0, time.UTC)
	now := t0.Add(-10 * 24 * time.Hour)
	st.Now = func() time.Time { return now }
	hash, _ := auth.HashPassword("admin-password")
	if _, err := st.EnsureAdmin(ctx, "admin", hash); err != nil {
		t.Fatal(err)
	}
	const quota = 16 << 10 // 16 KiB
	s := &api.Server{Store: st, Auth: auth.NewService(st, 365*24*time.Hour), Calendar: &activities.CalendarCache{Store: st, TTL: time.Minute},
		Log: slog.New(slog.DiscardHandler), Uploads: store.UploadPolicy{Retention: time.Hour, FailedRetention: time.Hour, Quota: quota}}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	admin := login(t, srv.URL, "admin", "admin-password")
	_, _, town := admin.do("POST", "/api/v1/units", `{"name":"A镇","net":"region","kind":"township"}`)
	unitID := town["id"].(string)
	// The market and tax sources are the department's; "off" is also its liaison, so that
	// roster files and evidence of one user count together.
	_, _, dept := admin.do("POST", "/api/v1/units", `{"name":"市场监管局","net":"department","kind":"department"}`)
	deptID := dept["id"].(string)
	for _, src := range []string{"market", "tax"} {
		if s, _, b := admin.do("PUT", "/api/v1/sources/"+src, `{"unit_id":"`+deptID+`"}`); s != 200 {
			t.Fatalf("map %s: %d %v", src, s, b)
		}
	}
	for _, u := range [][2]string{{"insp", "inspector"}, {"off", "officer"}} {
		memberships := `[{"unit_id":"` + unitID + `","role":"` + u[1] + `"}`
		if u[0] == "off" {
			memberships += `,{"unit_id":"` + deptID + `","role":"liaison"}`
		}
		if s, _, b := admin.do("POST", "/api/v1/users", `{"username":"`+u[0]+`","password":"password-123","memberships":`+memberships+`]}`); s != 201 {
			t.Fatalf("user: %d %v", s, b)
		}
	}
	insp, off := login(t, srv.URL, "insp", "password-123"), login(t, srv.URL, "off", "password-123")
	task, _, err := st.CreateTask(ctx, store.NewTask{Key: "k", Kind: "drill.acknowledge", WorkflowID: "wf",
		UnitID: unitID, Role: domain.RoleInspector, DueAt: t0.Add(100 * 24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	post := func(c *client, path string, fields map[string]string, data []byte) (int, http.Header, map[string]any) {
		t.Helper()
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		for k, v := range fields {
			_ = w.WriteField(k, v)
		}
		fw, _ := w.CreateFormFile("file", "记录.txt")
		_, _ = fw.Write(data)
		_ = w.Close()
		req, _ := http.NewRequest("POST", srv.URL+path, &buf)
		req.Header.Set("Content-Type", w.FormDataContentType())
		req.Header.Set("Authorization", "Bearer "+c.token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var out map[string]any
		_ = decodeJSON(res.Body, &out)
		return res.StatusCode, res.Header, out
	}
	evidence := bytes.Repeat([]byte("走访记录 "), 6000/13)
	attach := func(c *client) (int, http.Header, map[string]any) {
		return post(c, "/api/v1/tasks/"+task.ID+"/attachments", nil, evidence)
	}
	wantQuotaProblem := func(t *testing.T, status int, h http.Header, b map[string]any, retry time.Duration) {
		t.Helper()
		wantProblem(t, status, h, b, 429)
		if b["code"] != domain.ETOOMANY || h.Get("Retry-After") != strconv.Itoa(int(retry.Seconds())) {
			t.Fatalf("Retry-After %q (want %v), body %v", h.Get("Retry-After"), retry, b)
		}
		t.Logf("429: Retry-After %s, %s", h.Get("Retry-After"), b["detail"])
		// The quota, and when the oldest counted upload leaves the window, in Beijing time.
		free := t0.Add(-10*24*time.Hour + store.QuotaWindow).In(time.FixedZone("CST", 8*3600)).Format("2006-01-02 15:04")
		if d := b["detail"].(string); !strings.Contains(d, "16 KiB") || !strings.Contains(d, free) {
			t.Fatalf("detail %q does not name the quota and %s", d, free)
		}
	}

	t.Run("ThirdUploadPastQuota", func(t *testing.T) {
		if s, _, b := attach(insp); s != 201 { // 10 days ago
			t.Fatalf("first: %d %v", s, b)
		}
		now = t0.Add(-time.Hour)
		if s, _, b := attach(insp); s != 201 {
			t.Fatalf("second: %d %v", s, b)
		}
		now = t0
		s, h, b := attach(insp)
		wantQuotaProblem(t, s, h, b, 20*24*time.Hour)
		if list, _ := st.TaskAttachments(ctx, task.ID); len(list) != 2 {
			t.Fatalf("%d attachments stored", len(list))
		}
		// Once the first upload has left the window, the third fits.
		now = t0.Add(20*24*time.Hour + time.Second)
		if s, _, b := attach(insp); s != 201 {
			t.Fatalf("after the window: %d %v", s, b)
		}
	})
	t.Run("RosterFilesCount", func(t *testing.T) {
		now = t0.Add(-10 * 24 * time.Hour)
		if _, err := st.CreateImport(ctx, domain.Principal{Username: "off",
			Memberships: []domain.Membership{{UnitID: deptID, Role: domain.RoleLiaison}}}, "market", "m.csv", bytes.NewReader(make([]byte, 16000)), 1<<20, ""); err != nil {
			t.Fatal(err)
		}
		now = t0
		s, h, b := post(off, "/api/v1/roster-imports", map[string]string{"source": "tax"}, []byte("统一社会信用代码,名称\n"))
		wantQuotaProblem(t, s, h, b, 20*24*time.Hour)
		s, h, b = attach(off)
		wantQuotaProblem(t, s, h, b, 20*24*time.Hour)
	})
	t.Run("LargerThanQuota", func(t *testing.T) {
		now = t0.Add(25 * 24 * time.Hour)
		s, h, b := post(insp, "/api/v1/tasks/"+task.ID+"/attachments", nil, make([]byte, quota))
		wantProblem(t, s, h, b, 422)
		if errs, _ := b["errors"].([]any); len(errs) != 1 || errs[0].(map[string]any)["field"] != "file" {
			t.Fatalf("errors %v", b)
		}
	})
	t.Run("AdminsWithoutQuota", func(t *testing.T) {
		// TANDEM_ADMIN_UPLOAD_QUOTA=off: Uploads.AdminQuota is zero.
		now = t0
		for i := range 3 {
			if s, _, b := attach(admin); s != 201 {
				t.Fatalf("admin upload %d: %d %v", i, s, b)
			}
		}
	})
}

func TestImportFileRemoved(t *testing.T) {
	srv, st := newServer(t)
	ctx := context.Background()
	t0 := time.Date(2027, 3, 1, 2, 30, 0, 0, time.UTC)
	now := t0.Add(-8 * 24 * time.Hour)
	st.Now = func() time.Time { return now }
	p := domain.Principal{Username: "admin", Admin: true}
	imp, err := st.CreateImport(ctx, p, "tax", "tax.csv", strings.NewReader("统一社会信用代码,名称\nbad,某公司\n"), 1<<20, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := st.StartImport(ctx, imp.ID); err != nil {
		t.Fatal(err)
	}
	if err := st.FailImport(ctx, imp.ID, "文件中没有可导入的行", &store.ParseCounts{Rows: 1, Rejected: 1}); err != nil {
		t.Fatal(err)
	}
	now = t0
	if r, err := st.RemoveExpiredUploads(ctx, store.UploadPolicy{Retention: 90 * 24 * time.Hour, FailedRetention: 7 * 24 * time.Hour}); err != nil || r.Files != 1 {
		t.Fatalf("removed %+v %v", r, err)
	}
	admin := login(t, srv.URL, "admin", "admin-password")
	s, _, b := admin.do("GET", "/api/v1/roster-imports/"+imp.ID, "")
	if s != 200 || b["file_removed_at"] != t0.Format(time.RFC3339) || b["status"] != "failed" || b["sha256"] != imp.FileSHA256 ||
		b["counts"].(map[string]any)["rejected"] != float64(1) {
		t.Fatalf("import after its file went: %d %v", s, b)
	}
	if s, _, b := admin.do("GET", "/api/v1/roster-imports/"+imp.ID+"/rejects", ""); s != 200 {
		t.Fatalf("rejects after the file went: %d %v", s, b)
	}
}
