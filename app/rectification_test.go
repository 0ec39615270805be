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
		_, err = f.st.ClaimTask(ctx, f.townOfficer, verify.ID)
		if domain.ErrorCode(err) != domain.EFORBIDDEN || !strings.Contains(err.Error(), "整改单位") {
			t.Fatalf("the township's officer claims the verify task: %v", err)
		}
		_, err = f.st.AssignTask(ctx, f.townOfficer, verify.ID, "reviewer")
		if domain.ErrorCode(err) != domain.EFORBIDDEN || !strings.Contains(err.Error(), "整改单位") {
			t.Fatalf("the township's officer assigns the verify task: %v", err)
		}
		step("rectification.verify", "reviewer", domain.RectSignedOff, "")
		// The round's one item is signed off: the round is done (its own step would find it so).
		roundStatus := func() domain.InspectionStatus {
			t.Helper()
			got, err := f.st.GetInspectionRound(ctx, f.reviewer, r.ID)
			if err != nil {
				t.Fatal(err)
			}
			return got.Status
		}
		if s := roundStatus(); s != domain.InspectionDone {
			t.Fatalf("round after the last sign-off: %s", s)
		}

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
		// The reopened item reopens its round (recorded once though the step was retried), and
		// its new sign-off closes it again.
		if s := roundStatus(); s != domain.InspectionRectification {
			t.Fatalf("round after the re-check reopened its item: %s", s)
		}
		if rep, _ := f.ops.Inspections.Report(ctx, f.reviewer, r.ID); rep.Round.Status != domain.InspectionRectification || rep.ItemsByStatus[domain.RectReopened] != 1 {
			t.Fatalf("report after the re-check: %s %v", rep.Round.Status, rep.ItemsByStatus)
		}
		if rounds, _, _ := st.ListInspectionRounds(ctx, f.townOfficer, store.Page{}); len(rounds) != 1 || rounds[0].Status != domain.InspectionRectification {
			t.Fatalf("the township's list after the re-check %+v", rounds)
		}
		for _, to := range []domain.RectificationStatus{domain.RectPlanReview, domain.RectInProgress, domain.RectSelfCheck, domain.RectVerifying, domain.RectSignedOff} {
			for range 2 {
				if _, err := acts.AdvanceRectification(ctx, activities.AdvanceRectificationInput{ItemID: it.ID, Action: "step", Actor: "reviewer",
					To: to, Rectifications: 2}); err != nil {
					t.Fatal(err)
				}
			}
		}
		if s := roundStatus(); s != domain.InspectionDone {
			t.Fatalf("round after the reopened item's sign-off: %s", s)
		}
		var moves []string
		if err := st.DB().Table("audit_events").Where("subject_type = ? AND subject_id = ? AND action = ?", "inspection_round", r.ID, "inspection.status").
			Order("id").Pluck("new_value", &moves).Error; err != nil {
			t.Fatal(err)
		}
		var last []string
		for _, m := range moves[len(moves)-3:] {
			var v struct{ Status string }
			_ = json.Unmarshal([]byte(m), &v)
			last = append(last, v.Status)
		}
		if strings.Join(last, ",") != "done,rectification,done" {
			t.Fatalf("the round's last status records %v (all: %d)", last, len(moves))
		}
	})
}

// TestInspectionTeamActs: the target's team members, as the round's team assigns them when the
// task is made, are candidates of its visit task (the leader's) and of each verification of
// its items (the sponsor's officers'): they see them in their inbox, claim and complete them;
// the task's NotBy wins over that; a replacement after an objection takes the replaced
// member's place on the open task; a member of another target's team sees neither.
func TestInspectionTeamActs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		f := newInspectionFixture(t, st)
		cal := &activities.CalendarCache{Store: st, TTL: time.Minute}
		acts := &activities.Activities{Store: st, Calendar: cal, Notifier: activities.InAppNotifier{Store: st}}
		inspector := func(name string) domain.Principal {
			m := []domain.Membership{{UnitID: f.committee.ID, UnitPath: f.committee.Path, Role: domain.RoleInspector}}
			if _, err := st.CreateUser(ctx, admin, store.NewUser{Username: name, PasswordHash: "x", Memberships: m}); err != nil {
				t.Fatal(err)
			}
			return domain.Principal{Username: name, Memberships: m}
		}
		inspB, inspC, inspD := domain.Principal{Username: "insp-b", Memberships: []domain.Membership{{UnitID: f.committee.ID,
			UnitPath: f.committee.Path, Role: domain.RoleInspector}}}, domain.Principal{Username: "insp-c", Memberships: []domain.Membership{{
			UnitID: f.committee.ID, UnitPath: f.committee.Path, Role: domain.RoleInspector}}}, inspector("insp-d")
		inspA := domain.Principal{Username: "insp-a", Memberships: inspB.Memberships}
		r, err := f.ops.Inspections.Draft(ctx, f.drafter, f.draft())
		if err != nil {
			t.Fatal(err)
		}
		if err := st.SetInspectionStatus(ctx, r.ID, domain.InspectionTeam, "reviewer", nil); err != nil {
			t.Fatal(err)
		}
		if _, err := f.ops.Inspections.SetTeam(ctx, f.drafter, r.ID, store.TeamInput{Members: []store.TeamMember{
			{Username: "insp-a", Post: domain.PostLeader, Targets: []string{f.town.ID}},
			{Username: "insp-b", Post: domain.PostTeamMember, Targets: []string{f.town.ID}},
			{Username: "insp-c", Post: domain.PostLeader, Targets: []string{f.county2.ID}},
			{Username: "reviewer", Post: domain.PostLeader, Targets: []string{f.committee.ID}},
		}}, ""); err != nil {
			t.Fatal(err)
		}
		if err := st.SetInspectionStatus(ctx, r.ID, domain.InspectionField, "drafter", nil); err != nil {
			t.Fatal(err)
		}
		inbox := func(p domain.Principal, kind string) []string {
			t.Helper()
			tasks, _, err := st.ListTasks(ctx, p, store.TaskFilter{Kind: kind})
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, task := range tasks {
				ids = append(ids, task.ID)
			}
			return ids
		}

		// The visit: the leader's, open to the township's team (insp-a, insp-b), not to insp-c.
		visit, err := acts.CreateTask(ctx, activities.CreateTaskInput{Key: r.WorkflowID + "/visit/" + f.town.ID, WorkflowID: r.WorkflowID,
			Kind: "inspection.visit", Subject: f.town.ID, SubjectType: domain.SubjectUnit, Title: "专项督查实地督查（双同步专项督查）",
			UnitID: f.city.ID, Role: domain.RoleInspector, Assignee: "insp-a", DueWorkingDays: 20})
		if err != nil {
			t.Fatal(err)
		}
		if got := inbox(inspB, "inspection.visit"); len(got) != 1 || got[0] != visit.ID {
			t.Fatalf("insp-b's inbox %v", got)
		}
		if got := inbox(inspC, "inspection.visit"); len(got) != 0 {
			t.Fatalf("insp-c (another target's team) sees the township's visit %v", got)
		}
		if _, err := st.GetTask(ctx, inspC, visit.ID); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("insp-c reads the township's visit: %v", err)
		}
		// insp-b may complete it though the leader holds it: the answer reaches the validator
		// (a 422 for evidence that is no attachment), not a 403.
		_, err = f.ops.Tasks.Complete(ctx, inspB, app.CompleteTask{TaskID: visit.ID,
			Result: json.RawMessage(`{"methods_done":["听取汇报"],"evidence":["att-none"],"findings":[]}`)})
		if got, _ := fields(t, err); got["evidence[0]"] != domain.CodeNotFound {
			t.Fatalf("insp-b completing the visit: %v", err)
		}
		if _, err := f.ops.Tasks.Complete(ctx, inspC, app.CompleteTask{TaskID: visit.ID, Result: json.RawMessage(`{}`)}); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("insp-c completing the visit: %v", err)
		}
		// An objection replaces insp-b by insp-d: the open visit follows.
		o, err := f.ops.Inspections.Object(ctx, f.townOfficer, r.ID, f.town.ID, "insp-b", "曾在该街道任职")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.DecideObjection(ctx, o.ID, "reviewer", store.ObjectionDecision{Decision: "replace", Replacement: "insp-d", Reason: "同意回避"}); err != nil {
			t.Fatal(err)
		}
		if got := inbox(inspB, "inspection.visit"); len(got) != 0 {
			t.Fatalf("the replaced member still has the visit %v", got)
		}
		if got := inbox(inspD, "inspection.visit"); len(got) != 1 {
			t.Fatalf("the replacement's inbox %v", got)
		}
		if v, _ := st.TaskByID(ctx, visit.ID); strings.Join(v.Candidates, ",") != "insp-a,insp-d" {
			t.Fatalf("the visit's candidates %v", v.Candidates)
		}

		// The verification: the sponsor's officers and the township's team (insp-a, insp-d);
		// never the township's people, and NotBy wins over a candidate (insp-a named there).
		if _, err := st.RecordInspectionVisit(ctx, r.ID, f.town.ID, "insp-a", store.VisitRecord{MethodsDone: []string{"听取汇报"},
			Findings: []store.FindingInput{{Category: "组织建设", Severity: domain.SeverityGeneral, Description: "党员名册未更新"}}},
			40, st.Now().AddDate(0, 2, 0)); err != nil {
			t.Fatal(err)
		}
		if err := st.SetInspectionStatus(ctx, r.ID, domain.InspectionRectification, "system", nil); err != nil {
			t.Fatal(err)
		}
		items, err := acts.RoundRectificationItems(ctx, r.ID)
		if err != nil || len(items) != 1 {
			t.Fatalf("items %+v %v", items, err)
		}
		members, err := acts.RectifyingUnitMembers(ctx, f.town.ID)
		if err != nil {
			t.Fatal(err)
		}
		wf := store.RectificationWorkflowID(items[0].ID)
		verify, err := acts.CreateTask(ctx, activities.CreateTaskInput{Key: wf + "/verify/1", WorkflowID: wf, Kind: "rectification.verify",
			Subject: f.town.ID, SubjectType: domain.SubjectUnit, Title: "整改验收销号", UnitID: f.city.ID, Role: domain.RoleOfficer,
			DueWorkingDays: 10, NotBy: append(members, "insp-a")})
		if err != nil {
			t.Fatal(err)
		}
		if got := inbox(inspD, "rectification.verify"); len(got) != 1 || got[0] != verify.ID {
			t.Fatalf("insp-d's inbox %v", got)
		}
		if got := inbox(inspA, "rectification.verify"); len(got) != 0 {
			t.Fatalf("insp-a, named in NotBy, sees the verification %v", got)
		}
		if _, err := st.ClaimTask(ctx, inspA, verify.ID); domain.ErrorCode(err) != domain.EFORBIDDEN {
			t.Fatalf("insp-a (NotBy) claims the verification: %v", err)
		}
		if _, err := st.ClaimTask(ctx, f.townOfficer, verify.ID); domain.ErrorCode(err) != domain.EFORBIDDEN || !strings.Contains(err.Error(), "整改单位") {
			t.Fatalf("the township's officer claims the verification: %v", err)
		}
		if _, err := st.ClaimTask(ctx, inspC, verify.ID); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("insp-c claims the township's verification: %v", err)
		}
		claimed, err := st.ClaimTask(ctx, inspD, verify.ID)
		if err != nil || !claimed.IsAssignee("insp-d") {
			t.Fatalf("insp-d claims the verification: %+v %v", claimed, err)
		}
		// An officer of the sponsor gives it back to another candidate: allowed though insp-d
		// has no role in the sponsor; never to the township's people.
		if _, err := st.UnclaimTask(ctx, inspD, verify.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := st.AssignTask(ctx, f.reviewer, verify.ID, "insp-d"); err != nil {
			t.Fatalf("the sponsor's officer assigns the verification to the team member: %v", err)
		}
		if _, err := st.AssignTask(ctx, f.reviewer, verify.ID, "town-officer"); domain.ErrorCode(err) != domain.EINVALID {
			t.Fatalf("the verification assigned to the township's officer: %v", err)
		}
	})
}

// TestTargetFeedback: a target's feedback prints for the sponsor's people, the target's
// officers and the officers above it (who were copied), headed by the sponsor and the round's
// 文号, copied 抄告 to the unit above; the team and a target's non-officers get 403, another
// target's people 404, and a target without its feedback yet 409.
func TestTargetFeedback(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		f := newInspectionFixture(t, st)
		r, err := f.ops.Inspections.Draft(ctx, f.drafter, f.draft())
		if err != nil {
			t.Fatal(err)
		}
		if err := st.SetInspectionStatus(ctx, r.ID, domain.InspectionTeam, "reviewer", map[string]any{"reference": "青两新督〔2026〕3号"}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.ops.Inspections.SetTeam(ctx, f.drafter, r.ID, store.TeamInput{Members: []store.TeamMember{
			{Username: "insp-a", Post: domain.PostLeader, Targets: []string{f.town.ID, f.county2.ID}},
			{Username: "reviewer", Post: domain.PostLeader, Targets: []string{f.committee.ID}},
		}}, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := st.RecordInspectionVisit(ctx, r.ID, f.town.ID, "insp-a", store.VisitRecord{MethodsDone: []string{"听取汇报"},
			Findings: []store.FindingInput{{Category: "组织建设", Severity: domain.SeveritySevere, Description: "未按期换届"}}}, 40, st.Now()); err != nil {
			t.Fatal(err)
		}
		if _, err := f.ops.Inspections.Feedback(ctx, f.townOfficer, r.ID, f.town.ID); domain.ErrorCode(err) != domain.ECONFLICT {
			t.Fatalf("feedback before it was given: %v", err)
		}
		if _, err := st.RecordFeedback(ctx, r.ID, f.town.ID, "insp-a", "请于四十个工作日内完成整改。\n整改情况书面报送。"); err != nil {
			t.Fatal(err)
		}
		countyOfficer := domain.Principal{Username: "county-staff", Memberships: []domain.Membership{{UnitID: f.county.ID, UnitPath: f.county.Path,
			Role: domain.RoleOfficer}}}
		for _, p := range []domain.Principal{f.townOfficer, countyOfficer, f.reviewer} {
			fb, err := f.ops.Inspections.Feedback(ctx, p, r.ID, f.town.ID)
			if err != nil {
				t.Fatalf("%s reads the township's feedback: %v", p.Username, err)
			}
			if fb.Round.SponsorName != "青山市" || fb.Round.Reference != "青两新督〔2026〕3号" || fb.Target.UnitName != "东风街道" || fb.CC != "青山县" ||
				len(fb.Findings) != 1 || fb.Findings[0].Description != "未按期换届" || !strings.HasPrefix(fb.Target.Feedback, "请于四十个工作日内") {
				t.Fatalf("%s: feedback %+v", p.Username, fb)
			}
		}
		townStaff := domain.Principal{Username: "town-staff", Memberships: []domain.Membership{{UnitID: f.town.ID, UnitPath: f.town.Path, Role: domain.RoleInspector}}}
		inspA := domain.Principal{Username: "insp-a", Memberships: []domain.Membership{{UnitID: f.committee.ID, UnitPath: f.committee.Path, Role: domain.RoleInspector}}}
		for _, c := range []struct {
			p    domain.Principal
			code string
		}{{inspA, domain.EFORBIDDEN}, {townStaff, domain.EFORBIDDEN}, {f.county2Of, domain.ENOTFOUND}} {
			if _, err := f.ops.Inspections.Feedback(ctx, c.p, r.ID, f.town.ID); domain.ErrorCode(err) != c.code {
				t.Fatalf("%s reads the township's feedback: %v, want %s", c.p.Username, err, c.code)
			}
		}
		if _, err := f.ops.Inspections.Feedback(ctx, f.reviewer, r.ID, f.county.ID); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("a unit that is not a target: %v", err)
		}
	})
}
