package store_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"tandem/domain"
	"tandem/store"
	"tandem/store/storetest"
)

// TestBulletinRatesParksAndShanghaiTime: a park is a row of its own (its township's row leaves it
// out and a subtotal follows), every rate carries its numerator and denominator, and the bulletin
// says it is the state at the window close, in Shanghai time (20:21 UTC on 1 December is 04:21 on
// 2 December).
func TestBulletinRatesParksAndShanghaiTime(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		county, a, b, _ := nets(t, st)
		park, err := st.CreateUnit(ctx, admin, domain.Unit{Name: "科技园", Net: domain.NetRegion, Kind: domain.KindPark, ParentID: &a.ID})
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range []struct {
			uscc, coverage string
			unit           domain.Unit
		}{
			{"91350100M000100Y43", "single", a},
			{"91110108MA01B2C3D0", "none", a},
			{"91310000MA1FL0000N", "joint", park},
			{"91440300MA5F00001A", "none", park},
			{"91320500MA1N000022", "none", park},
			{"91330100MA2H00003E", "single", b},
		} {
			if err := st.DB().Exec(`INSERT INTO organizations (uscc, name, region_unit_id, region_path, region_owners, industry_path,
				coverage, operating, created_at, updated_at) VALUES (?, '单位', ?, ?, 1, '', ?, TRUE, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`,
				o.uscc, o.unit.ID, o.unit.Path, o.coverage).Error; err != nil {
				t.Fatal(err)
			}
		}
		closes := time.Date(2026, 12, 1, 20, 0, 0, 0, time.UTC)
		now := time.Date(2026, 12, 1, 20, 21, 0, 0, time.UTC)
		st.Now = func() time.Time { return now }
		p, _, err := st.OpenPeriod(ctx, "monthly", "2026-11", "manual", "admin", closes.AddDate(0, 0, -7), closes)
		if err != nil {
			t.Fatal(err)
		}
		got, err := st.MakeBulletin(ctx, p.ID, county.ID, "2026-11", "2026-10")
		if err != nil {
			t.Fatal(err)
		}
		type cell struct {
			kind     string
			subtotal bool
			rate     domain.Rate
		}
		want := map[string]cell{
			a.Name + "（不含园区）": {"township", false, domain.RateOf(1, 2)},
			park.Name:         {"park", false, domain.RateOf(1, 3)},
			a.Name + "小计":     {"township", true, domain.RateOf(2, 5)},
			b.Name:            {"township", false, domain.RateOf(1, 1)},
		}
		var names []string
		for _, r := range got.Rows {
			names = append(names, r.Name)
			w, ok := want[r.Name]
			if !ok {
				t.Errorf("unexpected row %q", r.Name)
				continue
			}
			if r.Kind != w.kind || r.Subtotal != w.subtotal || r.Coverage != w.rate || r.CoverageRate != w.rate.Value {
				t.Errorf("row %s: kind %s subtotal %v rate %+v, want %+v", r.Name, r.Kind, r.Subtotal, r.Coverage, w)
			}
		}
		if strings.Join(names, ",") != a.Name+"（不含园区）,"+park.Name+","+a.Name+"小计,"+b.Name {
			t.Errorf("row order %v: the township, its parks, its subtotal", names)
		}
		if got.Total.Coverage != domain.RateOf(3, 6) {
			t.Errorf("total %+v", got.Total.Coverage)
		}
		if got.AsOf.Basis != domain.AsOfPeriodClose || got.AsOf.Period != "2026-11" {
			t.Errorf("as_of %+v: the state at the window close of 2026-11", got.AsOf)
		}
		if !strings.Contains(got.AsOf.Label, "2026年12月2日 04:21") || !strings.Contains(got.AsOf.Label, "2026年11月数据报送结束时") {
			t.Errorf("label %q: Shanghai time and the window close", got.AsOf.Label)
		}
		stored, err := st.GetBulletin(ctx, admin, p.ID, county.ID)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := json.Marshal(stored)
		if !strings.Contains(string(raw), `"at":"2026-12-02T04:21:00+08:00"`) || !strings.Contains(string(raw), `"numerator":2,"denominator":5`) {
			t.Errorf("stored bulletin JSON %s", raw)
		}
	})
}

// TestOldBulletinsStillRead: bulletins stored before as_of said what it is decode, in Shanghai.
func TestOldBulletinsStillRead(t *testing.T) {
	var f store.BulletinFigures
	old := `{"period":"2026-10","as_of":"2026-11-30T20:21:00Z","rows":[{"name":"东街道","operating":4,"single":1,"joint":1,"organization_coverage":0.5}],"total":{}}`
	if err := json.Unmarshal([]byte(old), &f); err != nil {
		t.Fatal(err)
	}
	if f.AsOf.Basis != domain.AsOfNow || !strings.Contains(f.AsOf.Label, "2026年12月1日 04:21") || f.Rows[0].Coverage != domain.RateOf(2, 4) {
		t.Fatalf("%+v", f)
	}
}

// TestAnalysisFiguresSnakeCaseAndProblemOrganizations: the quarterly analysis stores its figures
// with JSON names (not Go's "Operating"), its rate with numerator and denominator, the instant it
// describes, and each problem names its organizations; analyses stored the old way still read.
func TestAnalysisFiguresSnakeCaseAndProblemOrganizations(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		county, a, _, _ := nets(t, st)
		for _, o := range []struct{ uscc, name, coverage string }{
			{"91350100M000100Y43", "甲科技有限公司", "single"}, {"91110108MA01B2C3D0", "乙贸易有限公司", "none"},
		} {
			if err := st.DB().Exec(`INSERT INTO organizations (uscc, name, region_unit_id, region_path, region_owners, coverage, created_at, updated_at)
				VALUES (?, ?, ?, ?, 1, ?, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`, o.uscc, o.name, a.ID, a.Path, o.coverage).Error; err != nil {
				t.Fatal(err)
			}
		}
		// September's data is in at 00:00 on 10 October in Shanghai: the monthly cycle takes the
		// month's snapshot then. A formation recorded afterwards is not the quarter's.
		closes := time.Date(2026, 10, 9, 16, 0, 0, 0, time.UTC)
		st.Now = func() time.Time { return closes }
		if _, err := st.TakeCoverageSnapshot(ctx, "2026-09"); err != nil {
			t.Fatal(err)
		}
		if err := st.DB().Exec(`UPDATE organizations SET coverage = 'single' WHERE uscc = '91110108MA01B2C3D0'`).Error; err != nil {
			t.Fatal(err)
		}
		st.Now = func() time.Time { return closes.Add(21 * time.Minute) }
		p, _, err := st.OpenPeriod(ctx, "quarterly", "2026-Q3", "manual", "admin", closes.AddDate(0, 0, -8), closes)
		if err != nil {
			t.Fatal(err)
		}
		an, err := st.MakeAnalysis(ctx, p.ID, "2026-Q3", "2026-Q2", county.ID)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(an.Figures, `"Operating"`) || !strings.Contains(an.Figures, `"operating":2`) || !strings.Contains(an.Figures, `"single":1`) {
			t.Errorf("figures %s: JSON names, not Go field names", an.Figures)
		}
		f, err := an.QuarterFigures()
		if err != nil || f.Coverage != domain.RateOf(1, 2) || f.AsOf == nil || f.AsOf.Basis != domain.AsOfPeriodClose ||
			f.AsOf.Period != "2026-09" || !strings.Contains(f.AsOf.Label, "2026年10月10日 00:00（2026年9月数据报送结束时的状态）") {
			t.Errorf("figures %+v (as of %+v) %v", f, f.AsOf, err)
		}
		var unverified *store.Problem
		for _, pr := range an.AnalysisProblems() {
			if pr.Code == "unverified" {
				unverified = &pr
			}
		}
		if unverified == nil || unverified.Count != 2 || len(unverified.Organizations) != 2 ||
			unverified.Organizations[0] != (store.ProblemOrganization{USCC: "91110108MA01B2C3D0", Name: "乙贸易有限公司"}) {
			t.Fatalf("the unverified problem %+v does not name its organizations", unverified)
		}
		old := store.Analysis{Figures: `{"now":{"Operating":7,"Single":3,"Joint":0,"Regional":0,"Work":0},"previous":null,"organization_coverage":0.4285}`}
		of, err := old.QuarterFigures()
		if err != nil || of.Now.Operating != 7 || of.Coverage != domain.RateOf(3, 7) {
			t.Fatalf("old figures %+v %v", of, err)
		}
	})
}

// TestAssessmentMetricsAreTheHalfYearsClose: the half-year assessment scores the coverage of the
// half year's last month as it was when that month's data was in, not the state when the
// outcome is locked weeks later; the metrics say which instant they describe.
func TestAssessmentMetricsAreTheHalfYearsClose(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		_, a, _, _ := nets(t, st)
		for _, o := range []struct{ uscc, coverage string }{{"91350100M000100Y43", "single"}, {"91110108MA01B2C3D0", "none"}} {
			if err := st.DB().Exec(`INSERT INTO organizations (uscc, name, region_unit_id, region_path, region_owners, coverage, created_at, updated_at)
				VALUES (?, '单位', ?, ?, 1, ?, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`, o.uscc, a.ID, a.Path, o.coverage).Error; err != nil {
				t.Fatal(err)
			}
		}
		from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.FixedZone("CST", 8*3600))
		to := from.AddDate(0, 6, 0)
		// June's data is in on 8 July (Shanghai); a formation is recorded on 20 July, the
		// assessment locked on 3 August.
		june := time.Date(2026, 7, 7, 16, 30, 0, 0, time.UTC)
		st.Now = func() time.Time { return june }
		if _, err := st.TakeCoverageSnapshot(ctx, "2026-06"); err != nil {
			t.Fatal(err)
		}
		if err := st.DB().Exec(`UPDATE organizations SET coverage = 'single' WHERE uscc = '91110108MA01B2C3D0'`).Error; err != nil {
			t.Fatal(err)
		}
		st.Now = func() time.Time { return time.Date(2026, 8, 3, 2, 0, 0, 0, time.UTC) }
		m, asOf, err := st.Metrics(ctx, a.ID, from, to)
		if err != nil {
			t.Fatal(err)
		}
		if m["organization_coverage"] != 0.5 {
			t.Errorf("organization coverage %v: want June's 1/2, not today's 2/2", m["organization_coverage"])
		}
		if asOf.Basis != domain.AsOfPeriodClose || asOf.Period != "2026-06" || !strings.Contains(asOf.Label, "2026年7月8日 00:30（2026年6月数据报送结束时的状态）") {
			t.Errorf("as of %+v", asOf)
		}
		// Without June's snapshot the metrics are today's, and say so.
		if err := st.DB().Exec(`DELETE FROM coverage_snapshots`).Error; err != nil {
			t.Fatal(err)
		}
		m, asOf, err = st.Metrics(ctx, a.ID, from, to)
		if err != nil || m["organization_coverage"] != 1 || asOf.Basis != domain.AsOfNow || !strings.Contains(asOf.Label, "查询时") {
			t.Errorf("without the month's snapshot: %v %+v %v", m, asOf, err)
		}
	})
}

// TestLastMonthDataIn: a quarter may read its last month's figures once that month's snapshot is
// taken or its monthly period has ended; a scheduled quarter waits for a monthly period not yet
// opened (the monthly schedule opens it at the same hour), a quarter run by hand does not.
func TestLastMonthDataIn(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		nets(t, st) // an empty roster's snapshot is marked on a root unit
		now := time.Date(2026, 10, 1, 1, 0, 0, 0, time.UTC)
		st.Now = func() time.Time { return now }
		in := func(key string) bool {
			t.Helper()
			ok, err := st.LastMonthDataIn(ctx, "quarterly", key)
			if err != nil {
				t.Fatal(err)
			}
			return ok
		}
		open := func(kind, key, trigger string) store.PeriodRow {
			t.Helper()
			p, _, err := st.OpenPeriod(ctx, kind, key, trigger, trigger, now, now.AddDate(0, 0, 7))
			if err != nil {
				t.Fatal(err)
			}
			return p
		}
		open("quarterly", "2026-Q3", "schedule")
		open("quarterly", "2026-Q2", "manual")
		if in("2026-Q3") || !in("2026-Q2") {
			t.Fatalf("no monthly period yet: scheduled %v (want false), by hand %v (want true)", in("2026-Q3"), in("2026-Q2"))
		}
		sep := open("monthly", "2026-09", "schedule")
		if in("2026-Q3") {
			t.Fatal("September's period still collects its deliveries")
		}
		if err := st.FinishPeriod(ctx, sep.ID, "failed", map[string]string{}); err != nil {
			t.Fatal(err)
		}
		if !in("2026-Q3") {
			t.Fatal("September's period ended without a snapshot: nothing more to wait for")
		}
		// March's period still runs, but its snapshot is taken: the data is in.
		open("quarterly", "2026-Q1", "schedule")
		open("monthly", "2026-03", "schedule")
		if in("2026-Q1") {
			t.Fatal("March's period still collects its deliveries")
		}
		if _, err := st.TakeCoverageSnapshot(ctx, "2026-03"); err != nil {
			t.Fatal(err)
		}
		if !in("2026-Q1") {
			t.Fatal("March's snapshot is taken")
		}
		if _, err := st.LastMonthDataIn(ctx, "quarterly", "2026-Q5"); domain.ErrorCode(err) != domain.EINVALID {
			t.Fatalf("a bad key: %v", err)
		}
	})
}
