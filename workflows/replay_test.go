package workflows_test

import (
	"testing"

	"go.temporal.io/sdk/worker"

	"tandem/workflows"
)

// TestReplay replays histories recorded from real runs against today's workflow code: a change
// that would break running workflows fails here. Regenerate with
// `go test ./embeddedtemporal -run TestEmbeddedServer -update` when a change is versioned.
func TestReplay(t *testing.T) {
	for _, file := range []string{"testdata/drill.history.json", "testdata/formation.history.json", "testdata/census-verify.history.json", "testdata/assessment.history.json",
		"testdata/period-quarterly.history.json", "testdata/period-quarterly.v2.history.json"} {
		t.Run(file, func(t *testing.T) {
			r := worker.NewWorkflowReplayer()
			workflows.Register(r)
			if err := r.ReplayWorkflowHistoryFromJSONFile(nil, file); err != nil {
				t.Fatal(err)
			}
		})
	}
}
