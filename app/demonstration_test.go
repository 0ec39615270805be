package app_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"go.temporal.io/api/serviceerror"

	"tandem/activities"
	"tandem/app"
	"tandem/calendar"
	"tandem/domain"
	"tandem/store"
	"tandem/store/storetest"
	"tandem/workflows"
)

func selfAssessment(items []string) []store.ChecklistAnswer {
	out := make([]store.ChecklistAnswer, len(items))
	for i, it := range items {
		out[i] = store.ChecklistAnswer{Item: it, Met: true}
	}
	return out
}

// TestDemonstrationPoint nominates a party organization on both databases and takes it through
// the steps its workflow records: the nomination's checks (scope, the checklist), the point read
// in scope with its files and 404 outside, the public notice readable by an out-of-scope user
// without the files, an objection by that user refused outside the notice and accepted during
// it, its answer recorded and told to the objector, and the point named.
func TestDemonstrationPoint(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		f := newInspectionFixture(t, st)
		cal := &activities.CalendarCache{Store: st, TTL: time.Minute}
		acts := &activities.Activities{Store: st, Calendar: cal, Notifier: activities.InAppNotifier{Store: st}}
		if err := st.DB().Exec(`INSERT INTO party_orgs (id, kind, name, unit_id, unit_path, status, formation_id, created_at, updated_at)
			VALUES ('po-demo', 'branch', '东风科技党支部', ?, ?, 'active', 'f-0', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`, f.town.ID, f.town.Path).Error; err != nil {
			t.Fatal(err)
		}
		countyOfficer := domain.Principal{Username: "county-staff", Memberships: []domain.Membership{{UnitID: f.county.ID, UnitPath: f.county.Path, Role: domain.RoleOfficer}}}
		good := store.Nomination{PartyOrgID: "po-demo", Reasons: "阵地建设规范，作用发挥明显", SelfAssessment: selfAssessment(domain.DefaultDemonstrationChecklist)}

		t.Run("ErrNomination", func(t *testing.T) {
			cases := []struct {
				name  string
				who   domain.Principal
				n     store.Nomination
				field string
				code  string
			}{
				{"OutsideTheCounty", f.county2Of, good, "party_org_id", domain.CodeInsideUnit},
				{"TownshipNominates", f.townOfficer, good, "nominating_unit_id", domain.CodeRequired},
				{"ItemMissing", countyOfficer, store.Nomination{PartyOrgID: "po-demo", Reasons: "好", SelfAssessment: selfAssessment(domain.DefaultDemonstrationChecklist[1:])},
					"self_assessment", domain.CodeRequiredWith},
				{"UnknownItem", countyOfficer, store.Nomination{PartyOrgID: "po-demo", Reasons: "好",
					SelfAssessment: append(selfAssessment(domain.DefaultDemonstrationChecklist), store.ChecklistAnswer{Item: "有经费"})},
					"self_assessment[11].item", domain.CodeNotAllowed},
				{"ControlCharacter", countyOfficer, store.Nomination{PartyOrgID: "po-demo", Reasons: "好\x00", SelfAssessment: good.SelfAssessment},
					"reasons", domain.CodeNUL},
			}
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					_, err := f.ops.Demonstrations.Nominate(ctx, c.who, c.n)
					got, _ := fields(t, err)
					if got[c.field] != c.code {
						t.Fatalf("fields %v, want %s:%s", got, c.field, c.code)
					}
				})
			}
		})

		pt, err := f.ops.Demonstrations.Nominate(ctx, countyOfficer, good)
		if err != nil {
			t.Fatal(err)
		}
		if n := len(f.eng.started); n == 0 || f.eng.started[n-1] != workflows.DemonstrationWorkflowID(pt.ID) {
			t.Fatalf("started %v", f.eng.started)
		}
		in := f.eng.inputs[len(f.eng.inputs)-1].(workflows.DemonstrationInput)
		if in.CityUnitID != f.city.ID || in.NominatedBy != "county-staff" || in.PartyOrgName != "东风科技党支部" || in.UnitName != "东风街道" {
			t.Fatalf("input %+v", in)
		}
		if _, err := f.ops.Demonstrations.Nominate(ctx, countyOfficer, good); domain.ErrorCode(err) != domain.ECONFLICT {
			t.Fatalf("a second nomination: %v", err)
		}
		d, err := f.ops.Demonstrations.Get(ctx, countyOfficer, pt.ID)
		if err != nil || d.Point.SelfAssessment == "" || d.Point.SelfAssessment == "{}" || len(d.History) != 1 || d.History[0].Action != "demonstration.nominate" {
			t.Fatalf("in scope: %+v %v", d, err)
		}
		if _, err := f.ops.Demonstrations.Get(ctx, f.county2Of, pt.ID); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("out of scope: %v", err)
		}
		if rows, _, err := f.ops.Demonstrations.List(ctx, f.county2Of, store.DemonstrationFilter{}); err != nil || len(rows) != 0 {
			t.Fatalf("out-of-scope list %v %v", rows, err)
		}
		if _, _, err := f.ops.Demonstrations.Object(ctx, f.county2Of, pt.ID, "不符合条件"); domain.ErrorCode(err) != domain.ECONFLICT {
			t.Fatalf("an objection before the notice: %v", err)
		}

		// The workflow's steps, as its activities record them.
		score := 92
		for _, s := range []activities.AdvanceDemonstrationInput{
			{Action: "demonstration.status", Actor: domain.SystemActor, To: domain.DemoFileReview},
			{Action: "demonstration.review", Actor: "reviewer", To: domain.DemoSiteVisit, Detail: map[string]any{"decision": "pass"}},
			{Action: "demonstration.visit", Actor: "reviewer", To: domain.DemoDecision, Score: &score},
			{Action: "demonstration.decision", Actor: "drafter", To: domain.DemoPublicNotice, NoticeWorkingDays: 5, Detail: map[string]any{"reason": "评分第一"}},
		} {
			s.PointID = pt.ID
			if _, err := acts.AdvanceDemonstration(ctx, s); err != nil {
				t.Fatal(err)
			}
		}
		c, _ := cal.Calendar(ctx)
		got, _ := st.DemonstrationByID(ctx, pt.ID)
		if want := c.DueAfterWorkingDays(st.Now(), 5).At; got.NoticeTo == nil || !got.NoticeTo.Equal(want) || got.Score == nil || *got.Score != 92 {
			t.Fatalf("notice to %v, want %v; score %v", got.NoticeTo, want, got.Score)
		}

		// Anyone logged in reads the notice, not the files.
		notices, err := f.ops.Demonstrations.Notices(ctx)
		if err != nil || len(notices) != 1 || notices[0].PartyOrgName != "东风科技党支部" || notices[0].UnitName != "东风街道" ||
			notices[0].Reasons != good.Reasons || notices[0].SelfAssessment != "" || notices[0].Score != nil || notices[0].NominatedBy != "" {
			t.Fatalf("notices %+v %v", notices, err)
		}
		if _, err := f.ops.Demonstrations.Get(ctx, f.county2Of, pt.ID); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("out of scope during the notice: %v", err)
		}
		if _, _, err := f.ops.Demonstrations.Object(ctx, f.county2Of, pt.ID, " "); domain.ErrorCode(err) != domain.EINVALID {
			t.Fatalf("an empty objection: %v", err)
		}
		ob, pending, err := f.ops.Demonstrations.Object(ctx, f.county2Of, pt.ID, "该支部去年组织生活记录不全")
		if err != nil || pending {
			t.Fatal(err, pending)
		}
		if n := len(f.eng.signals); n == 0 || f.eng.signals[n-1] != workflows.DemonstrationWorkflowID(pt.ID)+" "+workflows.SignalDemonstrationObjection {
			t.Fatalf("signals %v", f.eng.signals)
		}
		if _, _, err := f.ops.Demonstrations.Object(ctx, f.county2Of, pt.ID, "再提一次"); domain.ErrorCode(err) != domain.ECONFLICT {
			t.Fatalf("a second open objection: %v", err)
		}
		for range 2 { // a retried activity answers once
			if err := acts.AnswerDemonstrationObjection(ctx, activities.AnswerDemonstrationObjectionInput{ObjectionID: ob.ID, Actor: "reviewer",
				Decision: "dismiss", Answer: "经核实，记录齐全", Title: "东风科技党支部（东风街道）"}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := acts.AdvanceDemonstration(ctx, activities.AdvanceDemonstrationInput{PointID: pt.ID, Action: "demonstration.named",
			Actor: domain.SystemActor, To: domain.DemoNamed}); err != nil {
			t.Fatal(err)
		}
		d, err = f.ops.Demonstrations.Get(ctx, countyOfficer, pt.ID)
		if err != nil || d.Point.Status != domain.DemoNamed || d.Point.NamedAt == nil || len(d.Objections) != 1 ||
			d.Objections[0].AnsweredBy != "reviewer" || d.Objections[0].Answer != "经核实，记录齐全" {
			t.Fatalf("named: %+v %v", d, err)
		}
		actions := map[string]int{}
		for _, e := range d.History {
			actions[e.Action]++
		}
		if actions["demonstration.objection"] != 1 || actions["demonstration.objection_answered"] != 1 || actions["demonstration.named"] != 1 {
			t.Fatalf("history %v", actions)
		}
		if _, _, err := f.ops.Demonstrations.Object(ctx, f.county2Of, pt.ID, "命名之后"); domain.ErrorCode(err) != domain.ECONFLICT {
			t.Fatalf("an objection after the notice: %v", err)
		}

		// The yearly re-check: kept (the status unchanged, the re-check recorded once though
		// retried), then revoked 摘牌.
		for range 2 {
			if _, err := acts.AdvanceDemonstration(ctx, activities.AdvanceDemonstrationInput{PointID: pt.ID, Action: "demonstration.recheck",
				Actor: "reviewer", To: domain.DemoNamed, Rechecks: 1, Detail: map[string]any{"decision": "keep", "reason": "保持良好"}}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := acts.AdvanceDemonstration(ctx, activities.AdvanceDemonstrationInput{PointID: pt.ID, Action: "demonstration.recheck",
			Actor: "reviewer", To: domain.DemoRevoked, Rechecks: 2, Detail: map[string]any{"decision": "revoke", "reason": "整改不到位"}}); err != nil {
			t.Fatal(err)
		}
		d, _ = f.ops.Demonstrations.Get(ctx, countyOfficer, pt.ID)
		rechecks := 0
		for _, e := range d.History {
			if e.Action == "demonstration.recheck" {
				rechecks++
			}
		}
		if d.Point.Status != domain.DemoRevoked || d.Point.Rechecks != 2 || d.Point.RecheckedAt == nil || rechecks != 2 {
			t.Fatalf("after the re-checks: %+v, %d recorded", d.Point, rechecks)
		}
	})
}

// downSignals is an engine that is away for signals: the objection is kept, its task waits.
type downSignals struct{ *acceptingEngine }

func (downSignals) SignalWorkflow(context.Context, string, string, string, any) error {
	return serviceerror.NewUnavailable("engine down")
}

// TestDemonstrationRankingAndReconcile, on both databases: the points a city visited in a year
// (Asia/Shanghai: a visit at 23:30 on 31 December counts in that year, one 40 minutes later in
// the next) ranked by score with ties sharing a rank, the rank recorded for the decision; the
// ranking for the city's officers only (403 for a county's, 422 for a unit that is not a city);
// ?current=true lists the named and warned points; an objection lodged while the engine is away
// is kept (pending), found by the reconciler after its grace, signalled once the engine is back
// and no longer pending once its task exists.
func TestDemonstrationRankingAndReconcile(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		f := newInspectionFixture(t, st)
		cal := &activities.CalendarCache{Store: st, TTL: time.Minute}
		acts := &activities.Activities{Store: st, Calendar: cal, Notifier: activities.InAppNotifier{Store: st}}
		countyOfficer := domain.Principal{Username: "county-staff", Memberships: []domain.Membership{{UnitID: f.county.ID, UnitPath: f.county.Path, Role: domain.RoleOfficer}}}
		at := func(tm time.Time) { st.Now = func() time.Time { return tm } }
		newYearsEve := time.Date(2026, 12, 31, 23, 30, 0, 0, calendar.Shanghai)
		visit := func(name string, score int, when time.Time, to domain.DemonstrationStatus) store.DemonstrationPoint {
			t.Helper()
			at(newYearsEve.AddDate(0, -1, 0))
			if err := st.DB().Exec(`INSERT INTO party_orgs (id, kind, name, unit_id, unit_path, status, formation_id, created_at, updated_at)
				VALUES (?, 'branch', ?, ?, ?, 'active', 'f-0', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`, "po-"+name, name, f.town.ID, f.town.Path).Error; err != nil {
				t.Fatal(err)
			}
			pt, err := f.ops.Demonstrations.Nominate(ctx, countyOfficer, store.Nomination{PartyOrgID: "po-" + name, Reasons: "阵地规范",
				SelfAssessment: selfAssessment(domain.DefaultDemonstrationChecklist)})
			if err != nil {
				t.Fatal(err)
			}
			at(when)
			for _, s := range []activities.AdvanceDemonstrationInput{
				{Action: "demonstration.review", Actor: "reviewer", To: domain.DemoSiteVisit},
				{Action: "demonstration.visit", Actor: "reviewer", To: domain.DemoDecision, Score: &score},
				{Action: "demonstration.status", Actor: "reviewer", To: to},
			} {
				s.PointID = pt.ID
				if _, err := acts.AdvanceDemonstration(ctx, s); err != nil {
					t.Fatal(err)
				}
			}
			return pt
		}
		a := visit("甲支部", 92, newYearsEve.AddDate(0, -2, 0), domain.DemoNamed)
		b := visit("乙支部", 85, newYearsEve.AddDate(0, -1, 0), domain.DemoRejected)
		c := visit("丙支部", 92, newYearsEve, domain.DemoWarned)
		d := visit("丁支部", 99, newYearsEve.Add(40*time.Minute), domain.DemoDecision) // 2027-01-01 00:10 in Shanghai

		_, rows, err := f.ops.Demonstrations.Ranking(ctx, f.drafter, "", 2026)
		if err != nil || len(rows) != 3 {
			t.Fatalf("ranking of 2026: %+v %v", rows, err)
		}
		got := ""
		for _, r := range rows {
			got += fmt.Sprintf("%d:%s:%d:%s ", r.Rank, r.Point.PartyOrgName, *r.Point.Score, r.Point.Status)
		}
		if want := "1:甲支部:92:named 1:丙支部:92:warned 3:乙支部:85:rejected "; got != want {
			t.Fatalf("ranking of 2026 = %q, want %q", got, want)
		}
		if _, rows, err := f.ops.Demonstrations.Ranking(ctx, admin, f.city.ID, 2027); err != nil || len(rows) != 1 || rows[0].Point.ID != d.ID || rows[0].Rank != 1 {
			t.Fatalf("ranking of 2027: %+v %v", rows, err)
		}
		if _, _, err := f.ops.Demonstrations.Ranking(ctx, countyOfficer, f.city.ID, 2026); domain.ErrorCode(err) != domain.EFORBIDDEN {
			t.Fatalf("a county's officer: %v", err)
		}
		if _, _, err := f.ops.Demonstrations.Ranking(ctx, countyOfficer, "", 2026); err == nil {
			t.Fatal("a county's officer without a city")
		} else if got, _ := fields(t, err); got["unit_id"] != domain.CodeRequired {
			t.Fatalf("fields %v", got)
		}
		if _, _, err := f.ops.Demonstrations.Ranking(ctx, admin, f.county.ID, 2026); err == nil {
			t.Fatal("a county's ranking")
		} else if got, _ := fields(t, err); got["unit_id"] != domain.CodeNotAllowed {
			t.Fatalf("fields %v", got)
		}
		r, err := acts.RankDemonstration(ctx, activities.RankDemonstrationInput{PointID: c.ID, CityUnitID: f.city.ID})
		if err != nil || r.Year != 2026 || r.Rank != 1 || r.Of != 3 || r.Score != 92 || !strings.Contains(r.Text, "在 2026 年考察的 3 个示范点中排名第 1") ||
			!strings.Contains(string(r.Data), `"rank":1`) {
			t.Fatalf("rank %+v %v", r, err)
		}
		if r, err := acts.RankDemonstration(ctx, activities.RankDemonstrationInput{PointID: b.ID, CityUnitID: f.city.ID}); err != nil || r.Rank != 3 {
			t.Fatalf("rank of 乙 %+v %v", r, err)
		}
		if pt, _ := st.DemonstrationByID(ctx, c.ID); pt.Ranking == nil || *pt.Ranking != 1 || pt.VisitedAt == nil {
			t.Fatalf("recorded %+v", pt)
		}

		cur, _, err := f.ops.Demonstrations.List(ctx, countyOfficer, store.DemonstrationFilter{Current: true})
		if err != nil || len(cur) != 2 || !slices.ContainsFunc(cur, func(p store.DemonstrationPoint) bool { return p.ID == a.ID }) ||
			!slices.ContainsFunc(cur, func(p store.DemonstrationPoint) bool { return p.ID == c.ID }) {
			t.Fatalf("current %+v %v", cur, err)
		}

		// The objection while the engine is away.
		at(newYearsEve.Add(2 * time.Hour))
		if _, err := acts.AdvanceDemonstration(ctx, activities.AdvanceDemonstrationInput{PointID: d.ID, Action: "demonstration.decision",
			Actor: "drafter", To: domain.DemoPublicNotice, NoticeWorkingDays: 5}); err != nil {
			t.Fatal(err)
		}
		away := app.New(app.Config{Store: st, Engine: downSignals{f.eng}, Calendar: cal})
		ob, pending, err := away.Demonstrations.Object(ctx, f.county2Of, d.ID, "该支部党员台账不全")
		if err != nil || !pending {
			t.Fatalf("lodged while away: %+v %v %v", ob, pending, err)
		}
		if _, _, err := away.Demonstrations.Object(ctx, f.county2Of, d.ID, "再提一次"); domain.ErrorCode(err) != domain.ECONFLICT {
			t.Fatalf("the same person again: %v", err)
		}
		if n, err := away.Demonstrations.ReconcileObjections(ctx); n != 0 || err != nil {
			t.Fatalf("within the grace: %d %v", n, err)
		}
		at(newYearsEve.Add(2*time.Hour + app.ObjectionGrace + time.Second))
		if n, err := away.Demonstrations.ReconcileObjections(ctx); n != 0 || err == nil {
			t.Fatalf("still away: %d %v", n, err)
		}
		before := len(f.eng.signals)
		for range 2 { // until its task exists, each pass signals again (the workflow opens one task)
			if n, err := f.ops.Demonstrations.ReconcileObjections(ctx); n != 1 || err != nil {
				t.Fatalf("back: %d %v", n, err)
			}
		}
		p, _ := f.eng.payloads[len(f.eng.payloads)-1].(workflows.DemonstrationObjectionLodged)
		if len(f.eng.signals) != before+2 || f.eng.signals[before] != d.WorkflowID+" "+workflows.SignalDemonstrationObjection ||
			p.ObjectionID != ob.ID || p.LodgedBy != "county2-officer" {
			t.Fatalf("signals %v, payload %+v", f.eng.signals[before:], p)
		}
		if _, _, err := st.CreateTask(ctx, store.NewTask{Key: d.WorkflowID + "/objection/" + ob.ID, Kind: "demonstration.objection",
			Subject: d.PartyOrgID, SubjectType: domain.SubjectPartyOrg, Title: "示范点公示异议处理：丁支部（东风街道）", WorkflowID: d.WorkflowID,
			UnitID: f.city.ID, Role: domain.RoleOfficer, DueAt: st.Now().AddDate(0, 0, 3)}); err != nil {
			t.Fatal(err)
		}
		if n, err := f.ops.Demonstrations.ReconcileObjections(ctx); n != 0 || err != nil {
			t.Fatalf("with its task: %d %v", n, err)
		}
	})
}
