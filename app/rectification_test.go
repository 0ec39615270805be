package app_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"tandem/activities"
	"tandem/app"
	"tandem/domain"
	"tandem/store"
	"tandem/store/storetest"
)

// TestRectificationChain takes an item of a round through its chain on both databases, with
// the store and activities the workflow calls: its workflow ID recorded, the plan's deadline on
// the working-day calendar, a retried step recorded once, an extension of the report requested
// by the township and decided by the round's sponsor (not the county above), the item's due
// date moving with it, the verify task refused (403) to a member of the rectifying unit who can
// still read the item and its history, the sign-off, the list, the report and the ledger.
func TestRectificationChain(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		f := newInspectionFixture(t, st)
		cal := &activities.CalendarCache{Store: st, TTL: time.Minute}
		acts := &activities.Activities{Store: st, Calendar: cal, Notifier: activities.InAppNotifier{Store: st}}
		r, err := f.ops.Inspections.Draft(ctx, f.drafter, f.draft())
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range []domain.InspectionStatus{domain.InspectionTeam, domain.InspectionField, domain.InspectionFeedback, domain.InspectionRectification} {
			if err := st.SetInspectionStatus(ctx, r.ID, s, "reviewer", nil); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := st.RecordInspectionVisit(ctx, r.ID, f.town.ID, "insp-a", store.VisitRecord{MethodsDone: []string{"听取汇报"},
			Findings: []store.FindingInput{{Category: "组织建设", Severity: domain.SeverityGeneral, Description: "党员名册未更新"}}},
			40, st.Now().AddDate(0, 2, 0)); err != nil {
			t.Fatal(err)
		}
		items, err := acts.RoundRectificationItems(ctx, r.ID)
		if err != nil || len(items) != 1 || items[0].Finding != "党员名册未更新" || items[0].DueWorkingDays != 40 {
			t.Fatalf("items %+v %v", items, err)
		}
		it := items[0]
		wf := store.RectificationWorkflowID(it.ID)
		if got, _ := st.RectificationItemByID(ctx, it.ID); got.WorkflowID != wf {
			t.Fatalf("workflow ID %q", got.WorkflowID)
		}

		// The plan: 30 working days from the visit.
		plan := activities.AdvanceRectificationInput{ItemID: it.ID, Action: "rectification.plan", Actor: "town-officer", To: domain.RectPlanReview,
			Rectifications: 1, Measures: "逐户核对并更新名册", Responsible: "李四", DeadlineWorkingDays: 30, From: it.CreatedAt,
			Detail: map[string]any{"measures": "逐户核对并更新名册"}}
		got, err := acts.AdvanceRectification(ctx, plan)
		if err != nil {
			t.Fatal(err)
		}
		c, err := cal.Calendar(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if want := c.DueAfterWorkingDays(it.CreatedAt, 30).At; !got.DueAt.Equal(want) || got.Status != domain.RectPlanReview || got.DueWorkingDays != 30 {
			t.Fatalf("after the plan %+v, want due %v", got, want)
		}
		if _, err := acts.AdvanceRectification(ctx, plan); err != nil { // a retried activity
			t.Fatal(err)
		}
		step := func(action, actor string, to domain.RectificationStatus, reason string) {
			t.Helper()
			if _, err := acts.AdvanceRectification(ctx, activities.AdvanceRectificationInput{ItemID: it.ID, Action: action, Actor: actor, To: to,
				Rectifications: 1, Detail: map[string]any{"reason": reason}}); err != nil {
				t.Fatal(err)
			}
		}
		step("rectification.plan_review", "reviewer", domain.RectInProgress, "")

		// The report's extension: the township asks, the sponsor (the city) decides.
		report, _, err := st.CreateTask(ctx, store.NewTask{Key: wf + "/report/1.1", Kind: "rectification.report", Title: "整改完成情况报告：东风街道",
			WorkflowID: wf, UnitID: f.town.ID, Role: domain.RoleOfficer, DueAt: got.DueAt})
		if err != nil {
			t.Fatal(err)
		}
		ext, err := f.ops.Tasks.ExtendDeadline(ctx, f.townOfficer, app.ExtendDeadline{TaskID: report.ID, WorkingDays: 5, Reason: "需协调外部单位"})
		if err != nil || ext.Status != domain.ExtensionRequested || ext.ApproverUnitID == nil || *ext.ApproverUnitID != f.city.ID {
			t.Fatalf("extension %+v %v", ext, err)
		}
		if _, err := f.ops.Tasks.DecideExtension(ctx, f.reviewer, app.DecideExtension{TaskID: report.ID, ExtensionID: ext.ID, Grant: true}); err != nil {
			t.Fatal(err)
		}
		if n := len(f.eng.signals); n == 0 || !strings.HasPrefix(f.eng.signals[n-1], wf+" ") {
			t.Fatalf("signals %v", f.eng.signals)
		}
		// The workflow hears the grant and extends its task: the item's due date moves with it.
		moved, err := acts.ExtendDeadline(ctx, activities.ExtendDeadlineInput{TaskID: report.ID, WorkingDays: 5, RemindWorkingDays: 1,
			Actor: "reviewer", Reason: "需协调外部单位", Key: "extension/" + ext.ID})
		if err != nil {
			t.Fatal(err)
		}
		after, _ := st.RectificationItemByID(ctx, it.ID)
		if !moved.DueAt.After(got.DueAt) || !after.DueAt.Equal(moved.DueAt) {
			t.Fatalf("item due %v, task due %v (was %v)", after.DueAt, moved.DueAt, got.DueAt)
		}
		// Overdue: a notification rung for the county above and the township, then a task rung
		// for the county; each recorded once on the item, a retried rung changing nothing.
		for i, rung := range domain.DefaultLadder[:4] {
			if i == 1 {
				continue // the ladder's levels need not be every step: level 3 is the talk here
			}
			level := map[int]int{0: 1, 2: 2, 3: 3}[i]
			for range 2 {
				out, err := acts.ClimbLadder(ctx, activities.LadderInput{TaskID: report.ID, Level: level, Step: rung, NextWorkingDays: 3})
				if err != nil || out.NextAt.IsZero() || (rung.Task != (out.Escalation != nil)) {
					t.Fatalf("rung %s: %+v %v", rung.Step, out, err)
				}
			}
		}
		if after, _ = st.RectificationItemByID(ctx, it.ID); after.EscalationLevel != 3 {
			t.Fatalf("escalation level %d", after.EscalationLevel)
		}
		countyTasks, _, err := st.ListTasks(ctx, domain.Principal{Username: "county-staff", Memberships: []domain.Membership{{UnitID: f.county.ID,
			UnitPath: f.county.Path, Role: domain.RoleOfficer}}}, store.TaskFilter{Kind: domain.TaskKindEscalation})
		if err != nil || len(countyTasks) != 1 || !strings.HasPrefix(countyTasks[0].Title, "约谈：") {
			t.Fatalf("the county's escalation tasks %+v %v", countyTasks, err)
		}
		notes, _, err := st.ListNotifications(ctx, f.townOfficer, false, store.Page{})
		if err != nil {
			t.Fatal(err)
		}
		var ladderNotes []string
		for _, n := range notes {
			if n.Kind == "rectification.escalation" {
				ladderNotes = append(ladderNotes, n.Title)
			}
		}
		if len(ladderNotes) != 2 || !strings.HasPrefix(ladderNotes[len(ladderNotes)-1], "逾期提示：") {
			t.Fatalf("the township's ladder notices %v", ladderNotes)
		}
		step("rectification.report", "town-officer", domain.RectSelfCheck, "")
		step("rectification.self_check", "town-staff", domain.RectVerifying, "")

		// Verification: a task of the city, never for the township's people.
		members, err := acts.RectifyingUnitMembers(ctx, f.town.ID)
		if err != nil || strings.Join(members, ",") != "town-officer,town-staff" {
			t.Fatalf("members %v %v", members, err)
		}
		verify, _, err := st.CreateTask(ctx, store.NewTask{Key: wf + "/verify/1", Kind: "rectification.verify", Title: "整改验收销号：东风街道",
			WorkflowID: wf, UnitID: f.city.ID, Role: domain.RoleOfficer, DueAt: st.Now().Add(240 * time.Hour), NotBy: members})
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.ops.Tasks.Complete(ctx, f.townOfficer, app.CompleteTask{TaskID: verify.ID, Result: json.RawMessage(`{"decision":"approve"}`)})
		if domain.ErrorCode(err) != domain.EFORBIDDEN || !strings.Contains(err.Error(), "整改单位") {
			t.Fatalf("the township's officer on the verify task: %v", err)
		}
		_, err = f.ops.Tasks.Complete(ctx, f.county2Of, app.CompleteTask{TaskID: verify.ID, Result: json.RawMessage(`{"decision":"approve"}`)})
		if domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("another county on the verify task: %v", err)
		}
		step("rectification.verify", "reviewer", domain.RectSignedOff, "")

		read, err := f.ops.Inspections.Rectification(ctx, f.townOfficer, it.ID)
		if err != nil {
			t.Fatal(err)
		}
		if read.Item.Status != domain.RectSignedOff || read.Item.SignedOffBy != "reviewer" || read.Item.SignedOffAt == nil ||
			read.Item.Measures != "逐户核对并更新名册" || read.Item.Responsible != "李四" {
			t.Fatalf("item %+v", read.Item)
		}
		var actions []string
		for _, e := range read.History {
			actions = append(actions, e.Action+":"+e.Actor)
		}
		if want := "rectification.plan:town-officer,rectification.plan_review:reviewer,rectification.extended:reviewer," +
			"rectification.escalated:system,rectification.escalated:system,rectification.escalated:system,rectification.report:town-officer," +
			"rectification.self_check:town-staff,rectification.verify:reviewer"; strings.Join(actions, ",") != want {
			t.Fatalf("history %v", actions)
		}
		if _, err := f.ops.Inspections.Rectification(ctx, f.county2Of, it.ID); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("another county reads the item: %v", err)
		}
		if n, _, _ := st.ListRectifications(ctx, f.reviewer, store.RectificationFilter{RoundID: r.ID, Status: domain.RectSignedOff}); len(n) != 1 ||
			n[0].SignedOffBy != "reviewer" || !n[0].DueAt.Equal(moved.DueAt) {
			t.Fatalf("list %+v", n)
		}
		if rep, err := f.ops.Inspections.Report(ctx, f.reviewer, r.ID); err != nil || rep.Total.SignedOff != 1 || rep.Total.Rectification.Numerator != 1 {
			t.Fatalf("report %+v %v", rep.Total, err)
		}

		// The ledgers: the round's for the sponsor, the township's for its officer.
		title, rows, err := f.ops.Inspections.RectificationLedger(ctx, f.reviewer, r.ID, "")
		if err != nil || len(rows) != 1 || title != "双同步专项督查整改台账" {
			t.Fatalf("round ledger %q %+v %v", title, rows, err)
		}
		if title, rows, err = f.ops.Inspections.RectificationLedger(ctx, f.townOfficer, "", f.town.ID); err != nil || len(rows) != 1 || title != "东风街道整改台账" {
			t.Fatalf("unit ledger %q %d %v", title, len(rows), err)
		}
		if _, _, err := f.ops.Inspections.RectificationLedger(ctx, f.townOfficer, "", f.county2.ID); domain.ErrorCode(err) != domain.EINVALID {
			t.Fatalf("another county's ledger: %v", err)
		}
		if _, _, err := f.ops.Inspections.RectificationLedger(ctx, f.townOfficer, "", ""); domain.ErrorCode(err) != domain.EINVALID {
			t.Fatalf("a ledger of nothing: %v", err)
		}

		// A re-check 回头看 finds the problem again: the item is reopened for a second rectification.
		recheck := activities.AdvanceRectificationInput{ItemID: it.ID, Action: "rectification.recheck", Actor: "reviewer", To: domain.RectReopened,
			Rectifications: 2, Rechecked: true, Detail: map[string]any{"recurred": true, "notes": "名册再次未更新"}}
		for range 2 { // the second: a retried activity
			if _, err := acts.AdvanceRectification(ctx, recheck); err != nil {
				t.Fatal(err)
			}
		}
		reopened, _ := st.RectificationItemByID(ctx, it.ID)
		if reopened.Status != domain.RectReopened || reopened.Rectifications != 2 || reopened.RecheckedAt == nil || reopened.SignedOffBy != "reviewer" {
			t.Fatalf("reopened item %+v", reopened)
		}
		if h, _ := st.RectificationHistory(ctx, it.ID); len(h) != len(read.History)+1 || h[len(h)-1].Action != "rectification.recheck" {
			t.Fatalf("history after the re-check %d records", len(h))
		}
	})
}
