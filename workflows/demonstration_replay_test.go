package workflows_test

import (
	"testing"

	"go.temporal.io/sdk/worker"

	"tandem/workflows"
)

// TestReplayDemonstration replays a demonstration point's recorded histories (embeddedtemporal's
// TestEmbeddedDemonstration -update): one from before the ranking and the objections' sweep (no
// version markers: the decision without a rank, the notice's end without the sweep) and one with
// them, each through an objection lodged while the engine was away and named.
func TestReplayDemonstration(t *testing.T) {
	for _, file := range []string{"testdata/demonstration.history.json", "testdata/demonstration.v2.history.json"} {
		t.Run(file, func(t *testing.T) {
			r := worker.NewWorkflowReplayer()
			workflows.Register(r)
			if err := r.ReplayWorkflowHistoryFromJSONFile(nil, file); err != nil {
				t.Fatal(err)
			}
		})
	}
}
