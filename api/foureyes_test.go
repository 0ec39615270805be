package api_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"tandem/domain"
	"tandem/store"
)

// Over HTTP, the officer a task's NotBy names (the scorer of an assessment under review) cannot
// claim it, alone or in bulk, is not given it, and does not find it in the inbox (#17 §5).
func TestScorerCannotClaimReviewOverHTTP(t *testing.T) {
	srv, st := newServer(t)
	admin := login(t, srv.URL, "admin", "admin-password")
	s, _, u := admin.do("POST", "/api/v1/units", `{"name":"青山县","net":"region","kind":"county"}`)
	if s != 201 {
		t.Fatalf("unit: %d %v", s, u)
	}
	county := u["id"].(string)
	for _, name := range []string{"scorer", "reviewer"} {
		if s, _, b := admin.do("POST", "/api/v1/users", `{"username":"`+name+`","password":"password-123","memberships":[{"unit_id":"`+county+`","role":"officer"}]}`); s != 201 {
			t.Fatalf("user %s: %d %v", name, s, b)
		}
	}
	review, _, err := st.CreateTask(context.Background(), store.NewTask{Key: "wf/review/1", Kind: "assessment.review",
		Title: "2026-H1 半年考核：考核结果审核", WorkflowID: "wf", UnitID: county, Role: domain.RoleOfficer,
		DueAt: st.Now().Add(72 * time.Hour), NotBy: []string{"scorer"}})
	if err != nil {
		t.Fatal(err)
	}
	scorer, reviewer := login(t, srv.URL, "scorer", "password-123"), login(t, srv.URL, "reviewer", "password-123")
	count := func(c *client) int {
		_, _, b := c.do("GET", "/api/v1/tasks", "")
		return len(b["items"].([]any))
	}
	if n, m := count(scorer), count(reviewer); n != 0 || m != 1 {
		t.Fatalf("inboxes: scorer %d, reviewer %d", n, m)
	}
	s, h, b := scorer.do("POST", "/api/v1/tasks/"+review.ID+"/claim", "")
	wantProblem(t, s, h, b, 403)
	if d, _ := b["detail"].(string); !strings.Contains(d, "四眼原则") {
		t.Fatalf("the refusal does not say why: %v", b)
	}
	_, _, b = scorer.do("POST", "/api/v1/tasks/bulk/claim", `{"task_ids":["`+review.ID+`"]}`)
	if items, _ := b["results"].([]any); len(items) != 1 || items[0].(map[string]any)["status"] != float64(403) {
		t.Fatalf("bulk claim by the scorer: %v", b)
	}
	s, h, b = admin.do("POST", "/api/v1/tasks/"+review.ID+"/assign", `{"assignee":"scorer"}`)
	wantProblem(t, s, h, b, 422)
	if !strings.Contains(jsonText(b["errors"]), `"assignee"`) {
		t.Fatalf("assign to the scorer: %v", b)
	}
	if s, _, b := reviewer.do("POST", "/api/v1/tasks/"+review.ID+"/claim", ""); s != 200 {
		t.Fatalf("the reviewer claims: %d %v", s, b)
	}
}
