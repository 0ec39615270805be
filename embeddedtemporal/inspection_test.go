package embeddedtemporal_test

import (
	"context"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"tandem/calendar"
	"tandem/domain"
	"tandem/store"
	"tandem/store/storetest"
	"tandem/workflows"
)

// TestEmbeddedInspection runs an inspection round on the embedded server with real activities:
// the plan returned once and resubmitted, the team named, an objection overruled, two visits
// (three findings, one fixed on the spot) and their feedback, then each rectification item's
// chain to its sign-off, and the round is done. With -update it saves the round's history and an
// item's for the replay tests in workflows/ (new files; inspection.history.json, recorded before
// the chain, and the others are left alone when run with -run TestEmbeddedInspection).
func TestEmbeddedInspection(t *testing.T) {
	ctx := context.Background()
	c := startServer(t)
	st := storetest.SQLite(t)
	admin := domain.Principal{Username: "admin", Admin: true}
	mk := func(name string, kind domain.UnitKind, net domain.Net, parent *domain.Unit) domain.Unit {
		u := domain.Unit{Name: name, Net: net, Kind: kind}
		if parent != nil {
			u.ParentID = &parent.ID
		}
		out, err := st.CreateUnit(ctx, admin, u)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	city := mk("青山市", domain.KindCity, domain.NetRegion, nil)
	county := mk("青山县", domain.KindCounty, domain.NetRegion, &city)
	town := mk("东风街道", domain.KindTownship, domain.NetRegion, &county)
	committee := mk("非公企业党委", domain.KindCommittee, domain.NetIndustry, &city)
	for _, name := range []string{"lead", "member"} {
		if _, err := st.CreateUser(ctx, admin, store.NewUser{Username: name, PasswordHash: "x",
			Memberships: []domain.Membership{{UnitID: committee.ID, Role: domain.RoleInspector}}}); err != nil {
			t.Fatal(err)
		}
	}
	// The reporter (completeStep's actor) reads the evidence it names: an attachment uploaded to
	// a task of the item (taskcheck refuses an ID that is not one).
	if _, err := st.CreateUser(ctx, admin, store.NewUser{Username: "officer-rectification.report", PasswordHash: "x",
		Memberships: []domain.Membership{{UnitID: city.ID, Role: domain.RoleOfficer}}}); err != nil {
		t.Fatal(err)
	}
	evidence := func(child client.WorkflowRun) string {
		t.Helper()
		done, _, err := st.ListTasks(ctx, admin, store.TaskFilter{Visible: true, WorkflowID: child.GetID(), Statuses: []domain.TaskStatus{domain.TaskCompleted}})
		if err != nil || len(done) == 0 {
			t.Fatalf("the item's completed tasks %v %v", done, err)
		}
		a, err := st.AddAttachment(ctx, admin, done[0].ID, "整改佐证.txt", "text/plain", []byte("换届选举结果"))
		if err != nil {
			t.Fatal(err)
		}
		return a.ID
	}
	startWorker(t, c, st)

	// Field days after the store's today (no calendar in the rules: weekends are not checked here).
	today := st.Now().In(calendar.Shanghai)
	rules := store.RoundRules{Methods: domain.DefaultInspectionMethods, WorkflowID: workflows.InspectionWorkflowID}
	r, err := st.CreateInspectionRound(ctx, admin, store.RoundDraft{SponsorUnitID: city.ID, Title: "专项督查", Targets: []string{town.ID, county.ID},
		Methods: []string{"听取汇报"}, FieldFrom: today.AddDate(0, 0, 1).Format(time.DateOnly), FieldTo: today.AddDate(0, 0, 3).Format(time.DateOnly),
		Plan: "方案"}, rules)
	if err != nil {
		t.Fatal(err)
	}
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: r.WorkflowID, TaskQueue: workflows.TaskQueue},
		workflows.InspectionWorkflowName, workflows.InspectionInput{RoundID: r.ID, Title: r.Title, SponsorUnitID: city.ID, DraftedBy: "drafter",
			Targets: []string{town.ID, county.ID}, Methods: r.Methods, RectificationWorkingDays: 40})
	if err != nil {
		t.Fatal(err)
	}
	step := func(kind, result string) { t.Helper(); completeStep(t, c, st, run, kind, result) }
	step("inspection.plan_review", `{"decision":"return","reason":"补充安排"}`)
	waitRound(t, st, r.ID, domain.InspectionReturned)
	if err := c.SignalWorkflow(ctx, run.GetID(), "", workflows.SignalPlanResubmitted, workflows.PlanResubmitted{Key: "edit/1", Actor: "drafter",
		Title: r.Title, Targets: []string{town.ID, county.ID}, Methods: r.Methods}); err != nil {
		t.Fatal(err)
	}
	step("inspection.plan_review", `{"decision":"approve","reference":"青两新督〔2026〕1号"}`)
	waitRound(t, st, r.ID, domain.InspectionTeam)
	groups, err := st.SetTeam(ctx, admin, r.ID, store.TeamInput{Members: []store.TeamMember{
		{Username: "lead", Post: domain.PostLeader, Targets: []string{town.ID, county.ID}},
		{Username: "member", Post: domain.PostTeamMember, Targets: []string{town.ID}}}})
	if err != nil {
		t.Fatal(err)
	}
	set := workflows.TeamSet{Key: "team/1", Actor: "admin"}
	for _, g := range groups {
		set.Teams = append(set.Teams, workflows.TargetTeam{Target: g.Target, Leader: g.Leader, Members: g.Members})
	}
	if err := c.SignalWorkflow(ctx, run.GetID(), "", workflows.SignalTeamSet, set); err != nil {
		t.Fatal(err)
	}
	waitRound(t, st, r.ID, domain.InspectionField)
	o, err := st.LodgeObjection(ctx, admin, r.ID, town.ID, "member", "曾在该街道任职")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.SignalWorkflow(ctx, run.GetID(), "", workflows.SignalObjection, workflows.ObjectionLodged{Key: "objection/" + o.ID,
		ObjectionID: o.ID, Target: town.ID, Username: "member", Actor: "admin"}); err != nil {
		t.Fatal(err)
	}
	step("inspection.objection", `{"decision":"overrule","reason":"无利害关系"}`)
	step("inspection.visit", `{"methods_done":["听取汇报"],"findings":[{"category":"组织建设","severity":"一般","description":"名册未更新","fixed_on_the_spot":true},
{"category":"组织建设","severity":"严重","description":"逾期未换届","fixed_on_the_spot":false}]}`)
	step("inspection.visit", `{"methods_done":["听取汇报"],"findings":[{"category":"阵地建设","severity":"较重","description":"活动室挪用","fixed_on_the_spot":false}]}`)
	step("inspection.feedback", `{"feedback":"请按期整改"}`)
	step("inspection.feedback", `{"feedback":"请按期整改"}`)
	waitRound(t, st, r.ID, domain.InspectionRectification)
	items, err := st.RoundItems(ctx, r.ID)
	if err != nil || len(items) != 2 || items[0].Status != domain.RectPlanning {
		t.Fatalf("items %+v %v", items, err)
	}
	// Each item's chain, to its sign-off; the round is then done.
	var first client.WorkflowRun
	for i, it := range items {
		child := c.GetWorkflow(ctx, workflows.RectificationWorkflowID(it.ID), "")
		if i == 0 {
			first = child
		}
		step := func(kind, result string) { t.Helper(); completeStep(t, c, st, child, kind, result) }
		step("rectification.plan", `{"measures":"按期整改","responsible":"李四","deadline_working_days":20}`)
		step("rectification.plan_review", `{"decision":"approve"}`)
		step("rectification.report", `{"done":true,"summary":"已整改","evidence":["`+evidence(child)+`"],"statement":"属实","signed":true}`)
		step("rectification.self_check", `{"decision":"approve"}`)
		step("rectification.verify", `{"decision":"approve"}`)
	}
	var out workflows.InspectionState
	if err := run.Get(ctx, &out); err != nil || out.Status != domain.InspectionDone || out.Items != 2 || out.SignedOff != 2 {
		t.Fatalf("round result %+v %v", out, err)
	}
	if items, err = st.RoundItems(ctx, r.ID); err != nil || items[0].Status != domain.RectSignedOff || items[1].SignedOffBy != "officer-rectification.verify" {
		t.Fatalf("items %+v %v", items, err)
	}
	if *update {
		saveHistory(t, c, run, "../workflows/testdata/inspection.v2.history.json")
		saveHistory(t, c, first, "../workflows/testdata/rectification.history.json")
	}
}

func waitRound(t *testing.T, st *store.Store, id string, want domain.InspectionStatus) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		r, err := st.InspectionRoundByID(context.Background(), id)
		if err == nil && r.Status == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("round status %s, want %s (%v)", r.Status, want, err)
		}
	}
}
