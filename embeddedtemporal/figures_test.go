package embeddedtemporal_test

import (
	"context"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"tandem/calendar"
	"tandem/domain"
	"tandem/store/storetest"
	"tandem/workflows"
)

// quarterlyHistory is where -update saves the quarterly period's history: the .v2 file holds one
// recorded after the analysis learned to wait for its last month (GetVersion
// analysis-after-last-month); period-quarterly.history.json was recorded on the code before.
const quarterlyHistory = "../workflows/testdata/period-quarterly.v2.history.json"

// TestEmbeddedQuarterlyAnalysis runs a quarter's PeriodWorkflow on the embedded server with the
// real activities: the county's analysis is made, drafted, approved and published, and the period
// ends. With -update it saves the history for the replay test.
func TestEmbeddedQuarterlyAnalysis(t *testing.T) {
	ctx := context.Background()
	c := startServer(t)
	st := storetest.SQLite(t)
	admin := domain.Principal{Username: "admin", Admin: true}
	city, _ := st.CreateUnit(ctx, admin, domain.Unit{Name: "市", Net: domain.NetRegion, Kind: domain.KindCity})
	county, err := st.CreateUnit(ctx, admin, domain.Unit{Name: "县", Net: domain.NetRegion, Kind: domain.KindCounty, ParentID: &city.ID})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.DB().Exec(`INSERT INTO organizations (uscc, name, region_unit_id, region_path, region_owners, coverage, created_at, updated_at)
		VALUES ('91350100M000100Y43', '单位', ?, ?, 1, 'single', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`, county.ID, county.Path).Error; err != nil {
		t.Fatal(err)
	}
	startWorker(t, c, st)
	now := time.Now()
	p, _, err := st.OpenPeriod(ctx, calendar.Quarterly, "2026-Q3", "manual", "admin", now, now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	q, _ := calendar.ParsePeriod(calendar.Quarterly, "2026-Q3")
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: workflows.PeriodWorkflowID(calendar.Quarterly, "2026-Q3"), TaskQueue: workflows.TaskQueue},
		workflows.PeriodWorkflowName, workflows.PeriodInput{PeriodID: p.ID, Kind: calendar.Quarterly, Period: "2026-Q3", Start: q.Start,
			ClosesAt: p.WindowClosesAt, DeliveryDays: 5})
	if err != nil {
		t.Fatal(err)
	}
	completeStep(t, c, st, run, "analysis.draft", `{"text":"本季度组织覆盖率保持稳定。"}`)
	completeStep(t, c, st, run, "analysis.review", `{"decision":"approve"}`)
	if err := run.Get(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if got, err := st.ListAnalyses(ctx, admin, p.ID); err != nil || len(got) != 1 || got[0].Status != "published" {
		t.Fatalf("analyses %+v %v", got, err)
	}
	if *update {
		saveHistory(t, c, run, quarterlyHistory)
	}
}
