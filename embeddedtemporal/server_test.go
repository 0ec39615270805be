package embeddedtemporal_test

import (
	"context"
	"encoding/json"
	"flag"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"google.golang.org/protobuf/encoding/protojson"

	"tandem/activities"
	"tandem/domain"
	"tandem/embeddedtemporal"
	"tandem/store"
	"tandem/store/storetest"
	"tandem/workflows"
)

var update = flag.Bool("update", false, "rewrite workflows/testdata/*.history.json from a real run")

// TestEmbeddedServer runs a drill end to end on the embedded server (SQLite file, real worker,
// real activities on a SQLite store): the task is created, completed through the Update, and
// the workflow finishes. With -update it saves the history for the replay test in workflows/.
func TestEmbeddedServer(t *testing.T) {
	ctx := context.Background()
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	uiPort := l.Addr().(*net.TCPAddr).Port
	l.Close()
	srv, err := embeddedtemporal.Start(embeddedtemporal.Options{
		DatabaseFile: filepath.Join(t.TempDir(), "temporal.db"), Namespace: "default",
		SearchAttributes: workflows.SearchAttributes(), LogLevel: "error", UIPort: uiPort,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	// The Temporal Web UI answers and sees the namespace.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		res, err := http.Get(srv.UIURL() + "/api/v1/namespaces")
		if err == nil {
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode == 200 && strings.Contains(string(body), `"default"`) {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("Temporal UI at %s not answering: %v", srv.UIURL(), err)
		}
	}
	c, err := client.DialContext(ctx, client.Options{HostPort: srv.HostPort(), Namespace: "default"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	st := storetest.SQLite(t)
	unit, err := st.CreateUnit(ctx, domain.Principal{Username: "admin", Admin: true}, domain.Unit{Name: "A镇", Net: domain.NetRegion, Kind: domain.KindTownship})
	if err != nil {
		t.Fatal(err)
	}
	w := worker.New(c, workflows.TaskQueue, worker.Options{})
	workflows.Register(w)
	w.RegisterActivity(&activities.Activities{Store: st, Calendar: &activities.CalendarCache{Store: st, TTL: time.Minute},
		Notifier: activities.InAppNotifier{Store: st}})
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	defer w.Stop()

	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: workflows.DrillWorkflowID("replay"), TaskQueue: workflows.TaskQueue},
		workflows.DrillWorkflow, workflows.DrillInput{UnitID: unit.ID, Role: domain.RoleInspector, Note: "replay"})
	if err != nil {
		t.Fatal(err)
	}
	var task domain.Task
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		tasks, _, err := st.ListTasks(ctx, domain.Principal{Admin: true}, store.TaskFilter{Visible: true, WorkflowID: run.GetID()})
		if err != nil {
			t.Fatal(err)
		}
		if len(tasks) == 1 {
			task = tasks[0]
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no task within 20s")
		}
	}
	complete := func(result string) error {
		h, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: run.GetID(), UpdateName: workflows.UpdateCompleteTask,
			WaitForStage: client.WorkflowUpdateStageCompleted,
			Args:         []any{workflows.CompleteTaskRequest{TaskID: task.ID, Actor: "inspector", Result: json.RawMessage(result)}}})
		if err != nil {
			return err
		}
		return h.Get(ctx, nil)
	}
	if err := complete(`{"acknowledged":false}`); err == nil {
		t.Fatal("the validator accepted an invalid result")
	}
	if err := complete(`{"acknowledged":true}`); err != nil {
		t.Fatal(err)
	}
	var out workflows.TaskOutcome
	if err := run.Get(ctx, &out); err != nil || out.TaskID != task.ID {
		t.Fatalf("workflow result %+v %v", out, err)
	}
	got, _ := st.TaskByID(ctx, task.ID)
	if got.Status != domain.TaskCompleted {
		t.Fatalf("task %s", got.Status)
	}

	if *update {
		iter := c.GetWorkflowHistory(ctx, run.GetID(), run.GetRunID(), false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		var events []json.RawMessage
		for iter.HasNext() {
			e, err := iter.Next()
			if err != nil {
				t.Fatal(err)
			}
			b, _ := protojson.Marshal(e)
			events = append(events, b)
		}
		b, _ := json.MarshalIndent(map[string]any{"events": events}, "", "  ")
		if err := os.WriteFile("../workflows/testdata/drill.history.json", b, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %d events", len(events))
	}
}
