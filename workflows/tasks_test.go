package workflows_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"tandem/activities"
	"tandem/domain"
	"tandem/testclock"
	"tandem/workflows"
)

// start is Thursday 26 November 2026, 10:00 in Shanghai, or that time on TANDEM_TEST_DATE.
var start = testclock.Day(time.Date(2026, 11, 26, 2, 0, 0, 0, time.UTC))

// drillEnv returns a test environment running DrillWorkflow with its task activities mocked:
// the task is due 5 days after the start, with a reminder after 4.
func drillEnv(t *testing.T) (*testsuite.TestWorkflowEnvironment, *activities.Activities) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.SetStartTime(start)
	var a *activities.Activities
	env.RegisterActivity(a)
	remind := start.Add(4 * 24 * time.Hour)
	env.OnActivity(a.CreateTask, mock.Anything, mock.MatchedBy(func(in activities.CreateTaskInput) bool {
		return in.Kind == "drill.acknowledge"
	})).Return(activities.TaskInfo{ID: "task-1", Kind: "drill.acknowledge", Status: domain.TaskOpen,
		DueAt: start.Add(5 * 24 * time.Hour), RemindAt: &remind}, nil).Once()
	env.OnActivity(a.CompleteTask, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.CompleteTaskInput) (activities.TaskInfo, error) {
			kind := "drill.acknowledge"
			if in.TaskID != "task-1" {
				kind = domain.TaskKindEscalation
			}
			return activities.TaskInfo{ID: in.TaskID, Kind: kind, Status: domain.TaskCompleted, Result: in.Result, CompletedBy: in.Actor}, nil
		}).Maybe()
	return env, a
}

func complete(env *testsuite.TestWorkflowEnvironment, after time.Duration, updateID, taskID, result string, cb *testsuite.TestUpdateCallback) {
	env.RegisterDelayedCallback(func() {
		env.UpdateWorkflow(workflows.UpdateCompleteTask, updateID, cb,
			workflows.CompleteTaskRequest{TaskID: taskID, Actor: "inspector-a", Result: json.RawMessage(result)})
	}, after)
}

func accepted(t *testing.T) *testsuite.TestUpdateCallback {
	return &testsuite.TestUpdateCallback{
		OnReject:   func(err error) { t.Errorf("update rejected: %v", err) },
		OnAccept:   func() {},
		OnComplete: func(any, error) {},
	}
}

func TestTasksCompletedOnTime(t *testing.T) {
	env, a := drillEnv(t)
	complete(env, time.Hour, "u1", "task-1", `{"acknowledged":true,"note":"收到"}`, accepted(t))
	env.ExecuteWorkflow(workflows.DrillWorkflow, workflows.DrillInput{UnitID: "unit-a", Role: domain.RoleInspector})
	var out workflows.TaskOutcome
	if err := env.GetWorkflowResult(&out); err != nil {
		t.Fatal(err)
	}
	if out.TaskID != "task-1" || out.CompletedBy != "inspector-a" || string(out.Result) != `{"acknowledged":true,"note":"收到"}` {
		t.Fatalf("outcome %+v", out)
	}
	env.AssertNotCalled(t, "RemindTask", mock.Anything, mock.Anything)
	env.AssertNotCalled(t, "EscalateTask", mock.Anything, mock.Anything)
	_ = a
}

func TestTasksRemindedBeforeDue(t *testing.T) {
	env, a := drillEnv(t)
	env.OnActivity(a.RemindTask, mock.Anything, "task-1").Return(nil).Once()
	complete(env, 4*24*time.Hour+time.Hour, "u1", "task-1", `{"acknowledged":true}`, accepted(t))
	env.ExecuteWorkflow(workflows.DrillWorkflow, workflows.DrillInput{UnitID: "unit-a", Role: domain.RoleInspector})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	env.AssertExpectations(t)
	env.AssertNotCalled(t, "EscalateTask", mock.Anything, mock.Anything)
}

func TestTasksEscalatedWhenOverdue(t *testing.T) {
	env, a := drillEnv(t)
	env.OnActivity(a.RemindTask, mock.Anything, "task-1").Return(nil).Once()
	env.OnActivity(a.EscalateTask, mock.Anything, activities.EscalateTaskInput{TaskID: "task-1", Round: 1}).
		Return(activities.TaskInfo{ID: "esc-1", Kind: domain.TaskKindEscalation, Status: domain.TaskOpen, DueAt: start.Add(8 * 24 * time.Hour)}, nil).Once()
	newDue := start.Add(7 * 24 * time.Hour)
	env.OnActivity(a.ExtendDeadline, mock.Anything, mock.MatchedBy(func(in activities.ExtendDeadlineInput) bool {
		return in.TaskID == "task-1" && in.WorkingDays == 2 && in.Actor == "inspector-a"
	})).Return(activities.TaskInfo{ID: "task-1", Kind: "drill.acknowledge", Status: domain.TaskOpen, DueAt: newDue}, nil).Once()
	// A second escalation after the extended deadline passes.
	env.OnActivity(a.EscalateTask, mock.Anything, activities.EscalateTaskInput{TaskID: "task-1", Round: 2}).
		Return(activities.TaskInfo{ID: "esc-2", Kind: domain.TaskKindEscalation, Status: domain.TaskOpen, DueAt: start.Add(10 * 24 * time.Hour)}, nil).Once()
	env.OnActivity(a.CancelTasks, mock.Anything, mock.MatchedBy(func(in activities.CancelTasksInput) bool {
		return len(in.TaskIDs) == 1 && in.TaskIDs[0] == "esc-2"
	})).Return(nil).Once()

	// Day 5.5: the superior's officer grants two more working days through the escalation task.
	complete(env, 5*24*time.Hour+12*time.Hour, "u-esc", "esc-1", `{"action":"extend","extend_working_days":2,"note":"请抓紧"}`, accepted(t))
	// Day 7.5: overdue again → second escalation; day 8 the task is done, esc-2 is cancelled.
	complete(env, 8*24*time.Hour, "u1", "task-1", `{"acknowledged":true}`, accepted(t))
	env.ExecuteWorkflow(workflows.DrillWorkflow, workflows.DrillInput{UnitID: "unit-a", Role: domain.RoleInspector})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	env.AssertExpectations(t)
}

func TestTasksInvalidResultLeavesWorkflowWaiting(t *testing.T) {
	env, _ := drillEnv(t)
	rejected := 0
	reject := &testsuite.TestUpdateCallback{
		OnReject: func(err error) {
			rejected++
			var app *temporal.ApplicationError
			if !asApp(err, &app) {
				t.Errorf("rejection is not an application error: %v", err)
			}
		},
		OnAccept:   func() { t.Error("an invalid result was accepted") },
		OnComplete: func(any, error) {},
	}
	complete(env, time.Hour, "bad-1", "task-1", `{"acknowledged":false}`, reject)
	complete(env, 2*time.Hour, "bad-2", "task-1", `{"acknowledged":true,"extra":1}`, reject)
	complete(env, 3*time.Hour, "bad-3", "no-such-task", `{"acknowledged":true}`, reject)
	complete(env, 4*time.Hour, "good", "task-1", `{"acknowledged":true}`, accepted(t))
	env.ExecuteWorkflow(workflows.DrillWorkflow, workflows.DrillInput{UnitID: "unit-a", Role: domain.RoleInspector})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if rejected != 3 {
		t.Fatalf("%d rejections, want 3", rejected)
	}
}

func TestTasksDuplicateUpdateAnsweredOnce(t *testing.T) {
	env, a := drillEnv(t)
	var answers []workflows.TaskOutcome
	cb := &testsuite.TestUpdateCallback{
		OnReject: func(err error) { t.Errorf("rejected: %v", err) },
		OnAccept: func() {},
		OnComplete: func(v any, err error) {
			if err != nil {
				t.Errorf("update failed: %v", err)
				return
			}
			answers = append(answers, v.(workflows.TaskOutcome))
		},
	}
	// The same update ID twice, as a retried HTTP request with one Idempotency-Key would send it.
	env.RegisterDelayedCallback(func() {
		req := workflows.CompleteTaskRequest{TaskID: "task-1", Actor: "inspector-a", Result: json.RawMessage(`{"acknowledged":true}`)}
		env.UpdateWorkflow(workflows.UpdateCompleteTask, "same-key", cb, req)
		env.UpdateWorkflow(workflows.UpdateCompleteTask, "same-key", cb, req)
	}, time.Hour)
	env.ExecuteWorkflow(workflows.DrillWorkflow, workflows.DrillInput{UnitID: "unit-a", Role: domain.RoleInspector})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	env.AssertNumberOfCalls(t, "CompleteTask", 1)
	if len(answers) == 0 {
		t.Fatal("no answer")
	}
	for _, a := range answers {
		if a.TaskID != "task-1" || string(a.Result) != string(answers[0].Result) {
			t.Fatalf("answers differ: %+v", answers)
		}
	}
	_ = a
}

func TestTasksCancellationCancelsOpenTasks(t *testing.T) {
	env, a := drillEnv(t)
	env.OnActivity(a.CancelTasks, mock.Anything, mock.MatchedBy(func(in activities.CancelTasksInput) bool {
		return len(in.TaskIDs) == 0 && in.WorkflowID != ""
	})).Return(nil).Once()
	env.RegisterDelayedCallback(env.CancelWorkflow, time.Hour)
	env.ExecuteWorkflow(workflows.DrillWorkflow, workflows.DrillInput{UnitID: "unit-a", Role: domain.RoleInspector})
	if err := env.GetWorkflowError(); err == nil || !temporal.IsCanceledError(err) {
		t.Fatalf("workflow error %v, want cancelled", err)
	}
	env.AssertExpectations(t)
}

func TestTasksDeadlineExtensionSignal(t *testing.T) {
	env, a := drillEnv(t)
	env.OnActivity(a.ExtendDeadline, mock.Anything, mock.MatchedBy(func(in activities.ExtendDeadlineInput) bool {
		return in.WorkingDays == 3 && in.Actor == "officer-a"
	})).Return(activities.TaskInfo{ID: "task-1", Kind: "drill.acknowledge", Status: domain.TaskOpen, DueAt: start.Add(9 * 24 * time.Hour)}, nil).Once()
	env.OnActivity(a.RemindTask, mock.Anything, "task-1").Return(nil).Maybe()
	ext := workflows.DeadlineExtension{Key: "k1", TaskID: "task-1", WorkingDays: 3, Actor: "officer-a", Reason: "节假日"}
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(workflows.SignalDeadlineExtended, ext)
		env.SignalWorkflow(workflows.SignalDeadlineExtended, ext) // resent: ignored
	}, time.Hour)
	// Day 6 is past the first due date but before the extended one: no escalation.
	complete(env, 6*24*time.Hour, "u1", "task-1", `{"acknowledged":true}`, accepted(t))
	env.ExecuteWorkflow(workflows.DrillWorkflow, workflows.DrillInput{UnitID: "unit-a", Role: domain.RoleInspector})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	env.AssertExpectations(t)
	env.AssertNotCalled(t, "EscalateTask", mock.Anything, mock.Anything)
	env.AssertNumberOfCalls(t, "RemindTask", 0) // the extension moved the reminder past the completion
}

func asApp(err error, target **temporal.ApplicationError) bool {
	for e := err; e != nil; {
		if a, ok := e.(*temporal.ApplicationError); ok {
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
