package activities_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"

	"tandem/activities"
	"tandem/domain"
	"tandem/store"
	"tandem/store/storetest"
)

// TestCompleteTaskRechecksAndLeavesTaskOpen: the joint branch filled up between the API's check
// and the CompleteTask activity. The activity refuses the answer (InvalidResult, the field
// named, not retried), the task stays open, and its history records the refusal with the
// Chinese reason. Once the branch has room again the same answer completes the task.
func TestCompleteTaskRechecksAndLeavesTaskOpen(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		admin := domain.Principal{Username: "admin", Admin: true}
		a := &activities.Activities{Store: st, Calendar: &activities.CalendarCache{Store: st, TTL: time.Minute},
			Notifier: activities.InAppNotifier{Store: st}}
		town, err := st.CreateUnit(ctx, admin, domain.Unit{Name: "东街道", Net: domain.NetRegion, Kind: domain.KindTownship})
		if err != nil {
			t.Fatal(err)
		}
		db := st.DB()
		org := func(uscc string) {
			t.Helper()
			if err := db.Exec(`INSERT INTO organizations (uscc, name, region_unit_id, region_path, region_owners, created_at, updated_at)
				VALUES (?, ?, ?, ?, 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`, uscc, "公司"+uscc[len(uscc)-2:], town.ID, town.Path).Error; err != nil {
				t.Fatal(err)
			}
		}
		const uscc = "91350100M000100Y43"
		org(uscc)
		if err := db.Exec(`INSERT INTO party_orgs (id, kind, name, unit_id, unit_path, status, formation_id, created_at, updated_at)
			VALUES ('po-joint', 'joint', '东街道联合党支部', ?, ?, 'active', 'f-0', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`, town.ID, town.Path).Error; err != nil {
			t.Fatal(err)
		}
		for i := range domain.MaxJointOrgs { // filled meanwhile: five organizations already
			member := fmt.Sprintf("9135010000000000%02d", i)
			org(member)
			if err := db.Exec(`INSERT INTO party_org_organizations (party_org_id, uscc) VALUES ('po-joint', ?)`, member).Error; err != nil {
				t.Fatal(err)
			}
		}
		task, _, err := st.CreateTask(ctx, store.NewTask{Key: "verify/" + uscc + "/coverage.attach/1", Kind: "coverage.attach", Subject: uscc,
			Title: "纳入联合党支部或区域党组织（正式党员1–2名）", WorkflowID: "verify/" + uscc, UnitID: town.ID, Role: domain.RoleOfficer,
			DueAt: st.Now().Add(7 * 24 * time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		in := activities.CompleteTaskInput{TaskID: task.ID, Actor: "officer-a", Result: json.RawMessage(`{"method":"joint","party_org_id":"po-joint"}`)}

		_, err = a.CompleteTask(ctx, in)
		var app *temporal.ApplicationError
		var fields []domain.FieldError
		if !errors.As(err, &app) || app.Type() != activities.ErrTypeInvalidResult || !app.NonRetryable() ||
			app.Details(&fields) != nil || len(fields) != 1 || fields[0].Field != "party_org_id" {
			t.Fatalf("want InvalidResult naming party_org_id, got %v %+v", err, fields)
		}
		if !strings.Contains(app.Message(), "纳入联合党支部或区域党组织") || !strings.Contains(app.Message(), "未被接受") {
			t.Fatalf("the reason does not name the task in Chinese: %q", app.Message())
		}
		if got, err := st.TaskByID(ctx, task.ID); err != nil || got.Status != domain.TaskOpen {
			t.Fatalf("task after the refusal %+v %v", got, err)
		}
		events, err := st.TaskHistory(ctx, task.ID)
		if err != nil {
			t.Fatal(err)
		}
		last := events[len(events)-1]
		var refusal store.TaskRefusal
		if last.Type != "refused" || last.Actor != "officer-a" || json.Unmarshal([]byte(last.Detail), &refusal) != nil ||
			refusal.Reason != app.Message() || len(refusal.Fields) != 1 || refusal.Fields[0].Field != "party_org_id" || len(refusal.Result) == 0 {
			t.Fatalf("history %+v", events)
		}

		// Room again: the same answer is taken.
		if err := db.Exec(`DELETE FROM party_org_organizations WHERE party_org_id = 'po-joint' AND uscc = '913501000000000000'`).Error; err != nil {
			t.Fatal(err)
		}
		info, err := a.CompleteTask(ctx, in)
		if err != nil || info.Status != domain.TaskCompleted || info.CompletedBy != "officer-a" {
			t.Fatalf("complete with room: %+v %v", info, err)
		}
		// Retried after completion (an activity retry), it answers the completed task.
		if again, err := a.CompleteTask(ctx, in); err != nil || again.Status != domain.TaskCompleted {
			t.Fatalf("retry: %+v %v", again, err)
		}
	})
}
