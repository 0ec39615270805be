package embeddedtemporal_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"tandem/embeddedtemporal"
	"tandem/workflows"
)

// TestTemporalFileVacuumAndRetention: a new file is made with auto_vacuum=INCREMENTAL (2); a
// file from before (mode 0, as every file made by earlier releases) is converted on the next
// start and the server runs on it; the namespace's retention follows the setting on each start.
func TestTemporalFileVacuumAndRetention(t *testing.T) {
	ctx := context.Background()
	file := filepath.Join(t.TempDir(), "temporal.db")
	start := func(retention time.Duration) time.Duration {
		t.Helper()
		srv, err := embeddedtemporal.Start(embeddedtemporal.Options{DatabaseFile: file, Namespace: "default",
			SearchAttributes: workflows.SearchAttributes(), LogLevel: "error", Retention: retention})
		if err != nil {
			t.Fatal(err)
		}
		defer srv.Stop()
		nc, err := client.NewNamespaceClient(client.Options{HostPort: srv.HostPort()})
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		desc, err := nc.Describe(ctx, "default")
		if err != nil {
			t.Fatal(err)
		}
		return desc.GetConfig().GetWorkflowExecutionRetentionTtl().AsDuration()
	}
	mode := func() int {
		t.Helper()
		m, err := embeddedtemporal.AutoVacuumMode(ctx, file)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}

	if got := start(0); got != embeddedtemporal.DefaultRetention {
		t.Fatalf("a new namespace's retention %v, want the default %v", got, embeddedtemporal.DefaultRetention)
	}
	if m := mode(); m != 2 {
		t.Fatalf("a new file has auto_vacuum %d, want 2 (incremental)", m)
	}

	// Make it a file of the old kind: no auto_vacuum.
	db, err := sql.Open("sqlite", "file:"+file+"?_pragma=journal_mode(WAL)")
	if err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{"PRAGMA auto_vacuum = NONE", "VACUUM", "PRAGMA wal_checkpoint(TRUNCATE)"} {
		if _, err := db.Exec(stmt); err != nil {
			t.Fatal(stmt, err)
		}
	}
	db.Close()
	if m := mode(); m != 0 {
		t.Fatalf("after the conversion back the file has auto_vacuum %d, want 0", m)
	}

	if got := start(2 * time.Hour); got != 2*time.Hour {
		t.Fatalf("an existing namespace's retention after a start with 2h: %v", got)
	}
	if m := mode(); m != 2 {
		t.Fatalf("an old file after a start has auto_vacuum %d, want 2 (converted)", m)
	}
	if got := start(3 * time.Minute); got != 3*time.Minute {
		t.Fatalf("retention after a start with 3m: %v (Temporal's one-hour floor not lowered?)", got)
	}
	if _, err := embeddedtemporal.Start(embeddedtemporal.Options{DatabaseFile: file, Namespace: "default", Retention: time.Second}); err == nil ||
		!strings.Contains(err.Error(), "retention") {
		t.Fatalf("a retention of 1s: %v, want refused", err)
	}
}

// TestIncrementalVacuumShrinksFile: rows deleted from an auto_vacuum=INCREMENTAL file leave it
// as large as before; IncrementalVacuum hands their pages back (at most the pages asked for).
func TestIncrementalVacuumShrinksFile(t *testing.T) {
	ctx := context.Background()
	file := filepath.Join(t.TempDir(), "v.db")
	db, err := sql.Open("sqlite", "file:"+file+"?_pragma=auto_vacuum(INCREMENTAL)&_pragma=journal_mode(WAL)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := db.Exec(q, args...); err != nil {
			t.Fatal(q, err)
		}
	}
	exec("CREATE TABLE h (id INTEGER PRIMARY KEY, data BLOB)")
	blob := make([]byte, 4000)
	for i := range 2000 {
		exec("INSERT INTO h (id, data) VALUES (?, ?)", i, blob)
	}
	exec("PRAGMA wal_checkpoint(TRUNCATE)")
	size := func() int64 {
		fi, err := os.Stat(file)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	full := size()
	exec("DELETE FROM h")
	exec("PRAGMA wal_checkpoint(TRUNCATE)")
	if s := size(); s != full {
		t.Fatalf("after the delete %d bytes, want still %d (SQLite keeps free pages)", s, full)
	}
	freed, err := embeddedtemporal.IncrementalVacuum(ctx, db, 100)
	if err != nil || freed != 100 {
		t.Fatalf("first vacuum freed %d pages (%v), want the 100 asked for", freed, err)
	}
	freed, err = embeddedtemporal.IncrementalVacuum(ctx, db, embeddedtemporal.VacuumPages)
	if err != nil || freed < 1000 {
		t.Fatalf("second vacuum freed %d pages (%v)", freed, err)
	}
	if s := size(); s > full/10 {
		t.Fatalf("after the vacuum %d bytes of %d", s, full)
	}
	t.Logf("file %d bytes full, %d after delete and vacuum", full, size())
	if freed, err := embeddedtemporal.IncrementalVacuum(ctx, db, 100); err != nil || freed != 0 {
		t.Fatalf("vacuum of a file without free pages: %d, %v", freed, err)
	}
}
