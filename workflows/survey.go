package workflows

import (
	"time"

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

// SurveyWorkflow waits until a registration's survey link expires; if the enterprise has not
// answered, the township's inspectors get a follow-up task 跟进. An organization with no
// responsible township yet is left to the census (the round's unit assigns one).
func SurveyWorkflow(ctx workflow.Context, in SurveyInput) error {
	tasks, err := NewTasks(ctx)
	if err != nil {
		return err
	}
	if d := in.ExpiresAt.Sub(workflow.Now(ctx)); d > 0 {
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
	if st.Answered || st.UnitID == "" {
		return tasks.Finish(ctx)
	}
	out, err := tasks.Ask(ctx, TaskRequest{
		Step: "followup", Kind: "survey.followup", Subject: in.USCC, Title: "登记调查表逾期未回复：请跟进",
		UnitID: st.UnitID, Role: domain.RoleInspector, DueWorkingDays: 5,
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
	return tasks.Finish(ctx)
}
