package workflows

import (
	"go.temporal.io/sdk/workflow"

	"tandem/domain"
)

// DrillWorkflowName is the registered name of DrillWorkflow.
const DrillWorkflowName = "DrillWorkflow"

// DrillWorkflowID names a drill.
func DrillWorkflowID(id string) string { return "drill/" + id }

// DrillInput asks a unit's role (or one person) to acknowledge a test task.
type DrillInput struct {
	UnitID         string
	Role           domain.Role
	Assignee       string
	DueWorkingDays int
	Note           string
}

// DrillWorkflow sends one acknowledgement task through the whole human-task machinery
// (inbox, claim, reminder, escalation, completion): a fire drill an officer runs to check that
// a unit's people receive and complete tasks, and the smallest real process to test with.
func DrillWorkflow(ctx workflow.Context, in DrillInput) (TaskOutcome, error) {
	tasks, err := NewTasks(ctx)
	if err != nil {
		return TaskOutcome{}, err
	}
	out, err := tasks.Ask(ctx, TaskRequest{
		Step: "acknowledge", Kind: "drill.acknowledge", Subject: in.UnitID, Title: "任务演练：" + in.Note,
		SubjectType: domain.SubjectUnit,
		UnitID:      in.UnitID, Role: in.Role, Assignee: in.Assignee, DueWorkingDays: in.DueWorkingDays,
	})
	if err != nil {
		return TaskOutcome{}, err
	}
	return out, tasks.Finish(ctx)
}
