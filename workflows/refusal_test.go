package workflows_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"tandem/activities"
	"tandem/domain"
	"tandem/workflows"
)

// TestTasksRefusedOnCompletionStaysOpen: when the CompleteTask activity refuses a result (a
// data check that no longer held when it was to be stored), the Update fails with
// InvalidResult and the fields, as the API maps to 422, and the task stays open in the
// workflow: the next answer completes it.
func TestTasksRefusedOnCompletionStaysOpen(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.SetStartTime(start)
	var a *activities.Activities
	env.RegisterActivity(a)
	env.OnActivity(a.CreateTask, mock.Anything, mock.Anything).Return(activities.TaskInfo{ID: "task-1", Kind: "drill.acknowledge",
		Status: domain.TaskOpen, DueAt: start.Add(5 * 24 * time.Hour)}, nil).Once()
	fields := []domain.FieldError{{Field: "note", Reason: "已被他人占用"}}
	calls := 0
	env.OnActivity(a.CompleteTask, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.CompleteTaskInput) (activities.TaskInfo, error) {
			calls++
			if calls == 1 {
				return activities.TaskInfo{}, temporal.NewNonRetryableApplicationError("任务“演练”提交的结果未被接受，任务仍待办理",
					activities.ErrTypeInvalidResult, nil, fields)
			}
			return activities.TaskInfo{ID: in.TaskID, Kind: "drill.acknowledge", Status: domain.TaskCompleted, Result: in.Result, CompletedBy: in.Actor}, nil
		})
	var refusal error
	refusedCB := &testsuite.TestUpdateCallback{
		OnReject:   func(err error) { t.Errorf("rejected by the validator: %v", err) },
		OnAccept:   func() {},
		OnComplete: func(_ any, err error) { refusal = err },
	}
	complete(env, time.Hour, "u1", "task-1", `{"acknowledged":true,"note":"收到"}`, refusedCB)
	complete(env, 2*time.Hour, "u2", "task-1", `{"acknowledged":true}`, accepted(t))
	env.ExecuteWorkflow(workflows.DrillWorkflow, workflows.DrillInput{UnitID: "unit-a", Role: domain.RoleInspector})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	var app *temporal.ApplicationError
	var got []domain.FieldError
	if !errors.As(refusal, &app) || app.Type() != workflows.ErrTypeInvalidResult || app.Details(&got) != nil ||
		len(got) != 1 || got[0] != fields[0] {
		t.Fatalf("the refused Update answered %v (fields %+v)", refusal, got)
	}
	var out workflows.TaskOutcome
	if err := env.GetWorkflowResult(&out); err != nil || out.CompletedBy != "inspector-a" || string(out.Result) != `{"acknowledged":true}` {
		t.Fatalf("outcome %+v %v", out, err)
	}
	if calls != 2 {
		t.Fatalf("CompleteTask ran %d times, want 2", calls)
	}
}

// TestPartyOrgReelectionRules: a re-election electing one person to two posts, or dated after
// the workflow's today (Shanghai), is refused by the validator naming the field; the task stays
// open and a valid result is then taken.
func TestPartyOrgReelectionRules(t *testing.T) {
	env, f := formationEnv(t)
	due := start.AddDate(3, 0, 0)
	open := due.AddDate(0, -workflows.ReelectionLeadMonths, 0).Sub(start)
	tomorrow := shanghaiDate(start.Add(open + 30*time.Minute + day))
	answer(t, env, open+30*time.Minute, "reelection/1/1", "sec-a",
		`{"voting_members":3,"present":3,"seats":2,"candidates":2,"elected":[{"name":"张三","post":"secretary","votes":3},{"name":"张三","post":"deputy_secretary","votes":3}]}`,
		refused(t, "elected[1].name", "同一人不能当选两个职务"))
	answer(t, env, open+31*time.Minute, "reelection/1/1", "sec-a",
		`{"voting_members":3,"present":3,"seats":1,"candidates":1,"held_on":"`+tomorrow+`","elected":[{"name":"张三","post":"secretary","votes":3}]}`,
		refused(t, "held_on", tomorrow))
	answer(t, env, open+1*h, "reelection/1/1", "sec-a", election3, nil)
	answer(t, env, open+2*h, "reelection-review/1/1", "off-a", approve, nil)
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(workflows.SignalDissolve, workflows.DissolveRequest{Key: "k", Source: "superior", Actor: "off-a", Reason: "单位注销"})
	}, open+3*h)
	env.ExecuteWorkflow(workflows.PartyOrgWorkflow, partyOrgInput(due))
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if f.terms != 1 {
		t.Fatalf("terms %d after the re-election", f.terms)
	}
}
