package store_test

import (
	"context"
	"testing"
	"time"

	"tandem/domain"
	"tandem/store"
	"tandem/store/storetest"
)

func TestCoverageReportAndSnapshots(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		county, a, b, committee := nets(t, st)
		for i, o := range []struct {
			uscc, coverage string
			unit           domain.Unit
			operating      any
		}{
			{"91350100M000100Y43", "single", a, true}, {"91110108MA01B2C3D0", "work", a, nil},
			{"91310000MA1FL0000N", "none", b, true}, {"91440300MA5F00001A", "joint", b, false}, // closed: not counted
		} {
			if err := st.DB().Exec(`INSERT INTO organizations (uscc, name, region_unit_id, region_path, region_owners, industry_unit_id, industry_path,
				industry_owners, coverage, operating, created_at, updated_at) VALUES (?, ?, ?, ?, 1, ?, ?, 1, ?, ?, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`,
				o.uscc, "单位"+string(rune('A'+i)), o.unit.ID, o.unit.Path, committee.ID, committee.Path, o.coverage, o.operating).Error; err != nil {
				t.Fatal(err)
			}
		}
		report := func(month string, unit *domain.Unit) map[string]store.CoverageCounts {
			rows, err := st.CoverageReport(ctx, admin, unit, month)
			if err != nil {
				t.Fatal(err)
			}
			out := map[string]store.CoverageCounts{}
			for _, r := range rows {
				out[r.Unit.Name] = r.CoverageCounts
			}
			return out
		}
		now := report("", nil)
		want := store.CoverageCounts{Operating: 3, Single: 1, Work: 1}
		if now[county.Name] != want || now[committee.Name] != want {
			t.Fatalf("now %+v", now)
		}
		if got := report("", &a); len(got) != 1 || got[a.Name] != (store.CoverageCounts{Operating: 2, Single: 1, Work: 1}) {
			t.Fatalf("township A %+v", got)
		}
		if took, err := st.TakeCoverageSnapshot(ctx, "2026-10"); err != nil || !took {
			t.Fatalf("snapshot %v %v", took, err)
		}
		if took, _ := st.TakeCoverageSnapshot(ctx, "2026-10"); took {
			t.Fatal("a month taken twice")
		}
		if err := st.DB().Exec(`UPDATE organizations SET coverage = 'single' WHERE uscc = '91310000MA1FL0000N'`).Error; err != nil {
			t.Fatal(err)
		}
		if got := report("", nil)[county.Name]; got.Single != 2 {
			t.Fatalf("now after a formation %+v", got)
		}
		if got := report("2026-10", nil)[county.Name]; got != want {
			t.Fatalf("as of October %+v", got)
		}
		if _, err := st.CoverageReport(ctx, admin, nil, "2026-09"); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("no snapshot: %v", err)
		}
		if m := store.CoverageMonthEnd(time.Date(2026, 11, 30, 17, 0, 0, 0, time.UTC)); m != "2026-11" { // 1 December in Shanghai
			t.Fatalf("month end %s", m)
		}
	})
}

func TestRoundDone(t *testing.T) {
	r := store.CensusRound{Total: 5, Started: 5, Skipped: 1}
	for _, tt := range []struct {
		by   map[string]int
		want bool
	}{
		{map[string]int{}, false}, // the verifications have not created their tasks yet
		{map[string]int{"completed": 3}, false},
		{map[string]int{"completed": 3, "open": 1}, false},
		{map[string]int{"completed": 3, "cancelled": 1}, true},
	} {
		if got := store.RoundDone(r, tt.by); got != tt.want {
			t.Errorf("%v: %v, want %v", tt.by, got, tt.want)
		}
	}
	if store.RoundDone(store.CensusRound{Total: 5, Started: 3}, map[string]int{"completed": 3}) {
		t.Error("done before the fan-out passed every organization")
	}
}
