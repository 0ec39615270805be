package store_test

import (
	"context"
	"testing"
	"time"

	"tandem/domain"
	"tandem/store"
	"tandem/store/storetest"
)

// BenchmarkOpsFigures times one read of the database gauges (what TANDEM_METRICS_DB_GAUGES
// runs every interval) over 100,000 active tasks in two townships and a running census round
// of 20,000 organizations, on SQLite and PostgreSQL. Baseline in the same run: counting the
// active tasks alone, the least any such gauge could cost.
func BenchmarkOpsFigures(b *testing.B) {
	const tasks, members = 100_000, 20_000
	for _, db := range []string{"sqlite", "postgres"} {
		b.Run(db, func(b *testing.B) {
			var st *store.Store
			if db == "sqlite" {
				st = storetest.SQLite(b)
			} else {
				st = storetest.Postgres(b)
			}
			ctx := context.Background()
			now := time.Date(2027, 3, 10, 2, 0, 0, 0, time.UTC)
			st.Now = func() time.Time { return now }
			county, err := st.CreateUnit(ctx, admin, domain.Unit{Name: "县", Net: domain.NetRegion, Kind: domain.KindCounty})
			if err != nil {
				b.Fatal(err)
			}
			a, err := st.CreateUnit(ctx, admin, domain.Unit{Name: "甲街道", Net: domain.NetRegion, Kind: domain.KindTownship, ParentID: &county.ID})
			if err != nil {
				b.Fatal(err)
			}
			town, err := st.CreateUnit(ctx, admin, domain.Unit{Name: "乙街道", Net: domain.NetRegion, Kind: domain.KindTownship, ParentID: &county.ID})
			if err != nil {
				b.Fatal(err)
			}
			seed := func(q string, args ...any) {
				if err := st.DB().Exec(q, args...).Error; err != nil {
					b.Fatal(err)
				}
			}
			seed(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
				INSERT INTO tasks (id, key, kind, workflow_id, unit_id, unit_path, role, status, due_at, created_at, updated_at)
				SELECT 'b' || CAST(i AS TEXT), 'bench/' || CAST(i AS TEXT), CASE WHEN i % 3 = 0 THEN 'drill.acknowledge' ELSE 'coverage.attach' END,
					'wf', CASE WHEN i % 2 = 0 THEN ? ELSE ? END, CASE WHEN i % 2 = 0 THEN ? ELSE ? END, 'inspector',
					CASE WHEN i % 5 = 0 THEN 'claimed' ELSE 'open' END, ?, ?, ? FROM n`,
				tasks, a.ID, town.ID, a.Path, town.Path, now.Add(time.Hour), now, now)
			seed(`UPDATE tasks SET due_at = ? WHERE key LIKE 'bench/%' AND CAST(substr(key, 7) AS INTEGER) % 4 = 0`, now.Add(-time.Hour))
			seed(`INSERT INTO census_rounds (id, unit_id, unit_path, selection, status, total, started, skipped, created_by, created_at)
				VALUES ('r1', ?, ?, 'all', 'running', ?, ?, 0, 'admin', ?)`, a.ID, a.Path, members, members, now)
			seed(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
				INSERT INTO organizations (uscc, name, region_unit_id, region_path, created_at, updated_at)
				SELECT CAST(100000000000000000 + i AS TEXT), 'org' || CAST(i AS TEXT), ?, ?, ?, ? FROM n`, members, a.ID, a.Path, now, now)
			seed(`INSERT INTO census_members (round_id, uscc, unit_id) SELECT 'r1', uscc, region_unit_id FROM organizations`)
			seed(`INSERT INTO tasks (id, key, kind, workflow_id, unit_id, unit_path, role, status, due_at, created_at, updated_at)
				SELECT 'v' || uscc, 'census-verify/' || uscc || '/verify/r1', 'census.verify', 'wf', ?, ?, 'inspector', 'open', ?, ?, ? FROM organizations`,
				a.ID, a.Path, now.Add(time.Hour), now, now)
			seed(`ANALYZE`)
			var f store.OpsFigures
			var base, figures time.Duration
			for i := 0; i < b.N; i++ {
				start := time.Now()
				var n int64
				if err := st.DB().Table("tasks").Where("status IN ('open', 'claimed')").Count(&n).Error; err != nil {
					b.Fatal(err)
				}
				base += time.Since(start)
				start = time.Now()
				var err error
				if f, err = st.OpsFigures(ctx); err != nil {
					b.Fatal(err)
				}
				figures += time.Since(start)
			}
			if f.Running.Verifications["open"] != members || len(f.Tasks) != 3 {
				b.Fatalf("figures %+v", f)
			}
			b.ReportMetric(float64(figures.Milliseconds())/float64(b.N), "ms/read")
			b.ReportMetric(float64(figures)/float64(base), "x-count")
		})
	}
}
