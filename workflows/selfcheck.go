package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"tandem/activities"
)

// SelfCheckWorkflowName is the registered name of SelfCheckWorkflow.
const SelfCheckWorkflowName = "SelfCheckWorkflow"

// SelfCheckResult is what a self-check found (its CheckDatabase activity's answer).
type SelfCheckResult = activities.SelfCheckResult

// SelfCheckWorkflowID names one self-check run.
func SelfCheckWorkflowID(id string) string { return "selfcheck/" + id }

// SelfCheckWorkflow proves the whole chain an operator relies on: the API can start a workflow,
// the Temporal server schedules it, a worker runs an activity that reaches the database.
func SelfCheckWorkflow(ctx workflow.Context) (SelfCheckResult, error) {
	var a *activities.Activities
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 10 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: 3},
	})
	var res SelfCheckResult
	err := workflow.ExecuteActivity(ctx, a.CheckDatabase).Get(ctx, &res)
	return res, err
}
