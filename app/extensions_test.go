package app_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"tandem/activities"
	"tandem/app"
	"tandem/domain"
	"tandem/store"
	"tandem/workflows"
)

// signalEngine records the signals sent to workflows (the engine's edge; the workflow side of
// deadline-extended is covered by the workflows tests).
type signalEngine struct {
	refusingEngine
	signals []workflows.DeadlineExtension
}

func (e *signalEngine) SignalWorkflow(_ context.Context, _, _, name string, arg any) error {
	if name == workflows.SignalDeadlineExtended {
		e.signals = append(e.signals, arg.(workflows.DeadlineExtension))
	}
	return nil
}

// An extension of a task one may act on is a request that an officer of the unit above
// decides; the requester cannot decide it; an officer over the unit who cannot act on the
// task grants at once (#17 §5).
func TestExtensionOfOwnTaskIsARequest(t *testing.T) {
	_, st, _ := newApp(t)
	eng := &signalEngine{}
	ops := app.New(app.Config{Store: st, Engine: eng, Calendar: &activities.CalendarCache{Store: st, TTL: time.Minute}})
	ctx := context.Background()
	mk := func(u domain.Unit) domain.Unit {
		out, err := st.CreateUnit(ctx, admin, u)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	county := mk(domain.Unit{Name: "青山县", Net: domain.NetRegion, Kind: domain.KindCounty})
	town := mk(domain.Unit{Name: "东风街道", Net: domain.NetRegion, Kind: domain.KindTownship, ParentID: &county.ID})
	as := func(name string, u domain.Unit, role domain.Role) domain.Principal {
		if _, err := st.CreateUser(ctx, admin, store.NewUser{Username: name, PasswordHash: "h",
			Memberships: []domain.Membership{{UnitID: u.ID, Role: role}}}); err != nil {
			t.Fatal(err)
		}
		return domain.Principal{Username: name, Memberships: []domain.Membership{{UnitID: u.ID, UnitPath: u.Path, Role: role}}}
	}
	townOfficer, countyOfficer, countyOfficer2 := as("officer-town", town, domain.RoleOfficer), as("officer-county", county, domain.RoleOfficer),
		as("officer-county-2", county, domain.RoleOfficer)
	inspector := as("inspector-town", town, domain.RoleInspector)
	due := st.Now().Add(96 * time.Hour)
	task, _, err := st.CreateTask(ctx, store.NewTask{Key: "wf-1/approve", Kind: "formation.approval", Title: "东风物流有限公司：成立党支部审批",
		WorkflowID: "wf-1", UnitID: town.ID, Role: domain.RoleOfficer, DueAt: due})
	if err != nil {
		t.Fatal(err)
	}

	// The township officer owes the task: their extension is a request, the due date stays.
	ext, err := ops.Tasks.ExtendDeadline(ctx, townOfficer, app.ExtendDeadline{TaskID: task.ID, WorkingDays: 3, Reason: "材料未齐"})
	if err != nil || ext.Status != domain.ExtensionRequested || ext.DecisionTaskID == nil || *ext.ApproverUnitID != county.ID {
		t.Fatalf("own extension: %+v %v", ext, err)
	}
	if len(eng.signals) != 0 {
		t.Fatalf("a request moved the deadline: %+v", eng.signals)
	}
	if got, _ := st.TaskByID(ctx, task.ID); !got.DueAt.Equal(due.UTC()) {
		t.Fatalf("due moved to %v", got.DueAt)
	}
	if _, err := ops.Tasks.ExtendDeadline(ctx, townOfficer, app.ExtendDeadline{TaskID: task.ID, WorkingDays: 2, Reason: "再次申请"}); domain.ErrorCode(err) != domain.ECONFLICT {
		t.Fatalf("a second request while one waits: %v", err)
	}
	// The approver's task is in the county officers' inbox, not the requester's.
	inbox := func(p domain.Principal) []domain.Task {
		items, _, err := st.ListTasks(ctx, p, store.TaskFilter{Kind: domain.TaskKindExtension})
		if err != nil {
			t.Fatal(err)
		}
		return items
	}
	if n := len(inbox(townOfficer)); n != 0 {
		t.Fatalf("the requester's inbox holds the decision (%d)", n)
	}
	if items := inbox(countyOfficer); len(items) != 1 || items[0].ID != *ext.DecisionTaskID || items[0].AboutTaskID == nil || *items[0].AboutTaskID != task.ID {
		t.Fatalf("the approver's inbox: %+v", items)
	}
	// The requester cannot decide, by either path; an inspector is not the approver either.
	if _, err := ops.Tasks.DecideExtension(ctx, townOfficer, app.DecideExtension{TaskID: task.ID, ExtensionID: ext.ID, Grant: true}); domain.ErrorCode(err) != domain.EFORBIDDEN {
		t.Fatalf("the requester decides: %v", err)
	}
	grant, _ := json.Marshal(map[string]string{"decision": "grant"})
	if _, err := ops.Tasks.Complete(ctx, townOfficer, app.CompleteTask{TaskID: *ext.DecisionTaskID, Result: grant}); domain.ErrorCode(err) == "" {
		t.Fatal("the requester completes the decision task")
	}
	if _, err := ops.Tasks.DecideExtension(ctx, inspector, app.DecideExtension{TaskID: task.ID, ExtensionID: ext.ID, Grant: true}); err == nil {
		t.Fatal("an inspector decides")
	}
	// A refusal needs a reason; the approver grants by completing the task.extension task.
	refuse, _ := json.Marshal(map[string]string{"decision": "refuse"})
	if _, err := ops.Tasks.Complete(ctx, countyOfficer, app.CompleteTask{TaskID: *ext.DecisionTaskID, Result: refuse}); domain.ErrorCode(err) != domain.EINVALID {
		t.Fatalf("a refusal without a reason: %v", err)
	}
	done, err := ops.Tasks.Complete(ctx, countyOfficer, app.CompleteTask{TaskID: *ext.DecisionTaskID, Result: grant})
	if err != nil || done.Status != domain.TaskCompleted {
		t.Fatalf("the approver grants: %+v %v", done, err)
	}
	if len(eng.signals) != 1 || eng.signals[0].TaskID != task.ID || eng.signals[0].WorkingDays != 3 || eng.signals[0].Actor != "officer-county" {
		t.Fatalf("signals %+v", eng.signals)
	}
	if _, err := ops.Tasks.DecideExtension(ctx, countyOfficer2, app.DecideExtension{TaskID: task.ID, ExtensionID: ext.ID, Grant: false, Reason: "不同意"}); domain.ErrorCode(err) != domain.ECONFLICT {
		t.Fatalf("deciding a granted extension again: %v", err)
	}

	// The county officer is over the task's unit and cannot act on it: granted at once.
	direct, err := ops.Tasks.ExtendDeadline(ctx, countyOfficer, app.ExtendDeadline{TaskID: task.ID, WorkingDays: 2, Reason: "节假日"})
	if err != nil || direct.Status != domain.ExtensionGranted || direct.DecidedBy != "officer-county" || len(eng.signals) != 2 {
		t.Fatalf("direct grant: %+v %v %+v", direct, err, eng.signals)
	}
	// Someone who neither acts on nor manages the task: 403.
	if _, err := ops.Tasks.ExtendDeadline(ctx, inspector, app.ExtendDeadline{TaskID: task.ID, WorkingDays: 2, Reason: "x"}); domain.ErrorCode(err) != domain.EFORBIDDEN {
		t.Fatalf("an inspector extends: %v", err)
	}
	all, err := st.ListDeadlineExtensions(ctx, townOfficer, task.ID)
	if err != nil || len(all) != 2 || all[0].Status != domain.ExtensionGranted || all[0].DecidedBy != "officer-county" {
		t.Fatalf("history %+v %v", all, err)
	}
}
