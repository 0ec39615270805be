package store_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"tandem/domain"
	"tandem/store"
	"tandem/store/storetest"
)

func TestTasks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		_, a, b, _ := nets(t, st)
		for _, u := range []struct {
			name string
			unit domain.Unit
			role domain.Role
		}{{"insp-a", a, domain.RoleInspector}, {"insp-a2", a, domain.RoleInspector}, {"insp-b", b, domain.RoleInspector}, {"off-a", a, domain.RoleOfficer}} {
			if _, err := st.CreateUser(ctx, admin, store.NewUser{Username: u.name, PasswordHash: "h",
				Memberships: []domain.Membership{{UnitID: u.unit.ID, Role: u.role}}}); err != nil {
				t.Fatal(err)
			}
		}
		who := func(name string) domain.Principal {
			c, _ := st.CredentialsOf(ctx, name)
			p, err := st.PrincipalByToken(ctx, mustToken(t, st, c.UserID))
			if err != nil {
				t.Fatal(err)
			}
			return p
		}
		inspA, inspA2, inspB, offA := who("insp-a"), who("insp-a2"), who("insp-b"), who("off-a")
		due := time.Now().Add(48 * time.Hour)
		newTask := func(key string) domain.Task {
			task, created, err := st.CreateTask(ctx, store.NewTask{Key: key, Kind: "drill.acknowledge", WorkflowID: "wf-" + key,
				UnitID: a.ID, Role: domain.RoleInspector, DueAt: due})
			if err != nil || !created {
				t.Fatalf("create %s: %v %v", key, created, err)
			}
			return task
		}

		t.Run("CreateIsIdempotentOnKey", func(t *testing.T) {
			first := newTask("k1")
			again, created, err := st.CreateTask(ctx, store.NewTask{Key: "k1", Kind: "drill.acknowledge", WorkflowID: "wf-k1",
				UnitID: a.ID, Role: domain.RoleInspector, DueAt: due})
			if err != nil || created || again.ID != first.ID {
				t.Fatalf("second create: %v %v %v", again.ID, created, err)
			}
		})
		t.Run("InboxScoping", func(t *testing.T) {
			list := func(p domain.Principal, f store.TaskFilter) int {
				tasks, _, err := st.ListTasks(ctx, p, f)
				if err != nil {
					t.Fatal(err)
				}
				return len(tasks)
			}
			if n := list(inspA, store.TaskFilter{}); n != 1 {
				t.Fatalf("inspector A's inbox has %d, want 1", n)
			}
			if n := list(inspB, store.TaskFilter{}); n != 0 {
				t.Fatalf("inspector B's inbox has %d, want 0", n)
			}
			if n := list(offA, store.TaskFilter{}); n != 0 {
				t.Fatalf("officer's actionable inbox has %d, want 0 (role differs)", n)
			}
			if n := list(offA, store.TaskFilter{Visible: true}); n != 1 {
				t.Fatalf("officer views %d, want 1", n)
			}
			if n := list(inspB, store.TaskFilter{Visible: true}); n != 0 {
				t.Fatalf("inspector B views %d, want 0", n)
			}
		})
		t.Run("ClaimRaceHasOneWinner", func(t *testing.T) {
			task := newTask("race")
			var wg sync.WaitGroup
			var mu sync.Mutex
			wins, conflicts := 0, 0
			for i := range 16 {
				wg.Add(1)
				go func(p domain.Principal) {
					defer wg.Done()
					_, err := st.ClaimTask(ctx, p, task.ID)
					mu.Lock()
					defer mu.Unlock()
					switch domain.ErrorCode(err) {
					case "":
						wins++
					case domain.ECONFLICT:
						conflicts++
					default:
						t.Errorf("claim: %v", err)
					}
				}(map[bool]domain.Principal{true: inspA, false: inspA2}[i%2 == 0])
			}
			wg.Wait()
			if wins != 1 || conflicts != 15 {
				t.Fatalf("%d wins, %d conflicts", wins, conflicts)
			}
		})
		t.Run("ClaimNeedsRoleInUnit", func(t *testing.T) {
			task := newTask("role")
			if _, err := st.ClaimTask(ctx, offA, task.ID); domain.ErrorCode(err) != domain.EFORBIDDEN {
				t.Fatalf("officer claims an inspector task: %v", err)
			}
			if _, err := st.ClaimTask(ctx, inspB, task.ID); domain.ErrorCode(err) != domain.ENOTFOUND {
				t.Fatalf("township B claims: %v", err)
			}
		})
		t.Run("AssignDelegateResolve", func(t *testing.T) {
			task := newTask("assign")
			if _, err := st.AssignTask(ctx, inspA, task.ID, "insp-a2"); domain.ErrorCode(err) != domain.EFORBIDDEN {
				t.Fatalf("inspector assigns: %v", err)
			}
			if _, err := st.AssignTask(ctx, offA, task.ID, "insp-b"); domain.ErrorCode(err) != domain.EINVALID {
				t.Fatalf("assign to someone who cannot see it: %v", err)
			}
			got, err := st.AssignTask(ctx, offA, task.ID, "insp-a")
			if err != nil || !got.IsAssignee("insp-a") || got.Status != domain.TaskClaimed {
				t.Fatalf("assign: %+v %v", got, err)
			}
			got, err = st.DelegateTask(ctx, inspA, task.ID, "insp-a2")
			if err != nil || !got.IsAssignee("insp-a2") || *got.Owner != "insp-a" || got.Delegation != "pending" {
				t.Fatalf("delegate: %+v %v", got, err)
			}
			if _, err := st.UnclaimTask(ctx, inspA2, task.ID); domain.ErrorCode(err) != domain.ECONFLICT {
				t.Fatalf("delegate unclaims: %v", err)
			}
			got, err = st.ResolveTask(ctx, inspA2, task.ID)
			if err != nil || !got.IsAssignee("insp-a") || got.Delegation != "resolved" {
				t.Fatalf("resolve: %+v %v", got, err)
			}
			got, err = st.UnclaimTask(ctx, inspA, task.ID)
			if err != nil || got.Assignee != nil || got.Status != domain.TaskOpen {
				t.Fatalf("unclaim: %+v %v", got, err)
			}
			events, _ := st.TaskHistory(ctx, task.ID)
			var types []string
			for _, e := range events {
				types = append(types, e.Type)
			}
			if want := "created assigned delegated resolved unclaimed"; strings.Join(types, " ") != want {
				t.Fatalf("history %q, want %q", strings.Join(types, " "), want)
			}
		})
		t.Run("CompleteIsIdempotentAndFinal", func(t *testing.T) {
			task := newTask("complete")
			res := json.RawMessage(`{"acknowledged":true}`)
			first, err := st.CompleteTask(ctx, task.ID, "insp-a", res)
			if err != nil || first.Status != domain.TaskCompleted || string(first.Result) != string(res) {
				t.Fatalf("complete: %+v %v", first, err)
			}
			again, err := st.CompleteTask(ctx, task.ID, "insp-a", res)
			if err != nil || again.CompletedAt == nil || !again.CompletedAt.Equal(*first.CompletedAt) {
				t.Fatalf("second complete: %+v %v", again, err)
			}
			if _, err := st.ClaimTask(ctx, inspA, task.ID); domain.ErrorCode(err) != domain.ECONFLICT {
				t.Fatalf("claim a completed task: %v", err)
			}
		})
		t.Run("CancelWorkflowTasks", func(t *testing.T) {
			task := newTask("cancel")
			n, err := st.CancelTasks(ctx, "wf-cancel", "test")
			if err != nil || n != 1 {
				t.Fatalf("cancel: %d %v", n, err)
			}
			got, _ := st.TaskByID(ctx, task.ID)
			if got.Status != domain.TaskCancelled {
				t.Fatalf("status %s", got.Status)
			}
			if _, err := st.CompleteTask(ctx, task.ID, "insp-a", json.RawMessage(`{}`)); domain.ErrorCode(err) != domain.ECONFLICT {
				t.Fatalf("complete a cancelled task: %v", err)
			}
		})
		t.Run("PaginationByDueDate", func(t *testing.T) {
			seen := map[string]bool{}
			page := store.Page{Limit: 1}
			for {
				tasks, next, err := st.ListTasks(ctx, offA, store.TaskFilter{Visible: true, Statuses: []domain.TaskStatus{"open", "claimed", "completed", "cancelled"}, Page: page})
				if err != nil {
					t.Fatal(err)
				}
				for _, task := range tasks {
					if seen[task.ID] {
						t.Fatalf("task %s on two pages", task.ID)
					}
					seen[task.ID] = true
				}
				if next == "" {
					break
				}
				page.Cursor = next
			}
			if len(seen) != 6 {
				t.Fatalf("paged through %d tasks, want 6", len(seen))
			}
		})
	})
}

func mustToken(t *testing.T, st *store.Store, userID string) string {
	t.Helper()
	hash := "tok-" + userID
	if err := st.CreateToken(context.Background(), userID, hash, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	return hash
}
