package embeddedtemporal

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"sort"
	"sync"
	"time"

	_ "modernc.org/sqlite" // the driver Temporal's sqlite plugin uses, registered as "sqlite"
)

// Disk space of the SQLite file. Temporal deletes a closed workflow's history when the
// namespace's retention has passed; SQLite keeps the freed pages in the file (reused by later
// writes, never returned). With auto_vacuum=INCREMENTAL the file remembers where its free pages
// are and `PRAGMA incremental_vacuum(N)` moves up to N of them to the end and truncates, a short
// write transaction that needs no idle moment (a full VACUUM rewrites the whole file and holds
// the write lock for as long). The pragma reaches a new file through the plugin's connect
// attributes, which it runs on every connection before the schema's first table; an existing
// file keeps its mode until a VACUUM, run once here before the server opens it.

// VacuumPages is the most free pages one incremental vacuum hands back (4 KiB each: 100 MiB).
const VacuumPages = 25600

// connectAttributes are the SQLite settings of the file, for the plugin and for vacuum.go's own
// connection alike (the plugin turns every key but a few URI parameters into a _pragma).
func connectAttributes() map[string]string {
	return map[string]string{"mode": "rwc", "journal_mode": "WAL", "synchronous": "NORMAL",
		"auto_vacuum": "INCREMENTAL", "busy_timeout": "10000"}
}

// openFile opens the file with the same driver and pragmas as the server.
func openFile(file string) (*sql.DB, error) {
	attrs := connectAttributes()
	keys := make([]string, 0, len(attrs))
	for k := range attrs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	q := url.Values{}
	for _, k := range keys {
		if k == "mode" {
			q.Set(k, attrs[k])
			continue
		}
		q.Add("_pragma", k+"="+attrs[k])
	}
	db, err := sql.Open("sqlite", "file:"+file+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("embeddedtemporal: open %s: %w", file, err)
	}
	db.SetMaxOpenConns(1)
	return db, nil
}

// AutoVacuumMode reads the file's auto_vacuum mode: 0 none, 1 full, 2 incremental.
func AutoVacuumMode(ctx context.Context, file string) (int, error) {
	db, err := openFile(file)
	if err != nil {
		return 0, err
	}
	defer db.Close()
	var mode int
	if err := db.QueryRowContext(ctx, "PRAGMA auto_vacuum").Scan(&mode); err != nil {
		return 0, fmt.Errorf("embeddedtemporal: auto_vacuum of %s: %w", file, err)
	}
	return mode, nil
}

// convertToIncrementalVacuum gives a file made without auto_vacuum the incremental mode by one
// VACUUM (it rewrites the whole file, once), logging the sizes and the time it took.
func convertToIncrementalVacuum(file string, log *slog.Logger) error {
	ctx := context.Background()
	mode, err := AutoVacuumMode(ctx, file)
	if err != nil || mode == 2 {
		return err
	}
	db, err := openFile(file)
	if err != nil {
		return err
	}
	defer db.Close()
	before := fileSize(file)
	log.Info("converting the Temporal database file to incremental vacuum (one VACUUM)", "file", file, "bytes", before)
	began := time.Now()
	for _, stmt := range []string{"PRAGMA auto_vacuum = INCREMENTAL", "VACUUM", "PRAGMA wal_checkpoint(TRUNCATE)"} {
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("embeddedtemporal: %s on %s: %w", stmt, file, err)
		}
	}
	log.Info("Temporal database file converted to incremental vacuum", "file", file,
		"bytes_before", before, "bytes_after", fileSize(file), "took", time.Since(began).Round(time.Millisecond))
	return nil
}

// vacuumer runs the incremental vacuum every interval until stopped.
type vacuumer struct {
	db   *sql.DB
	done chan struct{}
	wg   sync.WaitGroup
}

func startVacuum(file string, interval time.Duration, log *slog.Logger) (*vacuumer, error) {
	db, err := openFile(file)
	if err != nil {
		return nil, err
	}
	v := &vacuumer{db: db, done: make(chan struct{})}
	v.wg.Add(1)
	go func() {
		defer v.wg.Done()
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-v.done:
				return
			case <-t.C:
			}
			freed, err := IncrementalVacuum(context.Background(), db, VacuumPages)
			switch {
			case err != nil:
				log.Warn("incremental vacuum of the Temporal database file failed", "file", file, "error", err)
			case freed > 0:
				log.Debug("incremental vacuum of the Temporal database file", "file", file, "pages_freed", freed, "bytes", fileSize(file))
			}
		}
	}()
	return v, nil
}

func (v *vacuumer) stop() {
	close(v.done)
	v.wg.Wait()
	_ = v.db.Close()
}

// IncrementalVacuum hands back up to pages free pages to the file system and reports how many.
func IncrementalVacuum(ctx context.Context, db *sql.DB, pages int) (int, error) {
	var before, after int
	if err := db.QueryRowContext(ctx, "PRAGMA freelist_count").Scan(&before); err != nil {
		return 0, err
	}
	if before == 0 {
		return 0, nil
	}
	// The pragma returns no rows but does its work only while stepped: Exec steps it through.
	if _, err := db.ExecContext(ctx, fmt.Sprintf("PRAGMA incremental_vacuum(%d)", pages)); err != nil {
		return 0, err
	}
	// The WAL holds the moved pages until a checkpoint, which also truncates the main file. A
	// passive one waits for no reader or writer of the server's (a busy one finishes later).
	if _, err := db.ExecContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)"); err != nil {
		return 0, err
	}
	if err := db.QueryRowContext(ctx, "PRAGMA freelist_count").Scan(&after); err != nil {
		return 0, err
	}
	return before - after, nil
}

func fileSize(file string) int64 {
	fi, err := os.Stat(file)
	if err != nil {
		return -1
	}
	return fi.Size()
}
