package bench_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"tandem/activities"
	"tandem/domain"
	"tandem/embeddedtemporal"
	"tandem/store"
	"tandem/store/storetest"
	"tandem/workflows"
)

// censusOrgs is the size of the benchmark round (CENSUS_ORGS overrides: 100000 is the stretch).
func censusOrgs() int {
	if n, err := strconv.Atoi(os.Getenv("CENSUS_ORGS")); err == nil && n > 0 {
		return n
	}
	return 10_000
}

// MinimalWorkflow is the baseline: one activity that inserts one row.
func MinimalWorkflow(ctx workflow.Context, i int) error {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute})
	return workflow.ExecuteActivity(ctx, "InsertRow", i).Get(ctx, nil)
}

// BenchmarkCensusRound starts a round over 10,000 organizations on the embedded Temporal
// server and measures verification tasks created per second, against the rate at which bare
// SDK calls run the same number of minimal workflows (one activity inserting one row) on the
// same server, worker and database in the same run. Target: ratio ≥ 0.8.
func BenchmarkCensusRound(b *testing.B) {
	ctx := context.Background()
	n := censusOrgs()
	var st *store.Store
	if os.Getenv(storetest.PostgresEnv) != "" {
		st = storetest.Postgres(b)
	} else {
		st = storetest.SQLite(b)
	}
	srv, err := embeddedtemporal.Start(embeddedtemporal.Options{
		DatabaseFile: filepath.Join(b.TempDir(), "temporal.db"), Namespace: "default",
		SearchAttributes: workflows.SearchAttributes(), LogLevel: "error",
	})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Stop()
	c, err := client.DialContext(ctx, client.Options{HostPort: srv.HostPort(), Namespace: "default"})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()

	admin := domain.Principal{Username: "admin", Admin: true}
	county, err := st.CreateUnit(ctx, admin, domain.Unit{Name: "县", Net: domain.NetRegion, Kind: domain.KindCounty})
	if err != nil {
		b.Fatal(err)
	}
	var towns []domain.Unit
	for i := range 10 {
		u, err := st.CreateUnit(ctx, admin, domain.Unit{Name: fmt.Sprintf("镇%d", i), Net: domain.NetRegion, Kind: domain.KindTownship, ParentID: &county.ID})
		if err != nil {
			b.Fatal(err)
		}
		towns = append(towns, u)
	}
	db := st.DB()
	if err := db.Exec(`CREATE TABLE bench_rows (i INTEGER PRIMARY KEY)`).Error; err != nil {
		b.Fatal(err)
	}
	for start := 0; start < n; start += 1000 {
		tx := db.Begin()
		for i := start; i < start+1000 && i < n; i++ {
			t := towns[i%len(towns)]
			if err := tx.Exec(`INSERT INTO organizations (uscc, name, region_unit_id, region_path, region_owners, created_at, updated_at)
				VALUES (?, ?, ?, ?, 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`, usccFor(i), "单位", t.ID, t.Path).Error; err != nil {
				b.Fatal(err)
			}
		}
		if err := tx.Commit().Error; err != nil {
			b.Fatal(err)
		}
	}

	w := worker.New(c, workflows.TaskQueue, worker.Options{})
	workflows.Register(w)
	w.RegisterActivity(&activities.Activities{Store: st, Calendar: &activities.CalendarCache{Store: st, TTL: time.Minute},
		Notifier: activities.InAppNotifier{Store: st}, Temporal: c})
	w.RegisterWorkflow(MinimalWorkflow)
	w.RegisterActivityWithOptions(func(ctx context.Context, i int) error {
		return db.WithContext(ctx).Exec(`INSERT INTO bench_rows (i) VALUES (?) ON CONFLICT DO NOTHING`, i).Error
	}, activity.RegisterOptions{Name: "InsertRow"})
	if err := w.Start(); err != nil {
		b.Fatal(err)
	}
	defer w.Stop()

	count := func(q string) int {
		var k int64
		if err := db.Raw(q).Scan(&k).Error; err != nil {
			b.Fatal(err)
		}
		return int(k)
	}
	waitFor := func(q string) time.Duration {
		// Half an hour, and 20 ms more for each organization: the 100,000 stretch ran 37
		// bare workflows a second on 2 cores.
		began, limit := time.Now(), 30*time.Minute+time.Duration(n)*20*time.Millisecond
		for deadline := began.Add(limit); count(q) < n; time.Sleep(100 * time.Millisecond) {
			if time.Now().After(deadline) {
				b.Fatalf("only %d of %d after %v: %s", count(q), n, limit, q)
			}
		}
		return time.Since(began)
	}

	for b.Loop() {
		// Baseline: bare SDK calls, as many at once as the round's fan-out (8).
		began := time.Now()
		var wg sync.WaitGroup
		jobs := make(chan int)
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range jobs {
					if _, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "minimal/" + strconv.Itoa(i), TaskQueue: workflows.TaskQueue},
						MinimalWorkflow, i); err != nil {
						b.Error(err)
					}
				}
			}()
		}
		for i := range n {
			jobs <- i
		}
		close(jobs)
		wg.Wait()
		waitFor(`SELECT count(*) FROM bench_rows`)
		bare := time.Since(began)

		// The census round: from the API's two calls to the last verification task created.
		began = time.Now()
		r, err := st.CreateRound(ctx, admin, store.RoundStart{UnitID: county.ID, Selection: "all"})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: workflows.CensusWorkflowID(r.ID), TaskQueue: workflows.TaskQueue},
			workflows.CensusRoundWorkflowName, workflows.CensusRoundInput{RoundID: r.ID, ScopeUnitID: county.ID}); err != nil {
			b.Fatal(err)
		}
		waitFor(`SELECT count(*) FROM tasks WHERE kind = 'census.verify'`)
		round := time.Since(began)

		bareRate, roundRate := float64(n)/bare.Seconds(), float64(n)/round.Seconds()
		b.ReportMetric(roundRate, "tasks/s")
		b.ReportMetric(bareRate, "bare-workflows/s")
		b.ReportMetric(roundRate/bareRate, "census/bare-ratio")
		b.Logf("%d organizations on %s: census round %v (%.0f tasks/s), bare SDK %v (%.0f workflows/s), ratio %.2f (target ≥ 0.8)",
			n, st.Dialect(), round.Round(time.Millisecond), roundRate, bare.Round(time.Millisecond), bareRate, roundRate/bareRate)
	}
}

// BenchmarkCoverageReport times the coverage report over 1,000,000 organizations on
// PostgreSQL, now and as of a month-end snapshot, against a bare count(*) of the same table in
// the same run. Target: each report under one second.
func BenchmarkCoverageReport(b *testing.B) {
	if os.Getenv(storetest.PostgresEnv) == "" {
		b.Skip("needs PostgreSQL: run through make bench-census")
	}
	ctx := context.Background()
	st := storetest.Postgres(b)
	admin := domain.Principal{Username: "admin", Admin: true}
	city, err := st.CreateUnit(ctx, admin, domain.Unit{Name: "市", Net: domain.NetRegion, Kind: domain.KindCity})
	if err != nil {
		b.Fatal(err)
	}
	var towns, committees []domain.Unit
	for i := range 10 {
		cty, err := st.CreateUnit(ctx, admin, domain.Unit{Name: fmt.Sprintf("县%d", i), Net: domain.NetRegion, Kind: domain.KindCounty, ParentID: &city.ID})
		if err != nil {
			b.Fatal(err)
		}
		for j := range 10 {
			u, err := st.CreateUnit(ctx, admin, domain.Unit{Name: fmt.Sprintf("镇%d-%d", i, j), Net: domain.NetRegion, Kind: domain.KindTownship, ParentID: &cty.ID})
			if err != nil {
				b.Fatal(err)
			}
			towns = append(towns, u)
		}
		cm, err := st.CreateUnit(ctx, admin, domain.Unit{Name: fmt.Sprintf("行业党委%d", i), Net: domain.NetIndustry, Kind: domain.KindCommittee})
		if err != nil {
			b.Fatal(err)
		}
		committees = append(committees, cm)
	}
	db := st.DB()
	if err := db.Exec(`CREATE TEMP TABLE bench_units (k INTEGER, id TEXT, path TEXT, net TEXT)`).Error; err != nil {
		b.Fatal(err)
	}
	for k, u := range towns {
		db.Exec(`INSERT INTO bench_units VALUES (?, ?, ?, 'region')`, k, u.ID, u.Path)
	}
	for k, u := range committees {
		db.Exec(`INSERT INTO bench_units VALUES (?, ?, ?, 'industry')`, k, u.ID, u.Path)
	}
	began := time.Now()
	if err := db.Exec(`INSERT INTO organizations (uscc, name, region_unit_id, region_path, region_owners, industry_unit_id, industry_path,
		industry_owners, coverage, operating, created_at, updated_at)
		SELECT 'B' || lpad(g::text, 17, '0'), '单位', r.id, r.path, 1, i.id, i.path, 1,
			(ARRAY['none','single','joint','regional','work'])[1 + g % 5], g % 23 <> 0, now(), now()
		FROM generate_series(1, 1000000) g
		JOIN bench_units r ON r.net = 'region' AND r.k = g % 100
		JOIN bench_units i ON i.net = 'industry' AND i.k = g % 10`).Error; err != nil {
		b.Fatal(err)
	}
	db.Exec(`ANALYZE organizations`)
	b.Logf("seeded 1,000,000 organizations in %v", time.Since(began).Round(time.Millisecond))
	if _, err := st.TakeCoverageSnapshot(ctx, "2026-10"); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		began = time.Now()
		var k int64
		db.Raw(`SELECT count(*) FROM organizations`).Scan(&k)
		bare := time.Since(began)
		began = time.Now()
		rows, err := st.CoverageReport(ctx, admin, nil, "")
		if err != nil || len(rows) != 20 {
			b.Fatalf("report now: %d rows, %v", len(rows), err)
		}
		now := time.Since(began)
		began = time.Now()
		past, err := st.CoverageReport(ctx, admin, nil, "2026-10")
		if err != nil || len(past) != 20 {
			b.Fatalf("report as of 2026-10: %d rows, %v", len(past), err)
		}
		asOf := time.Since(began)
		b.ReportMetric(float64(now.Milliseconds()), "now-ms")
		b.ReportMetric(float64(asOf.Milliseconds()), "as-of-ms")
		b.ReportMetric(now.Seconds()/bare.Seconds(), "now/count-ratio")
		b.Logf("coverage report over %d organizations: now %v, as of 2026-10 %v (targets < 1 s); bare count(*) %v",
			k, now.Round(time.Millisecond), asOf.Round(time.Millisecond), bare.Round(time.Millisecond))
	}
}
