package embeddedtemporal_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"tandem/activities"
	"tandem/app"
	"tandem/domain"
	"tandem/store"
	"tandem/store/storetest"
)

// awayEngine is the real engine, except that its signals fail while away is set (the engine
// unreachable just when an objection is lodged).
type awayEngine struct {
	client.Client
	away atomic.Bool
}

func (e *awayEngine) SignalWorkflow(ctx context.Context, id, runID, name string, arg any) error {
	if e.away.Load() {
		return serviceerror.NewUnavailable("engine away")
	}
	return e.Client.SignalWorkflow(ctx, id, runID, name, arg)
}

// TestEmbeddedDemonstration runs a demonstration point on the embedded server with real
// activities: nominated through the application layer, reviewed, visited (the decision task
// shows its rank among the city's points visited that year), named for a 20-second notice; an
// objection lodged while the engine is away is kept (pending, no task), the reconciler signals
// it once the engine is back and its task opens before the notice ends; dismissed, the point is
// named. With -update it saves the history for the replay tests in workflows/.
func TestEmbeddedDemonstration(t *testing.T) {
	ctx := context.Background()
	c := startServer(t)
	st := storetest.SQLite(t)
	admin := domain.Principal{Username: "admin", Admin: true}
	mk := func(name string, kind domain.UnitKind, parent *domain.Unit) domain.Unit {
		u := domain.Unit{Name: name, Net: domain.NetRegion, Kind: kind}
		if parent != nil {
			u.ParentID = &parent.ID
		}
		out, err := st.CreateUnit(ctx, admin, u)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	city := mk("青山市", domain.KindCity, nil)
	county := mk("青山县", domain.KindCounty, &city)
	town := mk("东风街道", domain.KindTownship, &county)
	if err := st.DB().Exec(`INSERT INTO party_orgs (id, kind, name, unit_id, unit_path, status, formation_id, created_at, updated_at)
		VALUES ('po-demo', 'branch', '东风科技有限公司党支部', ?, ?, 'active', 'f-0', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`, town.ID, town.Path).Error; err != nil {
		t.Fatal(err)
	}
	nominator := domain.Principal{Username: "county-officer", Memberships: []domain.Membership{{UnitID: county.ID, UnitPath: county.Path, Role: domain.RoleOfficer}}}
	objector := domain.Principal{Username: "citizen"}
	startWorker(t, c, st)
	eng := &awayEngine{Client: c}
	ops := app.New(app.Config{Store: st, Engine: eng, Calendar: &activities.CalendarCache{Store: st, TTL: time.Minute},
		DemonstrationNoticeFor: 20 * time.Second})

	answers := make([]store.ChecklistAnswer, len(domain.DefaultDemonstrationChecklist))
	for i, it := range domain.DefaultDemonstrationChecklist {
		answers[i] = store.ChecklistAnswer{Item: it, Met: true}
	}
	pt, err := ops.Demonstrations.Nominate(ctx, nominator, store.Nomination{PartyOrgID: "po-demo", Reasons: "阵地建设规范", SelfAssessment: answers})
	if err != nil {
		t.Fatal(err)
	}
	run := c.GetWorkflow(ctx, pt.WorkflowID, "")
	completeStep(t, c, st, run, "demonstration.review", `{"decision":"pass"}`)
	completeStep(t, c, st, run, "demonstration.visit", `{"score":88,"notes":"阵地规范，制度上墙"}`)
	decision := waitTask(t, st, run.GetID(), "demonstration.decision", 20*time.Second)
	if !strings.Contains(decision.Context.Why, "实地考察得分 88 分，在") || !strings.Contains(decision.Context.Why, "考察的 1 个示范点中排名第 1") ||
		!strings.Contains(string(decision.Context.UnderReview), `"rank":1`) {
		t.Fatalf("decision task context %+v", decision.Context)
	}
	completeStep(t, c, st, run, "demonstration.decision", `{"decision":"name","reason":"评分第一，拟命名"}`)
	waitPoint(t, st, pt.ID, domain.DemoPublicNotice)
	noticeEnds := time.Now().Add(20 * time.Second) // the notice's end on the engine's clock is no earlier

	eng.away.Store(true)
	ob, pending, err := ops.Demonstrations.Object(ctx, objector, pt.ID, "该支部组织生活记录不全")
	if err != nil || !pending {
		t.Fatalf("lodged while away: %v %v", pending, err)
	}
	if n, err := ops.Demonstrations.ReconcileObjections(ctx); n != 0 || err != nil { // within the grace
		t.Fatalf("reconciled within the grace: %d %v", n, err)
	}
	eng.away.Store(false)
	real := st.Now
	st.Now = func() time.Time { return real().Add(app.ObjectionGrace + time.Second) } // the reconciler's next pass
	if n, err := ops.Demonstrations.ReconcileObjections(ctx); n != 1 || err != nil {
		t.Fatalf("reconciled: %d %v", n, err)
	}
	task := waitTask(t, st, run.GetID(), "demonstration.objection", time.Until(noticeEnds))
	if time.Now().After(noticeEnds) {
		t.Fatal("the objection's task opened only after the notice's end")
	}
	if n, err := ops.Demonstrations.ReconcileObjections(ctx); n != 0 || err != nil {
		t.Fatalf("reconciled with its task open: %d %v", n, err)
	}
	if task.Key != run.GetID()+"/objection/"+ob.ID {
		t.Fatalf("task key %s", task.Key)
	}
	completeStep(t, c, st, run, "demonstration.objection", `{"decision":"dismiss","reason":"经核实，记录齐全"}`)
	waitPoint(t, st, pt.ID, domain.DemoNamed)
	obs, err := st.DemonstrationObjections(ctx, pt.ID)
	if err != nil || len(obs) != 1 || obs[0].AnsweredAt == nil || obs[0].TaskID == nil || *obs[0].TaskID != task.ID {
		t.Fatalf("objections %+v %v", obs, err)
	}
	tasks, _, err := st.ListTasks(ctx, admin, store.TaskFilter{Visible: true, WorkflowID: run.GetID(), Kind: "demonstration.objection",
		Statuses: []domain.TaskStatus{domain.TaskOpen, domain.TaskClaimed, domain.TaskCompleted}})
	if err != nil || len(tasks) != 1 {
		t.Fatalf("objection tasks %d %v", len(tasks), err)
	}
	if *update {
		saveHistory(t, c, run, "../workflows/testdata/demonstration.v2.history.json")
	}
}

func waitTask(t *testing.T, st *store.Store, workflowID, kind string, within time.Duration) domain.Task {
	t.Helper()
	for deadline := time.Now().Add(within); ; time.Sleep(50 * time.Millisecond) {
		tasks, _, err := st.ListTasks(context.Background(), domain.Principal{Admin: true}, store.TaskFilter{Visible: true, WorkflowID: workflowID, Kind: kind})
		if err != nil {
			t.Fatal(err)
		}
		if len(tasks) > 0 {
			return tasks[0]
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s task within %s", kind, within)
		}
	}
}

func waitPoint(t *testing.T, st *store.Store, id string, want domain.DemonstrationStatus) {
	t.Helper()
	for deadline := time.Now().Add(40 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		pt, err := st.DemonstrationByID(context.Background(), id)
		if err == nil && pt.Status == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("point status %s, want %s (%v)", pt.Status, want, err)
		}
	}
}
