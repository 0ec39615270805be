package api_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"tandem/activities"
	"tandem/domain"
	"tandem/store"
)

// An inspector's verification task shows the organization (name, address, township) and why
// it is verified, read when the task is shown; a reviewer's task shows the marks, evidence and
// preview total under review.
func TestVerifyTaskShowsOrganization(t *testing.T) {
	srv, st := newServer(t)
	ctx := context.Background()
	admin := login(t, srv.URL, "admin", "admin-password")
	_, _, town := admin.do("POST", "/api/v1/units", `{"name":"东风街道","net":"region","kind":"township"}`)
	unitID := town["id"].(string)
	if s, _, b := admin.do("POST", "/api/v1/users", `{"username":"insp","password":"password-123","memberships":[{"unit_id":"`+unitID+`","role":"inspector"}]}`); s != 201 {
		t.Fatalf("user: %d %v", s, b)
	}
	const uscc, name, address = "91110108551385082Q", "青山精密机械有限公司", "青山县东风路8号"
	imp, err := st.CreateImport(ctx, domain.Principal{Username: "admin", Admin: true}, "market", "m.csv",
		strings.NewReader("统一社会信用代码,企业名称,住所,所属乡镇\n"+uscc+","+name+","+address+",东风街道\n"), 1<<20, "")
	if err != nil {
		t.Fatal(err)
	}
	a := &activities.Activities{Store: st, Calendar: &activities.CalendarCache{Store: st, TTL: time.Minute}, Notifier: activities.InAppNotifier{Store: st}}
	if _, err := a.RunImport(ctx, imp.ID); err != nil {
		t.Fatal(err)
	}
	info, err := a.CreateTask(ctx, activities.CreateTaskInput{Key: "verify/r1", WorkflowID: "census-verify/" + uscc, Kind: "census.verify",
		Subject: uscc, SubjectType: domain.SubjectOrganization, Context: domain.TaskContext{Why: "名册新增或变更"},
		Title: "摸排实地走访复核", UnitID: unitID, Role: domain.RoleInspector})
	if err != nil {
		t.Fatal(err)
	}
	insp := login(t, srv.URL, "insp", "password-123")
	s, _, b := insp.do("GET", "/api/v1/tasks/"+info.ID, "")
	if s != 200 {
		t.Fatalf("task: %d %v", s, b)
	}
	about, _ := b["about"].(map[string]any)
	if about == nil || about["name"] != name || about["address"] != address || about["township"] != "东风街道" || about["type"] != "organization" {
		t.Fatalf("about %v", b["about"])
	}
	if c, _ := b["context"].(map[string]any); c == nil || c["why"] != "名册新增或变更" {
		t.Fatalf("context %v", b["context"])
	}
	if title := b["title"].(string); !strings.Contains(title, name) || !strings.Contains(title, "名册新增或变更") || b["subject_type"] != "organization" {
		t.Fatalf("title %q subject_type %v", title, b["subject_type"])
	}
	// The notification names the task and links to it; its body is no API request.
	ns, _, _ := st.ListNotifications(ctx, domain.Principal{Username: "insp"}, false, store.Page{})
	if len(ns) != 1 || ns[0].Link != "/api/v1/tasks/"+info.ID || !strings.Contains(ns[0].Body, name) || strings.Contains(ns[0].Body, "/api/") {
		t.Fatalf("notifications %+v", ns)
	}
	_, _, nb := insp.do("GET", "/api/v1/notifications", "")
	if items := nb["items"].([]any); len(items) != 1 || items[0].(map[string]any)["link"] != "/api/v1/tasks/"+info.ID {
		t.Fatalf("notifications over HTTP %v", nb)
	}

	// A review task shows what it reviews.
	under, _ := json.Marshal(map[string]any{"marks": map[string]any{"scores": map[string]float64{"census": 85}}, "evidence": "走访台账、会议纪要",
		"preview": map[string]any{"total": 88.5, "grade": "好"}})
	rev, _, err := st.CreateTask(ctx, store.NewTask{Key: "review/1", Kind: "assessment.review", WorkflowID: "assessment/x", Subject: unitID,
		SubjectType: domain.SubjectUnit, Context: domain.TaskContext{Period: "2026-H1", UnderReview: under}, Title: "2026年上半年考核结果审核：东风街道",
		UnitID: unitID, Role: domain.RoleInspector, DueAt: st.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	_, _, b = insp.do("GET", "/api/v1/tasks/"+rev.ID, "")
	c, _ := b["context"].(map[string]any)
	ur, _ := c["under_review"].(map[string]any)
	if ur == nil || ur["evidence"] != "走访台账、会议纪要" || ur["preview"].(map[string]any)["total"] != 88.5 ||
		ur["marks"].(map[string]any)["scores"].(map[string]any)["census"] != 85.0 {
		t.Fatalf("under review %v", b["context"])
	}
	if about, _ := b["about"].(map[string]any); about == nil || about["name"] != "东风街道" || about["period"] != "2026年上半年" {
		t.Fatalf("review about %v", b["about"])
	}
}
