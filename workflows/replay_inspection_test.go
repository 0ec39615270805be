package workflows_test

import (
	"testing"

	"go.temporal.io/sdk/worker"

	"tandem/workflows"
)

// TestReplayInspection replays inspection rounds recorded on the embedded server: v1 from before
// the rectification chain (plan returned and resubmitted, team, an overruled objection, two
// visits and their feedback; the round ends waiting in status rectification), v2 with the chain
// (each item's workflow started, the round done when both are signed off), and one item's
// chain (`go test ./embeddedtemporal -run TestEmbeddedInspection -update` records v2 and the item).
func TestReplayInspection(t *testing.T) {
	for _, file := range []string{"inspection.history.json", "inspection.v2.history.json", "rectification.history.json"} {
		t.Run(file, func(t *testing.T) {
			r := worker.NewWorkflowReplayer()
			workflows.Register(r)
			if err := r.ReplayWorkflowHistoryFromJSONFile(nil, "testdata/"+file); err != nil {
				t.Fatal(err)
			}
		})
	}
}
