package workflows_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"tandem/activities"
	"tandem/domain"
	"tandem/workflows"
)

type rectificationFake struct {
	mu       sync.Mutex
	steps    []string // action→status#rectifications
	reasons  []string
	extended []activities.ExtendDeadlineInput
	rungs    []string // the ladder's rungs taken: step@time since the start
}

// rectificationEnv is formationEnv's task fakes plus the chain's activities; a plan's deadline
// is its working days as calendar days after From.
func rectificationEnv(t *testing.T) (*testsuite.TestWorkflowEnvironment, *fakeTasks, *rectificationFake) {
	env, f := formationEnv(t)
	rf := &rectificationFake{}
	var a *activities.Activities
	due := start
	env.OnActivity(a.AdvanceRectification, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.AdvanceRectificationInput) (activities.RectificationItemInfo, error) {
			rf.mu.Lock()
			defer rf.mu.Unlock()
			if in.DeadlineWorkingDays > 0 {
				due = in.From.Add(time.Duration(in.DeadlineWorkingDays) * day)
			}
			rf.steps = append(rf.steps, strings.TrimPrefix(in.Action, "rectification.")+"→"+string(in.To)+"#"+string(rune('0'+in.Rectifications)))
			if r, _ := in.Detail["reason"].(string); r != "" {
				rf.reasons = append(rf.reasons, r)
			}
			return activities.RectificationItemInfo{ID: in.ItemID, Status: in.To, DueAt: due, Rectifications: in.Rectifications}, nil
		}).Maybe()
	env.OnActivity(a.RectifyingUnitMembers, mock.Anything, "town").Return([]string{"town-a", "town-b"}, nil).Maybe()
	env.OnActivity(a.ExtendDeadline, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.ExtendDeadlineInput) (activities.TaskInfo, error) {
			rf.mu.Lock()
			defer rf.mu.Unlock()
			rf.extended = append(rf.extended, in)
			return activities.TaskInfo{ID: in.TaskID, Kind: "rectification.report", Status: domain.TaskOpen,
				DueAt: due.Add(time.Duration(in.WorkingDays) * day)}, nil
		}).Maybe()
	env.OnActivity(a.ClimbLadder, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.LadderInput) (activities.LadderOutput, error) {
		rf.mu.Lock()
		defer rf.mu.Unlock()
		rf.rungs = append(rf.rungs, in.Step.Step+"@"+env.Now().Sub(start).Round(h).String())
		var out activities.LadderOutput
		if in.Step.Task {
			out.Escalation = &activities.TaskInfo{ID: "ladder/" + in.Step.Step, Kind: domain.TaskKindEscalation, Status: domain.TaskOpen,
				DueAt: env.Now().Add(3 * day)}
		}
		if in.NextWorkingDays >= 0 {
			out.NextAt = env.Now().Add(time.Duration(in.NextWorkingDays) * day)
		}
		return out, nil
	}).Maybe()
	return env, f, rf
}

var rectificationInput = workflows.RectificationInput{ItemID: "i1", RoundID: "r1", RoundTitle: "双同步专项督查", SponsorUnitID: "city",
	UnitID: "town", Finding: "名册未更新", LimitWorkingDays: 40, From: start}

const (
	plan30   = `{"measures":"逐户核对名册并更新","responsible":"李四","deadline_working_days":30}`
	plan41   = `{"measures":"逐户核对名册并更新","responsible":"李四","deadline_working_days":41}`
	reported = `{"done":true,"summary":"名册已更新","evidence":["att-1"],"statement":"以上情况属实","signed":true}`
	accept   = `{"decision":"approve"}`
)

func runRectification(t *testing.T, env *testsuite.TestWorkflowEnvironment) workflows.RectificationState {
	t.Helper()
	env.ExecuteWorkflow(workflows.RectificationWorkflow, rectificationInput)
	if !env.IsWorkflowCompleted() || env.GetWorkflowError() != nil {
		t.Fatalf("workflow: %v", env.GetWorkflowError())
	}
	var out workflows.RectificationState
	if err := env.GetWorkflowResult(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

// A plan beyond the round's limit is refused before history; the plan is returned once with a
// reason the next plan task shows; the planner does not review their own plan, the reporter
// does not self-check, and no member of the rectifying unit verifies; the sponsor's officer
// signs it off.
func TestRectificationPlanReturned(t *testing.T) {
	env, f, rf := rectificationEnv(t)
	answer(t, env, 1*h, "plan/1.1", "town-a", plan41, refused(t, "deadline_working_days", "40"))
	answer(t, env, 2*h, "plan/1.1", "town-a", plan30, nil)
	answer(t, env, 3*h, "plan_review/1.1", "town-a", accept, refused(t, "四眼原则"))
	answer(t, env, 4*h, "plan_review/1.1", "city-off", `{"decision":"return"}`, refused(t, "reason"))
	answer(t, env, 5*h, "plan_review/1.1", "city-off", `{"decision":"return","reason":"措施不具体"}`, nil)
	answer(t, env, 6*h, "plan/1.2", "town-a", plan30, nil)
	answer(t, env, 7*h, "plan_review/1.2", "city-off", accept, nil)
	answer(t, env, 8*h, "report/1.1", "town-a", `{"done":true,"summary":"名册已更新","evidence":[],"statement":"属实","signed":true}`, refused(t, "evidence"))
	answer(t, env, 9*h, "report/1.1", "town-a", reported, nil)
	answer(t, env, 10*h, "self_check/1.1", "town-a", accept, refused(t, "四眼原则"))
	answer(t, env, 11*h, "self_check/1.1", "town-b", accept, nil)
	answer(t, env, 12*h, "verify/1", "town-b", accept, refused(t, "四眼原则"))
	answer(t, env, 13*h, "verify/1", "city-off", accept, nil)
	out := runRectification(t, env)
	if out.Status != domain.RectSignedOff || out.SignedOffBy != "city-off" || out.Rectifications != 1 {
		t.Fatalf("state %+v", out)
	}
	want := "plan→plan_review#1,plan_review→planning#1,plan→plan_review#1,plan_review→in_progress#1,report→self_check#1,self_check→verifying#1,verify→signed_off#1"
	if got := strings.Join(rf.steps, ","); got != want {
		t.Fatalf("steps\n%s\nwant\n%s", got, want)
	}
	if p := f.inputs["plan/1.2"]; p.Context.Returned == nil || p.Context.Returned.Reason != "措施不具体" || !strings.Contains(p.Context.Why, "名册未更新") {
		t.Fatalf("second plan task %+v", p)
	}
	if r := f.inputs["report/1.1"]; !r.DueAt.Equal(start.Add(30*day)) || r.UnitID != "town" {
		t.Fatalf("report task due %v in %s, want the plan's deadline", r.DueAt, r.UnitID)
	}
	v := f.inputs["verify/1"]
	if v.UnitID != "city" || v.Role != domain.RoleOfficer || strings.Join(v.NotBy, ",") != "town-a,town-b" {
		t.Fatalf("verify task %+v", v)
	}
	if f.inputs["plan_review/1.1"].UnitID != "city" || !strings.Contains(f.inputs["plan_review/1.1"].Title, "双同步专项督查") {
		t.Fatalf("plan review task %+v", f.inputs["plan_review/1.1"])
	}
}

// Verification returns the item: a second rectification (rectifications = 2) starts again from
// the plan, whose task shows the verifier's reason, and is then signed off.
func TestRectificationVerificationReturned(t *testing.T) {
	env, f, rf := rectificationEnv(t)
	answer(t, env, 1*h, "plan/1.1", "town-a", plan30, nil)
	answer(t, env, 2*h, "plan_review/1.1", "city-off", accept, nil)
	answer(t, env, 3*h, "report/1.1", "town-a", reported, nil)
	answer(t, env, 4*h, "self_check/1.1", "town-b", `{"decision":"return","reason":"佐证不全"}`, nil)
	answer(t, env, 5*h, "report/1.2", "town-a", reported, nil)
	answer(t, env, 6*h, "self_check/1.2", "town-b", accept, nil)
	answer(t, env, 7*h, "verify/1", "city-off", `{"decision":"return","reason":"现场仍未整改到位"}`, nil)
	answer(t, env, 8*h, "plan/2.1", "town-a", plan30, nil)
	answer(t, env, 9*h, "plan_review/2.1", "city-off", accept, nil)
	answer(t, env, 10*h, "report/2.1", "town-a", reported, nil)
	answer(t, env, 11*h, "self_check/2.1", "town-b", accept, nil)
	answer(t, env, 12*h, "verify/2", "city-off", accept, nil)
	out := runRectification(t, env)
	if out.Status != domain.RectSignedOff || out.Rectifications != 2 {
		t.Fatalf("state %+v", out)
	}
	if got := strings.Join(rf.steps, ","); !strings.Contains(got, "self_check→in_progress#1,report→self_check#1") ||
		!strings.Contains(got, "verify→returned#2,plan→plan_review#2") || !strings.HasSuffix(got, "verify→signed_off#2") {
		t.Fatalf("steps %s", got)
	}
	if r := f.inputs["report/1.2"].Context.Returned; r == nil || r.Reason != "佐证不全" {
		t.Fatalf("second report task %+v", f.inputs["report/1.2"])
	}
	if r := f.inputs["plan/2.1"].Context.Returned; r == nil || r.Reason != "现场仍未整改到位" {
		t.Fatalf("second plan task %+v", f.inputs["plan/2.1"])
	}
	// The second plan's working days count from the return (7h after the start).
	if r := f.inputs["report/2.1"]; !r.DueAt.Equal(start.Add(7*h + 30*day)) {
		t.Fatalf("second report due %v", r.DueAt)
	}
	if got := strings.Join(rf.reasons, ","); got != "佐证不全,现场仍未整改到位" {
		t.Fatalf("reasons in the trail %s", got)
	}
}

// An extension of the report, granted by the round's officer, moves the report's timers: the
// report handed in after the first deadline but before the new one is not escalated. Without
// the extension (refused: no signal) the same report climbs the ladder from the first deadline.
func TestRectificationExtension(t *testing.T) {
	for _, granted := range []bool{true, false} {
		t.Run(map[bool]string{true: "Granted", false: "Refused"}[granted], func(t *testing.T) {
			env, _, rf := rectificationEnv(t)
			answer(t, env, 1*h, "plan/1.1", "town-a", `{"measures":"逐户核对","responsible":"李四","deadline_working_days":5}`, nil)
			answer(t, env, 2*h, "plan_review/1.1", "city-off", accept, nil)
			if granted {
				env.RegisterDelayedCallback(func() {
					env.SignalWorkflow(workflows.SignalDeadlineExtended, workflows.DeadlineExtension{Key: "extension/e1", TaskID: "report/1.1",
						WorkingDays: 10, Actor: "city-off", Reason: "需协调外部单位"})
				}, 3*day)
			}
			answer(t, env, 8*day+h, "report/1.1", "town-a", reported, nil)
			answer(t, env, 8*day+2*h, "self_check/1.1", "town-b", accept, nil)
			answer(t, env, 8*day+3*h, "verify/1", "city-off", accept, nil)
			out := runRectification(t, env)
			if out.Status != domain.RectSignedOff {
				t.Fatalf("state %+v", out)
			}
			rungs := strings.Join(rf.rungs, ",")
			if granted {
				if len(rf.extended) != 1 || rf.extended[0].WorkingDays != 10 || rf.extended[0].Actor != "city-off" || rungs != "" {
					t.Fatalf("extended %+v, escalated %q", rf.extended, rungs)
				}
			} else if len(rf.extended) != 0 || rungs != "reminder@120h0m0s,chase@192h0m0s" {
				t.Fatalf("extended %+v, escalated %q", rf.extended, rungs)
			}
		})
	}
}

// An overdue report climbs the whole ladder (reminder → chase → bulletin → talk → warning), each
// rung its working days after the previous, the talk and the warning as escalation tasks of the
// unit above, never the single escalation; an extension granted on the talk's escalation task
// moves the deadline and the next rung to it; the report handed in at last cancels the open
// escalation.
func TestRectificationLadderToTheTop(t *testing.T) {
	env, f, rf := rectificationEnv(t)
	answer(t, env, 1*h, "plan/1.1", "town-a", `{"measures":"逐户核对","responsible":"李四","deadline_working_days":2}`, nil)
	answer(t, env, 2*h, "plan_review/1.1", "city-off", accept, nil)
	// Due at start+2d: reminder at 2d, chase 5d, bulletin 10d, talk 17d; the talk's task extends by 10 at 18d.
	answer(t, env, 18*day, "ladder/talk", "county-off", `{"action":"extend","extend_working_days":10,"note":"给予最后期限"}`, nil)
	answer(t, env, 40*day, "report/1.1", "town-a", reported, nil)
	answer(t, env, 40*day+h, "self_check/1.1", "town-b", accept, nil)
	answer(t, env, 40*day+2*h, "verify/1", "city-off", accept, nil)
	out := runRectification(t, env)
	if out.Status != domain.RectSignedOff {
		t.Fatalf("state %+v", out)
	}
	// The talk's extension moved the due date (the fake: the plan's due + 10 days, 12d, already
	// past at 18d), so the warning comes at once after it.
	if got := strings.Join(rf.rungs, ","); got != "reminder@48h0m0s,chase@120h0m0s,bulletin@240h0m0s,talk@408h0m0s,warning@432h0m0s" {
		t.Fatalf("rungs %s", got)
	}
	if len(f.escalated) != 0 || f.cancelled == 0 {
		t.Fatalf("single escalations %v (the ladder replaces them), cancellations %d", f.escalated, f.cancelled)
	}
}

// A demonstration run (TANDEM_RECTIFICATION_DEMO_DAY): the ladder's working days are spans of
// the demonstration day on the workflow's clock, not days on the calendar, and the plan's step
// carries the day to the activity that sets the deadline.
func TestRectificationLadderDemoDay(t *testing.T) {
	env, f, rf := rectificationEnv(t)
	var demoDays []time.Duration
	env.SetOnActivityStartedListener(func(info *activity.Info, _ context.Context, args converter.EncodedValues) {
		var in activities.AdvanceRectificationInput
		if info.ActivityType.Name == "AdvanceRectification" && args.Get(&in) == nil && in.DeadlineWorkingDays > 0 {
			demoDays = append(demoDays, in.DemoDay)
		}
	})
	answer(t, env, 1*h, "plan/1.1", "town-a", `{"measures":"逐户核对","responsible":"李四","deadline_working_days":2}`, nil)
	answer(t, env, 2*h, "plan_review/1.1", "city-off", accept, nil)
	// Due at start+2d (the fake); the default ladder's 3, 5, 7 and 3 working days are hours here.
	answer(t, env, 70*h, "report/1.1", "town-a", reported, nil)
	answer(t, env, 71*h, "self_check/1.1", "town-b", accept, nil)
	answer(t, env, 72*h, "verify/1", "city-off", accept, nil)
	in := rectificationInput
	in.DemoDay = h
	env.ExecuteWorkflow(workflows.RectificationWorkflow, in)
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(rf.rungs, ","); got != "reminder@48h0m0s,chase@51h0m0s,bulletin@56h0m0s,talk@63h0m0s,warning@66h0m0s" {
		t.Fatalf("rungs %s", got)
	}
	if fmt.Sprint(demoDays) != "[1h0m0s]" || f.cancelled == 0 {
		t.Fatalf("the plan's demonstration days %v, cancellations %d", demoDays, f.cancelled)
	}
}

// A sampled item, once signed off, leaves a re-check 回头看 behind it (abandoned, so the round is
// not kept waiting); an item outside the sample does not.
func TestRectificationRecheckStarted(t *testing.T) {
	for _, percent := range []int{100, 0} {
		env, _, _ := rectificationEnv(t)
		var started []workflows.RectificationInput
		env.OnWorkflow(workflows.RectificationRecheckWorkflow, mock.Anything, mock.Anything).Return(
			func(_ workflow.Context, in workflows.RectificationInput) (workflows.RectificationState, error) {
				started = append(started, in)
				return workflows.RectificationState{}, nil
			}).Maybe()
		answer(t, env, 1*h, "plan/1.1", "town-a", plan30, nil)
		answer(t, env, 2*h, "plan_review/1.1", "city-off", accept, nil)
		answer(t, env, 3*h, "report/1.1", "town-a", reported, nil)
		answer(t, env, 4*h, "self_check/1.1", "town-b", accept, nil)
		answer(t, env, 5*h, "verify/1", "city-off", accept, nil)
		in := rectificationInput
		in.Recheck = workflows.RecheckPolicy{WorkingDays: 60, Percent: percent}
		env.ExecuteWorkflow(workflows.RectificationWorkflow, in)
		if err := env.GetWorkflowError(); err != nil {
			t.Fatal(err)
		}
		if want := map[int]int{100: 1, 0: 0}[percent]; len(started) != want || want == 1 && (started[0].Rectification != 1 || started[0].Recheck.WorkingDays != 60) {
			t.Fatalf("%d%%: re-checks started %+v", percent, started)
		}
	}
}

// The re-check comes the policy's working days after the sign-off, is never done by the
// rectifying unit's people, and a recurrence reopens the item (one more rectification) and
// starts its chain again with what was found as the plan's return reason.
func TestRectificationRecheckReopens(t *testing.T) {
	env, f, rf := rectificationEnv(t)
	var a *activities.Activities
	env.OnActivity(a.WorkingDaysLater, mock.Anything, 60).Return(start.Add(84*day), nil).Once()
	var again []workflows.RectificationInput
	env.OnWorkflow(workflows.RectificationWorkflow, mock.Anything, mock.Anything).Return(
		func(_ workflow.Context, in workflows.RectificationInput) (workflows.RectificationState, error) {
			again = append(again, in)
			return workflows.RectificationState{}, nil
		}).Once()
	answer(t, env, 84*day+h, "recheck/1", "town-a", `{"recurred":false,"notes":"正常"}`, refused(t, "四眼原则"))
	answer(t, env, 84*day+2*h, "recheck/1", "city-off", `{"recurred":true}`, refused(t, "notes"))
	answer(t, env, 84*day+3*h, "recheck/1", "city-off", `{"recurred":true,"notes":"名册再次未更新"}`, nil)
	in := rectificationInput
	in.Recheck, in.Rectification = workflows.RecheckPolicy{WorkingDays: 60, Percent: 100}, 1
	env.ExecuteWorkflow(workflows.RectificationRecheckWorkflow, in)
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if f.inputs["recheck/1"].UnitID != "city" || strings.Join(f.inputs["recheck/1"].NotBy, ",") != "town-a,town-b" {
		t.Fatalf("recheck task %+v", f.inputs["recheck/1"])
	}
	if got := strings.Join(rf.steps, ","); got != "recheck→reopened#2" {
		t.Fatalf("steps %s", got)
	}
	if len(again) != 1 || again[0].Rectification != 2 || again[0].Reopened == nil || !strings.Contains(again[0].Reopened.Reason, "名册再次未更新") ||
		!again[0].From.Equal(start.Add(84*day+3*h)) {
		t.Fatalf("the chain again %+v", again)
	}
}

// A reopened item's chain starts at its next rectification, its first plan task showing the
// re-check's finding.
func TestRectificationReopenedChain(t *testing.T) {
	env, f, rf := rectificationEnv(t)
	answer(t, env, 1*h, "plan/2.1", "town-a", plan30, nil)
	answer(t, env, 2*h, "plan_review/2.1", "city-off", accept, nil)
	answer(t, env, 3*h, "report/2.1", "town-a", reported, nil)
	answer(t, env, 4*h, "self_check/2.1", "town-b", accept, nil)
	answer(t, env, 5*h, "verify/2", "city-off", accept, nil)
	in := rectificationInput
	in.Rectification, in.Reopened = 2, &domain.TaskReturn{Reason: "回头看发现问题反弹：名册再次未更新", By: "city-off", At: start}
	env.ExecuteWorkflow(workflows.RectificationWorkflow, in)
	var out workflows.RectificationState
	if err := env.GetWorkflowResult(&out); err != nil || out.Status != domain.RectSignedOff || out.Rectifications != 2 {
		t.Fatalf("state %+v %v", out, err)
	}
	if r := f.inputs["plan/2.1"].Context.Returned; r == nil || !strings.Contains(r.Reason, "反弹") {
		t.Fatalf("the reopened plan task %+v", f.inputs["plan/2.1"])
	}
	if !strings.HasPrefix(strings.Join(rf.steps, ","), "plan→plan_review#2") {
		t.Fatalf("steps %v", rf.steps)
	}
}
