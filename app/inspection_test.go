package app_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"tandem/activities"
	"tandem/app"
	"tandem/calendar"
	"tandem/domain"
	"tandem/store"
	"tandem/store/storetest"
	"tandem/workflows"
)

// acceptingEngine starts and signals without running anything, recording what it was asked.
type acceptingEngine struct {
	app.Engine
	started  []string
	inputs   []any
	signals  []string
	payloads []any
	down     bool // signals are refused, as by an engine that cannot be reached
}

func (e *acceptingEngine) ExecuteWorkflow(_ context.Context, o client.StartWorkflowOptions, _ any, args ...any) (client.WorkflowRun, error) {
	e.started = append(e.started, o.ID)
	e.inputs = append(e.inputs, args...)
	return nil, nil
}

func (e *acceptingEngine) SignalWorkflow(_ context.Context, id, _, name string, arg any) error {
	if e.down {
		return serviceerror.NewUnavailable("engine down")
	}
	e.signals = append(e.signals, id+" "+name)
	e.payloads = append(e.payloads, arg)
	return nil
}

type inspectionFixture struct {
	ops                                       *app.App
	st                                        *store.Store
	eng                                       *acceptingEngine
	city, county, town, county2, committee    domain.Unit
	drafter, reviewer, townOfficer, county2Of domain.Principal
}

func newInspectionFixture(t *testing.T, st *store.Store) *inspectionFixture {
	ctx := context.Background()
	day := time.Date(2026, 11, 16, 10, 0, 0, 0, calendar.Shanghai) // a Monday; no test reads today's date
	st.Now = func() time.Time { return day }
	f := &inspectionFixture{st: st, eng: &acceptingEngine{}}
	f.ops = app.New(app.Config{Store: st, Engine: f.eng, Calendar: &activities.CalendarCache{Store: st, TTL: time.Minute}})
	mk := func(name string, net domain.Net, kind domain.UnitKind, parent *domain.Unit) domain.Unit {
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
	f.city = mk("青山市", domain.NetRegion, domain.KindCity, nil)
	f.county = mk("青山县", domain.NetRegion, domain.KindCounty, &f.city)
	f.town = mk("东风街道", domain.NetRegion, domain.KindTownship, &f.county)
	f.county2 = mk("北城县", domain.NetRegion, domain.KindCounty, &f.city)
	f.committee = mk("非公企业党委", domain.NetIndustry, domain.KindCommittee, &f.city)
	user := func(name string, u domain.Unit, role domain.Role) domain.Principal {
		m := []domain.Membership{{UnitID: u.ID, UnitPath: u.Path, Role: role}}
		if _, err := st.CreateUser(ctx, admin, store.NewUser{Username: name, PasswordHash: "x", Memberships: m}); err != nil {
			t.Fatal(err)
		}
		return domain.Principal{Username: name, Memberships: m}
	}
	f.drafter = user("drafter", f.city, domain.RoleOfficer)
	f.reviewer = user("reviewer", f.city, domain.RoleOfficer)
	f.townOfficer = user("town-officer", f.town, domain.RoleOfficer)
	f.county2Of = user("county2-officer", f.county2, domain.RoleOfficer)
	user("insp-a", f.committee, domain.RoleInspector)
	user("insp-b", f.committee, domain.RoleInspector)
	user("insp-c", f.committee, domain.RoleInspector)
	user("town-staff", f.town, domain.RoleInspector)
	user("county-staff", f.county, domain.RoleOfficer)
	return f
}

func (f *inspectionFixture) draft() app.DraftRound {
	return app.DraftRound{Title: "双同步专项督查", Theme: "两新组织党建", Targets: []string{f.town.ID, f.county2.ID, f.committee.ID},
		Methods: []string{"听取汇报", "实地走访"}, FieldFrom: "2026-11-17", FieldTo: "2026-11-20", Plan: "一、督查内容……"}
}

// fields lists the fields of an EINVALID error with their codes ("field:code").
func fields(t *testing.T, err error) (map[string]string, []domain.FieldError) {
	t.Helper()
	var de *domain.Error
	if !errors.As(err, &de) || de.Code != domain.EINVALID {
		t.Fatalf("want EINVALID, got %v", err)
	}
	out := map[string]string{}
	for _, fe := range de.Fields {
		out[fe.Field] = fe.Code
	}
	return out, de.Fields
}

// TestInspectionRound runs a round through the store and the application layer on both
// databases: the draft's checks, the team's 回避 rules, an objection, three visits with five
// findings (one fixed on the spot), the report's figures against a hand count, and the
// rectification list's scope.
func TestInspectionRound(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		f := newInspectionFixture(t, st)

		t.Run("ErrDraft", func(t *testing.T) {
			d := f.draft()
			d.Title, d.FieldFrom, d.FieldTo = " ", "2026-11-21", "2026-11-13" // a Saturday; before today
			d.Targets = append(d.Targets, f.city.ID, f.town.ID)
			d.Methods = append(d.Methods, "暗访")
			_, err := f.ops.Inspections.Draft(ctx, f.drafter, d)
			got, list := fields(t, err)
			want := map[string]string{"title": domain.CodeRequired, "field_from": domain.CodeNotWorkingDay, "targets[3]": domain.CodeNotAllowed, "field_to": domain.CodeBeforeToday,
				"targets[4]": domain.CodeDuplicate, "methods[2]": domain.CodeNotAllowed}
			for k, v := range want {
				if got[k] != v {
					t.Errorf("field %s: code %q, want %q (%v)", k, got[k], v, list)
				}
			}
			for _, fe := range list {
				if !strings.ContainsFunc(fe.Reason, func(r rune) bool { return r >= 0x4e00 && r <= 0x9fff }) {
					t.Errorf("field %s: reason %q is not Chinese", fe.Field, fe.Reason)
				}
			}
			if _, err := f.ops.Inspections.Draft(ctx, f.townOfficer, f.draft()); domain.ErrorCode(err) != domain.EINVALID {
				t.Errorf("a township officer drafted a city round: %v", err) // the sponsor must be a city or county
			}
			if len(f.eng.started) != 0 {
				t.Fatalf("a refused draft started %v", f.eng.started)
			}
		})

		r, err := f.ops.Inspections.Draft(ctx, f.drafter, f.draft())
		if err != nil {
			t.Fatal(err)
		}
		if r.Status != domain.InspectionPlanReview || len(f.eng.started) != 1 || f.eng.started[0] != workflows.InspectionWorkflowID(r.ID) {
			t.Fatalf("round %+v, started %v", r, f.eng.started)
		}
		in := f.eng.inputs[0].(workflows.InspectionInput)
		if in.DraftedBy != "drafter" || len(in.Targets) != 3 || in.RectificationWorkingDays != domain.DefaultRectificationWorkingDays {
			t.Fatalf("workflow input %+v", in)
		}
		// The team waits for the plan's approval.
		team := store.TeamInput{Members: []store.TeamMember{
			{Username: "insp-a", Post: domain.PostLeader, Targets: []string{f.town.ID, f.county2.ID}},
			{Username: "insp-b", Post: domain.PostTeamMember, Targets: []string{f.town.ID}},
			{Username: "reviewer", Post: domain.PostLeader, Targets: []string{f.committee.ID}},
		}}
		if _, err := f.ops.Inspections.SetTeam(ctx, f.drafter, r.ID, team, ""); domain.ErrorCode(err) != domain.ECONFLICT {
			t.Fatalf("a team before approval: %v", err)
		}
		if err := st.SetInspectionStatus(ctx, r.ID, domain.InspectionTeam, "reviewer", map[string]any{"reference": "青两新督〔2026〕3号"}); err != nil {
			t.Fatal(err)
		}

		t.Run("ErrConflictOfInterest", func(t *testing.T) {
			for _, c := range []struct {
				name       string
				member     store.TeamMember
				declared   bool
				code, text string
			}{
				{"OwnTownship", store.TeamMember{Username: "town-staff", Post: domain.PostTeamMember, Targets: []string{f.town.ID}}, false,
					domain.CodeAvoidOwnUnit, "town-staff 所在单位“东风街道”就是被督查单位“东风街道”"},
				{"CountyStaffOnItsTownship", store.TeamMember{Username: "county-staff", Post: domain.PostTeamMember, Targets: []string{f.town.ID}}, false,
					domain.CodeAvoidSubunit, "被督查单位“东风街道”属于 county-staff 所在单位“青山县”"},
				{"Declared", store.TeamMember{Username: "insp-c", Post: domain.PostTeamMember, Targets: []string{f.county2.ID}}, true,
					domain.CodeAvoidDeclared, "insp-c 已申报与被督查单位“北城县”存在利害关系"},
			} {
				t.Run(c.name, func(t *testing.T) {
					in := store.TeamInput{Members: append(append([]store.TeamMember(nil), team.Members...), c.member)}
					if c.declared {
						in.Declarations = []store.TeamDeclaration{{Username: "insp-c", Target: f.county2.ID, Reason: "三年内在该单位任职"}}
					}
					_, err := f.ops.Inspections.SetTeam(ctx, f.drafter, r.ID, in, "")
					got, list := fields(t, err)
					if got["members[3].targets[0]"] != c.code || len(list) != 1 || !strings.Contains(list[0].Reason, c.text) {
						t.Fatalf("want %s on members[3].targets[0] saying %q, got %v", c.code, c.text, list)
					}
				})
			}
			two := store.TeamInput{Members: append(append([]store.TeamMember(nil), team.Members...),
				store.TeamMember{Username: "insp-c", Post: domain.PostLeader, Targets: []string{f.town.ID}})}
			if got, list := fields(t, func() error { _, err := f.ops.Inspections.SetTeam(ctx, f.drafter, r.ID, two, ""); return err }()); got["members"] != domain.CodeOneLeader {
				t.Fatalf("two leaders for one target: %v", list)
			}
			if _, err := f.ops.Inspections.SetTeam(ctx, f.townOfficer, r.ID, team, ""); domain.ErrorCode(err) != domain.EFORBIDDEN {
				t.Fatalf("a target's officer named the team: %v", err)
			}
			if len(f.eng.signals) != 0 {
				t.Fatalf("a refused team was signalled: %v", f.eng.signals)
			}
		})

		groups, err := f.ops.Inspections.SetTeam(ctx, f.drafter, r.ID, team, "")
		if err != nil {
			t.Fatal(err)
		}
		if len(groups) != 3 || groups[0].Leader != "insp-a" || strings.Join(groups[0].Members, ",") != "insp-a,insp-b" || groups[2].Leader != "reviewer" {
			t.Fatalf("groups %+v", groups)
		}
		if len(f.eng.signals) != 1 || !strings.HasSuffix(f.eng.signals[0], workflows.SignalTeamSet) {
			t.Fatalf("signals %v", f.eng.signals)
		}
		if err := st.SetInspectionStatus(ctx, r.ID, domain.InspectionField, "drafter", nil); err != nil {
			t.Fatal(err)
		}

		t.Run("Objection", func(t *testing.T) {
			if _, err := f.ops.Inspections.Object(ctx, f.county2Of, r.ID, f.town.ID, "insp-b", "曾在该街道任职"); domain.ErrorCode(err) != domain.ENOTFOUND &&
				domain.ErrorCode(err) != domain.EFORBIDDEN {
				t.Fatalf("another county objected for the township: %v", err)
			}
			o, err := f.ops.Inspections.Object(ctx, f.townOfficer, r.ID, f.town.ID, "insp-b", "曾在该街道任职")
			if err != nil {
				t.Fatal(err)
			}
			if err := st.CheckObjectionDecision(ctx, o.ID, store.ObjectionDecision{Decision: "replace", Replacement: "town-staff"}); err == nil ||
				!strings.Contains(err.(*domain.Error).Fields[0].Reason, "回避（本单位）") {
				t.Fatalf("a replacement from the target itself: %v", err)
			}
			out, err := st.DecideObjection(ctx, o.ID, "reviewer", store.ObjectionDecision{Decision: "replace", Replacement: "insp-c", Reason: "同意回避"})
			if err != nil || out.Objection.Status != "replaced" || out.NewLeader != "" {
				t.Fatalf("decided %+v %v", out, err)
			}
			members, _ := st.Team(ctx, r.ID)
			var names []string
			for _, m := range members {
				names = append(names, m.Username)
			}
			if strings.Join(names, ",") != "insp-a,reviewer,insp-c" {
				t.Fatalf("team after the replacement %v", names)
			}
		})

		// Three visits, five findings, one fixed on the spot.
		visit := func(target string, findings ...store.FindingInput) {
			t.Helper()
			if _, err := st.RecordInspectionVisit(ctx, r.ID, target, "insp-a", store.VisitRecord{MethodsDone: []string{"听取汇报"}, Findings: findings},
				40, st.Now().AddDate(0, 2, 0)); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := st.RecordInspectionVisit(ctx, r.ID, f.town.ID, "insp-a", store.VisitRecord{MethodsDone: []string{"暗访"}}, 40, st.Now()); err == nil {
			t.Fatal("a method the plan does not name was accepted")
		}
		visit(f.town.ID, store.FindingInput{Category: "组织建设", Severity: domain.SeverityGeneral, Description: "党员名册未更新"},
			store.FindingInput{Category: "组织建设", Severity: domain.SeveritySevere, Description: "未按期换届"})
		visit(f.town.ID, store.FindingInput{Category: "重复", Severity: domain.SeverityGeneral, Description: "重试的活动"}) // a retry changes nothing
		visit(f.county2.ID, store.FindingInput{Category: "阵地建设", Severity: domain.SeverityMajor, Description: "活动室挪作他用"},
			store.FindingInput{Category: "组织建设", Severity: domain.SeverityGeneral, Description: "三会一课记录缺失", FixedOnTheSpot: true})
		visit(f.committee.ID, store.FindingInput{Category: "阵地建设", Severity: domain.SeverityGeneral, Description: "未挂牌"})

		rep, err := f.ops.Inspections.Report(ctx, f.reviewer, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		// By hand: 5 findings (一般 3, 较重 1, 严重 1), 1 fixed on the spot, 4 items, none signed off.
		tot := rep.Total
		if !rep.Whole || tot.Findings != 5 || tot.General != 3 || tot.Major != 1 || tot.Severe != 1 || tot.FixedOnTheSpot != 1 || tot.Items != 4 ||
			tot.Overdue != 0 || tot.Rectification.Numerator != 1 || tot.Rectification.Denominator != 5 || rep.ItemsByStatus[domain.RectPlanning] != 4 {
			t.Fatalf("total %+v by status %v", tot, rep.ItemsByStatus)
		}
		if len(rep.Targets) != 3 || rep.Targets[0].Findings != 2 || rep.Targets[1].Items != 1 || rep.Targets[2].Findings != 1 ||
			len(rep.Categories) != 2 || rep.Categories[0].Category != "组织建设" || rep.Categories[0].Findings != 3 || rep.Categories[1].Items != 2 {
			t.Fatalf("targets %+v categories %+v", rep.Targets, rep.Categories)
		}
		// Two months and a day later every item is overdue.
		later := st.Now().AddDate(0, 2, 1)
		st.Now = func() time.Time { return later }
		if rep, _ = f.ops.Inspections.Report(ctx, f.reviewer, r.ID); rep.Total.Overdue != 4 || len(rep.Overdue) != 4 {
			t.Fatalf("overdue %+v", rep.Total)
		}
		// A target's officer sees its own target only.
		if rep, err = f.ops.Inspections.Report(ctx, f.townOfficer, r.ID); err != nil || rep.Whole || len(rep.Targets) != 1 ||
			rep.Total.Findings != 2 || len(rep.Team) != 0 {
			t.Fatalf("the township's report %+v %v", rep.Total, err)
		}

		count := func(p domain.Principal, f store.RectificationFilter) int {
			t.Helper()
			items, _, err := st.ListRectifications(ctx, p, f)
			if err != nil {
				t.Fatal(err)
			}
			return len(items)
		}
		if n := count(f.reviewer, store.RectificationFilter{RoundID: r.ID}); n != 4 {
			t.Fatalf("the sponsor sees %d items", n)
		}
		if n := count(f.townOfficer, store.RectificationFilter{}); n != 2 {
			t.Fatalf("the township sees %d items", n)
		}
		if n := count(f.county2Of, store.RectificationFilter{Status: domain.RectPlanning}); n != 1 {
			t.Fatalf("the other county sees %d items", n)
		}
		if n := count(f.county2Of, store.RectificationFilter{UnitID: f.town.ID}); n != 0 {
			t.Fatalf("the other county sees %d of the township's items", n)
		}
		if _, err := st.GetInspectionRound(ctx, domain.Principal{Username: "nobody"}, r.ID); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("a stranger reads the round: %v", err)
		}

		// A returned plan resubmitted while the engine cannot be reached: the caller gets the 503,
		// the plan is returned as it was (not left 方案审核中 with no review asked), and the next try,
		// the engine back, sends it for review.
		t.Run("ResubmitWhileTheEngineIsDown", func(t *testing.T) {
			// The fixture's Monday again (the report above moved the clock on): the draft's dates follow it.
			st.Now = func() time.Time { return time.Date(2026, 11, 16, 10, 0, 0, 0, calendar.Shanghai) }
			r, err := f.ops.Inspections.Draft(ctx, f.drafter, f.draft())
			if err != nil {
				t.Fatal(err)
			}
			if err := st.SetInspectionStatus(ctx, r.ID, domain.InspectionReturned, "reviewer", map[string]any{"reason": "请补充督查安排"}); err != nil {
				t.Fatal(err)
			}
			edit := f.draft()
			edit.Title, edit.Targets = "双同步专项督查（修改）", []string{f.town.ID}
			signals := len(f.eng.signals)
			f.eng.down = true
			_, err = f.ops.Inspections.Resubmit(ctx, f.drafter, r.ID, edit, "k1")
			f.eng.down = false
			wantUnavailable(t, err, "无法联系专项督查流程，请稍后重试")
			got, err := st.GetInspectionRound(ctx, f.drafter, r.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != domain.InspectionReturned || got.Title != "双同步专项督查" || len(got.Targets) != 3 || got.Targets[0].UnitID != f.town.ID ||
				got.Targets[2].UnitID != f.committee.ID {
				t.Fatalf("after a resubmission the engine missed, the round is %s %q with %d targets", got.Status, got.Title, len(got.Targets))
			}
			again, err := f.ops.Inspections.Resubmit(ctx, f.drafter, r.ID, edit, "k2")
			if err != nil {
				t.Fatalf("the drafter's next try: %v", err)
			}
			if again.Status != domain.InspectionPlanReview || again.Title != edit.Title || len(again.Targets) != 1 ||
				len(f.eng.signals) != signals+1 || f.eng.signals[signals] != r.WorkflowID+" "+workflows.SignalPlanResubmitted {
				t.Fatalf("the next try: %s %q, %d targets; signals %v", again.Status, again.Title, len(again.Targets), f.eng.signals[signals:])
			}
		})
	})
}
