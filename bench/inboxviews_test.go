package bench_test

import (
	"context"
	"os"
	"sort"
	"testing"
	"time"

	"tandem/domain"
	"tandem/store"
	"tandem/store/storetest"
)

// BenchmarkInboxSortsAndCounts times, on the inbox benchmark's 1,000,000 tasks, the inbox's
// other sorts and its counts (#18) against the tuned default list (assignee=me, by due date) in
// the same run: an inspector's own inbox, and a county's subtree (about 50,000 tasks) as a
// county officer's scope=visible lists it. Median of 15 calls each, one client, through the
// store (no HTTP: the same for every row).
func BenchmarkInboxSortsAndCounts(b *testing.B) {
	if os.Getenv(storetest.PostgresEnv) == "" {
		b.Skip("needs PostgreSQL: run `make bench`")
	}
	st := storetest.Postgres(b)
	seed(b, st)
	ctx := context.Background()
	insp := domain.Principal{UserID: "user42", Username: "user42", Memberships: []domain.Membership{
		{UnitID: "u00063", UnitPath: "/u00000/u00004/u00063/", Role: domain.RoleInspector}}}
	county := domain.Principal{Admin: true, Username: "officer"}
	countyPath := "/u00000/u00004/"
	median := func(fn func() error) time.Duration {
		var ds []time.Duration
		for range 15 {
			t0 := time.Now()
			if err := fn(); err != nil {
				b.Fatal(err)
			}
			ds = append(ds, time.Since(t0))
		}
		sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
		return ds[len(ds)/2]
	}
	list := func(p domain.Principal, f store.TaskFilter) func() error {
		return func() error { _, _, err := st.ListTasks(ctx, p, f); return err }
	}
	count := func(p domain.Principal, f store.TaskFilter) func() error {
		return func() error { _, err := st.CountTasks(ctx, p, f); return err }
	}
	b.ResetTimer()
	for range b.N {
		base := median(list(insp, store.TaskFilter{AssigneeMe: true}))
		b.Logf("baseline: inspector, assignee=me, by due: %v", base)
		for _, c := range []struct {
			name string
			fn   func() error
		}{
			{"inspector, actionable, by due (overdue first)", list(insp, store.TaskFilter{OverdueFirst: true})},
			{"inspector, actionable, -priority, overdue first", list(insp, store.TaskFilter{Sort: store.SortPriorityDesc, OverdueFirst: true})},
			{"inspector, actionable, -created", list(insp, store.TaskFilter{Sort: store.SortCreatedDesc})},
			{"inspector, counts", count(insp, store.TaskFilter{})},
			{"county subtree, visible, by due", list(county, store.TaskFilter{Visible: true, UnitPath: countyPath})},
			{"county subtree, visible, -priority, overdue first", list(county, store.TaskFilter{Visible: true, UnitPath: countyPath, Sort: store.SortPriorityDesc, OverdueFirst: true})},
			{"county subtree, visible, counts", count(county, store.TaskFilter{Visible: true, UnitPath: countyPath})},
		} {
			d := median(c.fn)
			b.Logf("%-52s %10v  %.1f× baseline", c.name, d, float64(d)/float64(base))
		}
	}
}
