package api_test

import (
	"context"
	"fmt"
	"net/url"
	"testing"
	"time"

	"tandem/calendar"
	"tandem/domain"
	"tandem/store"
)

// inboxServer: township A with an inspector and five inspector tasks on a fixed clock
// (Wednesday 2026-06-10 10:00 Shanghai; Friday the 12th is the last working day of the week).
func inboxServer(t *testing.T) (insp *client, admin *client, unitID string, due map[string]string) {
	t.Helper()
	srv, st := newServer(t)
	now := time.Date(2026, 6, 10, 10, 0, 0, 0, calendar.Shanghai).UTC()
	st.Now = func() time.Time { return now }
	admin = login(t, srv.URL, "admin", "admin-password")
	_, _, town := admin.do("POST", "/api/v1/units", `{"name":"A镇","net":"region","kind":"township"}`)
	unitID = town["id"].(string)
	if s, _, b := admin.do("POST", "/api/v1/users", `{"username":"insp","password":"password-123","memberships":[{"unit_id":"`+unitID+`","role":"inspector"}]}`); s != 201 {
		t.Fatalf("user: %d %v", s, b)
	}
	midnight := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, calendar.Shanghai) }
	due = map[string]string{}
	for _, tk := range []struct {
		key, kind string
		due       time.Time
		priority  int
	}{
		{"yesterday", "drill.acknowledge", midnight(2026, 6, 10), 0},   // end of Tuesday: overdue
		{"today", "census.verify", midnight(2026, 6, 11), 0},           // end of today
		{"friday", "census.verify", midnight(2026, 6, 13), 2},          // end of Friday: 2 working days
		{"next-monday", "drill.acknowledge", midnight(2026, 6, 16), 1}, // end of Monday: 3 (the weekend counts none)
		{"later", "census.verify", midnight(2026, 6, 30), 5},
	} {
		task, _, err := st.CreateTask(context.Background(), store.NewTask{Key: tk.key, Kind: tk.kind, WorkflowID: "wf",
			UnitID: unitID, Role: domain.RoleInspector, Priority: tk.priority, DueAt: tk.due})
		if err != nil {
			t.Fatal(err)
		}
		due[task.ID] = tk.key
	}
	return login(t, srv.URL, "insp", "password-123"), admin, unitID, due
}

func keys(t *testing.T, b map[string]any, due map[string]string) []string {
	t.Helper()
	items, ok := b["items"].([]any)
	if !ok {
		t.Fatalf("no items: %v", b)
	}
	var out []string
	for _, it := range items {
		out = append(out, due[it.(map[string]any)["id"].(string)])
	}
	return out
}

func TestInboxAPI(t *testing.T) {
	insp, _, unitID, due := inboxServer(t)
	t.Run("WorkingDaysLeft", func(t *testing.T) {
		_, _, b := insp.do("GET", "/api/v1/tasks", "")
		want := map[string]float64{"yesterday": -1, "today": 0, "friday": 2, "next-monday": 3, "later": 12} // 19 June is 端午节
		for _, it := range b["items"].([]any) {
			task := it.(map[string]any)
			key := due[task["id"].(string)]
			if task["working_days_left"] != want[key] {
				t.Errorf("%s: working_days_left %v, want %v", key, task["working_days_left"], want[key])
			}
		}
	})
	t.Run("Sorts", func(t *testing.T) {
		for _, tc := range []struct{ query, want string }{
			{"", "[yesterday today friday next-monday later]"},
			{"sort=-due", "[yesterday later next-monday friday today]"}, // overdue first
			{"sort=-due&overdue_first=false", "[later next-monday friday today yesterday]"},
			{"sort=-priority", "[yesterday later friday next-monday today]"},
			{"sort=priority&overdue_first=false", "[yesterday today next-monday friday later]"}, // ties by ID: creation order
		} {
			s, _, b := insp.do("GET", "/api/v1/tasks?"+tc.query, "")
			if got := fmt.Sprint(keys(t, b, due)); s != 200 || got != tc.want {
				t.Errorf("%q: %d %s, want %s", tc.query, s, got, tc.want)
			}
		}
	})
	t.Run("PagesKeepTheSort", func(t *testing.T) {
		var got []string
		path := "/api/v1/tasks?sort=-priority&limit=2"
		for range 5 {
			_, _, b := insp.do("GET", path, "")
			got = append(got, keys(t, b, due)...)
			next, _ := b["next_cursor"].(string)
			if next == "" {
				break
			}
			path = "/api/v1/tasks?sort=-priority&limit=2&cursor=" + url.QueryEscape(next)
		}
		if fmt.Sprint(got) != "[yesterday later friday next-monday today]" {
			t.Fatalf("pages %v", got)
		}
	})
	t.Run("DueWindow", func(t *testing.T) {
		_, _, b := insp.do("GET", "/api/v1/tasks?due_after=2026-06-11&due_before=2026-06-16T00:00:00%2B08:00", "")
		if got := fmt.Sprint(keys(t, b, due)); got != "[today friday]" {
			t.Fatalf("window %s", got)
		}
	})
	t.Run("Counts", func(t *testing.T) {
		s, _, b := insp.do("GET", "/api/v1/tasks/counts?kind=census.verify", "")
		if s != 200 {
			t.Fatalf("%d %v", s, b)
		}
		// census.verify: today, friday, later; due this week (by Sunday's end): today and friday.
		if b["total"] != float64(3) || b["overdue"] != float64(0) || b["due_this_week"] != float64(2) ||
			b["week_ends"] != "2026-06-14T16:00:00Z" {
			t.Fatalf("totals %v", b)
		}
		byKind := fmt.Sprint(b["by_kind"])
		if byKind != "[map[count:3 title:实地走访复核 value:census.verify] map[count:2 title:任务演练：确认收到 value:drill.acknowledge]]" {
			t.Fatalf("by kind %s", byKind)
		}
		if got := fmt.Sprint(b["by_status"]); got != "[map[count:3 title:待认领 value:open]]" {
			t.Fatalf("by status %s", got)
		}
		if got := fmt.Sprint(b["by_unit"]); got != "[map[count:3 unit_id:"+unitID+" unit_name:A镇]]" {
			t.Fatalf("by unit %s", got)
		}
	})
	t.Run("ErrBadQuery", func(t *testing.T) {
		for _, q := range []string{"sort=colour", "due_after=tomorrow", "overdue=maybe", "overdue_first=1", "kind=DROP%20TABLE",
			"due_after=2026-06-12&due_before=2026-06-11"} {
			for _, path := range []string{"/api/v1/tasks?", "/api/v1/tasks/counts?"} {
				s, h, b := insp.do("GET", path+q, "")
				wantProblem(t, s, h, b, 422)
				if errs, _ := b["errors"].([]any); len(errs) != 1 {
					t.Fatalf("%s%s: %v", path, q, b)
				}
			}
		}
		s, h, b := insp.do("GET", "/api/v1/tasks/counts?unit=nope", "")
		wantProblem(t, s, h, b, 404)
	})
}

func TestSavedViewsAPI(t *testing.T) {
	insp, admin, unitID, due := inboxServer(t)
	s, _, v := insp.do("POST", "/api/v1/me/views", `{"name":"本周核查","query":{"kind":"census.verify","due_before":"2026-06-15","sort":"-priority"}}`)
	if s != 201 || v["name"] != "本周核查" || v["id"] == nil {
		t.Fatalf("create: %d %v", s, v)
	}
	id := v["id"].(string)
	t.Run("TheViewsQueryRunsAsTheInboxsOwn", func(t *testing.T) {
		q := v["query"].(map[string]any)
		params := url.Values{}
		for k, val := range q {
			params.Set(k, fmt.Sprint(val))
		}
		_, _, b := insp.do("GET", "/api/v1/tasks?"+params.Encode(), "")
		if got := fmt.Sprint(keys(t, b, due)); got != "[friday today]" {
			t.Fatalf("view's tasks %s (query %v)", got, q)
		}
	})
	t.Run("OnlyTheOwner", func(t *testing.T) {
		_, _, b := admin.do("GET", "/api/v1/me/views", "")
		if n := len(b["items"].([]any)); n != 0 {
			t.Fatalf("admin sees %d views", n)
		}
		s, h, b := admin.do("PUT", "/api/v1/me/views/"+id, `{"name":"x","query":{}}`)
		wantProblem(t, s, h, b, 404)
		s, h, b = admin.do("DELETE", "/api/v1/me/views/"+id, "")
		wantProblem(t, s, h, b, 404)
		_, _, b = insp.do("GET", "/api/v1/me/views", "")
		if items := b["items"].([]any); len(items) != 1 || items[0].(map[string]any)["id"] != id {
			t.Fatalf("mine %v", b)
		}
	})
	t.Run("Update", func(t *testing.T) {
		s, _, b := insp.do("PUT", "/api/v1/me/views/"+id, `{"name":"A镇全部","query":{"unit":"`+unitID+`","status":"all"}}`)
		if s != 200 || b["name"] != "A镇全部" || b["query"].(map[string]any)["unit"] != unitID {
			t.Fatalf("update: %d %v", s, b)
		}
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		for _, tc := range []struct{ body, field string }{
			{`{"name":"","query":{}}`, "name"},
			{`{"name":"一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一","query":{}}`, "name"},
			{`{"name":"坏","query":{"sort":"colour"}}`, "query.sort"},
			{`{"name":"坏","query":{"status":"done"}}`, "query.status"},
			{`{"name":"坏","query":{"unit":"nope"}}`, "query.unit"},
			{`{"name":"A镇全部","query":{}}`, "name"},
		} {
			s, h, b := insp.do("POST", "/api/v1/me/views", tc.body)
			wantProblem(t, s, h, b, 422)
			errs, _ := b["errors"].([]any)
			if len(errs) != 1 || errs[0].(map[string]any)["field"] != tc.field {
				t.Fatalf("%s: %v, want %s", tc.body, b, tc.field)
			}
		}
		s, h, b := insp.do("POST", "/api/v1/me/views", `{"name":"x","query":{"colour":"red"}}`)
		wantProblem(t, s, h, b, 400)
	})
	t.Run("Delete", func(t *testing.T) {
		if s, _, b := insp.do("DELETE", "/api/v1/me/views/"+id, ""); s != 204 {
			t.Fatalf("delete: %d %v", s, b)
		}
		_, _, b := insp.do("GET", "/api/v1/me/views", "")
		if n := len(b["items"].([]any)); n != 0 {
			t.Fatalf("%d left", n)
		}
	})
}
