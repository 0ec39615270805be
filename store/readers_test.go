package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"tandem/store"
	"tandem/store/storetest"
)

// TestSQLiteReadersSeeEveryCommit: a read through SQLite's read-only connections, right after a
// write through the writer has committed, sees that write, on each of the four connections,
// 200 times over, while another reader reads all along (plain reads and the metrics refresh's
// read transaction). A reader connection back in the pool with an old snapshot (an open read
// transaction) would fail it: the second part leaves one so on purpose and expects the check
// to catch it.
func TestSQLiteReadersSeeEveryCommit(t *testing.T) {
	ctx := context.Background()
	probe := func(t *testing.T) *store.Store {
		st := storetest.SQLite(t)
		if st.Readers() == nil {
			t.Fatal("a SQLite file store has no read-only connections")
		}
		if err := st.DB().Exec(`CREATE TABLE reader_probe (n INTEGER NOT NULL)`).Error; err != nil {
			t.Fatal(err)
		}
		return st
	}
	write := func(st *store.Store, n int) error {
		return st.DB().Exec(`INSERT INTO reader_probe (n) VALUES (?)`, n).Error
	}

	t.Run("fresh", func(t *testing.T) {
		st := probe(t)
		stop := make(chan struct{})
		background := make(chan error, 1)
		go func() { // another reader, with the metrics refresh's read transaction: its counts only grow
			last := 0
			for {
				select {
				case <-stop:
					background <- nil
					return
				default:
				}
				if _, err := st.OpsFigures(ctx); err != nil {
					background <- err
					return
				}
				var n int
				if err := st.DB().WithContext(ctx).Raw(`SELECT count(*) FROM reader_probe`).Scan(&n).Error; err != nil {
					background <- err
					return
				}
				if n < last {
					background <- fmt.Errorf("the background reader counted %d after %d", n, last)
					return
				}
				last = n
			}
		}()
		for i := 1; i <= 200; i++ {
			if err := write(st, i); err != nil {
				t.Fatal(err)
			}
			if seen := readOnEveryConnection(t, st); seen != [4]int{i, i, i, i} {
				t.Fatalf("after the %dth committed write the four reader connections counted %v", i, seen)
			}
		}
		close(stop)
		if err := <-background; err != nil {
			t.Fatal(err)
		}
		if got := st.Readers().Stats().OpenConnections; got != 4 {
			t.Fatalf("%d reader connections open, want all 4 used", got)
		}
	})

	t.Run("a stale connection is caught", func(t *testing.T) {
		st := probe(t)
		if err := write(st, 1); err != nil {
			t.Fatal(err)
		}
		// A BEGIN database/sql does not know of: the connection goes back to the pool inside a
		// read transaction whose snapshot holds one row.
		conn, err := st.Readers().Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var n int
		if _, err := conn.ExecContext(ctx, "BEGIN"); err != nil {
			t.Fatal(err)
		}
		if err := conn.QueryRowContext(ctx, `SELECT count(*) FROM reader_probe`).Scan(&n); err != nil || n != 1 {
			t.Fatalf("count %d %v", n, err)
		}
		_ = conn.Close()
		if err := write(st, 2); err != nil {
			t.Fatal(err)
		}
		seen := readOnEveryConnection(t, st)
		stale := 0
		for _, n := range seen {
			if n == 1 {
				stale++
			}
		}
		if stale != 1 {
			t.Fatalf("with one connection held at the old snapshot the reads counted %v, want one 1 among 2s", seen)
		}
	})
}

// readOnEveryConnection counts reader_probe's rows on four reads open at once (so on four
// connections of the reader pool) and returns the counts.
func readOnEveryConnection(t *testing.T, st *store.Store) (seen [4]int) {
	t.Helper()
	var opened, done sync.WaitGroup
	errs := make(chan error, 4)
	opened.Add(4)
	done.Add(4)
	for k := range 4 {
		go func() {
			defer done.Done()
			rows, err := st.DB().WithContext(context.Background()).Raw(`SELECT count(*) FROM reader_probe`).Rows()
			opened.Done()
			if err != nil {
				errs <- err
				return
			}
			defer rows.Close()
			opened.Wait() // all four statements are open: four connections
			if !rows.Next() {
				errs <- fmt.Errorf("no count: %v", rows.Err())
				return
			}
			if err := rows.Scan(&seen[k]); err != nil {
				errs <- err
			}
		}()
	}
	done.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	return seen
}
