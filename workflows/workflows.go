// Package workflows holds Tandem's Temporal workflow definitions, one file per process. They
// call activities through a nil *activities.Activities and never touch dependencies directly.
package workflows

import (
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"

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

// Register registers every workflow on a worker.
func Register(r worker.WorkflowRegistry) {
	r.RegisterWorkflow(SelfCheckWorkflow)
	r.RegisterWorkflow(DrillWorkflow)
	r.RegisterWorkflow(RosterImportWorkflow)
	r.RegisterWorkflow(FormationWorkflow)
	r.RegisterWorkflow(PartyOrgWorkflow)
	r.RegisterWorkflow(CensusRoundWorkflow)
	r.RegisterWorkflow(CensusVerifyWorkflow)
	r.RegisterWorkflow(SurveyWorkflow)
	r.RegisterWorkflow(ScheduledCycleWorkflow)
	r.RegisterWorkflow(PeriodWorkflow)
	r.RegisterWorkflow(AssessmentWorkflow)
}

func temporalSearchAttrs(unitID, subject string) temporal.SearchAttributes {
	return temporal.NewSearchAttributes(SearchUnit.ValueSet(unitID), SearchSubject.ValueSet(subject))
}
