package workflows_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/testsuite"

	"tandem/activities"
	"tandem/workflows"
)

func TestSelfCheckWorkflow(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		var s testsuite.WorkflowTestSuite
		env := s.NewTestWorkflowEnvironment()
		var a *activities.Activities
		env.RegisterActivity(a)
		env.OnActivity(a.CheckDatabase, mock.Anything).Return(activities.SelfCheckResult{Database: "sqlite", SchemaVersion: 1}, nil)
		env.ExecuteWorkflow(workflows.SelfCheckWorkflow)
		var res activities.SelfCheckResult
		if err := env.GetWorkflowResult(&res); err != nil || res.Database != "sqlite" {
			t.Fatalf("got %+v %v", res, err)
		}
	})
	t.Run("ErrDatabaseDownAfterRetries", func(t *testing.T) {
		var s testsuite.WorkflowTestSuite
		env := s.NewTestWorkflowEnvironment()
		var a *activities.Activities
		env.RegisterActivity(a)
		env.OnActivity(a.CheckDatabase, mock.Anything).Return(activities.SelfCheckResult{}, errors.New("database unreachable")).Times(3)
		env.ExecuteWorkflow(workflows.SelfCheckWorkflow)
		if env.GetWorkflowError() == nil {
			t.Fatal("workflow succeeded with the database down")
		}
		env.AssertExpectations(t)
	})
}
