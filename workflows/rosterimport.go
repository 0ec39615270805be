package workflows

import (
	"errors"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"tandem/activities"
	"tandem/store"
)

// RosterImportWorkflowID names the import of one uploaded roster.
func RosterImportWorkflowID(importID string) string { return "roster-import/" + importID }

// RosterImportWorkflow runs one roster import as a durable job: if the process dies mid-import,
// the activity runs again from the stored file, and the master roster changes only in the
// merge's single transaction.
func RosterImportWorkflow(ctx workflow.Context, importID string) (store.RosterImport, error) {
	var a *activities.Activities
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: time.Hour,
		HeartbeatTimeout:    30 * time.Second,
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: 5 * time.Second, MaximumAttempts: 5,
			NonRetryableErrorTypes: []string{activities.ErrTypeBadFile}},
	})
	var out store.RosterImport
	err := workflow.ExecuteActivity(ctx, a.RunImport, importID).Get(ctx, &out)
	if err != nil && !isBadFile(err) {
		// Out of attempts: say so on the import rather than leave it running.
		_ = workflow.ExecuteActivity(ctx, a.FailImport, importID, "the import failed after several attempts").Get(ctx, nil)
	}
	if err == nil && workflow.GetVersion(ctx, "review-party-orgs", workflow.DefaultVersion, 1) == 1 {
		reviewPartyOrgs(ctx)
	}
	if err == nil && workflow.GetVersion(ctx, "annual-report-rounds", workflow.DefaultVersion, 1) == 1 {
		annualReportRounds(ctx, importID)
	}
	return out, err
}

// annualReportRounds sends an annual report's disagreements with the roster to the townships
// as census rounds (each its own workflow, outliving the import).
func annualReportRounds(ctx workflow.Context, importID string) {
	var a *activities.Activities
	var rounds []activities.RoundInfo
	if err := workflow.ExecuteActivity(ctx, a.AnnualReportRounds, importID).Get(ctx, &rounds); err != nil {
		workflow.GetLogger(ctx).Warn("annual report: could not record the rounds", "error", err)
		return
	}
	for _, r := range rounds {
		cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
			WorkflowID: store.CensusWorkflowID(r.ID), ParentClosePolicy: enumspb.PARENT_CLOSE_POLICY_ABANDON,
			TypedSearchAttributes: temporal.NewSearchAttributes(SearchUnit.ValueSet(r.UnitID), SearchSubject.ValueSet(r.ID)),
		})
		child := workflow.ExecuteChildWorkflow(cctx, CensusRoundWorkflow, CensusRoundInput{RoundID: r.ID, ScopeUnitID: r.UnitID})
		if err := child.GetChildWorkflowExecution().Get(ctx, nil); err != nil && !temporal.IsWorkflowExecutionAlreadyStartedError(err) {
			workflow.GetLogger(ctx).Warn("annual report: could not start a round", "round", r.ID, "error", err)
		}
	}
}

// reviewPartyOrgs tells the party organizations whose organizations left the roster or were
// deregistered: the superior decides on a dissolution (a temporary branch ends at once). The
// key makes each organization's state raise one request, however many imports repeat it.
func reviewPartyOrgs(ctx workflow.Context) {
	var a *activities.Activities
	var reviews []store.PartyOrgReview
	if err := workflow.ExecuteActivity(ctx, a.PartyOrgsToReview).Get(ctx, &reviews); err != nil {
		workflow.GetLogger(ctx).Warn("could not list party organizations to review", "error", err)
		return
	}
	for _, r := range reviews {
		state, reason := "deregistered", "单位登记状态为注销或吊销（"+r.USCC+"）"
		if r.Missing {
			state, reason = "missing", "单位已不在部门名册中（"+r.USCC+"）"
		}
		err := workflow.SignalExternalWorkflow(ctx, PartyOrgWorkflowID(r.PartyOrgID), "", SignalDissolve, DissolveRequest{
			Key: "roster/" + r.USCC + "/" + state, Source: "roster", Actor: "system", Reason: reason}).Get(ctx, nil)
		if err != nil {
			workflow.GetLogger(ctx).Warn("could not reach a party organization's workflow", "party_org", r.PartyOrgID, "error", err)
		}
	}
}

func isBadFile(err error) bool {
	var app *temporal.ApplicationError
	return errors.As(err, &app) && app.Type() == activities.ErrTypeBadFile
}
