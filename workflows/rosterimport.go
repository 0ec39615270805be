package workflows

import (
	"errors"
	"time"

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
	return out, err
}

func isBadFile(err error) bool {
	var app *temporal.ApplicationError
	return errors.As(err, &app) && app.Type() == activities.ErrTypeBadFile
}
