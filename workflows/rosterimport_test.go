package workflows_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"

	"tandem/activities"
	"tandem/domain"
	"tandem/workflows"
)

// An extract the gate holds waits for the city's confirmation (not the uploader's), then
// merges; the import queued behind it is woken.
func TestRosterImportHeldThenConfirmed(t *testing.T) {
	env, f := formationEnv(t)
	var a *activities.Activities
	env.OnActivity(a.ImportTurn, mock.Anything, "imp-1").Return("", nil).Once()
	env.OnActivity(a.RunImportGated, mock.Anything, "imp-1").Return(activities.ImportResult{ID: "imp-1", Status: domain.ImportAwaitingConfirmation}, nil).Once()
	env.OnActivity(a.DescribeHeld, mock.Anything, "imp-1").Return(activities.HeldImport{UnitID: "city", Title: "名册缺失确认", CreatedBy: "liaison-market"}, nil).Once()
	env.OnActivity(a.ConfirmHeldImport, mock.Anything, activities.DecisionInput{ImportID: "imp-1", Actor: "admin", Reason: "已核实"}).
		Return(activities.ImportResult{ID: "imp-1", Status: domain.ImportDone, Missing: 9}, nil).Once()
	env.OnActivity(a.PartyOrgsToReview, mock.Anything).Return([]activities.PartyOrgReview{}, nil).Once()
	env.OnActivity(a.AnnualReportRounds, mock.Anything, "imp-1").Return([]activities.RoundInfo{}, nil).Once()
	env.OnActivity(a.QueuedBehind, mock.Anything, "imp-1").Return([]string{"imp-2"}, nil).Once()
	env.OnSignalExternalWorkflow(mock.Anything, workflows.RosterImportWorkflowID("imp-2"), "", workflows.SignalImportTurn, "imp-1").Return(nil).Once()
	answer(t, env, h, "confirm-missing", "liaison-market", `{"decision":"confirm","reason":"我自己确认"}`, refused(t, "须由他人完成"))
	answer(t, env, 2*h, "confirm-missing", "admin", `{"decision":"maybe","reason":""}`, refused(t, "decision", "reason"))
	answer(t, env, 3*h, "confirm-missing", "admin", `{"decision":"confirm","reason":"已核实"}`, nil)
	env.ExecuteWorkflow(workflows.RosterImportWorkflow, "imp-1")
	var out activities.ImportResult
	if err := env.GetWorkflowResult(&out); err != nil || out.Status != domain.ImportDone {
		t.Fatalf("result %+v %v", out, err)
	}
	if in := f.inputs["confirm-missing"]; in.UnitID != "city" || in.Role != "officer" || in.Subject != "imp-1" || in.Kind != "roster.confirm_missing" {
		t.Fatalf("confirmation task %+v", in)
	}
	env.AssertExpectations(t)
}

// A rejected extract ends unmerged: no party organization is reviewed for it.
func TestRosterImportHeldThenRejected(t *testing.T) {
	env, _ := formationEnv(t)
	var a *activities.Activities
	env.OnActivity(a.ImportTurn, mock.Anything, "imp-1").Return("", nil).Once()
	env.OnActivity(a.RunImportGated, mock.Anything, "imp-1").Return(activities.ImportResult{ID: "imp-1", Status: domain.ImportAwaitingConfirmation}, nil).Once()
	env.OnActivity(a.DescribeHeld, mock.Anything, "imp-1").Return(activities.HeldImport{UnitID: "city", Title: "名册缺失确认", CreatedBy: "liaison-market"}, nil).Once()
	env.OnActivity(a.RejectHeldImport, mock.Anything, mock.Anything).Return(activities.ImportResult{ID: "imp-1", Status: domain.ImportRejected}, nil).Once()
	env.OnActivity(a.QueuedBehind, mock.Anything, "imp-1").Return([]string{}, nil).Once()
	answer(t, env, h, "confirm-missing", "admin", `{"decision":"reject","reason":"文件被截断"}`, nil)
	env.ExecuteWorkflow(workflows.RosterImportWorkflow, "imp-1")
	var out activities.ImportResult
	if err := env.GetWorkflowResult(&out); err != nil || out.Status != domain.ImportRejected {
		t.Fatalf("result %+v %v", out, err)
	}
	env.AssertExpectations(t)
	env.AssertNotCalled(t, "PartyOrgsToReview", mock.Anything)
}

// A later import of a source waits, queued, until the earlier one's workflow wakes it.
func TestRosterImportWaitsForItsTurn(t *testing.T) {
	env, _ := formationEnv(t)
	var a *activities.Activities
	finished := start.Add(5*h + 3*time.Minute) // the earlier import ends, off the ten-minute rechecks
	env.OnActivity(a.ImportTurn, mock.Anything, "imp-2").Return(func(context.Context, string) (string, error) {
		if env.Now().Before(finished) {
			return "imp-1", nil
		}
		return "", nil
	})
	ran := false
	env.OnActivity(a.RunImportGated, mock.Anything, "imp-2").Return(func(_ context.Context, _ string) (activities.ImportResult, error) {
		if !env.Now().Equal(finished) {
			t.Errorf("the later import ran at %v, want when the earlier one finished (%v)", env.Now(), finished)
		}
		ran = true
		return activities.ImportResult{ID: "imp-2", Status: domain.ImportDone}, nil
	}).Once()
	env.OnActivity(a.PartyOrgsToReview, mock.Anything).Return([]activities.PartyOrgReview{}, nil).Once()
	env.OnActivity(a.AnnualReportRounds, mock.Anything, "imp-2").Return([]activities.RoundInfo{}, nil).Once()
	env.OnActivity(a.QueuedBehind, mock.Anything, "imp-2").Return([]string{}, nil).Once()
	env.RegisterDelayedCallback(func() { env.SignalWorkflow(workflows.SignalImportTurn, "imp-1") }, finished.Sub(start))
	env.ExecuteWorkflow(workflows.RosterImportWorkflow, "imp-2")
	if err := env.GetWorkflowError(); err != nil || !ran {
		t.Fatalf("ran %v, error %v", ran, err)
	}
	env.AssertExpectations(t)
}
