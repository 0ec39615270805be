package workflows_test

import (
	"testing"

	"go.temporal.io/sdk/worker"

	"tandem/workflows"
)

// TestReplaySurvey replays the survey's histories from before (v1: the answer starts nothing)
// and after (v2) the change survey-answer-verifies: both run on today's code.
func TestReplaySurvey(t *testing.T) {
	for _, file := range []string{"testdata/survey-answer-verifies.v1.history.json", "testdata/survey-answer-verifies.v2.history.json",
		"testdata/survey-answer-signal.v1.history.json"} {
		t.Run(file, func(t *testing.T) {
			r := worker.NewWorkflowReplayer()
			workflows.Register(r)
			if err := r.ReplayWorkflowHistoryFromJSONFile(nil, file); err != nil {
				t.Fatal(err)
			}
		})
	}
}
