package workflows_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/temporal"

	"tandem/activities"
	"tandem/domain"
	"tandem/workflows"
)

const verify3 = `{"operating":true,"employees":20,"formal_members":3,"probationary_members":0,"party_org":"none"}`

func TestCensusVerifyCoverageBranches(t *testing.T) {
	for _, tt := range []struct {
		name, decision string
		tasks          string
	}{
		{name: "Formation", decision: domain.DecideFormation, tasks: "verify/r1"},
		{name: "Attach", decision: domain.DecideAttach, tasks: "verify/r1 coverage.attach/r1/1 coverage.attach/r1/2"},
		{name: "Work", decision: domain.DecideWork, tasks: "verify/r1 coverage.instructor/r1/1"},
		{name: "NotOperating", decision: domain.DecideNotOperating, tasks: "verify/r1"},
		{name: "Covered", decision: domain.DecideCovered, tasks: "verify/r1"},
		{name: "NotReal", decision: domain.DecideNotReal, tasks: "verify/r1"}, // 三有 fails, no member: no work coverage
	} {
		t.Run(tt.name, func(t *testing.T) {
			env, f := formationEnv(t)
			var a *activities.Activities
			env.OnActivity(a.ApplyVisit, mock.Anything, mock.MatchedBy(func(in activities.VisitInput) bool {
				return in.TaskID == "verify/r1" && in.Inspector == "insp-a" && in.USCC == uscc
			})).Return(activities.VisitOutcome{Decision: tt.decision}, nil).Once()
			answer(t, env, h, "verify/r1", "insp-a", verify3, nil)
			switch tt.decision {
			case domain.DecideFormation:
				env.OnActivity(a.RecordCensusFormation, mock.Anything, uscc).Return(activities.FormationStarted{
					ID: "f9", WorkflowID: "formation/f9", Kind: domain.KindBranch, Organizations: []string{uscc}, UnitID: townshipA, ParentUnitID: countyUnit}, nil).Once()
				env.OnWorkflow(workflows.FormationWorkflow, mock.Anything, workflows.FormationInput{FormationID: "f9", Kind: domain.KindBranch,
					Organizations: []string{uscc}, UnitID: townshipA, ParentUnitID: countyUnit}).Return(workflows.FormationOutcome{}, nil).Once()
			case domain.DecideAttach:
				// The first answer names a full joint branch and is refused: the officer is asked again.
				refusedOnce := false
				env.OnActivity(a.ApplyCoverage, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.CoverageInput) error {
					if in.Attach == nil {
						t.Errorf("coverage %+v", in)
					}
					if !refusedOnce {
						refusedOnce = true
						return temporal.NewNonRetryableApplicationError("full", activities.ErrTypeRefused, nil)
					}
					return nil
				}).Times(2)
				answer(t, env, 2*h, "coverage.attach/r1/1", "off-a", `{"method":"joint","party_org_id":"po-full"}`, nil)
				answer(t, env, 3*h, "coverage.attach/r1/2", "off-a", `{"method":"regional","regional_org":"商圈党委"}`, nil)
			case domain.DecideWork:
				env.OnActivity(a.ApplyCoverage, mock.Anything, mock.MatchedBy(func(in activities.CoverageInput) bool {
					return in.Work != nil && in.Work.Instructor == "刘指导"
				})).Return(nil).Once()
				answer(t, env, 2*h, "coverage.instructor/r1/1", "off-a", `{"means":"instructor","instructor":"刘指导"}`, nil)
			}
			env.ExecuteWorkflow(workflows.CensusVerifyWorkflow, activities.VerifyInput{RoundID: "r1", USCC: uscc, UnitID: townshipA, ScopeUnitID: countyUnit})
			if err := env.GetWorkflowError(); err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(f.created, " "); got != tt.tasks {
				t.Fatalf("tasks %q, want %q", got, tt.tasks)
			}
			env.AssertExpectations(t)
		})
	}
}

func TestCensusVerifyAssignsFirst(t *testing.T) {
	env, f := formationEnv(t)
	var a *activities.Activities
	env.OnActivity(a.AssignRegion, mock.Anything, mock.MatchedBy(func(in activities.AssignInput) bool { return in.UnitID == "elsewhere" })).
		Return("", temporal.NewNonRetryableApplicationError("outside", activities.ErrTypeRefused, nil)).Once()
	env.OnActivity(a.AssignRegion, mock.Anything, mock.MatchedBy(func(in activities.AssignInput) bool { return in.UnitID == townshipA })).
		Return(townshipA, nil).Once()
	env.OnActivity(a.ApplyVisit, mock.Anything, mock.Anything).Return(activities.VisitOutcome{Decision: domain.DecideNotOperating}, nil).Once()
	answer(t, env, h, "assign/r1/1", "off-county", `{"unit_id":"elsewhere","reason":"x"}`, nil)
	answer(t, env, 2*h, "assign/r1/2", "off-county", `{"unit_id":"`+townshipA+`","reason":"核实"}`, nil)
	answer(t, env, 3*h, "verify/r1", "insp-a", `{"operating":false,"employees":0,"formal_members":0,"probationary_members":0,"party_org":"none"}`, nil)
	env.ExecuteWorkflow(workflows.CensusVerifyWorkflow, activities.VerifyInput{RoundID: "r1", USCC: uscc, ScopeUnitID: countyUnit})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(f.created, " "); got != "assign/r1/1 assign/r1/2 verify/r1" {
		t.Fatalf("tasks %q", got)
	}
	env.AssertExpectations(t)
}

func TestCensusRoundFansOutInBatchesAndFinishes(t *testing.T) {
	env, _ := formationEnv(t)
	var a *activities.Activities
	batches := 0
	env.OnActivity(a.StartVerifications, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.FanOutInput) (activities.FanOutResult, error) {
		batches++
		if in.Batch != 500 || in.Parallel < 1 || in.Started != (batches-1)*500 {
			t.Errorf("batch %d: %+v", batches, in)
		}
		return activities.FanOutResult{Next: "x", Started: in.Started + 500, Done: batches == 3}, nil
	}).Times(3)
	env.OnActivity(a.NotifyRound, mock.Anything, "r1").Return(nil).Once()
	polls := 0
	env.OnActivity(a.RoundFinished, mock.Anything, "r1").Return(func(context.Context, string) (bool, error) {
		polls++
		return polls == 3, nil
	}).Times(3)
	env.OnActivity(a.EndRound, mock.Anything, "r1", "done").Return(nil).Once()
	env.ExecuteWorkflow(workflows.CensusRoundWorkflow, workflows.CensusRoundInput{RoundID: "r1", ScopeUnitID: countyUnit})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	env.AssertExpectations(t)
}

func TestCensusRoundCancelled(t *testing.T) {
	env, _ := formationEnv(t)
	var a *activities.Activities
	env.OnActivity(a.StartVerifications, mock.Anything, mock.Anything).Return(activities.FanOutResult{Started: 10, Done: true}, nil).Once()
	env.OnActivity(a.NotifyRound, mock.Anything, "r1").Return(nil).Once()
	env.OnActivity(a.RoundFinished, mock.Anything, "r1").Return(false, nil)
	env.OnActivity(a.CancelVerifications, mock.Anything, "r1").Return(nil).Once()
	env.OnActivity(a.EndRound, mock.Anything, "r1", "cancelled").Return(nil).Once()
	env.RegisterDelayedCallback(func() { env.SignalWorkflow(workflows.SignalCancelRound, nil) }, 20*time.Minute)
	env.ExecuteWorkflow(workflows.CensusRoundWorkflow, workflows.CensusRoundInput{RoundID: "r1", ScopeUnitID: countyUnit})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	env.AssertExpectations(t)
}

func TestSurveyUnansweredBecomesFollowUp(t *testing.T) {
	for _, answered := range []bool{false, true} {
		env, f := formationEnv(t)
		var a *activities.Activities
		expires := start.Add(7 * day)
		env.OnActivity(a.SurveyStatus, mock.Anything, "reg-1").Return(func(context.Context, string) (activities.SurveyState, error) {
			if env.Now().Before(expires) {
				t.Error("the survey was checked before it expired")
			}
			return activities.SurveyState{Answered: answered, UnitID: townshipA}, nil
		}).Once()
		if !answered {
			answer(t, env, 8*day, "followup", "insp-a", `{"reached":true,"formal_members":1,"note":"电话联系，党员1名"}`, nil)
			env.OnActivity(a.RecordFollowUp, mock.Anything, mock.MatchedBy(func(in activities.FollowUpInput) bool {
				return in.USCC == uscc && *in.Result.FormalMembers == 1
			})).Return(nil).Once()
		}
		// One formal member calls for no formation: the declaration starts no round.
		env.OnActivity(a.SurveyVerification, mock.Anything, "reg-1").Return(activities.RoundInfo{}, nil).Once()
		env.ExecuteWorkflow(workflows.SurveyWorkflow, workflows.SurveyInput{RegistrationID: "reg-1", USCC: uscc, ExpiresAt: expires})
		if err := env.GetWorkflowError(); err != nil {
			t.Fatal(err)
		}
		want := "followup"
		if answered {
			want = ""
		}
		if got := strings.Join(f.created, " "); got != want {
			t.Fatalf("answered %v: tasks %q", answered, got)
		}
		env.AssertExpectations(t)
	}
}

func TestCensusVerifyLargeEnterpriseNeedsBothCoverages(t *testing.T) {
	env, f := formationEnv(t)
	var a *activities.Activities
	env.OnActivity(a.ApplyVisit, mock.Anything, mock.Anything).Return(activities.VisitOutcome{Decision: domain.DecideCovered, BothCoverages: true}, nil).Once()
	env.OnActivity(a.ApplyCoverage, mock.Anything, mock.MatchedBy(func(in activities.CoverageInput) bool { return in.Work != nil })).Return(nil).Once()
	answer(t, env, h, "verify/r1", "insp-a", `{"operating":true,"employees":900,"formal_members":40,"probationary_members":2,"party_org":"single"}`, nil)
	answer(t, env, 2*h, "coverage.instructor/r1/1", "off-a", `{"means":"instructor","instructor":"王指导"}`, nil)
	env.ExecuteWorkflow(workflows.CensusVerifyWorkflow, activities.VerifyInput{RoundID: "r1", USCC: uscc, UnitID: townshipA, ScopeUnitID: countyUnit})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(f.created, " "); got != "verify/r1 coverage.instructor/r1/1" {
		t.Fatalf("tasks %q", got)
	}
	// The enterprise has 40 formal members: the title must not say it has none (B4); it says
	// why the instructor is needed; CreateTask adds the members the visit recorded.
	if in := f.inputs["coverage.instructor/r1/1"]; strings.Contains(in.Title, "暂无党员") || !strings.Contains(in.Context.Why, "五类大型企业") ||
		in.SubjectType != domain.SubjectOrganization {
		t.Errorf("instructor task: title %q, context %+v", in.Title, in.Context)
	}
	env.AssertExpectations(t)
}

// TestSurveyDeclaringMembersStartsVerification (#17 §4 C8): a survey declaring 4 formal members
// and no party organization started nothing; the declaration (answered, or learnt by the
// follow-up) starts the organization's verification through a one-organization census round,
// as a census result would.
func TestSurveyDeclaringMembersStartsVerification(t *testing.T) {
	for _, answered := range []bool{true, false} {
		env, f := formationEnv(t)
		var a *activities.Activities
		expires := start.Add(7 * day)
		env.OnActivity(a.SurveyStatus, mock.Anything, "reg-1").Return(activities.SurveyState{Answered: answered, UnitID: townshipA}, nil).Once()
		if !answered {
			answer(t, env, 8*day, "followup", "insp-a", `{"reached":true,"formal_members":4,"note":"电话联系，正式党员4名"}`, nil)
			env.OnActivity(a.RecordFollowUp, mock.Anything, mock.Anything).Return(nil).Once()
		}
		env.OnActivity(a.SurveyVerification, mock.Anything, "reg-1").Return(activities.RoundInfo{ID: "r9", UnitID: townshipA}, nil).Once()
		env.OnWorkflow(workflows.CensusRoundWorkflow, mock.Anything, workflows.CensusRoundInput{RoundID: "r9", ScopeUnitID: townshipA}).
			Return(nil).Once()
		env.ExecuteWorkflow(workflows.SurveyWorkflow, workflows.SurveyInput{RegistrationID: "reg-1", USCC: uscc, ExpiresAt: expires})
		if err := env.GetWorkflowError(); err != nil {
			t.Fatal(err)
		}
		if !answered && strings.Join(f.created, " ") != "followup" {
			t.Fatalf("tasks %q", f.created)
		}
		env.AssertExpectations(t)
	}
}
