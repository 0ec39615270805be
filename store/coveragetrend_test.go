package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"tandem/domain"
	"tandem/store"
	"tandem/store/storetest"
)

// TestCoverageTrend: three organizations of township A (one of B); snapshots at the ends of
// August and October (none in September: Tandem was not running); a formation in between.
func TestCoverageTrend(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		county, a, b, committee := nets(t, st)
		for i, o := range []struct {
			uscc, coverage string
			unit           domain.Unit
		}{{"91350100M000100Y43", "single", a}, {"91110108MA01B2C3D0", "none", a}, {"91310000MA1FL0000N", "regional", a}, {"91440300MA5F00001A", "joint", b}} {
			if err := st.DB().Exec(`INSERT INTO organizations (uscc, name, region_unit_id, region_path, region_owners, industry_unit_id, industry_path,
				industry_owners, coverage, operating, created_at, updated_at) VALUES (?, ?, ?, ?, 1, ?, ?, 1, ?, true, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`,
				o.uscc, "单位"+string(rune('A'+i)), o.unit.ID, o.unit.Path, committee.ID, committee.Path, o.coverage).Error; err != nil {
				t.Fatal(err)
			}
		}
		at := func(y int, m time.Month, d int) {
			st.Now = func() time.Time { return time.Date(y, m, d, 2, 0, 0, 0, time.UTC) }
		}
		at(2026, 9, 1)
		if _, err := st.TakeCoverageSnapshot(ctx, "2026-08"); err != nil {
			t.Fatal(err)
		}
		if err := st.DB().Exec(`UPDATE organizations SET coverage = 'single' WHERE uscc = '91110108MA01B2C3D0'`).Error; err != nil {
			t.Fatal(err)
		}
		at(2026, 11, 1)
		if _, err := st.TakeCoverageSnapshot(ctx, "2026-10"); err != nil {
			t.Fatal(err)
		}
		at(2026, 11, 20)
		points, err := st.CoverageTrend(ctx, a, 4)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, p := range points {
			got = append(got, fmt.Sprintf("%s %v %d/%d/%d", p.Month, p.Taken, p.Single, p.Regional, p.Operating))
		}
		if want := "[2026-07 false 0/0/0 2026-08 true 1/1/3 2026-09 false 0/0/0 2026-10 true 2/1/3]"; fmt.Sprint(got) != want {
			t.Fatalf("township A\n got %v\nwant %s", got, want)
		}
		if p := points[3]; p.AsOf.Period != "2026-10" || !p.AsOf.At.Equal(time.Date(2026, 11, 1, 2, 0, 0, 0, time.UTC)) {
			t.Fatalf("as of %+v", p.AsOf)
		}
		// The county sums its townships; the committee is the industry net's count of the same four.
		for _, tc := range []struct {
			unit domain.Unit
			want string
		}{{county, "2026-10 true 2/1/4 joint 1"}, {committee, "2026-10 true 2/1/4 joint 1"}, {b, "2026-10 true 0/0/1 joint 1"}} {
			points, err := st.CoverageTrend(ctx, tc.unit, 1)
			if err != nil || len(points) != 1 {
				t.Fatal(err)
			}
			p := points[0]
			if got := fmt.Sprintf("%s %v %d/%d/%d joint %d", p.Month, p.Taken, p.Single, p.Regional, p.Operating, p.Joint); got != tc.want {
				t.Fatalf("%s: %s, want %s", tc.unit.Name, got, tc.want)
			}
		}
	})
}
