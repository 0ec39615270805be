package workflows_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/testsuite"

	"tandem/activities"
	"tandem/calendar"
	"tandem/domain"
	"tandem/workflows"
)

// fakeTasks stands in for the task activities: a task's ID is its step (application/1,
// approval/1, …), due DueWorkingDays days (or 30 days per month) after it is created.
type fakeTasks struct {
	mu        sync.Mutex
	env       *testsuite.TestWorkflowEnvironment
	created   []string
	escalated []string
	steps     []string
	cancelled int
	register  map[string]bool
	dissolved string
	dueDays   map[string]int // working days each created task is due in
	inputs    map[string]activities.CreateTaskInput
	terms     int
	moved     *time.Time
}

func formationEnv(t *testing.T) (*testsuite.TestWorkflowEnvironment, *fakeTasks) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.SetStartTime(start)
	f := &fakeTasks{env: env}
	var a *activities.Activities
	env.RegisterActivity(a)
	env.OnActivity(a.CreateTask, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.CreateTaskInput) (activities.TaskInfo, error) {
			f.mu.Lock()
			defer f.mu.Unlock()
			id := strings.TrimPrefix(in.Key, in.WorkflowID+"/")
			f.created = append(f.created, id)
			checkNamesItsSubject(t, id, in)
			if f.dueDays == nil {
				f.dueDays = map[string]int{}
			}
			f.dueDays[id] = in.DueWorkingDays
			if f.inputs == nil {
				f.inputs = map[string]activities.CreateTaskInput{}
			}
			f.inputs[id] = in
			due := env.Now().Add(time.Duration(in.DueWorkingDays) * 24 * time.Hour)
			if in.DueMonths > 0 {
				due = env.Now().AddDate(0, in.DueMonths, 0)
			}
			if !in.DueAt.IsZero() {
				due = in.DueAt
			}
			return activities.TaskInfo{ID: id, Kind: in.Kind, Status: domain.TaskOpen, UnitID: in.UnitID, DueAt: due}, nil
		}).Maybe()
	env.OnActivity(a.CompleteTask, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.CompleteTaskInput) (activities.TaskInfo, error) {
			kind := ""
			if i := strings.LastIndex(in.TaskID, "/"); i > 0 {
				kind = in.TaskID[:i]
			}
			return activities.TaskInfo{ID: in.TaskID, Kind: kind, Status: domain.TaskCompleted, Result: in.Result, CompletedBy: in.Actor}, nil
		}).Maybe()
	env.OnActivity(a.RemindTask, mock.Anything, mock.Anything).Return(nil).Maybe()
	env.OnActivity(a.EscalateTask, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.EscalateTaskInput) (activities.TaskInfo, error) {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.escalated = append(f.escalated, in.TaskID)
			return activities.TaskInfo{ID: "escalation/" + in.TaskID, Kind: domain.TaskKindEscalation, Status: domain.TaskOpen,
				DueAt: env.Now().Add(5 * 24 * time.Hour)}, nil
		}).Maybe()
	env.OnActivity(a.CancelTasks, mock.Anything, mock.Anything).Return(func(context.Context, activities.CancelTasksInput) error {
		f.mu.Lock()
		f.cancelled++
		f.mu.Unlock()
		return nil
	}).Maybe()
	env.OnActivity(a.SetFormationStep, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.FormationStepInput) error {
		f.mu.Lock()
		f.steps = append(f.steps, in.Step)
		f.mu.Unlock()
		return nil
	}).Maybe()
	env.OnActivity(a.RecordMembers, mock.Anything, mock.Anything).Return(nil).Maybe()
	env.OnActivity(a.TransferRelations, mock.Anything, mock.Anything).Return(func(context.Context, activities.TransferInput) (activities.TransferOutput, error) {
		return activities.TransferOutput{PartyOrgID: "po-1", Register: f.register}, nil
	}).Maybe()
	env.OnActivity(a.RegisterOf, mock.Anything, mock.Anything).Return(func(context.Context, string) (map[string]bool, error) {
		return f.register, nil
	}).Maybe()
	env.OnActivity(a.StartTerm, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.StartTermInput) (activities.PartyOrgInfo, error) {
		f.mu.Lock()
		f.terms++
		f.mu.Unlock()
		due := env.Now().AddDate(3, 0, 0)
		return activities.PartyOrgInfo{ID: in.PartyOrgID, TermDueAt: &due}, nil
	}).Maybe()
	env.OnActivity(a.MoveTermDue, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.MoveTermDueInput) error {
		f.moved = &in.DueAt
		return nil
	}).Maybe()
	env.OnActivity(a.DissolvePartyOrg, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.DissolveInput) error {
		f.dissolved = in.Reason
		return nil
	}).Maybe()
	return env, f
}

// activate expects the activation with the given officers.
func activate(t *testing.T, env *testsuite.TestWorkflowEnvironment, want string) {
	var a *activities.Activities
	env.OnWorkflow(workflows.PartyOrgWorkflow, mock.Anything, mock.Anything).Return(nil).Once()
	env.OnActivity(a.ActivatePartyOrg, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.ActivateInput) (activities.PartyOrgInfo, error) {
			got, _ := json.Marshal(in.Officers)
			if string(got) != want {
				t.Errorf("officers %s, want %s", got, want)
			}
			return activities.PartyOrgInfo{ID: "po-1", Kind: domain.KindBranch}, nil
		}).Once()
}

// answer completes a task at a time offset; cb nil means it must be accepted.
func answer(t *testing.T, env *testsuite.TestWorkflowEnvironment, after time.Duration, taskID, actor, result string, cb *testsuite.TestUpdateCallback) {
	if cb == nil {
		cb = accepted(t)
	}
	env.RegisterDelayedCallback(func() {
		env.UpdateWorkflow(workflows.UpdateCompleteTask, taskID+"@"+after.String(), cb,
			workflows.CompleteTaskRequest{TaskID: taskID, Actor: actor, Result: json.RawMessage(result)})
	}, after)
}

// refused expects a rejection whose message names every one of the words.
func refused(t *testing.T, words ...string) *testsuite.TestUpdateCallback {
	return &testsuite.TestUpdateCallback{
		OnReject: func(err error) {
			var app interface{ Details(...any) error }
			msg := err.Error()
			if asAppErr(err, &app) {
				var fields []domain.FieldError
				_ = app.Details(&fields)
				b, _ := json.Marshal(fields)
				msg += string(b)
			}
			for _, w := range words {
				if !strings.Contains(msg, w) {
					t.Errorf("rejection %q does not name %q", msg, w)
				}
			}
		},
		OnAccept:   func() { t.Errorf("accepted, want refused naming %v", words) },
		OnComplete: func(any, error) {},
	}
}

func asAppErr(err error, target *interface{ Details(...any) error }) bool {
	for e := err; e != nil; {
		if a, ok := e.(interface{ Details(...any) error }); ok {
			*target = a
			return true
		}
		u, ok := e.(interface{ Unwrap() error })
		if !ok {
			return false
		}
		e = u.Unwrap()
	}
	return false
}

const (
	h          = time.Hour
	day        = 24 * time.Hour
	branchApp  = `{"kind":"branch","formal_members":3,"probationary_members":1,"committee":false}`
	approve    = `{"decision":"approve","reference":"某党委〔2026〕1号"}`
	election3  = `{"voting_members":3,"present":3,"seats":1,"candidates":1,"elected":[{"name":"张三","post":"secretary","votes":3}]}`
	filing     = `{"reference":"组备〔2026〕9号"}`
	officerZS  = `[{"name":"张三","post":"secretary"}]`
	uscc       = "91350100M000100Y43"
	townshipA  = "unit-a"
	countyUnit = "unit-county"
)

func shanghaiDate(t time.Time) string { return t.In(calendar.Shanghai).Format(time.DateOnly) }

// report holds the first committee meeting on the day the tests start: not before the election
// (held the same day, or undated) and not in the future.
var report = `{"first_meeting_on":"` + shanghaiDate(start) + `"}`

var branchInput = workflows.FormationInput{FormationID: "f1", Kind: domain.KindBranch, Organizations: []string{uscc},
	UnitID: townshipA, ParentUnitID: countyUnit}

func TestFormationApprovedFirstTime(t *testing.T) {
	env, f := formationEnv(t)
	activate(t, env, officerZS)
	answer(t, env, 1*h, "application/1", "sec-a", branchApp, nil)
	answer(t, env, 2*h, "approval/1", "off-a", approve, nil)
	answer(t, env, 3*h, "election/1", "sec-a", election3, nil)
	answer(t, env, 4*h, "report/1", "sec-a", report, nil)
	answer(t, env, 5*h, "confirmation/1", "off-a", approve, nil)
	env.RegisterDelayedCallback(func() {
		v, err := env.QueryWorkflow(workflows.QueryFormationStep)
		var st workflows.FormationState
		if err != nil || v.Get(&st) != nil || st.Step != "filing" || st.PartyOrgID != "po-1" {
			t.Errorf("query at filing: %+v %v", st, err)
		}
	}, 5*h+time.Minute)
	answer(t, env, 6*h, "filing", "off-county", filing, nil)
	env.ExecuteWorkflow(workflows.FormationWorkflow, branchInput)
	var out workflows.FormationOutcome
	if err := env.GetWorkflowResult(&out); err != nil {
		t.Fatal(err)
	}
	if out.PartyOrgID != "po-1" {
		t.Fatalf("outcome %+v", out)
	}
	want := "application/1 approval/1 election/1 report/1 confirmation/1 filing"
	if got := strings.Join(f.created, " "); got != want {
		t.Fatalf("tasks %q, want %q", got, want)
	}
	if got := strings.Join(f.steps, " "); got != "approval election report confirmation filing" {
		t.Fatalf("steps %q", got)
	}
	if len(f.escalated) != 0 {
		t.Fatalf("escalated %v", f.escalated)
	}
	env.AssertExpectations(t)
}

func TestFormationReturnedAndResubmitted(t *testing.T) {
	env, f := formationEnv(t)
	activate(t, env, officerZS)
	answer(t, env, 1*h, "application/1", "sec-a", branchApp, nil)
	answer(t, env, 2*h, "approval/1", "off-a", `{"decision":"return","reason":"党员名册未附"}`, nil)
	answer(t, env, 3*h, "application/2", "sec-a", `{"kind":"branch","formal_members":3,"probationary_members":0,"committee":false,
		"members":[{"name":"张三","status":"formal"},{"name":"李四","status":"formal"},{"name":"王五","status":"formal","home_org":"某街道党工委"}]}`, nil)
	answer(t, env, 4*h, "approval/2", "off-a", approve, nil)
	answer(t, env, 5*h, "election/1", "sec-a", election3, nil)
	answer(t, env, 6*h, "report/1", "sec-a", report, nil)
	// The results are returned once: the election result is entered again.
	answer(t, env, 7*h, "confirmation/1", "off-a", `{"decision":"return","reason":"得票数填写有误"}`, nil)
	answer(t, env, 8*h, "election/2", "sec-a", election3, nil)
	answer(t, env, 9*h, "report/2", "sec-a", report, nil)
	answer(t, env, 10*h, "confirmation/2", "off-a", approve, nil)
	answer(t, env, 11*h, "filing", "off-county", filing, nil)
	env.ExecuteWorkflow(workflows.FormationWorkflow, branchInput)
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	want := "application/1 approval/1 application/2 approval/2 election/1 report/1 confirmation/1 election/2 report/2 confirmation/2 filing"
	if got := strings.Join(f.created, " "); got != want {
		t.Fatalf("tasks %q, want %q", got, want)
	}
	assertReturned(t, f, "application/2", "党员名册未附", "off-a")
	assertReturned(t, f, "election/2", "得票数填写有误", "off-a")
	if r := f.inputs["application/1"].Context.Returned; r != nil {
		t.Errorf("first application returned: %+v", r)
	}
	env.AssertExpectations(t)
}

// assertReturned: the task of step says why the previous round was returned, and by whom.
func assertReturned(t *testing.T, f *fakeTasks, step, reason, by string) {
	t.Helper()
	in, ok := f.inputs[step]
	if !ok {
		t.Fatalf("no task %s", step)
	}
	if r := in.Context.Returned; r == nil || r.Reason != reason || r.By != by || r.At.IsZero() {
		t.Errorf("%s returned context %+v, want reason %q by %s", step, r, reason, by)
	}
	if in.SubjectType == domain.SubjectNone {
		t.Errorf("%s has no subject type", step)
	}
}

func TestFormationApprovalOverdueEscalates(t *testing.T) {
	env, f := formationEnv(t)
	activate(t, env, officerZS)
	answer(t, env, 1*h, "application/1", "sec-a", branchApp, nil)
	// One calendar month passes without the approval; it is escalated, then given on day 35.
	answer(t, env, 35*day, "approval/1", "off-a", approve, nil)
	answer(t, env, 35*day+1*h, "election/1", "sec-a", election3, nil)
	answer(t, env, 35*day+2*h, "report/1", "sec-a", report, nil)
	answer(t, env, 35*day+3*h, "confirmation/1", "off-a", approve, nil)
	answer(t, env, 35*day+4*h, "filing", "off-county", filing, nil)
	env.ExecuteWorkflow(workflows.FormationWorkflow, branchInput)
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if strings.Join(f.escalated, " ") != "approval/1" {
		t.Fatalf("escalated %v, want the approval once", f.escalated)
	}
	env.AssertExpectations(t)
}

func TestFormationElectionRules(t *testing.T) {
	env, f := formationEnv(t)
	f.register = map[string]bool{"张三": true, "李四": true, "王五": true, "赵六": false}
	activate(t, env, `[{"name":"张三","post":"secretary"},{"name":"李四","post":"deputy_secretary"}]`)
	answer(t, env, 1*h, "application/1", "sec-a", `{"kind":"branch","formal_members":3,"probationary_members":1,"committee":false}`, nil)
	answer(t, env, 2*h, "approval/1", "off-a", approve, nil)
	// Each rule broken once, and refused naming it; the task stays open.
	answer(t, env, 3*h, "election/1", "sec-a", `{"voting_members":4,"present":4,"seats":1,"candidates":1,"elected":[{"name":"张三","post":"secretary","votes":4}]}`,
		refused(t, "voting_members", "表决权"))
	answer(t, env, 3*h+1*time.Minute, "election/1", "sec-a", `{"voting_members":3,"present":2,"seats":1,"candidates":1,"elected":[{"name":"张三","post":"secretary","votes":2}]}`,
		refused(t, "present", "到会人数"))
	answer(t, env, 3*h+2*time.Minute, "election/1", "sec-a", `{"voting_members":3,"present":3,"seats":1,"candidates":1,"elected":[{"name":"张三","post":"secretary","votes":1}]}`,
		refused(t, "elected[0].votes", "当选票数"))
	answer(t, env, 3*h+3*time.Minute, "election/1", "sec-a", `{"voting_members":3,"present":3,"seats":2,"candidates":2,"elected":[{"name":"张三","post":"secretary","votes":3},{"name":"赵六","post":"deputy_secretary","votes":3}]}`,
		refused(t, "elected[1].name", "预备党员"))
	answer(t, env, 3*h+4*time.Minute, "election/1", "sec-a", `{"voting_members":3,"present":3,"seats":3,"candidates":3,"elected":[{"name":"张三","post":"secretary","votes":3}]}`,
		refused(t, "seats", "支委会"))
	// SamePersonTwoPosts: 张三 elected secretary and deputy.
	answer(t, env, 3*h+5*time.Minute, "election/1", "sec-a", `{"voting_members":3,"present":3,"seats":2,"candidates":2,"elected":[{"name":"张三","post":"secretary","votes":3},{"name":" 张三","post":"deputy_secretary","votes":3}]}`,
		refused(t, "elected[1].name", "同一人不能当选两个职务"))
	// HeldInFuture: the day after the workflow's today (Shanghai).
	today, tomorrow, yesterday := shanghaiDate(start), shanghaiDate(start.Add(day)), shanghaiDate(start.Add(-day))
	answer(t, env, 3*h+6*time.Minute, "election/1", "sec-a", `{"voting_members":3,"present":3,"seats":1,"candidates":1,"held_on":"`+tomorrow+`","elected":[{"name":"张三","post":"secretary","votes":3}]}`,
		refused(t, "held_on", tomorrow, "晚于今天"))
	// Then met, held today.
	answer(t, env, 4*h, "election/1", "sec-a", `{"voting_members":3,"present":3,"seats":2,"candidates":2,"held_on":"`+today+`","elected":[{"name":"张三","post":"secretary","votes":3},{"name":"李四","post":"deputy_secretary","votes":2}]}`, nil)
	// FirstMeetingBeforeElection, and a first meeting still to come.
	answer(t, env, 4*h+30*time.Minute, "report/1", "sec-a", `{"first_meeting_on":"`+yesterday+`"}`,
		refused(t, "first_meeting_on", "早于选举日期", today))
	answer(t, env, 4*h+31*time.Minute, "report/1", "sec-a", `{"first_meeting_on":"`+tomorrow+`"}`,
		refused(t, "first_meeting_on", "晚于今天"))
	answer(t, env, 5*h, "report/1", "sec-a", report, nil)
	answer(t, env, 6*h, "confirmation/1", "off-a", approve, nil)
	answer(t, env, 7*h, "filing", "off-county", filing, nil)
	env.ExecuteWorkflow(workflows.FormationWorkflow, branchInput)
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	env.AssertExpectations(t)
}

func TestFormationCommitteeCandidates(t *testing.T) {
	env, _ := formationEnv(t)
	activate(t, env, `[{"name":"甲","post":"secretary"},{"name":"乙","post":"deputy_secretary"},{"name":"丙","post":"member"}]`)
	answer(t, env, 1*h, "application/1", "sec-a", `{"kind":"branch","formal_members":9,"probationary_members":0,"committee":true}`, nil)
	answer(t, env, 2*h, "approval/1", "off-a", approve, nil)
	committee := func(candidates string) string {
		return `{"voting_members":9,"present":8,"seats":3,"candidates":` + candidates + `,"elected":[{"name":"甲","post":"secretary","votes":8},{"name":"乙","post":"deputy_secretary","votes":6},{"name":"丙","post":"member","votes":5}]}`
	}
	answer(t, env, 3*h, "election/1", "sec-a", committee("3"), refused(t, "candidates", "差额选举", "4"))
	answer(t, env, 4*h, "election/1", "sec-a", committee("4"), nil)
	answer(t, env, 5*h, "report/1", "sec-a", report, nil)
	answer(t, env, 6*h, "confirmation/1", "off-a", approve, nil)
	answer(t, env, 7*h, "filing", "off-county", filing, nil)
	env.ExecuteWorkflow(workflows.FormationWorkflow, branchInput)
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	env.AssertExpectations(t)
}

func TestFormationApplicationMustFitFormation(t *testing.T) {
	env, _ := formationEnv(t)
	activate(t, env, officerZS)
	answer(t, env, 1*h, "application/1", "sec-a", `{"kind":"mobile","formal_members":3,"probationary_members":0,"committee":false}`, refused(t, "kind"))
	answer(t, env, 2*h, "application/1", "sec-a", branchApp, nil)
	answer(t, env, 3*h, "approval/1", "off-a", `{"decision":"approve","appointed":[{"name":"张三","post":"secretary"}]}`, refused(t, "appointed", "选举产生"))
	answer(t, env, 4*h, "approval/1", "off-a", approve, nil)
	answer(t, env, 5*h, "election/1", "sec-a", election3, nil)
	answer(t, env, 6*h, "report/1", "sec-a", report, nil)
	answer(t, env, 7*h, "confirmation/1", "off-a", approve, nil)
	answer(t, env, 8*h, "filing", "off-county", filing, nil)
	env.ExecuteWorkflow(workflows.FormationWorkflow, branchInput)
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
}

func TestFormationTemporaryBranchHasNoElection(t *testing.T) {
	env, f := formationEnv(t)
	activate(t, env, `[{"name":"钱七","post":"secretary"}]`)
	in := branchInput
	in.Kind = domain.KindTemporary
	answer(t, env, 1*h, "application/1", "sec-a", `{"kind":"temporary","formal_members":4,"probationary_members":0,"committee":false,"ends_on":"2027-06-30"}`, nil)
	answer(t, env, 2*h, "approval/1", "off-a", approve, refused(t, "appointed", "临时党支部"))
	answer(t, env, 3*h, "approval/1", "off-a", `{"decision":"approve","appointed":[{"name":"钱七","post":"secretary"}]}`, nil)
	answer(t, env, 4*h, "filing", "off-county", filing, nil)
	env.ExecuteWorkflow(workflows.FormationWorkflow, in)
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(f.created, " "); got != "application/1 approval/1 filing" {
		t.Fatalf("tasks %q", got)
	}
	env.AssertExpectations(t)
}

func TestFormationCancelledFreesOrganizations(t *testing.T) {
	env, _ := formationEnv(t)
	var a *activities.Activities
	env.OnActivity(a.EndFormation, mock.Anything, mock.MatchedBy(func(in activities.EndFormationInput) bool {
		return in.FormationID == "f1" && in.Status == "cancelled"
	})).Return(nil).Once()
	answer(t, env, 1*h, "application/1", "sec-a", branchApp, nil)
	env.RegisterDelayedCallback(env.CancelWorkflow, 2*h)
	env.ExecuteWorkflow(workflows.FormationWorkflow, branchInput)
	if err := env.GetWorkflowError(); err == nil {
		t.Fatal("want cancelled")
	}
	env.AssertExpectations(t)
}

func partyOrgInput(due time.Time) workflows.PartyOrgInput {
	return workflows.PartyOrgInput{PartyOrgID: "po-1", Kind: domain.KindBranch, Lead: uscc, UnitID: townshipA,
		FormalMembers: 3, TermDueAt: &due}
}

func TestPartyOrgTermExpiryRaisesReelection(t *testing.T) {
	env, f := formationEnv(t)
	due := start.AddDate(3, 0, 0)
	open := due.AddDate(0, -workflows.ReelectionLeadMonths, 0).Sub(start)
	answer(t, env, open+1*h, "reelection/1/1", "sec-a", election3, nil)
	answer(t, env, open+2*h, "reelection-review/1/1", "off-a", approve, nil)
	env.RegisterDelayedCallback(func() {
		if f.terms != 1 {
			t.Errorf("terms %d after the re-election", f.terms)
		}
		env.SignalWorkflow(workflows.SignalDissolve, workflows.DissolveRequest{Key: "k", Source: "superior", Actor: "off-a", Reason: "单位注销"})
	}, open+3*h)
	env.ExecuteWorkflow(workflows.PartyOrgWorkflow, partyOrgInput(due))
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(f.created, " "); got != "reelection/1/1 reelection-review/1/1" {
		t.Fatalf("tasks %q", got)
	}
	if f.dissolved != "单位注销" {
		t.Fatalf("dissolved %q", f.dissolved)
	}
}

func TestPartyOrgDissolutionRequestedAndApproved(t *testing.T) {
	env, f := formationEnv(t)
	due := start.AddDate(3, 0, 0)
	env.RegisterDelayedCallback(func() {
		req := workflows.DissolveRequest{Key: "k1", Source: "organization", Actor: "sec-a", Reason: "党员调离，不足三人"}
		env.SignalWorkflow(workflows.SignalDissolve, req)
		env.SignalWorkflow(workflows.SignalDissolve, req) // resent: ignored
	}, 10*day)
	answer(t, env, 11*day, "dissolution/1", "off-a", `{"decision":"return","reason":"请先发展党员"}`, nil)
	env.RegisterDelayedCallback(func() {
		if f.dissolved != "" {
			t.Error("dissolved although returned")
		}
		env.SignalWorkflow(workflows.SignalDissolve, workflows.DissolveRequest{Key: "k2", Source: "roster", Actor: "system", Reason: "已注销"})
	}, 12*day)
	answer(t, env, 13*day, "dissolution/2", "off-a", approve, nil)
	env.ExecuteWorkflow(workflows.PartyOrgWorkflow, partyOrgInput(due))
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(f.created, " "); got != "dissolution/1 dissolution/2" {
		t.Fatalf("tasks %q", got)
	}
	if f.dissolved != "已注销" {
		t.Fatalf("dissolved %q", f.dissolved)
	}
}

func TestPartyOrgRescheduledReelection(t *testing.T) {
	env, f := formationEnv(t)
	due := start.AddDate(3, 0, 0)
	early := start.AddDate(2, 6, 0)
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(workflows.SignalReschedule, workflows.RescheduleRequest{Key: "r1", Actor: "sec-a", Reason: "企业重组", DueAt: early})
	}, 30*day)
	answer(t, env, 31*day, "reschedule/1", "off-a", approve, nil)
	// The re-election opens two months before the new date, not the old one.
	openEarly := early.AddDate(0, -workflows.ReelectionLeadMonths, 0).Sub(start)
	answer(t, env, openEarly+1*h, "reelection/1/1", "sec-a", election3, nil)
	answer(t, env, openEarly+2*h, "reelection-review/1/1", "off-a", approve, nil)
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(workflows.SignalDissolve, workflows.DissolveRequest{Key: "end", Source: "superior", Actor: "off-a", Reason: "测试结束"})
	}, openEarly+3*h)
	env.ExecuteWorkflow(workflows.PartyOrgWorkflow, partyOrgInput(due))
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if f.moved == nil || !f.moved.Equal(early) || f.terms != 1 {
		t.Fatalf("moved %v terms %d", f.moved, f.terms)
	}
}

func TestPartyOrgTemporaryDissolvesWithParentBody(t *testing.T) {
	env, f := formationEnv(t)
	in := workflows.PartyOrgInput{PartyOrgID: "po-1", Kind: domain.KindTemporary, Lead: uscc, UnitID: townshipA, EndsOn: "2027-01-31"}
	env.ExecuteWorkflow(workflows.PartyOrgWorkflow, in)
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(f.dissolved, "临时党支部") || len(f.created) != 0 {
		t.Fatalf("dissolved %q, tasks %v", f.dissolved, f.created)
	}
}

func TestPartyOrgAdjustment(t *testing.T) {
	env, f := formationEnv(t)
	var a *activities.Activities
	var applied []string
	env.OnActivity(a.AdjustPartyOrg, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.AdjustInput) error {
		applied = append(applied, string(in.Change.Kind)+"/"+in.Actor)
		return nil
	}).Times(2)
	due := start.AddDate(3, 0, 0)
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(workflows.SignalAdjust, workflows.AdjustRequest{Key: "a1", Source: "organization", Actor: "sec-a", Reason: "党员增至60人",
			Change: workflows.PartyOrgChange{Kind: domain.KindGeneralBranch}})
	}, day)
	answer(t, env, 2*day, "adjustment/1", "off-a", approve, nil)
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(workflows.SignalAdjust, workflows.AdjustRequest{Key: "a2", Source: "superior", Actor: "off-a", Reason: "撤回",
			Change: workflows.PartyOrgChange{Kind: domain.KindBranch}})
	}, 3*day)
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(workflows.SignalDissolve, workflows.DissolveRequest{Key: "end", Source: "superior", Actor: "off-a", Reason: "测试结束"})
	}, 4*day)
	env.ExecuteWorkflow(workflows.PartyOrgWorkflow, partyOrgInput(due))
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if strings.Join(applied, " ") != "general_branch/off-a branch/off-a" || strings.Join(f.created, " ") != "adjustment/1" {
		t.Fatalf("applied %v, tasks %v", applied, f.created)
	}
}

// checkNamesItsSubject is G-B, applied to every task any workflow test creates: the task says in
// Chinese what to do, names a typed subject (CreateTask turns it into the subject's name) and
// carries no bare code or API path in its title. Delivery tasks are about a period and a source
// together: their title names both.
func checkNamesItsSubject(t *testing.T, step string, in activities.CreateTaskInput) {
	t.Helper()
	han := false
	for _, r := range in.Title {
		if unicode.Is(unicode.Han, r) {
			han = true
			break
		}
	}
	switch {
	case !han:
		t.Errorf("task %s: title %q has no Chinese", step, in.Title)
	case strings.Contains(in.Title, "/api/") || (in.Subject != "" && strings.Contains(in.Title, in.Subject) && in.Kind != "drill.acknowledge"):
		t.Errorf("task %s: title %q shows a code or path (%s)", step, in.Title, in.Subject)
	case in.SubjectType == domain.SubjectNone && in.Kind != "delivery.upload":
		t.Errorf("task %s (%s): no subject type, so its title cannot name the subject", step, in.Kind)
	case !in.SubjectType.Valid():
		t.Errorf("task %s: unknown subject type %q", step, in.SubjectType)
	}
}

// A re-election result that is not approved is entered again, and the new task says why (A6).
func TestPartyOrgReelectionReturnedCarriesReason(t *testing.T) {
	env, f := formationEnv(t)
	due := start.AddDate(3, 0, 0)
	open := due.AddDate(0, -workflows.ReelectionLeadMonths, 0).Sub(start)
	answer(t, env, open+1*h, "reelection/1/1", "sec-a", election3, nil)
	answer(t, env, open+2*h, "reelection-review/1/1", "off-a", `{"decision":"return","reason":"候选人名单未公示"}`, nil)
	answer(t, env, open+3*h, "reelection/1/2", "sec-a", election3, nil)
	answer(t, env, open+4*h, "reelection-review/1/2", "off-a", approve, nil)
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(workflows.SignalDissolve, workflows.DissolveRequest{Key: "k", Source: "superior", Actor: "off-a", Reason: "单位注销"})
	}, open+5*h)
	env.ExecuteWorkflow(workflows.PartyOrgWorkflow, partyOrgInput(due))
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(f.created, " "); got != "reelection/1/1 reelection-review/1/1 reelection/1/2 reelection-review/1/2" {
		t.Fatalf("tasks %q", got)
	}
	assertReturned(t, f, "reelection/1/2", "候选人名单未公示", "off-a")
	if r := f.inputs["reelection/1/1"].Context.Returned; r != nil {
		t.Errorf("first re-election returned: %+v", r)
	}
}
