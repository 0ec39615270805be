package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"tandem/domain"
	"tandem/store"
	"tandem/store/storetest"
)

// TestBulletinAgainstAHandCount checks a county's bulletin against figures counted by hand
// from a small fixture.
func TestBulletinAgainstAHandCount(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		county, a, b, committee := nets(t, st)
		type org struct {
			uscc, coverage string
			unit           domain.Unit
			operating      bool
			visited        bool
			industry       bool
		}
		orgs := []org{
			{"91350100M000100Y43", "none", a, true, true, true}, // becomes single below
			{"91110108MA01B2C3D0", "work", a, true, false, true},
			{"91310000MA1FL0000N", "none", a, true, false, false},
			{"91440300MA5F00001A", "joint", b, true, true, false},
			{"91320500MA1N000022", "none", b, false, false, false}, // closed: not operating
		}
		for _, o := range orgs {
			var visited any
			if o.visited {
				visited = time.Now()
			}
			var ind, indPath any = nil, ""
			if o.industry {
				ind, indPath = committee.ID, committee.Path
			}
			if err := st.DB().Exec(`INSERT INTO organizations (uscc, name, region_unit_id, region_path, region_owners, industry_unit_id,
				industry_path, coverage, operating, visited_at, created_at, updated_at)
				VALUES (?, '单位', ?, ?, 1, ?, ?, ?, ?, ?, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`,
				o.uscc, o.unit.ID, o.unit.Path, ind, indPath, o.coverage, o.operating, visited).Error; err != nil {
				t.Fatal(err)
			}
		}
		// Last month: township A had nothing covered, township B its joint branch.
		if _, err := st.TakeCoverageSnapshot(ctx, "2026-09"); err != nil {
			t.Fatal(err)
		}
		st.DB().Exec(`UPDATE organizations SET coverage = 'single' WHERE uscc = '91350100M000100Y43'`)
		// A running formation in A with an overdue step, and an overdue task in B.
		f, err := st.StartFormation(ctx, admin, store.FormationStart{Kind: domain.KindBranch, Organizations: []string{"91310000MA1FL0000N"}, WorkflowID: formationWorkflowID})
		if err != nil {
			t.Fatal(err)
		}
		past := time.Now().Add(-48 * time.Hour)
		for _, nt := range []store.NewTask{
			{Key: f.WorkflowID + "/application/1", Kind: "formation.application", WorkflowID: f.WorkflowID, UnitID: a.ID, Role: domain.RoleSecretary, DueAt: past},
			{Key: "drill/x/acknowledge", Kind: "drill.acknowledge", WorkflowID: "drill/x", UnitID: b.ID, Role: domain.RoleInspector, DueAt: past},
			{Key: "drill/y/acknowledge", Kind: "drill.acknowledge", WorkflowID: "drill/y", UnitID: b.ID, Role: domain.RoleInspector, DueAt: time.Now().Add(48 * time.Hour)},
		} {
			if _, _, err := st.CreateTask(ctx, nt); err != nil {
				t.Fatal(err)
			}
		}
		p, _, err := st.OpenPeriod(ctx, "monthly", "2026-10", "manual", "admin", time.Now(), time.Now().Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		got, err := st.MakeBulletin(ctx, p.ID, county.ID, "2026-10", "2026-09")
		if err != nil {
			t.Fatal(err)
		}
		rate := func(v float64) *float64 { return &v }
		want := map[string]store.BulletinRow{
			a.Name: {Organizations: 3, Verified: 1, Operating: 3, Single: 1, Work: 1, CoverageRate: 0.3333, PreviousRate: rate(0),
				FormationsRunning: 1, FormationsOverdue: 1, OverdueTasks: 1},
			b.Name:         {Organizations: 2, Verified: 1, Operating: 1, Joint: 1, CoverageRate: 1, PreviousRate: rate(1), OverdueTasks: 1},
			committee.Name: {Organizations: 2, Verified: 1, Operating: 2, Single: 1, Work: 1, CoverageRate: 0.5},
			county.Name: {Organizations: 5, Verified: 2, Operating: 4, Single: 1, Joint: 1, Work: 1, CoverageRate: 0.5, PreviousRate: rate(0.25),
				FormationsRunning: 1, FormationsOverdue: 1, OverdueTasks: 2},
		}
		rows := append(got.Rows, got.Total)
		if len(rows) != 4 {
			t.Fatalf("rows %+v", rows)
		}
		for _, r := range rows {
			w, ok := want[r.Name]
			if !ok {
				t.Fatalf("unexpected row %s", r.Name)
			}
			r.UnitID, r.Name, r.Net = "", "", ""
			if (r.PreviousRate == nil) != (w.PreviousRate == nil) || (r.PreviousRate != nil && *r.PreviousRate != *w.PreviousRate) {
				t.Fatalf("%s: previous rate %v, want %v", w.Name, r.PreviousRate, w.PreviousRate)
			}
			if r.Coverage != domain.RateOf(r.Single+r.Joint, r.Operating) {
				t.Fatalf("%s: rate %+v is not (single + joint) / operating", w.Name, r.Coverage)
			}
			r.PreviousRate, w.PreviousRate, r.Previous, r.Coverage, r.Kind = nil, nil, nil, domain.Rate{}, ""
			if r != w {
				t.Fatalf("row %+v, want %+v", r, w)
			}
		}
		again, err := st.MakeBulletin(ctx, p.ID, county.ID, "2026-10", "2026-09")
		if err != nil || again.Total.Organizations != 5 || !again.AsOf.At.Equal(got.AsOf.At) {
			t.Fatalf("the bulletin made again %+v %v", again.Total, err)
		}
	})
}

// TestAnalysisProblems: the quarter's figures with their trend against the previous quarter,
// and the problems found from a small fixture.
func TestAnalysisProblems(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		county, a, _, committee := nets(t, st)
		for _, o := range []struct {
			uscc, coverage string
			region         *domain.Unit
			tagged         bool
		}{
			{"91350100M000100Y43", "single", &a, false}, {"91110108MA01B2C3D0", "single", &a, true}, // tagged, no instructor
			{"91310000MA1FL0000N", "none", &a, false}, {"91440300MA5F00001A", "none", nil, false}, // no responsible unit
		} {
			unitID, path, owners := any(nil), "", 0
			if o.region != nil {
				unitID, path, owners = o.region.ID, o.region.Path, 1
			}
			if err := st.DB().Exec(`INSERT INTO organizations (uscc, name, region_unit_id, region_path, region_owners, coverage, created_at, updated_at)
				VALUES (?, '单位', ?, ?, ?, ?, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`, o.uscc, unitID, path, owners, o.coverage).Error; err != nil {
				t.Fatal(err)
			}
			if o.tagged {
				st.DB().Exec(`INSERT INTO organization_tags (uscc, tag) VALUES (?, 'listed')`, o.uscc)
			}
		}
		// Last quarter all three in A were covered; now one is not: coverage fell from 1 to 2/3.
		st.DB().Exec(`UPDATE organizations SET coverage = 'single' WHERE uscc = '91310000MA1FL0000N'`)
		if _, err := st.TakeCoverageSnapshot(ctx, "2026-Q2"); err != nil {
			t.Fatal(err)
		}
		st.DB().Exec(`UPDATE organizations SET coverage = 'none' WHERE uscc = '91310000MA1FL0000N'`)
		p, _, err := st.OpenPeriod(ctx, "quarterly", "2026-Q3", "manual", "admin", time.Now(), time.Now())
		if err != nil {
			t.Fatal(err)
		}
		an, err := st.MakeAnalysis(ctx, p.ID, "2026-Q3", "2026-Q2", county.ID)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int{}
		for _, pr := range an.AnalysisProblems() {
			got[pr.Code] = pr.Count
		}
		want := map[string]int{"no_responsible_unit": 1, "coverage_fallen": 1, "unverified": 3, "large_without_both": 1}
		if len(got) != len(want) {
			t.Fatalf("problems %v, want %v", got, want)
		}
		for k, v := range want {
			if got[k] != v {
				t.Fatalf("problems %v, want %v", got, want)
			}
		}
		if an.Status != "drafting" {
			t.Fatalf("status %s", an.Status)
		}
		if err := st.PublishAnalysis(ctx, p.ID, county.ID, "分析正文", "off"); err != nil {
			t.Fatal(err)
		}
		list, _ := st.ListAnalyses(ctx, admin, p.ID)
		if len(list) != 1 || list[0].Status != "published" || list[0].Text != "分析正文" {
			t.Fatalf("analyses %+v", list)
		}

		// The committee's analysis counts by the industry net: the two organizations it is
		// responsible for, one of them tagged without both coverages; three have no committee.
		for _, uscc := range []string{"91350100M000100Y43", "91110108MA01B2C3D0"} {
			if err := st.DB().Exec(`UPDATE organizations SET industry_unit_id = ?, industry_path = ?, industry_owners = 1 WHERE uscc = ?`,
				committee.ID, committee.Path, uscc).Error; err != nil {
				t.Fatal(err)
			}
		}
		p2, _, err := st.OpenPeriod(ctx, "quarterly", "2026-Q4", "manual", "admin", time.Now(), time.Now())
		if err != nil {
			t.Fatal(err)
		}
		ca, err := st.MakeAnalysis(ctx, p2.ID, "2026-Q4", "2026-Q3", committee.ID)
		if err != nil {
			t.Fatal(err)
		}
		got = map[string]int{}
		for _, pr := range ca.AnalysisProblems() {
			got[pr.Code] = pr.Count
		}
		want = map[string]int{"no_responsible_unit": 2, "unverified": 2, "large_without_both": 1}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("the committee's problems %v, want %v", got, want)
		}
		var figures store.QuarterFigures
		if err := json.Unmarshal([]byte(ca.Figures), &figures); err != nil || figures.Now.Single != 2 {
			t.Fatalf("the committee's figures %s %v", ca.Figures, err)
		}
	})
}
