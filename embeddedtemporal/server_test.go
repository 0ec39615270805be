package embeddedtemporal_test

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"google.golang.org/protobuf/encoding/protojson"

	"tandem/activities"
	"tandem/calendar"
	"tandem/domain"
	"tandem/embeddedtemporal"
	"tandem/store"
	"tandem/store/storetest"
	"tandem/workflows"
)

var update = flag.Bool("update", false, "rewrite workflows/testdata/*.history.json from a real run")

// TestEmbeddedServer runs a drill end to end on the embedded server (SQLite file, real worker,
// real activities on a SQLite store): the task is created, completed through the Update, and
// the workflow finishes. With -update it saves the history for the replay test in workflows/.
func TestEmbeddedServer(t *testing.T) {
	ctx := context.Background()
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	uiPort := l.Addr().(*net.TCPAddr).Port
	l.Close()
	srv, err := embeddedtemporal.Start(embeddedtemporal.Options{
		DatabaseFile: filepath.Join(t.TempDir(), "temporal.db"), Namespace: "default",
		SearchAttributes: workflows.SearchAttributes(), LogLevel: "error", UIPort: uiPort,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	// The Temporal Web UI answers and sees the namespace.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		res, err := http.Get(srv.UIURL() + "/api/v1/namespaces")
		if err == nil {
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode == 200 && strings.Contains(string(body), `"default"`) {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("Temporal UI at %s not answering: %v", srv.UIURL(), err)
		}
	}
	c, err := client.DialContext(ctx, client.Options{HostPort: srv.HostPort(), Namespace: "default"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	st := storetest.SQLite(t)
	unit, err := st.CreateUnit(ctx, domain.Principal{Username: "admin", Admin: true}, domain.Unit{Name: "A镇", Net: domain.NetRegion, Kind: domain.KindTownship})
	if err != nil {
		t.Fatal(err)
	}
	w := worker.New(c, workflows.TaskQueue, worker.Options{})
	workflows.Register(w)
	w.RegisterActivity(&activities.Activities{Store: st, Calendar: &activities.CalendarCache{Store: st, TTL: time.Minute},
		Notifier: activities.InAppNotifier{Store: st}})
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	defer w.Stop()

	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: workflows.DrillWorkflowID("replay"), TaskQueue: workflows.TaskQueue},
		workflows.DrillWorkflowName, workflows.DrillInput{UnitID: unit.ID, Role: domain.RoleInspector, Note: "replay"})
	if err != nil {
		t.Fatal(err)
	}
	var task domain.Task
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		// The unit has no inspector: beside the drill's task an assignment task for the officers
		// above it (task.assignment) is created; only the drill's task is looked at.
		tasks, _, err := st.ListTasks(ctx, domain.Principal{Admin: true}, store.TaskFilter{Visible: true, WorkflowID: run.GetID(),
			Kind: "drill.acknowledge"})
		if err != nil {
			t.Fatal(err)
		}
		if len(tasks) == 1 {
			task = tasks[0]
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no drill task within 20s: %+v", tasks)
		}
	}
	complete := func(result string) error {
		h, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: run.GetID(), UpdateName: workflows.UpdateCompleteTask,
			WaitForStage: client.WorkflowUpdateStageCompleted,
			Args:         []any{workflows.CompleteTaskRequest{TaskID: task.ID, Actor: "inspector", Result: json.RawMessage(result)}}})
		if err != nil {
			return err
		}
		return h.Get(ctx, nil)
	}
	if err := complete(`{"acknowledged":false}`); err == nil {
		t.Fatal("the validator accepted an invalid result")
	}
	if err := complete(`{"acknowledged":true}`); err != nil {
		t.Fatal(err)
	}
	var out workflows.TaskOutcome
	if err := run.Get(ctx, &out); err != nil || out.TaskID != task.ID {
		t.Fatalf("workflow result %+v %v", out, err)
	}
	got, _ := st.TaskByID(ctx, task.ID)
	if got.Status != domain.TaskCompleted {
		t.Fatalf("task %s", got.Status)
	}

	if *update {
		iter := c.GetWorkflowHistory(ctx, run.GetID(), run.GetRunID(), false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		var events []json.RawMessage
		for iter.HasNext() {
			e, err := iter.Next()
			if err != nil {
				t.Fatal(err)
			}
			b, _ := protojson.Marshal(e)
			events = append(events, b)
		}
		b, _ := json.MarshalIndent(map[string]any{"events": events}, "", "  ")
		if err := os.WriteFile("../workflows/testdata/drill.history.json", b, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %d events", len(events))
	}
}

// TestEmbeddedFormation runs a formation through every step on the embedded server with real
// activities, checks that it hands over to the party organization's workflow, and with
// -update saves the formation's history for the replay test.
func TestEmbeddedFormation(t *testing.T) {
	ctx := context.Background()
	c := startServer(t)
	st := storetest.SQLite(t)
	admin := domain.Principal{Username: "admin", Admin: true}
	county, err := st.CreateUnit(ctx, admin, domain.Unit{Name: "青山县", Net: domain.NetRegion, Kind: domain.KindCounty})
	if err != nil {
		t.Fatal(err)
	}
	town, err := st.CreateUnit(ctx, admin, domain.Unit{Name: "东风街道", Net: domain.NetRegion, Kind: domain.KindTownship, ParentID: &county.ID})
	if err != nil {
		t.Fatal(err)
	}
	const uscc = "91350100M000100Y43"
	if err := st.DB().Exec(`INSERT INTO organizations (uscc, name, region_unit_id, region_path, region_owners, created_at, updated_at)
		VALUES (?, '青山精密机械有限公司', ?, ?, 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`, uscc, town.ID, town.Path).Error; err != nil {
		t.Fatal(err)
	}
	startWorker(t, c, st)

	f, err := st.StartFormation(ctx, admin, store.FormationStart{Kind: domain.KindBranch, Organizations: []string{uscc},
		WorkflowID: workflows.FormationWorkflowID})
	if err != nil {
		t.Fatal(err)
	}
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: f.WorkflowID, TaskQueue: workflows.TaskQueue},
		workflows.FormationWorkflowName, workflows.FormationInput{FormationID: f.ID, Kind: f.Kind, Organizations: f.Organizations,
			UnitID: town.ID, ParentUnitID: county.ID})
	if err != nil {
		t.Fatal(err)
	}
	step := func(kind, result string) { t.Helper(); completeStep(t, c, st, run, kind, result) }
	app := `{"kind":"branch","formal_members":3,"probationary_members":0,"committee":false,"members":[{"name":"张三","status":"formal"},{"name":"李四","status":"formal"},{"name":"王五","status":"formal","home_org":"某支部"}]}`
	step("formation.application", app)
	step("formation.approval", `{"decision":"return","reason":"补材料"}`)
	step("formation.application", app)
	step("formation.approval", `{"decision":"approve"}`)
	step("formation.election", `{"voting_members":3,"present":3,"seats":1,"candidates":1,"elected":[{"name":"张三","post":"secretary","votes":3}]}`)
	step("formation.report", `{"first_meeting_on":"2025-01-06"}`) // a past date: a first meeting after today is refused
	step("formation.confirmation", `{"decision":"approve"}`)
	step("formation.filing", `{"reference":"备〔2026〕1号"}`)
	var out workflows.FormationOutcome
	if err := run.Get(ctx, &out); err != nil || out.PartyOrgID == "" {
		t.Fatalf("formation result %+v %v", out, err)
	}
	// The party organization's own workflow runs on after the formation.
	desc, err := c.DescribeWorkflowExecution(ctx, workflows.PartyOrgWorkflowID(out.PartyOrgID), "")
	if err != nil || desc.WorkflowExecutionInfo.Status != enums.WORKFLOW_EXECUTION_STATUS_RUNNING {
		t.Fatalf("party organization workflow: %v %v", desc, err)
	}
	if *update {
		saveHistory(t, c, run, "../workflows/testdata/formation.history.json")
	}
}

func saveHistory(t *testing.T, c client.Client, run client.WorkflowRun, file string) {
	iter := c.GetWorkflowHistory(context.Background(), run.GetID(), run.GetRunID(), false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	var events []json.RawMessage
	for iter.HasNext() {
		e, err := iter.Next()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := protojson.Marshal(e)
		events = append(events, b)
	}
	b, _ := json.MarshalIndent(map[string]any{"events": events}, "", "  ")
	if err := os.WriteFile(file, b, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %d events to %s", len(events), file)
}

// TestEmbeddedCensusRound1000 runs a census round over 1,000 organizations on the embedded
// server with the real worker and activities: every organization gets exactly one
// verification task in its township, and a second round over the same county starts none.
func TestEmbeddedCensusRound1000(t *testing.T) {
	if testing.Short() {
		t.Skip("a 1,000-organization round takes about 20 seconds")
	}
	ctx := context.Background()
	c := startServer(t)
	st := storetest.SQLite(t)
	admin := domain.Principal{Username: "admin", Admin: true}
	county, err := st.CreateUnit(ctx, admin, domain.Unit{Name: "青山县", Net: domain.NetRegion, Kind: domain.KindCounty})
	if err != nil {
		t.Fatal(err)
	}
	var towns []domain.Unit
	for i := range 4 {
		u, err := st.CreateUnit(ctx, admin, domain.Unit{Name: "镇" + string(rune('A'+i)), Net: domain.NetRegion, Kind: domain.KindTownship, ParentID: &county.ID})
		if err != nil {
			t.Fatal(err)
		}
		towns = append(towns, u)
	}
	const n = 1000
	tx := st.DB().Begin()
	for i := range n {
		u := towns[i%len(towns)]
		if err := tx.Exec(`INSERT INTO organizations (uscc, name, region_unit_id, region_path, region_owners, created_at, updated_at)
			VALUES (?, '单位', ?, ?, 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`, "C"+strings.Repeat("0", 10)+strconv.Itoa(1000000+i), u.ID, u.Path).Error; err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit().Error; err != nil {
		t.Fatal(err)
	}
	startWorker(t, c, st)
	startRound := func() store.CensusRound {
		r, err := st.CreateRound(ctx, admin, store.RoundStart{UnitID: county.ID})
		if err != nil || r.Total != n {
			t.Fatalf("round %+v %v", r, err)
		}
		if _, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: workflows.CensusWorkflowID(r.ID), TaskQueue: workflows.TaskQueue},
			workflows.CensusRoundWorkflowName, workflows.CensusRoundInput{RoundID: r.ID, ScopeUnitID: county.ID}); err != nil {
			t.Fatal(err)
		}
		return r
	}
	count := func() (total int64, perUnit map[string]int64) {
		var rows []struct {
			UnitID string
			N      int64
		}
		st.DB().Raw(`SELECT unit_id, count(*) AS n FROM tasks WHERE kind = 'census.verify' GROUP BY unit_id`).Scan(&rows)
		perUnit = map[string]int64{}
		for _, r := range rows {
			total += r.N
			perUnit[r.UnitID] = r.N
		}
		return total, perUnit
	}
	began := time.Now()
	first := startRound()
	// Not a timed test: it fails only when the round stops making progress for a minute (a
	// loaded 2-core machine is slow, not stuck).
	last, lastAt := int64(-1), time.Now()
	for ; ; time.Sleep(200 * time.Millisecond) {
		total, _ := count()
		if total == n {
			break
		}
		if total != last {
			last, lastAt = total, time.Now()
		}
		if time.Since(lastAt) > time.Minute {
			t.Fatalf("%d of %d verification tasks, none more for a minute", total, n)
		}
	}
	t.Logf("1,000 verification tasks in %v", time.Since(began).Round(time.Millisecond))
	_, perUnit := count()
	for _, u := range towns {
		if perUnit[u.ID] != n/int64(len(towns)) {
			t.Fatalf("per unit %v", perUnit)
		}
	}
	second := startRound()
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(200 * time.Millisecond) {
		r, _ := st.RoundByID(ctx, second.ID)
		if r.Started == n {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the second round started %d of %d", r.Started, n)
		}
	}
	if total, _ := count(); total != n {
		t.Fatalf("after a second round: %d verification tasks, want %d", total, n)
	}
	by, _, err := st.RoundProgress(ctx, first.ID)
	if err != nil || by["open"] != n {
		t.Fatalf("first round progress %v %v", by, err)
	}
}

// TestCycleSchedules creates the cycle Schedules on the embedded server and checks their next
// action times: 01:00 Asia/Shanghai on the 1st of every month, of each quarter's first month,
// of January and July. Creating them again updates them.
func TestCycleSchedules(t *testing.T) {
	ctx := context.Background()
	c := startServer(t)
	for range 2 {
		if err := workflows.EnsureSchedules(ctx, c, 1); err != nil {
			t.Fatal(err)
		}
	}
	next := func(months ...int) time.Time {
		now := time.Now().In(calendar.Shanghai)
		for d := time.Date(now.Year(), now.Month(), 1, 1, 0, 0, 0, calendar.Shanghai); ; d = d.AddDate(0, 1, 0) {
			if !d.After(now) {
				continue
			}
			for _, m := range months {
				if int(d.Month()) == m {
					return d
				}
			}
		}
	}
	for kind, want := range map[string]time.Time{
		calendar.Monthly:   next(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12),
		calendar.Quarterly: next(1, 4, 7, 10),
		calendar.HalfYear:  next(1, 7),
	} {
		desc, err := c.ScheduleClient().GetHandle(ctx, "tandem-"+kind).Describe(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(desc.Info.NextActionTimes) == 0 || !desc.Info.NextActionTimes[0].Equal(want) {
			t.Fatalf("%s: next actions %v, want %v", kind, desc.Info.NextActionTimes, want)
		}
		// The run it makes covers the period that just ended.
		if p, _ := calendar.PeriodEndedBy(kind, want); p.End.After(want) {
			t.Fatalf("%s: the run at %v would cover %s", kind, want, p.Key)
		}
	}
}

// TestEmbeddedVerifyAndAssessment runs a census verification (one formal member: attached to a
// regional organization) and a unit's half-year assessment on the embedded server with real
// activities; with -update it saves both histories for the replay test.
func TestEmbeddedVerifyAndAssessment(t *testing.T) {
	ctx := context.Background()
	c := startServer(t)
	st := storetest.SQLite(t)
	admin := domain.Principal{Username: "admin", Admin: true}
	city, _ := st.CreateUnit(ctx, admin, domain.Unit{Name: "市", Net: domain.NetRegion, Kind: domain.KindCity})
	county, _ := st.CreateUnit(ctx, admin, domain.Unit{Name: "县", Net: domain.NetRegion, Kind: domain.KindCounty, ParentID: &city.ID})
	town, err := st.CreateUnit(ctx, admin, domain.Unit{Name: "镇", Net: domain.NetRegion, Kind: domain.KindTownship, ParentID: &county.ID})
	if err != nil {
		t.Fatal(err)
	}
	const uscc = "91350100M000100Y43"
	if err := st.DB().Exec(`INSERT INTO organizations (uscc, name, region_unit_id, region_path, region_owners, created_at, updated_at)
		VALUES (?, '单位', ?, ?, 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`, uscc, town.ID, town.Path).Error; err != nil {
		t.Fatal(err)
	}
	startWorker(t, c, st)
	step := func(run client.WorkflowRun, kind, result string) {
		t.Helper()
		completeStep(t, c, st, run, kind, result)
	}

	r, err := st.CreateRound(ctx, admin, store.RoundStart{UnitID: county.ID})
	if err != nil {
		t.Fatal(err)
	}
	verify, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: workflows.VerifyWorkflowID(uscc), TaskQueue: workflows.TaskQueue},
		workflows.CensusVerifyWorkflowName, activities.VerifyInput{RoundID: r.ID, USCC: uscc, UnitID: town.ID, ScopeUnitID: county.ID})
	if err != nil {
		t.Fatal(err)
	}
	step(verify, "census.verify", `{"operating":true,"employees":12,"formal_members":1,"probationary_members":0,"party_org":"none"}`)
	step(verify, "coverage.attach", `{"method":"regional","regional_org":"商圈党委"}`)
	if err := verify.Get(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if o, _ := st.GetOrganization(ctx, admin, uscc); o.Coverage != "regional" {
		t.Fatalf("coverage %s", o.Coverage)
	}

	p, _, err := st.OpenPeriod(ctx, "half-year", "2026-H1", "manual", "admin", time.Now(), time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	units, err := st.OpenAssessments(ctx, p.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	var townUnit activities.Assessed
	for _, u := range units {
		if u.UnitID == town.ID {
			townUnit = activities.Assessed{AssessmentID: u.AssessmentID, UnitID: u.UnitID, ScorerUnitID: u.ScorerUnitID, ReviewerUnitID: u.ReviewerUnitID}
		}
	}
	assess, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: workflows.AssessmentWorkflowID(townUnit.AssessmentID), TaskQueue: workflows.TaskQueue},
		workflows.AssessmentWorkflowName, workflows.AssessmentInput{Period: "2026-H1", Unit: townUnit, Scheme: domain.DefaultScheme,
			From: time.Date(2026, 1, 1, 0, 0, 0, 0, calendar.Shanghai), To: time.Date(2026, 7, 1, 0, 0, 0, 0, calendar.Shanghai)})
	if err != nil {
		t.Fatal(err)
	}
	step(assess, "assessment.self", `{"scores":{"census":90,"meetings":90},"evidence":"台账"}`)
	step(assess, "assessment.score", `{"scores":{"census":80,"meetings":80}}`)
	step(assess, "assessment.review", `{"decision":"adjust","adjustments":[{"code":"census","value":85,"reason":"复核"}]}`)
	var out domain.Outcome
	if err := assess.Get(ctx, &out); err != nil || out.Grade == "" {
		t.Fatalf("%+v %v", out, err)
	}
	if *update {
		saveHistory(t, c, verify, "../workflows/testdata/census-verify.history.json")
		saveHistory(t, c, assess, "../workflows/testdata/assessment.history.json")
	}
}

// startServer starts an embedded server on a fresh SQLite file and dials it; both stop when
// the test ends.
func startServer(t *testing.T) client.Client {
	t.Helper()
	srv, err := embeddedtemporal.Start(embeddedtemporal.Options{
		DatabaseFile: filepath.Join(t.TempDir(), "temporal.db"), Namespace: "default",
		SearchAttributes: workflows.SearchAttributes(), LogLevel: "error",
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Stop)
	c, err := client.DialContext(context.Background(), client.Options{HostPort: srv.HostPort(), Namespace: "default"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// startWorker runs Tandem's workflows and its real activities on st until the test ends.
func startWorker(t *testing.T, c client.Client, st *store.Store) {
	t.Helper()
	w := worker.New(c, workflows.TaskQueue, worker.Options{})
	workflows.Register(w)
	w.RegisterActivity(&activities.Activities{Store: st, Calendar: &activities.CalendarCache{Store: st, TTL: time.Minute},
		Notifier: activities.InAppNotifier{Store: st}, Temporal: c})
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)
}

// completeStep waits for the run's task of a kind and completes it through the Update, as the
// API does, as a person of its own for each kind (a reviewer is never the one who did the step
// reviewed).
func completeStep(t *testing.T, c client.Client, st *store.Store, run client.WorkflowRun, kind, result string) {
	t.Helper()
	ctx := context.Background()
	var task domain.Task
	for deadline := time.Now().Add(20 * time.Second); task.ID == ""; time.Sleep(50 * time.Millisecond) {
		tasks, _, err := st.ListTasks(ctx, domain.Principal{Admin: true}, store.TaskFilter{Visible: true, WorkflowID: run.GetID(), Kind: kind})
		if err != nil {
			t.Fatal(err)
		}
		if len(tasks) > 0 {
			task = tasks[0]
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s task within 20s", kind)
		}
	}
	// The row can be listed a moment before the workflow has taken the task in (TaskNotReady):
	// retried as app.Tasks.Complete does.
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		h, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: run.GetID(), UpdateName: workflows.UpdateCompleteTask,
			WaitForStage: client.WorkflowUpdateStageCompleted,
			Args:         []any{workflows.CompleteTaskRequest{TaskID: task.ID, Actor: "officer-" + kind, Result: json.RawMessage(result)}}})
		if err == nil {
			err = h.Get(ctx, nil)
		}
		var notReady *temporal.ApplicationError
		if err != nil && errors.As(err, &notReady) && notReady.Type() == workflows.ErrTypeTaskNotReady && time.Now().Before(deadline) {
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
		return
	}
}
