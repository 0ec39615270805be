package store_test

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"tandem/store"
	"tandem/store/storetest"
)

// migrationVersions lists the goose version numbers of the .sql files in one dialect's folder.
func migrationVersions(t *testing.T, dialect string) []int64 {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join("migrations", dialect))
	if err != nil {
		t.Fatal(err)
	}
	var out []int64
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		num, _, _ := strings.Cut(e.Name(), "_")
		v, err := strconv.ParseInt(num, 10, 64)
		if err != nil {
			t.Fatalf("%s/%s: no version number: %v", dialect, e.Name(), err)
		}
		out = append(out, v)
	}
	if len(out) == 0 {
		t.Fatalf("no migrations in %s", dialect)
	}
	return out
}

// appliedVersions lists the versions goose recorded as applied, in order.
func appliedVersions(t *testing.T, st *store.Store) []int64 {
	t.Helper()
	var out []int64
	if err := st.DB().Raw("SELECT version_id FROM goose_db_version WHERE is_applied AND version_id > 0 ORDER BY version_id").
		Scan(&out).Error; err != nil {
		t.Fatal(err)
	}
	return out
}

// TestOneSchemaVersion: both migration folders list the same versions, and a migrated
// database of either kind has applied every one of them and reports the same version.
func TestOneSchemaVersion(t *testing.T) {
	pg, lite := migrationVersions(t, "postgres"), migrationVersions(t, "sqlite")
	if !slices.Equal(pg, lite) {
		t.Fatalf("migration versions differ:\npostgres %v\nsqlite   %v", pg, lite)
	}
	latest := pg[len(pg)-1]
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		current, expected, err := st.SchemaVersions(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if current != latest || expected != latest {
			t.Errorf("SchemaVersions = %d, %d; want %d for both", current, expected, latest)
		}
		if got := appliedVersions(t, st); !slices.Equal(got, pg) {
			t.Errorf("applied versions %v, want %v", got, pg)
		}
	})
}

// TestMigrateBackfillsSQLiteNoOp: a SQLite database migrated before its 00008 existed (every
// version but 8 applied) migrates again without error and ends with every version applied.
func TestMigrateBackfillsSQLiteNoOp(t *testing.T) {
	ctx := context.Background()
	st := storetest.SQLite(t)
	if err := st.DB().Exec("DELETE FROM goose_db_version WHERE version_id = 8").Error; err != nil {
		t.Fatal(err)
	}
	if got := appliedVersions(t, st); slices.Contains(got, 8) {
		t.Fatalf("setup: version 8 still applied: %v", got)
	}
	if err := st.Migrate(ctx, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatalf("migrate a database without 00008: %v", err)
	}
	if got, want := appliedVersions(t, st), migrationVersions(t, "sqlite"); !slices.Equal(got, want) {
		t.Errorf("applied versions %v, want %v", got, want)
	}
	if err := st.CheckSchema(ctx); err != nil {
		t.Errorf("CheckSchema after backfill: %v", err)
	}
}
