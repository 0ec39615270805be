package bench_test

import (
	"context"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"tandem/domain"
	"tandem/store"
	"tandem/store/storetest"
)

// Temporary (not committed): EXPLAIN of the county subtree's inbox list and counts, before
// and after the candidate indexes.
func BenchmarkZZExplainInbox(b *testing.B) {
	if os.Getenv(storetest.PostgresEnv) == "" {
		b.Skip("pg")
	}
	st := storetest.Postgres(b)
	seed(b, st)
	ctx := context.Background()
	county := domain.Principal{Admin: true, Username: "officer"}
	f := store.TaskFilter{Visible: true, UnitPath: "/u00000/u00004/"}
	median := func(fn func() error) time.Duration {
		var ds []time.Duration
		for range 7 {
			t0 := time.Now()
			if err := fn(); err != nil {
				b.Fatal(err)
			}
			ds = append(ds, time.Since(t0))
		}
		sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
		return ds[len(ds)/2]
	}
	qs := map[string]string{
		"list": `SELECT t.* FROM tasks t WHERE t.status IN ('open','claimed') AND t.unit_path LIKE '/u00000/u00004/%' ESCAPE '\' ORDER BY t.due_at, t.id LIMIT 51`,
		"totals": `SELECT COUNT(*), SUM(CASE WHEN t.status IN ('open','claimed') AND t.due_at < now() THEN 1 ELSE 0 END) FROM tasks t WHERE t.status IN ('open','claimed') AND t.unit_path LIKE '/u00000/u00004/%' ESCAPE '\'`,
		"kind":   `SELECT t.kind, COUNT(*) FROM tasks t WHERE t.status IN ('open','claimed') AND t.unit_path LIKE '/u00000/u00004/%' ESCAPE '\' GROUP BY t.kind`,
		"status": `SELECT t.status, COUNT(*) FROM tasks t WHERE t.unit_path LIKE '/u00000/u00004/%' ESCAPE '\' GROUP BY t.status`,
		"unit":   `SELECT t.unit_id, u.name, COUNT(*) AS n FROM tasks t JOIN units u ON u.id = t.unit_id WHERE t.status IN ('open','claimed') GROUP BY t.unit_id, u.name ORDER BY n DESC, t.unit_id LIMIT 101`,
	}
	explain := func(label string) {
		for _, name := range []string{"list", "totals", "kind", "status", "unit"} {
			var lines []string
			if err := st.DB().Raw("EXPLAIN (ANALYZE, BUFFERS) " + qs[name]).Scan(&lines).Error; err != nil {
				b.Fatal(err)
			}
			b.Logf("%s %s:\n%s", label, name, strings.Join(lines, "\n"))
		}
		b.Logf("%s: list %v, counts %v", label,
			median(func() error { _, _, err := st.ListTasks(ctx, county, f); return err }),
			median(func() error { _, err := st.CountTasks(ctx, county, f); return err }))
	}
	explain("BEFORE")
	if sql := os.Getenv("ZZ_INDEX_SQL"); sql != "" {
		for _, s := range strings.Split(sql, ";") {
			if strings.TrimSpace(s) == "" {
				continue
			}
			if err := st.DB().Exec(s).Error; err != nil {
				b.Fatal(err)
			}
		}
		st.DB().Exec("ANALYZE tasks")
		explain("AFTER")
	}
}
