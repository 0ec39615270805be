package store_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"gorm.io/gorm"

	"tandem/domain"
	"tandem/store"
	"tandem/store/storetest"
)

// TestCancelTasksInOneTransaction cancels a workflow's tasks all or none: a failure on the
// second task's audit record leaves the first one open too.
func TestCancelTasksInOneTransaction(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		_, a, _, _ := nets(t, st)
		ids := workflowTasks(t, st, a, "wf-batch", 3)
		other := workflowTasks(t, st, a, "wf-other", 1)[0]

		// The second task.cancel audit record fails.
		fail := failSecondCancel(t, st)
		if n, err := st.CancelTasks(ctx, "wf-batch", "test"); err == nil || n != 0 {
			t.Fatalf("cancel with a failing audit record: %d %v, want an error", n, err)
		}
		for _, id := range ids {
			if got, err := st.TaskByID(ctx, id); err != nil || got.Status != domain.TaskOpen {
				t.Fatalf("task %s after a failed batch: %s %v, want open", id, got.Status, err)
			}
		}

		*fail = false
		n, err := st.CancelTasks(ctx, "wf-batch", "test")
		if err != nil || n != 3 {
			t.Fatalf("cancel: %d %v, want 3", n, err)
		}
		for _, id := range ids {
			got, err := st.TaskByID(ctx, id)
			if err != nil || got.Status != domain.TaskCancelled {
				t.Fatalf("task %s: %s %v, want cancelled", id, got.Status, err)
			}
			events, _, err := st.ListAudit(ctx, admin, store.AuditFilter{SubjectType: "task", SubjectID: id})
			if err != nil || len(events) == 0 || events[0].Action != "task.cancel" {
				t.Fatalf("audit of %s: %+v %v, want task.cancel last", id, events, err)
			}
			history, err := st.TaskHistory(ctx, id)
			if err != nil || history[len(history)-1].Type != "cancelled" {
				t.Fatalf("history of %s: %+v %v", id, history, err)
			}
		}
		if got, _ := st.TaskByID(ctx, other); got.Status != domain.TaskOpen {
			t.Fatalf("another workflow's task: %s, want open", got.Status)
		}
		if n, err := st.CancelTasks(ctx, "wf-batch", "again"); err != nil || n != 0 {
			t.Fatalf("cancel again: %d %v, want 0", n, err)
		}
	})
}

// failSecondCancel makes the second task.cancel audit record written from now on fail, while
// *fail holds.
func failSecondCancel(t *testing.T, st *store.Store) *bool {
	t.Helper()
	cancels, fail := 0, true
	if err := st.DB().Callback().Create().Before("gorm:create").Register("test:fail_second_cancel", func(db *gorm.DB) {
		if !fail || db.Statement.Table != "audit_events" {
			return
		}
		if v := reflect.Indirect(reflect.ValueOf(db.Statement.Dest)); v.Kind() == reflect.Struct && v.FieldByName("Action").String() == "task.cancel" {
			if cancels++; cancels == 2 {
				_ = db.AddError(errors.New("injected failure"))
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	return &fail
}

// TestCancelTasksByIDInOneTransaction cancels the named tasks all or none, and only them.
func TestCancelTasksByIDInOneTransaction(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		_, a, _, _ := nets(t, st)
		ids := workflowTasks(t, st, a, "wf-some", 3)
		status := func() []domain.TaskStatus {
			var out []domain.TaskStatus
			for _, id := range ids {
				got, err := st.TaskByID(ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				out = append(out, got.Status)
			}
			return out
		}
		fail := failSecondCancel(t, st)
		if err := st.CancelTasksByID(ctx, ids[:2], "test"); err == nil {
			t.Fatal("cancel with a failing audit record: no error")
		}
		if got := status(); !reflect.DeepEqual(got, []domain.TaskStatus{domain.TaskOpen, domain.TaskOpen, domain.TaskOpen}) {
			t.Fatalf("after a failed batch: %v, want all open", got)
		}
		*fail = false
		if err := st.CancelTasksByID(ctx, ids[:2], "test"); err != nil {
			t.Fatal(err)
		}
		if got := status(); !reflect.DeepEqual(got, []domain.TaskStatus{domain.TaskCancelled, domain.TaskCancelled, domain.TaskOpen}) {
			t.Fatalf("after the batch: %v, want the first two cancelled", got)
		}
		if err := st.CancelTasksByID(ctx, ids[:2], "again"); err != nil {
			t.Fatalf("cancel closed tasks again: %v, want a no-op", err)
		}
		if err := st.CancelTasksByID(ctx, []string{"no-such-task"}, "test"); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("unknown task: %v, want ENOTFOUND", err)
		}
	})
}

// workflowTasks creates n open tasks of a workflow in unit u and returns their IDs.
func workflowTasks(t *testing.T, st *store.Store, u domain.Unit, workflowID string, n int) []string {
	t.Helper()
	due := time.Date(2031, 3, 4, 9, 0, 0, 0, time.UTC)
	ids := make([]string, n)
	for i := range ids {
		task, _, err := st.CreateTask(context.Background(), store.NewTask{Key: fmt.Sprintf("%s/%d", workflowID, i), Kind: "drill.acknowledge",
			WorkflowID: workflowID, UnitID: u.ID, Role: domain.RoleInspector, DueAt: due})
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = task.ID
	}
	return ids
}
