package activities_test

import (
	"context"
	"testing"
	"time"

	"tandem/activities"
	"tandem/calendar"
	"tandem/domain"
	"tandem/store"
	"tandem/store/storetest"
)

// An escalation's "extend" answer is an extension too: it has its granted row beside the ones
// asked through the API, recorded once however often the activity runs (#17 §5).
func TestEscalationExtensionIsRecorded(t *testing.T) {
	st := storetest.SQLite(t)
	ctx := context.Background()
	day := time.Date(2026, 11, 16, 10, 0, 0, 0, calendar.Shanghai)
	st.Now = func() time.Time { return day }
	a := &activities.Activities{Store: st, Calendar: &activities.CalendarCache{Store: st, TTL: time.Minute},
		Notifier: activities.InAppNotifier{Store: st}}
	admin := domain.Principal{Username: "admin", Admin: true}
	town, err := st.CreateUnit(ctx, admin, domain.Unit{Name: "东风街道", Net: domain.NetRegion, Kind: domain.KindTownship})
	if err != nil {
		t.Fatal(err)
	}
	task, _, err := st.CreateTask(ctx, store.NewTask{Key: "wf/a", Kind: "census.verify", Title: "核实：东风物流有限公司", WorkflowID: "wf",
		UnitID: town.ID, Role: domain.RoleInspector, Assignee: "inspector", DueAt: day.Add(48 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	in := activities.ExtendDeadlineInput{TaskID: task.ID, WorkingDays: 3, Actor: "officer-county", Reason: "节后补办", Key: "escalation/esc-1"}
	for range 2 {
		if _, err := a.ExtendDeadline(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	all, err := st.ListDeadlineExtensions(ctx, admin, task.ID)
	if err != nil || len(all) != 1 || all[0].Status != domain.ExtensionGranted || all[0].DecidedBy != "officer-county" || all[0].WorkingDays != 3 {
		t.Fatalf("extensions %+v %v", all, err)
	}
}
