package store_test

import (
	"context"
	"testing"
	"time"

	"tandem/calendar"
	"tandem/domain"
	"tandem/store"
	"tandem/store/storetest"
)

// TestCoverageReportAtAnInstant: an organization changed after T is counted as it was at T, and
// as it is now when asked now; one added after T is not counted at T (issue #17 §4).
func TestCoverageReportAtAnInstant(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		county, a, _, committee := nets(t, st)
		clock := time.Date(2026, 10, 17, 9, 0, 0, 0, calendar.Shanghai).UTC()
		st.Now = func() time.Time { return clock }
		insert := func(uscc, coverage string) {
			t.Helper()
			if err := st.DB().Exec(`INSERT INTO organizations (uscc, name, region_unit_id, region_path, region_owners, industry_unit_id, industry_path,
				industry_owners, coverage, operating, created_at, updated_at) VALUES (?, ?, ?, ?, 1, ?, ?, 1, ?, TRUE, ?, ?)`,
				uscc, "单位"+uscc[len(uscc)-3:], a.ID, a.Path, committee.ID, committee.Path, coverage, st.Now(), st.Now()).Error; err != nil {
				t.Fatal(err)
			}
		}
		insert("91350100M000100Y43", "single")
		insert("91110108MA01B2C3D0", "none")
		at := func(when time.Time) (store.CoverageCounts, domain.AsOf) {
			t.Helper()
			rows, asOf, err := st.CoverageReportAt(ctx, admin, nil, when)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range rows {
				if r.Unit.ID == county.ID {
					return r.CoverageCounts, asOf
				}
			}
			t.Fatalf("no row for the county in %+v", rows)
			return store.CoverageCounts{}, asOf
		}
		before := store.CoverageCounts{Operating: 2, Single: 1}
		T := clock.Add(time.Hour)

		// After T: work coverage for the second, a third organization, and the first deregistered
		// (missing from the roster).
		clock = clock.Add(24 * time.Hour)
		if err := st.SetWorkCoverage(ctx, "officer", "91110108MA01B2C3D0", "instructor", "刘指导"); err != nil {
			t.Fatal(err)
		}
		insert("91310000MA1FL0000N", "joint")
		clock = clock.Add(time.Hour)
		if err := st.DB().Exec(`UPDATE organizations SET missing = TRUE, updated_at = ? WHERE uscc = '91350100M000100Y43'`, st.Now()).Error; err != nil {
			t.Fatal(err)
		}

		got, asOf := at(T)
		if got != before {
			t.Fatalf("as of T %+v, want %+v", got, before)
		}
		if asOf.Basis != domain.AsOfInstant || !asOf.At.Equal(T) || asOf.At.Location() != calendar.Shanghai || asOf.Approximate != 0 ||
			asOf.Label != "数据截至"+calendar.FormatTimeCN(T)+"（该时刻的状态，据组织变更记录）" {
			t.Fatalf("as of %+v", asOf)
		}
		if got, _ := at(clock.Add(-30 * time.Minute)); got != (store.CoverageCounts{Operating: 3, Single: 1, Joint: 1, Work: 1}) {
			t.Fatalf("between the changes %+v", got)
		}
		now := store.CoverageCounts{Operating: 2, Joint: 1, Work: 1}
		if got, _ := at(st.Now()); got != now {
			t.Fatalf("as of now from the history %+v, want %+v", got, now)
		}
		rows, err := st.CoverageReport(ctx, admin, &county, "")
		if err != nil || len(rows) != 1 || rows[0].CoverageCounts != now {
			t.Fatalf("now %+v %v, want %+v", rows, err, now)
		}
		if got, _ := at(T.Add(-2 * time.Hour)); got != (store.CoverageCounts{}) {
			t.Fatalf("before any organization %+v", got)
		}
	})
}
