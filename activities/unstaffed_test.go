package activities_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"tandem/activities"
	"tandem/app"
	"tandem/calendar"
	"tandem/domain"
	"tandem/store"
	"tandem/store/storetest"
)

// A task of a unit where nobody holds its role (a park with no staff of its own) goes at
// creation to the officers of the unit above as a task.assignment task; assigning through it
// gives the task away, and claiming or assigning the task directly cancels it (#17 §3).
func TestTaskInUnstaffedUnitGoesToUnitAbove(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		day := time.Date(2026, 11, 16, 10, 0, 0, 0, calendar.Shanghai) // a Monday
		st.Now = func() time.Time { return day }
		a := &activities.Activities{Store: st, Calendar: &activities.CalendarCache{Store: st, TTL: time.Minute},
			Notifier: activities.InAppNotifier{Store: st}}
		admin := domain.Principal{Username: "admin", Admin: true}
		mk := func(u domain.Unit) domain.Unit {
			out, err := st.CreateUnit(ctx, admin, u)
			if err != nil {
				t.Fatal(err)
			}
			return out
		}
		town := mk(domain.Unit{Name: "东风街道", Net: domain.NetRegion, Kind: domain.KindTownship})
		park := mk(domain.Unit{Name: "东风科技园", Net: domain.NetRegion, Kind: domain.KindPark, ParentID: &town.ID})
		staffed := mk(domain.Unit{Name: "西湖社区", Net: domain.NetRegion, Kind: domain.KindCommunity, ParentID: &town.ID})
		user := func(name string, u domain.Unit, role domain.Role) domain.Principal {
			if _, err := st.CreateUser(ctx, admin, store.NewUser{Username: name, PasswordHash: "h",
				Memberships: []domain.Membership{{UnitID: u.ID, Role: role}}}); err != nil {
				t.Fatal(err)
			}
			return domain.Principal{Username: name, Memberships: []domain.Membership{{UnitID: u.ID, UnitPath: u.Path, Role: role}}}
		}
		townOfficer := user("officer-town", town, domain.RoleOfficer)
		user("inspector-west", staffed, domain.RoleInspector)
		parkInspector := "inspector-park" // works for the park, but is a member of the township
		user(parkInspector, town, domain.RoleInspector)

		ask := func(key string, u domain.Unit) activities.TaskInfo {
			info, err := a.CreateTask(ctx, activities.CreateTaskInput{Key: key, WorkflowID: "wf-" + key, Kind: "census.verify",
				Subject: "91110108MA01B2C3D0", Title: "核实：东风物流有限公司", UnitID: u.ID, Role: domain.RoleInspector})
			if err != nil {
				t.Fatal(err)
			}
			return info
		}
		assignments := func(about string) []domain.Task {
			items, _, err := st.ListTasks(ctx, townOfficer, store.TaskFilter{Kind: domain.TaskKindAssignment,
				Statuses: []domain.TaskStatus{domain.TaskOpen, domain.TaskClaimed, domain.TaskCompleted, domain.TaskCancelled}, Visible: true})
			if err != nil {
				t.Fatal(err)
			}
			var out []domain.Task
			for _, it := range items {
				if it.AboutTaskID != nil && *it.AboutTaskID == about {
					out = append(out, it)
				}
			}
			return out
		}

		if w := ask("west", staffed); len(assignments(w.ID)) != 0 {
			t.Fatal("a staffed unit's task was routed")
		}
		first := ask("park-1", park)
		again := ask("park-1", park) // a retried activity
		as := assignments(first.ID)
		if again.ID != first.ID || len(as) != 1 || as[0].UnitID != town.ID || as[0].Role != domain.RoleOfficer || as[0].Status != domain.TaskOpen {
			t.Fatalf("assignment tasks %+v", as)
		}
		if !townOfficer.CanAct(as[0]) {
			t.Fatal("the township officer cannot act on the assignment task")
		}
		// The township officer finds it in the inbox and a notification.
		inbox, _, _ := st.ListTasks(ctx, townOfficer, store.TaskFilter{Kind: domain.TaskKindAssignment})
		notes, _, _ := st.ListNotifications(ctx, townOfficer, false, store.Page{})
		if len(inbox) != 1 || len(notes) == 0 {
			t.Fatalf("inbox %d, notifications %d", len(inbox), len(notes))
		}
		// Completing it assigns the park's task and completes the assignment task.
		ops := app.New(app.Config{Store: st, Calendar: a.Calendar})
		result, _ := json.Marshal(map[string]string{"assignee": "nobody-such"})
		if _, err := ops.Tasks.Complete(ctx, townOfficer, app.CompleteTask{TaskID: as[0].ID, Result: result}); domain.ErrorCode(err) != domain.EINVALID {
			t.Fatalf("assigning to an unknown user: %v", err)
		}
		result, _ = json.Marshal(map[string]string{"assignee": parkInspector, "note": "园区由街道摸排人员代办"})
		done, err := ops.Tasks.Complete(ctx, townOfficer, app.CompleteTask{TaskID: as[0].ID, Result: result})
		if err != nil || done.Status != domain.TaskCompleted {
			t.Fatalf("complete the assignment: %+v %v", done, err)
		}
		got, _ := st.TaskByID(ctx, first.ID)
		if got.Assignee == nil || *got.Assignee != parkInspector || got.Status != domain.TaskClaimed || got.Kind != "census.verify" {
			t.Fatalf("the park's task after assignment: %+v", got)
		}

		// Assigning the task directly cancels its assignment task.
		second := ask("park-2", park)
		if _, err := st.AssignTask(ctx, townOfficer, second.ID, parkInspector); err != nil {
			t.Fatal(err)
		}
		if as := assignments(second.ID); len(as) != 1 || as[0].Status != domain.TaskCancelled {
			t.Fatalf("assignment task after a direct assignment: %+v", as)
		}
		// A task that ends (completed by the engine, or its workflow cancelled) takes its
		// assignment task with it.
		third, fourth := ask("park-3", park), ask("park-4", park)
		if _, err := st.CompleteTask(ctx, third.ID, "admin", json.RawMessage(`{}`)); err != nil {
			t.Fatal(err)
		}
		if _, err := st.CancelTasks(ctx, "wf-park-4", "流程已取消"); err != nil {
			t.Fatal(err)
		}
		for _, id := range []string{third.ID, fourth.ID} {
			if as := assignments(id); len(as) != 1 || as[0].Status != domain.TaskCancelled {
				t.Fatalf("assignment task after its task ended: %+v", as)
			}
		}
	})
}
