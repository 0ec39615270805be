package workflows

import (
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"tandem/activities"
	"tandem/domain"
	"tandem/forms"
)

// SurveyWorkflowName is the registered name of SurveyWorkflow.
const SurveyWorkflowName = "SurveyWorkflow"

// SurveyWorkflowID names the workflow that follows a registration's survey.
func SurveyWorkflowID(registrationID string) string { return "survey/" + registrationID }

// SurveyInput follows one registration's survey.
type SurveyInput struct {
	RegistrationID string
	USCC           string
	ExpiresAt      time.Time
}

// SurveyWorkflow waits until the enterprise answers a registration's survey or its link
// expires; if it has not answered, the township's inspectors get a follow-up task 跟进. An organization with no
// responsible township yet is left to the census (the round's unit assigns one). A
// declaration (the answer, or the follow-up's counts) that calls for a formation or an
// attachment starts the organization's verification through a one-organization round.
func SurveyWorkflow(ctx workflow.Context, in SurveyInput) error {
	tasks, err := NewTasks(ctx)
	if err != nil {
		return err
	}
	// survey-answer-signal: the answer (SignalSurveyAnswered, sent by the API once it is
	// recorded) ends the wait, so the verification starts when the answer arrives, not at the
	// link's expiry (issue #17 §4); without it the workflow waits for the expiry as before.
	if workflow.GetVersion(ctx, surveyAnswerSignal, workflow.DefaultVersion, 1) == 1 {
		if err := waitForAnswer(ctx, in.ExpiresAt); err != nil {
			return err
		}
	} else if d := in.ExpiresAt.Sub(workflow.Now(ctx)); d > 0 {
		if err := workflow.Sleep(ctx, d); err != nil {
			return err
		}
	}
	ctx = workflow.WithActivityOptions(ctx, formationActivity)
	var a *activities.Activities
	var st activities.SurveyState
	if err := workflow.ExecuteActivity(ctx, a.SurveyStatus, in.RegistrationID).Get(ctx, &st); err != nil {
		return err
	}
	// survey-answer-verifies: a declaration that calls for coverage (≥3 formal members and no
	// party organization: a formation; 1–2: an attachment) sends the organization to
	// verification through a one-organization census round, like a census result (issue #17).
	verifies := workflow.GetVersion(ctx, surveyAnswerVerifies, workflow.DefaultVersion, 1) == 1
	if st.Answered || st.UnitID == "" {
		if verifies && st.Answered {
			verifyDeclaration(ctx, in.RegistrationID)
		}
		return tasks.Finish(ctx)
	}
	out, err := tasks.Ask(ctx, TaskRequest{
		Step: "followup", Kind: "survey.followup", Subject: in.USCC, Title: "登记调查表逾期未回复：请跟进",
		SubjectType: domain.SubjectOrganization,
		UnitID:      st.UnitID, Role: domain.RoleInspector, DueWorkingDays: 5,
	})
	if err != nil {
		return err
	}
	var r forms.FollowUpResult
	if err := decodeResult(out, &r); err != nil {
		return err
	}
	if err := workflow.ExecuteActivity(ctx, a.RecordFollowUp, activities.FollowUpInput{USCC: in.USCC, Actor: out.CompletedBy, Result: r}).Get(ctx, nil); err != nil {
		return err
	}
	if verifies {
		verifyDeclaration(ctx, in.RegistrationID)
	}
	return tasks.Finish(ctx)
}

// surveyAnswerVerifies is the change ID of the survey's verification (workflow.GetVersion).
const surveyAnswerVerifies = "survey-answer-verifies"

// surveyAnswerSignal is the change ID of the survey's wait ending on the answer.
const surveyAnswerSignal = "survey-answer-signal"

// SignalSurveyAnswered tells a survey's workflow that the enterprise answered (no payload: the
// workflow reads the answer from the store).
const SignalSurveyAnswered = "survey-answered"

// waitForAnswer waits until the survey is answered or its link expires, whichever comes first.
func waitForAnswer(ctx workflow.Context, expiresAt time.Time) error {
	answered := workflow.GetSignalChannel(ctx, SignalSurveyAnswered)
	d := expiresAt.Sub(workflow.Now(ctx))
	if d <= 0 {
		return nil
	}
	tctx, cancel := workflow.WithCancel(ctx)
	defer cancel()
	timer := workflow.NewTimer(tctx, d)
	var timerErr error
	sel := workflow.NewSelector(ctx)
	sel.AddReceive(answered, func(c workflow.ReceiveChannel, _ bool) { c.Receive(ctx, nil) })
	sel.AddFuture(timer, func(f workflow.Future) { timerErr = f.Get(ctx, nil) })
	sel.Select(ctx)
	return timerErr
}

// verifyDeclaration starts the census round that verifies what a registration declared, when
// the declaration calls for coverage (activities.SurveyVerification decides).
func verifyDeclaration(ctx workflow.Context, registrationID string) {
	var a *activities.Activities
	var r activities.RoundInfo
	if err := workflow.ExecuteActivity(ctx, a.SurveyVerification, registrationID).Get(ctx, &r); err != nil {
		workflow.GetLogger(ctx).Warn("survey: could not record the verification round", "error", err)
		return
	}
	if r.ID != "" {
		startRound(ctx, r)
	}
}

// startRound starts a census round recorded by an activity as its own workflow, outliving
// the workflow that asked for it.
func startRound(ctx workflow.Context, r activities.RoundInfo) {
	cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
		WorkflowID: CensusWorkflowID(r.ID), ParentClosePolicy: enumspb.PARENT_CLOSE_POLICY_ABANDON,
		TypedSearchAttributes: temporal.NewSearchAttributes(SearchUnit.ValueSet(r.UnitID), SearchSubject.ValueSet(r.ID)),
	})
	child := workflow.ExecuteChildWorkflow(cctx, CensusRoundWorkflowName, CensusRoundInput{RoundID: r.ID, ScopeUnitID: r.UnitID})
	if err := child.GetChildWorkflowExecution().Get(ctx, nil); err != nil && !temporal.IsWorkflowExecutionAlreadyStartedError(err) {
		workflow.GetLogger(ctx).Warn("could not start a census round", "round", r.ID, "error", err)
	}
}
