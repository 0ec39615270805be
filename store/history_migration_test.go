package store_test

import (
	"context"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	"tandem/store"
	"tandem/store/storetest"
)

// TestOpenStatesMigration: 00028 moves each organization's open history row into the
// organization's own row, and organization_states reads the same history as
// organization_history did before it; a figure change after it ends the moved state and starts
// the next, as before.
func TestOpenStatesMigration(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		name string
		url  func(t *testing.T) string
	}{
		{"sqlite", func(t *testing.T) string { return t.TempDir() + "/m.db" }},
		{"postgres", func(t *testing.T) string { return storetest.NewPostgresDatabase(t) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			st, err := store.Open(ctx, c.url(t))
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			if err := st.MigrateTo(ctx, 27); err != nil {
				t.Fatal(err)
			}
			db := st.DB()
			t0 := time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC)
			exec := func(q string, args ...any) {
				t.Helper()
				if err := db.Exec(q, args...).Error; err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			for i, u := range []string{"91350100M000100Y43", "91350100M000101Y43", "91350100M000102Y43"} {
				exec(`INSERT INTO organizations (uscc, name, employees, created_at, updated_at) VALUES (?, '甲', 10, ?, ?)`, u, t0, t0)
				if i > 0 {
					exec(`UPDATE organizations SET employees = 20, updated_at = ? WHERE uscc = ?`, t0.Add(time.Hour), u)
				}
				if i > 1 {
					exec(`UPDATE organizations SET missing = TRUE, updated_at = ? WHERE uscc = ?`, t0.Add(2*time.Hour), u)
				}
			}
			// A state backfilled by 00022: known only from its known_from.
			exec(`UPDATE organization_history SET known_from = ? WHERE uscc = '91350100M000100Y43'`, t0.Add(30*time.Minute))
			dump := func(table string) string {
				t.Helper()
				type row struct {
					USCC                          string
					ValidFrom, ValidTo, KnownFrom *string
					Employees                     *int
					Missing                       bool
				}
				var rows []row
				if err := db.Raw(`SELECT uscc, valid_from, valid_to, known_from, employees, missing FROM ` + table +
					` ORDER BY uscc, valid_from, valid_to`).Scan(&rows).Error; err != nil {
					t.Fatal(err)
				}
				var b strings.Builder
				ts := func(p *string) string {
					if p == nil {
						return "-"
					}
					for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999-07:00"} {
						if v, err := time.Parse(layout, *p); err == nil {
							return v.UTC().Format(time.RFC3339)
						}
					}
					t.Fatalf("a time in an unknown layout: %q", *p)
					return ""
				}
				for _, r := range rows {
					e := "-"
					if r.Employees != nil {
						e = strconv.Itoa(*r.Employees)
					}
					b.WriteString(r.USCC + " " + ts(r.ValidFrom) + " " + ts(r.ValidTo) + " " + ts(r.KnownFrom) + " " + e + " " +
						map[bool]string{true: "missing", false: "present"}[r.Missing] + "\n")
				}
				return b.String()
			}
			before := dump("organization_history")
			if strings.Count(before, "\n") != 6 {
				t.Fatalf("setup: history before the migration:\n%s", before)
			}
			if err := st.Migrate(ctx, slog.New(slog.DiscardHandler)); err != nil {
				t.Fatal(err)
			}
			if got := dump("organization_states"); got != before {
				t.Fatalf("organization_states after the migration:\n%s\nwant what organization_history held:\n%s", got, before)
			}
			var open int64
			if err := db.Raw(`SELECT count(*) FROM organization_history WHERE valid_to IS NULL`).Scan(&open).Error; err != nil || open != 0 {
				t.Fatalf("open rows left in organization_history: %d %v", open, err)
			}
			// The backfilled state ends: its known_from goes with it into the history.
			exec(`UPDATE organizations SET employees = 30, updated_at = ? WHERE uscc = '91350100M000100Y43'`, t0.Add(3*time.Hour))
			// An update of no figure column changes no state.
			exec(`UPDATE organizations SET name = '乙', updated_at = ? WHERE uscc = '91350100M000101Y43'`, t0.Add(4*time.Hour))
			want := strings.Replace(before,
				"91350100M000100Y43 2026-03-01T02:00:00Z - 2026-03-01T02:30:00Z 10 present\n",
				"91350100M000100Y43 2026-03-01T02:00:00Z 2026-03-01T05:00:00Z 2026-03-01T02:30:00Z 10 present\n"+
					"91350100M000100Y43 2026-03-01T05:00:00Z - 2026-03-01T05:00:00Z 30 present\n", 1)
			if got := dump("organization_states"); got != want {
				t.Fatalf("organization_states after two updates:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}
