package workflows

import (
	"errors"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"tandem/activities"
	"tandem/domain"
	"tandem/forms"
)

// RosterImportWorkflowName is the registered name of RosterImportWorkflow.
const RosterImportWorkflowName = "RosterImportWorkflow"

// RosterImportWorkflowID names the import of one uploaded roster.
func RosterImportWorkflowID(importID string) string { return "roster-import/" + importID }

// RosterImportResult is what an import workflow returns: the import as its activities
// recorded it.
type RosterImportResult = activities.ImportResult

// SignalImportTurn wakes an import queued behind an earlier import of its source that has
// finished.
const SignalImportTurn = "import-turn"

// importTurnRecheck is how long a queued import waits for its wake-up signal before it asks
// again whether its turn has come (a lost signal costs at most this much).
const importTurnRecheck = 10 * time.Minute

// RosterImportWorkflow runs one roster import as a durable job: if the process dies mid-import,
// the activity runs again from the stored file, and the master roster changes only in the
// merge's single transaction. Imports of one source merge in upload order (a later one waits,
// queued, for an earlier one to finish), and an extract that would flag more than the gate's
// share of the source's organizations missing waits for an admin's confirmation (a
// roster.confirm_missing task) before it merges; rejected, it merges nothing.
func RosterImportWorkflow(ctx workflow.Context, importID string) (RosterImportResult, error) {
	// The task handlers are registered first (no command: histories from before replay alike).
	tasks, err := NewTasks(ctx)
	if err != nil {
		return RosterImportResult{}, err
	}
	var a *activities.Activities
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: time.Hour,
		HeartbeatTimeout:    30 * time.Second,
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: 5 * time.Second, MaximumAttempts: 5,
			NonRetryableErrorTypes: []string{activities.ErrTypeBadFile}},
	})
	gated := workflow.GetVersion(ctx, "source-order-and-missing-gate", workflow.DefaultVersion, 1) == 1
	var out RosterImportResult
	if gated {
		if err := waitForTurn(ctx, importID); err != nil {
			return out, err
		}
		err = workflow.ExecuteActivity(ctx, a.RunImportGated, importID).Get(ctx, &out)
		if err == nil && out.Status == domain.ImportAwaitingConfirmation {
			out, err = confirmMissing(ctx, tasks, importID)
		}
	} else {
		err = workflow.ExecuteActivity(ctx, a.RunImport, importID).Get(ctx, &out)
	}
	if err != nil && !isBadFile(err) {
		// Out of attempts: say so on the import rather than leave it running.
		_ = workflow.ExecuteActivity(ctx, a.FailImport, importID, "the import failed after several attempts").Get(ctx, nil)
	}
	merged := err == nil && (!gated || out.Status == domain.ImportDone)
	if merged && workflow.GetVersion(ctx, "review-party-orgs", workflow.DefaultVersion, 1) == 1 {
		reviewPartyOrgs(ctx)
	}
	if merged && workflow.GetVersion(ctx, "annual-report-rounds", workflow.DefaultVersion, 1) == 1 {
		annualReportRounds(ctx, importID)
	}
	if gated {
		wakeQueued(ctx, importID)
		if ferr := tasks.Finish(ctx); ferr != nil && err == nil {
			err = ferr
		}
	}
	return out, err
}

// waitForTurn waits until no import of the same source uploaded earlier is unfinished.
func waitForTurn(ctx workflow.Context, importID string) error {
	var a *activities.Activities
	actx := workflow.WithActivityOptions(ctx, formationActivity)
	turn := workflow.GetSignalChannel(ctx, SignalImportTurn)
	for {
		var blocker string
		if err := workflow.ExecuteActivity(actx, a.ImportTurn, importID).Get(ctx, &blocker); err != nil {
			return err
		}
		if blocker == "" {
			return nil
		}
		timer := workflow.NewTimer(ctx, importTurnRecheck)
		sel := workflow.NewSelector(ctx)
		sel.AddReceive(turn, func(c workflow.ReceiveChannel, _ bool) { c.Receive(ctx, nil) })
		sel.AddFuture(timer, func(workflow.Future) {})
		sel.Select(ctx)
		if err := ctx.Err(); err != nil {
			return err
		}
	}
}

// wakeQueued signals the imports queued behind this one that it has finished.
func wakeQueued(ctx workflow.Context, importID string) {
	var a *activities.Activities
	var ids []string
	if err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, formationActivity), a.QueuedBehind, importID).Get(ctx, &ids); err != nil {
		workflow.GetLogger(ctx).Warn("could not list the imports queued behind this one", "error", err)
		return
	}
	for _, id := range ids {
		if err := workflow.SignalExternalWorkflow(ctx, RosterImportWorkflowID(id), "", SignalImportTurn, importID).Get(ctx, nil); err != nil {
			workflow.GetLogger(ctx).Warn("could not wake a queued import", "import", id, "error", err)
		}
	}
}

// confirmMissing asks the city unit (officers; admins assign it to themselves) whether a held
// extract may flag the organizations it leaves out missing; the uploader may not decide.
func confirmMissing(ctx workflow.Context, tasks *Tasks, importID string) (RosterImportResult, error) {
	var a *activities.Activities
	var held activities.HeldImport
	var out RosterImportResult
	if err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, formationActivity), a.DescribeHeld, importID).Get(ctx, &held); err != nil {
		return out, err
	}
	outcome, err := tasks.Ask(ctx, TaskRequest{
		Step: "confirm-missing", Kind: forms.ConfirmMissing.Kind, Subject: importID, Title: held.Title,
		SubjectType: domain.SubjectImport,
		UnitID:      held.UnitID, Role: domain.RoleOfficer, DueWorkingDays: 3, NotBy: []string{held.CreatedBy},
	})
	if err != nil {
		return out, err
	}
	var r forms.ConfirmMissingResult
	if err := decodeResult(outcome, &r); err != nil {
		return out, err
	}
	in := activities.DecisionInput{ImportID: importID, Actor: outcome.CompletedBy, Reason: r.Reason}
	if r.Confirmed() {
		err = workflow.ExecuteActivity(ctx, a.ConfirmHeldImport, in).Get(ctx, &out)
	} else {
		err = workflow.ExecuteActivity(ctx, a.RejectHeldImport, in).Get(ctx, &out)
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
		startRound(ctx, r)
	}
}

// reviewPartyOrgs tells the party organizations whose organizations left the roster or were
// deregistered: the superior decides on a dissolution (a temporary branch ends at once). The
// key makes each organization's state raise one request, however many imports repeat it.
func reviewPartyOrgs(ctx workflow.Context) {
	var a *activities.Activities
	var reviews []activities.PartyOrgReview
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
