package taskcheck_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"

	"tandem/activities"
	"tandem/domain"
	"tandem/forms"
	"tandem/store"
	"tandem/store/storetest"
	"tandem/taskcheck"
	"tandem/workflows"
)

var admin = domain.Principal{Username: "admin", Admin: true}

// verdictCase is one answer to a task: the checker's verdict on it must be the verdict of the
// store write the workflow makes after completion (write), on the same data.
type verdictCase struct {
	name   string
	task   domain.Task
	actor  string
	result string
	write  func(ctx context.Context) error
	refuse string // the field refused, "" = accepted
}

// TestEveryKindRefusesBeforeWhatItsWorkflowRefusesAfter keeps the rule "every check the
// workflow would apply after completion is made before": every task kind with a form has an
// entry here, either a table of answers on which the checker and the workflow's write agree
// (refusing the same field, or both accepting), or the reason its workflow refuses nothing
// after completion (its rules are the form's or the workflow's Check in the Update validator).
func TestEveryKindRefusesBeforeWhatItsWorkflowRefusesAfter(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		now := time.Date(2026, 11, 16, 2, 0, 0, 0, time.UTC)
		st.Now = func() time.Time { return now }
		mk := func(u domain.Unit) domain.Unit {
			out, err := st.CreateUnit(ctx, admin, u)
			if err != nil {
				t.Fatal(err)
			}
			return out
		}
		county := mk(domain.Unit{Name: "西城县", Net: domain.NetRegion, Kind: domain.KindCounty})
		town := mk(domain.Unit{Name: "东街道", Net: domain.NetRegion, Kind: domain.KindTownship, ParentID: &county.ID})
		other := mk(domain.Unit{Name: "北城县", Net: domain.NetRegion, Kind: domain.KindCounty})
		committee := mk(domain.Unit{Name: "县非公企业党委", Net: domain.NetIndustry, Kind: domain.KindCommittee})
		market := mk(domain.Unit{Name: "市场监管局", Net: domain.NetDepartment, Kind: domain.KindDepartment})
		if _, err := st.SetSourceDepartment(ctx, admin, "market", market.ID); err != nil {
			t.Fatal(err)
		}
		liaison := domain.Principal{Username: "liaison-a", Memberships: []domain.Membership{{UnitID: market.ID, UnitPath: market.Path, Role: domain.RoleLiaison}}}
		db := st.DB()
		exec := func(q string, args ...any) {
			t.Helper()
			if err := db.Exec(q, args...).Error; err != nil {
				t.Fatal(err)
			}
		}
		org := func(uscc string) {
			exec(`INSERT INTO organizations (uscc, name, region_unit_id, region_path, region_owners, created_at, updated_at)
				VALUES (?, ?, ?, ?, 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`, uscc, "公司"+uscc[len(uscc)-2:], town.ID, town.Path)
		}
		const uscc = "91350100M000100Y43"
		org(uscc)
		partyOrg := func(id, kind, status string) {
			exec(`INSERT INTO party_orgs (id, kind, name, unit_id, unit_path, status, formation_id, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, 'f-0', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`, id, kind, id, town.ID, town.Path, status)
		}
		partyOrg("po-single", "branch", "active")
		partyOrg("po-dissolved", "joint", "dissolved")
		partyOrg("po-full", "joint", "active")
		partyOrg("po-room", "joint", "active")
		for i := range domain.MaxJointOrgs {
			member := fmt.Sprintf("9135010000000000%02d", i)
			org(member)
			exec(`INSERT INTO party_org_organizations (party_org_id, uscc) VALUES ('po-full', ?)`, member)
		}
		imports := map[string]store.RosterImport{}
		upload := func(name string, p domain.Principal) {
			if name == "pending" { // uploaded, not merged
				imp, err := st.CreateImport(ctx, p, "market", name+".csv", strings.NewReader("x"), 1<<20, "")
				if err != nil {
					t.Fatal(err)
				}
				imports[name] = imp
				return
			}
			imports[name] = storetest.MergedImport(t, st, p, "market", name+".csv")
		}
		opens := now
		now = opens.Add(-48 * time.Hour)
		upload("early", liaison)
		now = opens
		period, _, err := st.OpenPeriod(ctx, "monthly", "2026-11", "schedule", "schedule", opens, opens.Add(120*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		now = opens.Add(time.Hour)
		upload("admins", admin)
		upload("pending", liaison)
		upload("own", liaison)

		officer := "officer-a"
		assignTask := domain.Task{ID: "t-assign", Kind: "census.assign", Subject: uscc, UnitID: county.ID, WorkflowID: "verify/" + uscc}
		attachTask := domain.Task{ID: "t-attach", Kind: "coverage.attach", Subject: uscc, UnitID: town.ID, WorkflowID: "verify/" + uscc}
		workTask := domain.Task{ID: "t-work", Kind: "coverage.instructor", Subject: uscc, UnitID: town.ID, WorkflowID: "verify/" + uscc}
		deliveryTask := domain.Task{ID: "t-delivery", Kind: "delivery.upload", Subject: "2026-11/market", UnitID: market.ID,
			WorkflowID: workflows.PeriodWorkflowID("monthly", "2026-11")}
		followTask := domain.Task{ID: "t-follow", Kind: "survey.followup", Subject: uscc, UnitID: town.ID, WorkflowID: "survey/r1"}
		assign := func(unitID string) func(context.Context) error {
			return func(ctx context.Context) error {
				_, err := st.AssignRegion(ctx, officer, uscc, unitID, county.ID, "属地不明")
				return err
			}
		}
		attach := func(method, po string) func(context.Context) error {
			return func(ctx context.Context) error { return st.AttachCoverage(ctx, officer, uscc, method, po, "") }
		}
		deliver := func(name string) func(context.Context) error {
			return func(ctx context.Context) error {
				return st.RecordDelivery(ctx, period.ID, market.ID, "market", imports[name].ID, liaison.Username)
			}
		}
		two := 2
		objectionTask, decide := inspectionObjection(t, st, county, town, committee)
		visitTask, reportTask, evidenceCase := evidenceTasks(t, st, county, town, other, committee)
		tables := map[string][]verdictCase{
			// Evidence: IDs of uploaded attachments the actor may read; the CompleteTask activity
			// checks again, just before the task is completed.
			"inspection.visit": {
				evidenceCase("ErrNoSuchAttachment", visitTask, `{"methods_done":["听取汇报"],"evidence":["att-none"],"findings":[]}`, "evidence[0]"),
				evidenceCase("ErrAnotherCountysAttachment", visitTask, `{"methods_done":["听取汇报"],"evidence":["`+evidenceOwn+`"],`+
					`"findings":[{"category":"组织建设","severity":"一般","description":"名册未更新","evidence":"`+evidenceOther+`","fixed_on_the_spot":false}]}`,
					"findings[0].evidence"),
				evidenceCase("OKUploaded", visitTask, `{"methods_done":["听取汇报"],"evidence":["`+evidenceOwn+`"],`+
					`"findings":[{"category":"组织建设","severity":"一般","description":"名册未更新","evidence":"`+evidenceOwn+`","fixed_on_the_spot":false}]}`, ""),
			},
			"rectification.report": {
				evidenceCase("ErrAnotherCountysAttachment", reportTask,
					`{"done":true,"summary":"已整改","evidence":["`+evidenceOwn+`","`+evidenceOther+`"],"statement":"属实","signed":true}`, "evidence[1]"),
				evidenceCase("OKUploaded", reportTask, `{"done":true,"summary":"已整改","evidence":["`+evidenceOwn+`"],"statement":"属实","signed":true}`, ""),
			},
			"inspection.objection": {
				{"ErrReplacementFromTheTarget", objectionTask, officer, `{"decision":"replace","replacement":"town-staff","reason":"同意回避"}`,
					decide("town-staff"), "replacement"},
				{"OKReplacement", objectionTask, officer, `{"decision":"replace","replacement":"committee-staff","reason":"同意回避"}`,
					decide("committee-staff"), ""},
			},
			"census.assign": {
				{"ErrIndustryUnit", assignTask, officer, `{"unit_id":"` + committee.ID + `","reason":"属地不明"}`, assign(committee.ID), "unit_id"},
				{"ErrOutsideTheRoundsUnit", assignTask, officer, `{"unit_id":"` + other.ID + `","reason":"属地不明"}`, assign(other.ID), "unit_id"},
				{"ErrNoSuchUnit", assignTask, officer, `{"unit_id":"unit-none","reason":"属地不明"}`, assign("unit-none"), "unit_id"},
				{"OKTownship", assignTask, officer, `{"unit_id":"` + town.ID + `","reason":"属地不明"}`, assign(town.ID), ""},
			},
			"coverage.attach": {
				{"ErrJointNamingSingleBranch", attachTask, officer, `{"method":"joint","party_org_id":"po-single"}`, attach("joint", "po-single"), "party_org_id"},
				{"ErrDissolved", attachTask, officer, `{"method":"joint","party_org_id":"po-dissolved"}`, attach("joint", "po-dissolved"), "party_org_id"},
				{"ErrJointFull", attachTask, officer, `{"method":"joint","party_org_id":"po-full"}`, attach("joint", "po-full"), "party_org_id"},
				{"OKJointWithRoom", attachTask, officer, `{"method":"joint","party_org_id":"po-room"}`, attach("joint", "po-room"), ""},
			},
			"coverage.instructor": {
				{"OKInstructor", workTask, officer, `{"means":"instructor","instructor":"王指导员"}`,
					func(ctx context.Context) error {
						return st.SetWorkCoverage(ctx, officer, uscc, "instructor", "王指导员")
					}, ""},
			},
			"delivery.upload": {
				{"ErrSomeoneElsesImport", deliveryTask, liaison.Username, `{"import_id":"` + imports["admins"].ID + `"}`, deliver("admins"), "import_id"},
				{"ErrNotDone", deliveryTask, liaison.Username, `{"import_id":"` + imports["pending"].ID + `"}`, deliver("pending"), "import_id"},
				{"ErrFromBeforeWindow", deliveryTask, liaison.Username, `{"import_id":"` + imports["early"].ID + `"}`, deliver("early"), "import_id"},
				{"ErrNoSuchImport", deliveryTask, liaison.Username, `{"import_id":"imp-none"}`,
					func(ctx context.Context) error {
						return st.RecordDelivery(ctx, period.ID, market.ID, "market", "imp-none", liaison.Username)
					}, "import_id"},
				{"OKOwnInWindow", deliveryTask, liaison.Username, `{"import_id":"` + imports["own"].ID + `"}`, deliver("own"), ""},
			},
			"survey.followup": {
				{"OKDeclared", followTask, officer, `{"reached":true,"formal_members":2,"note":"电话联系"}`,
					func(ctx context.Context) error {
						return st.DeclareMembers(ctx, officer, uscc, &two, nil, "电话联系")
					}, ""},
			},
		}
		// Kinds whose workflow refuses nothing after completion, and why.
		noDataCheck := map[string]string{
			"census.verify":               "ApplyVisit records what the inspector found; the form decides",
			"analysis.draft":              "MakeAnalysis records the draft as given",
			"analysis.review":             "a decision; the workflow branches on it",
			"assessment.self":             "marks checked against the scheme by the workflow's Check in the validator",
			"assessment.score":            "marks checked against the scheme by the workflow's Check in the validator",
			"assessment.review":           "checked against the score by the workflow's Check in the validator",
			"formation.application":       "formation rules: the workflow's Check in the validator",
			"formation.approval":          "approval rules: the workflow's Check in the validator",
			"formation.election":          "election rules: the workflow's Check in the validator",
			"formation.report":            "report dates: the workflow's Check in the validator",
			"formation.confirmation":      "a decision",
			"formation.filing":            "a reference number",
			"party_org.reelection":        "election rules: the workflow's Check in the validator",
			"party_org.reelection_review": "a decision",
			"party_org.adjustment":        "a decision",
			"party_org.dissolution":       "a decision",
			"party_org.reschedule":        "a decision",
			"roster.confirm_missing":      "a decision",
			"escalation":                  "a decision",
			"task.assignment":             "an engine task: its effect is applied with the completion, no workflow applies it after",
			"task.extension":              "an engine task: its effect is applied with the completion, no workflow applies it after",
			"drill.acknowledge":           "an acknowledgement",
			"bulletin.acknowledge":        "an acknowledgement",
			"inspection.plan_review":      "a decision; never the drafter (NotBy)",
			"inspection.feedback":         "the feedback text",
			"rectification.plan":          "the round's deadline limit: the workflow's Check in the validator",
			"rectification.plan_review":   "a decision",
			"rectification.self_check":    "a decision; never the reporter (NotBy)",
			"rectification.verify":        "a decision; never a member of the rectifying unit (NotBy)",
			"rectification.recheck":       "what was found; never a member of the rectifying unit (NotBy)",
			"demonstration.review":        "a decision (a rejection's reason: the form); never the nominator (NotBy)",
			"demonstration.visit":         "a score 0–100 and notes: the form",
			"demonstration.decision":      "a decision with its reason: the form; never the nominator (NotBy)",
			"demonstration.objection":     "an answer with its text: the form; never the objector (NotBy)",
			"demonstration.recheck":       "keep, warn or revoke with a reason: the form; never the nominator (NotBy)",
		}
		checks := taskcheck.Checks{Store: st}
		registered := map[string]bool{}
		for _, k := range taskcheck.Kinds() {
			registered[k] = true
		}
		for _, kind := range forms.Kinds() {
			t.Run(kind, func(t *testing.T) {
				if !registered[kind] {
					t.Fatalf("task kind %s has a form but no entry in taskcheck's registry", kind)
				}
				table, hasTable := tables[kind]
				why, none := noDataCheck[kind]
				switch {
				case hasTable == none:
					t.Fatalf("task kind %s needs either a table of answers or the reason its workflow refuses nothing after completion (%q)", kind, why)
				case none:
					// The registry makes no data check for it: a form-valid answer passes.
					if err := checks.Check(ctx, domain.Task{Kind: kind}, officer, json.RawMessage(`{}`)); err != nil {
						t.Fatalf("a kind without data checks refused: %v", err)
					}
					return
				}
				for _, c := range table {
					t.Run(c.name, func(t *testing.T) {
						canonical, err := forms.Validate(kind, json.RawMessage(c.result))
						if err != nil {
							t.Fatalf("the case's answer fails the form: %v", err)
						}
						before := checks.Check(ctx, c.task, c.actor, canonical)
						after := c.write(ctx)
						if got, want := refused(before), refused(after); !reflect.DeepEqual(got, want) || strings.Join(got, ",") != c.refuse {
							t.Fatalf("checked before: %v (%v); written after: %v (%v); want refused %q", got, before, want, after, c.refuse)
						}
					})
				}
			})
		}
	})
}

// refused lists the fields an EINVALID error names (nil for no error); any other error fails
// as a field of its own.
func refused(err error) []string {
	if err == nil {
		return nil
	}
	de, ok := err.(*domain.Error)
	if !ok || de.Code != domain.EINVALID {
		return []string{"error: " + err.Error()}
	}
	var out []string
	for _, f := range de.Fields {
		out = append(out, f.Field)
	}
	return out
}

// inspectionObjection records a county's round over a township with a committee member on its
// team, and the township's objection to them: the objection task and its store decision.
func inspectionObjection(t *testing.T, st *store.Store, county, town, committee domain.Unit) (domain.Task, func(string) func(context.Context) error) {
	ctx := context.Background()
	for _, u := range []struct {
		name string
		unit domain.Unit
	}{{"committee-lead", committee}, {"committee-member", committee}, {"committee-staff", committee}, {"town-staff", town}} {
		if _, err := st.CreateUser(ctx, admin, store.NewUser{Username: u.name, PasswordHash: "x",
			Memberships: []domain.Membership{{UnitID: u.unit.ID, Role: domain.RoleInspector}}}); err != nil {
			t.Fatal(err)
		}
	}
	r, err := st.CreateInspectionRound(ctx, admin, store.RoundDraft{SponsorUnitID: county.ID, Title: "专项督查", Targets: []string{town.ID},
		Methods: []string{"听取汇报"}, FieldFrom: "2026-11-17", FieldTo: "2026-11-18", Plan: "方案"},
		store.RoundRules{Methods: domain.DefaultInspectionMethods, WorkflowID: workflows.InspectionWorkflowID})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SetInspectionStatus(ctx, r.ID, domain.InspectionTeam, "admin", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := st.SetTeam(ctx, admin, r.ID, store.TeamInput{Members: []store.TeamMember{
		{Username: "committee-lead", Post: domain.PostLeader, Targets: []string{town.ID}},
		{Username: "committee-member", Post: domain.PostTeamMember, Targets: []string{town.ID}}}}); err != nil {
		t.Fatal(err)
	}
	o, err := st.LodgeObjection(ctx, admin, r.ID, town.ID, "committee-member", "曾在该街道任职")
	if err != nil {
		t.Fatal(err)
	}
	task := domain.Task{ID: "t-objection", Kind: "inspection.objection", Subject: town.ID, UnitID: county.ID, WorkflowID: r.WorkflowID,
		Key: r.WorkflowID + "/objection/" + o.ID}
	return task, func(replacement string) func(context.Context) error {
		return func(ctx context.Context) error {
			_, err := st.DecideObjection(ctx, o.ID, "officer-a", store.ObjectionDecision{Decision: "replace", Replacement: replacement, Reason: "同意回避"})
			return err
		}
	}
}

// The attachments evidenceTasks uploads: one to the visit task, one to a task of another county.
var evidenceOwn, evidenceOther string

// evidenceTasks records a visit task and a report task held by "visitor" (an inspector of the
// committee), an attachment uploaded to the visit task (evidenceOwn) and one to a task of
// another county the visitor may not view (evidenceOther); evidenceCase makes a case of the
// visitor's answer whose write is the CompleteTask activity (its refusal as the *domain.Error
// the API answers). A table's accepted case comes last: it completes the task.
func evidenceTasks(t *testing.T, st *store.Store, county, town, other, committee domain.Unit) (visit, report domain.Task,
	evidenceCase func(name string, task domain.Task, result, refuse string) verdictCase) {
	ctx := context.Background()
	if _, err := st.CreateUser(ctx, admin, store.NewUser{Username: "visitor", PasswordHash: "x",
		Memberships: []domain.Membership{{UnitID: committee.ID, Role: domain.RoleInspector}}}); err != nil {
		t.Fatal(err)
	}
	mk := func(key, kind string, unit domain.Unit, assignee string) domain.Task {
		task, _, err := st.CreateTask(ctx, store.NewTask{Key: key, Kind: kind, Title: kind, WorkflowID: "wf/" + key, UnitID: unit.ID,
			Role: domain.RoleInspector, Assignee: assignee, DueAt: st.Now().Add(72 * time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		return task
	}
	visit = mk("evidence-visit", "inspection.visit", county, "visitor")
	report = mk("evidence-report", "rectification.report", town, "visitor")
	elsewhere := mk("evidence-elsewhere", "inspection.visit", other, "")
	upload := func(task domain.Task) string {
		a, err := st.AddAttachment(ctx, admin, task.ID, "走访记录.txt", "text/plain", []byte("走访记录"))
		if err != nil {
			t.Fatal(err)
		}
		return a.ID
	}
	evidenceOwn, evidenceOther = upload(visit), upload(elsewhere)
	acts := &activities.Activities{Store: st}
	return visit, report, func(name string, task domain.Task, result, refuse string) verdictCase {
		write := func(ctx context.Context) error {
			canonical, err := forms.Validate(task.Kind, json.RawMessage(result))
			if err != nil {
				return err
			}
			_, err = acts.CompleteTask(ctx, activities.CompleteTaskInput{TaskID: task.ID, Actor: "visitor", Result: canonical})
			var app *temporal.ApplicationError
			if errors.As(err, &app) && app.Type() == activities.ErrTypeInvalidResult {
				var fields []domain.FieldError
				_ = app.Details(&fields)
				return &domain.Error{Code: domain.EINVALID, Message: app.Message(), Fields: fields}
			}
			return err
		}
		return verdictCase{name: name, task: task, actor: "visitor", result: result, write: write, refuse: refuse}
	}
}
