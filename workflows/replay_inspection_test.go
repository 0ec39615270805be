package workflows_test

import (
	"testing"

	"go.temporal.io/sdk/worker"

	"tandem/workflows"
)

// TestReplayInspection replays an inspection round recorded on the embedded server (plan
// returned and resubmitted, team, an overruled objection, two visits and their feedback;
// `go test ./embeddedtemporal -run TestEmbeddedInspection -update` records it).
func TestReplayInspection(t *testing.T) {
	r := worker.NewWorkflowReplayer()
	workflows.Register(r)
	if err := r.ReplayWorkflowHistoryFromJSONFile(nil, "testdata/inspection.history.json"); err != nil {
		t.Fatal(err)
	}
}
