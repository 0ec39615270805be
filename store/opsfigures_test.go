package store_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"

	"tandem/domain"
	"tandem/store"
	"tandem/store/storetest"
)

func TestOpsFigures(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		now := time.Date(2027, 3, 10, 2, 0, 0, 0, time.UTC)
		st.Now = func() time.Time { return now }
		county, a, b, _ := nets(t, st)

		empty, err := st.OpsFigures(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(empty.Tasks) != 0 || empty.LastImport != nil || empty.Imports["done"] != 0 || empty.Rounds["running"] != 0 ||
			empty.Running.Verifications["open"] != 0 {
			t.Fatalf("figures of an empty database %+v", empty)
		}

		task := func(key string, unit domain.Unit, kind string, due time.Time) domain.Task {
			t.Helper()
			out, _, err := st.CreateTask(ctx, store.NewTask{Key: key, Kind: kind, WorkflowID: "wf-" + key, UnitID: unit.ID,
				Role: domain.RoleInspector, DueAt: due})
			if err != nil {
				t.Fatal(err)
			}
			return out
		}
		late := task("late", a, "drill.acknowledge", now.Add(-time.Hour))
		task("late-b", b, "drill.acknowledge", now.Add(-time.Minute))
		task("fresh", a, "drill.acknowledge", now.Add(time.Hour))
		esc := task("esc", county, "task.escalation", now.Add(time.Hour))
		if err := st.RecordEscalation(ctx, late.ID, esc.ID, county.ID); err != nil {
			t.Fatal(err)
		}
		done := task("done", a, "drill.acknowledge", now.Add(-time.Hour))
		if _, err := st.CompleteTask(ctx, done.ID, "inspector", []byte(`{"acknowledged":true}`)); err != nil {
			t.Fatal(err)
		}

		imp := storetest.MergedImport(t, st, admin, "market", "m.csv")
		if err := st.DB().Exec(`UPDATE roster_imports SET rows = 1200, started_at = ?, finished_at = ? WHERE id = ?`,
			now.Add(-time.Minute), now.Add(-time.Minute+4*time.Second), imp.ID).Error; err != nil {
			t.Fatal(err)
		}

		// A running round over two organizations: one verification open, one completed.
		for _, uscc := range []string{"91350100M000100Y43", "91110108MA01B2C3D0"} {
			if err := st.DB().Exec(`INSERT INTO organizations (uscc, name, region_unit_id, region_path, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?)`, uscc, "单位"+uscc[:4], a.ID, a.Path, now, now).Error; err != nil {
				t.Fatal(err)
			}
		}
		for _, r := range []struct {
			id, status            string
			total, started, skips int
		}{{"r1", "running", 2, 2, 0}, {"r0", "done", 7, 7, 1}} {
			if err := st.DB().Exec(`INSERT INTO census_rounds (id, unit_id, unit_path, selection, status, total, started, skipped, created_by, created_at)
				VALUES (?, ?, ?, 'all', ?, ?, ?, ?, 'admin', ?)`, r.id, county.ID, county.Path, r.status, r.total, r.started, r.skips, now).Error; err != nil {
				t.Fatal(err)
			}
		}
		for i, uscc := range []string{"91350100M000100Y43", "91110108MA01B2C3D0"} {
			if err := st.DB().Exec(`INSERT INTO census_members (round_id, uscc, unit_id) VALUES ('r1', ?, ?)`, uscc, a.ID).Error; err != nil {
				t.Fatal(err)
			}
			v := task("census-verify/"+uscc+"/verify/r1", a, "census.verify", now.Add(48*time.Hour))
			if i == 1 {
				if _, err := st.CompleteTask(ctx, v.ID, "inspector", []byte(`{}`)); err != nil {
					t.Fatal(err)
				}
			}
		}

		f, err := st.OpsFigures(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := []store.TaskFigure{
			{Kind: "census.verify", UnitLevel: "township", Active: 1},
			{Kind: "drill.acknowledge", UnitLevel: "township", Active: 3, Overdue: 2, Escalated: 1},
			{Kind: "task.escalation", UnitLevel: "county", Active: 1},
		}
		if len(f.Tasks) != len(want) {
			t.Fatalf("task figures %+v, want %+v", f.Tasks, want)
		}
		for i := range want {
			if f.Tasks[i] != want[i] {
				t.Fatalf("task figure %d %+v, want %+v", i, f.Tasks[i], want[i])
			}
		}
		if f.Imports["done"] != 1 || f.Imports["failed"] != 0 || f.LastImport == nil || f.LastImport.ID != imp.ID ||
			f.LastImport.Rows != 1200 || f.LastImport.RowsPerSecond() != 300 {
			t.Fatalf("imports %+v last %+v", f.Imports, f.LastImport)
		}
		if f.Rounds["running"] != 1 || f.Rounds["done"] != 1 || f.Rounds["cancelled"] != 0 {
			t.Fatalf("rounds %+v", f.Rounds)
		}
		if f.Running.Selected != 2 || f.Running.Started != 2 || f.Running.Skipped != 0 ||
			f.Running.Verifications["open"] != 1 || f.Running.Verifications["completed"] != 1 || f.Running.Verifications["claimed"] != 0 {
			t.Fatalf("running rounds %+v", f.Running)
		}
	})
}

// TestOpsFiguresReadOneMoment: one refresh of the gauges describes one moment. A verification
// task committed while the refresh runs (here: right after its first query, the task figures)
// is either in all of its figures or in none; before, the task figures missed it while the
// census figures of the same refresh counted it (the observability test's flake).
func TestOpsFiguresReadOneMoment(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		now := time.Date(2027, 3, 10, 2, 0, 0, 0, time.UTC)
		st.Now = func() time.Time { return now }
		county, a, _, _ := nets(t, st)
		const uscc = "91350100M000100Y43"
		for _, q := range []struct {
			sql  string
			args []any
		}{
			{`INSERT INTO organizations (uscc, name, region_unit_id, region_path, created_at, updated_at) VALUES (?, '观测企业', ?, ?, ?, ?)`,
				[]any{uscc, a.ID, a.Path, now, now}},
			{`INSERT INTO census_rounds (id, unit_id, unit_path, selection, status, total, started, skipped, created_by, created_at)
				VALUES ('r1', ?, ?, 'all', 'running', 1, 1, 0, 'admin', ?)`, []any{county.ID, county.Path, now}},
			{`INSERT INTO census_members (round_id, uscc, unit_id) VALUES ('r1', ?, ?)`, []any{uscc, a.ID}},
		} {
			if err := st.DB().Exec(q.sql, q.args...).Error; err != nil {
				t.Fatal(err)
			}
		}
		// The round's verification task is created (and committed) right after the refresh's
		// first statement, the task figures, has started.
		var fired atomic.Bool
		createErr := make(chan error, 1)
		hook := "test:create-task-mid-refresh"
		if err := st.DB().Callback().Row().After("gorm:row").Register(hook, func(tx *gorm.DB) {
			if !strings.Contains(tx.Statement.SQL.String(), "FROM tasks t JOIN units u") || !fired.CompareAndSwap(false, true) {
				return
			}
			_, _, err := st.CreateTask(ctx, store.NewTask{Key: "census-verify/" + uscc + "/verify/r1", Kind: "census.verify",
				WorkflowID: "wf-verify", UnitID: a.ID, Role: domain.RoleInspector, DueAt: now.Add(48 * time.Hour)})
			createErr <- err
		}); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = st.DB().Callback().Row().Remove(hook) })

		active := func(f store.OpsFigures) int {
			n := 0
			for _, c := range f.Tasks {
				if c.Kind == "census.verify" {
					n += c.Active
				}
			}
			return n
		}
		f, err := st.OpsFigures(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !fired.Load() {
			t.Fatal("the task was not created during the refresh")
		}
		if err := <-createErr; err != nil {
			t.Fatal(err)
		}
		if a, v := active(f), f.Running.Verifications["open"]; a != v {
			t.Fatalf("one refresh counts %d active verification tasks and %d open verifications of the running round", a, v)
		}
		// The next refresh sees the task in both.
		f, err = st.OpsFigures(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if a, v := active(f), f.Running.Verifications["open"]; a != 1 || v != 1 {
			t.Fatalf("the next refresh: %d active verification tasks, %d open verifications, want 1 and 1", a, v)
		}
	})
}
