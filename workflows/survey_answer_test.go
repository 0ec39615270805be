package workflows_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"

	"tandem/activities"
	"tandem/workflows"
)

// TestSurveyAnswerStartsVerificationAtOnce (#17 §4): the answer's signal ends the wait, so a
// survey declaring 4 formal members and no party organization starts its verification when the
// answer arrives, not when the link expires a week later.
func TestSurveyAnswerStartsVerificationAtOnce(t *testing.T) {
	env, f := formationEnv(t)
	var a *activities.Activities
	expires := start.Add(7 * day)
	answeredAt := start.Add(2 * day)
	var checkedAt time.Time
	env.OnActivity(a.SurveyStatus, mock.Anything, "reg-1").Return(func(context.Context, string) (activities.SurveyState, error) {
		checkedAt = env.Now()
		return activities.SurveyState{Answered: true, UnitID: townshipA}, nil
	}).Once()
	env.OnActivity(a.SurveyVerification, mock.Anything, "reg-1").Return(activities.RoundInfo{ID: "r9", UnitID: townshipA}, nil).Once()
	env.OnWorkflow(workflows.CensusRoundWorkflow, mock.Anything, workflows.CensusRoundInput{RoundID: "r9", ScopeUnitID: townshipA}).
		Return(nil).Once()
	env.RegisterDelayedCallback(func() { env.SignalWorkflow(workflows.SignalSurveyAnswered, nil) }, 2*day)
	env.ExecuteWorkflow(workflows.SurveyWorkflow, workflows.SurveyInput{RegistrationID: "reg-1", USCC: uscc, ExpiresAt: expires})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if checkedAt.Before(answeredAt) || !checkedAt.Before(answeredAt.Add(time.Hour)) {
		t.Fatalf("the survey was read at %v, want right after the answer at %v (expiry %v)", checkedAt, answeredAt, expires)
	}
	if len(f.created) != 0 {
		t.Fatalf("tasks %q", f.created)
	}
	env.AssertExpectations(t)
}
