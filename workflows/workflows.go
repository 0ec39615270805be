// Package workflows holds Tandem's Temporal workflow definitions, one file per process. They
// call activities through a nil *activities.Activities and never touch dependencies directly.
//
// Each workflow's contract sits beside it: its registered name (XWorkflowName), ID helper
// (XWorkflowID), input and result types, signal, update and query names. Payloads are types of
// this package or of activities (whose methods take them), never storage structs; the few
// names activities need themselves (a census verification's ID and name, a formation's ID,
// TaskQueue, the search attributes) are defined there, because this package imports that one,
// and re-exported here.
package workflows

import (
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"tandem/activities"
)

// TaskQueue is the queue every Tandem workflow and activity runs on.
const TaskQueue = activities.TaskQueue

// Custom search attributes, so that operators can find a process by what it concerns in the
// Temporal UI and CLI. They hold codes and IDs only, never personal data.
var (
	// SearchUnit is the ID of the unit responsible for the process.
	SearchUnit = activities.SearchUnit
	// SearchSubject is what the process is about (an organization's credit code, a period).
	SearchSubject = activities.SearchSubject
)

// SearchAttributes lists the custom search attributes a namespace must have, by name and type.
func SearchAttributes() map[string]enumspb.IndexedValueType {
	return map[string]enumspb.IndexedValueType{
		SearchUnit.GetName():    enumspb.INDEXED_VALUE_TYPE_KEYWORD,
		SearchSubject.GetName(): enumspb.INDEXED_VALUE_TYPE_KEYWORD,
	}
}

// Definitions pairs every workflow with the name it is registered, started and recorded in
// histories by (each name is its function's name, as the histories were recorded).
func Definitions() []Definition {
	return []Definition{
		{SelfCheckWorkflowName, SelfCheckWorkflow},
		{DrillWorkflowName, DrillWorkflow},
		{RosterImportWorkflowName, RosterImportWorkflow},
		{FormationWorkflowName, FormationWorkflow},
		{PartyOrgWorkflowName, PartyOrgWorkflow},
		{CensusRoundWorkflowName, CensusRoundWorkflow},
		{CensusVerifyWorkflowName, CensusVerifyWorkflow},
		{SurveyWorkflowName, SurveyWorkflow},
		{ScheduledCycleWorkflowName, ScheduledCycleWorkflow},
		{PeriodWorkflowName, PeriodWorkflow},
		{AssessmentWorkflowName, AssessmentWorkflow},
		{InspectionWorkflowName, InspectionWorkflow},
		{RectificationWorkflowName, RectificationWorkflow},
		{RectificationRecheckWorkflowName, RectificationRecheckWorkflow},
		{DemonstrationWorkflowName, DemonstrationWorkflow},
	}
}

// Definition is a workflow function and its registered name.
type Definition struct {
	Name     string
	Workflow any
}

// Register registers every workflow on a worker, by its named constant.
func Register(r worker.WorkflowRegistry) {
	for _, d := range Definitions() {
		r.RegisterWorkflowWithOptions(d.Workflow, workflow.RegisterOptions{Name: d.Name})
	}
}

func temporalSearchAttrs(unitID, subject string) temporal.SearchAttributes {
	return temporal.NewSearchAttributes(SearchUnit.ValueSet(unitID), SearchSubject.ValueSet(subject))
}
