package store

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/gorm"

	"tandem/domain"
)

// An import stages its rows in a table of its own, shaped like organization_sources. On
// PostgreSQL the merge attaches that table as the source's partition of organization_sources,
// so the rows are written once; on SQLite it replaces the source's rows with them.
func batchTable(importID string) string {
	return "roster_batch_" + strings.ReplaceAll(importID, "-", "_")
}

// deltaTable lists the credit codes whose rows in an import differ from the source's last
// extract (Stager.CompareWith).
func deltaTable(importID string) string { return batchTable(importID) + "_delta" }

// batchColumns are the staging table's columns, those of organization_sources.
var batchColumns = []string{"uscc", "source", "import_id", "observed_at", "row_number", "name", "township", "industry",
	"supervisor", "employees", "reg_status", "address", "missing"}

const sqliteBatchTable = `(uscc TEXT NOT NULL, source TEXT NOT NULL, import_id TEXT NOT NULL, observed_at DATETIME NOT NULL,
	row_number INTEGER NOT NULL, name TEXT NOT NULL, township TEXT NOT NULL, industry TEXT NOT NULL, supervisor TEXT NOT NULL,
	employees INTEGER, reg_status TEXT NOT NULL, address TEXT NOT NULL, missing BOOLEAN NOT NULL DEFAULT FALSE)`

// StartImport marks an import running and gives it an empty staging table, dropping what an
// earlier attempt staged.
func (s *Store) StartImport(ctx context.Context, id string) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		t := quoteIdent(batchTable(id))
		if err := tx.Exec("DROP TABLE IF EXISTS " + t).Error; err != nil {
			return translate(err, "staging")
		}
		if err := tx.Exec("DROP TABLE IF EXISTS " + quoteIdent(deltaTable(id))).Error; err != nil {
			return translate(err, "staging")
		}
		var imp RosterImport
		if err := tx.Where("id = ?", id).Take(&imp).Error; err != nil {
			return translate(err, "import")
		}
		// The check, made while the table is empty, spares the attach a scan of every row.
		// Autovacuum stays away until the merge attaches the table: it would only hold up the
		// attach with a table the import is about to replace or index. Its pages keep room for
		// the months that update it in place (00029).
		ddl := "CREATE TABLE " + t + " (LIKE organization_sources INCLUDING DEFAULTS, CHECK (source = " + quoteLiteral(imp.Source) +
			")) WITH (autovacuum_enabled = false, fillfactor = 85)"
		if s.dialect == SQLite {
			ddl = "CREATE TABLE " + t + " " + sqliteBatchTable
		}
		if err := tx.Exec(ddl).Error; err != nil {
			return translate(err, "staging")
		}
		if err := tx.Exec("DELETE FROM roster_issues WHERE import_id = ?", id).Error; err != nil {
			return translate(err, "import issues")
		}
		if err := tx.Exec("DELETE FROM roster_fingerprints WHERE import_id = ?", id).Error; err != nil {
			return translate(err, "fingerprints")
		}
		return translate(tx.Model(&RosterImport{}).Where("id = ?", id).
			Updates(map[string]any{"status": domain.ImportRunning, "started_at": s.Now(), "error": "", "fingerprints": 0, "delta_base": ""}).Error, "import")
	})
}

// FailImport records why an import failed, with what the parser counted when it got that far
// (pc may be nil); the master roster is untouched, and the rejects stay listed.
func (s *Store) FailImport(ctx context.Context, id, reason string, pc *ParseCounts) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec("DROP TABLE IF EXISTS " + quoteIdent(batchTable(id))).Error; err != nil {
			return translate(err, "staging")
		}
		if err := tx.Exec("DELETE FROM roster_fingerprints WHERE import_id = ?", id).Error; err != nil {
			return translate(err, "fingerprints")
		}
		if err := tx.Exec("DROP TABLE IF EXISTS " + quoteIdent(deltaTable(id))).Error; err != nil {
			return translate(err, "staging")
		}
		upd := map[string]any{"status": domain.ImportFailed, "error": reason, "finished_at": s.Now()}
		if pc != nil {
			upd["rows"], upd["accepted"], upd["rejected"], upd["warnings"] = pc.Rows, pc.Accepted, pc.Rejected, pc.Warnings
			upd["encoding"], upd["sheet"], upd["header_row"] = pc.Encoding, pc.Sheet, pc.HeaderRow
		}
		return translate(tx.Model(&RosterImport{}).Where("id = ?", id).Updates(upd).Error, "import")
	})
}

func quoteIdent(name string) string { return pgx.Identifier{name}.Sanitize() }

func quoteLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// StagedRow is a valid row on its way to the master roster.
type StagedRow struct {
	Row        int
	USCC       string
	Name       string
	Township   string
	Industry   string
	Supervisor string
	Employees  *int
	RegStatus  string
	Address    string
}

// ImportIssue is a rejected row or a cell warning.
type ImportIssue struct {
	Row      int
	Field    string
	Severity string // reject | warning
	Reason   string
	Message  string
	Raw      string
	Name     string // the row's organization name
}

// Stager writes an import's rows into its staging table and its issues into roster_issues.
// On PostgreSQL the rows stream through one COPY while the file is still being parsed; on
// SQLite they go in batched INSERTs. Rows are staged as they come, a credit code possibly
// twice; the merge keeps the later row. Call Flush at the end, and Close always.
type Stager struct {
	s      *Store
	ctx    context.Context
	imp    RosterImport
	table  string
	now    time.Time
	issues []ImportIssue

	rows [][]any // SQLite: the batch being built

	// The rows' fingerprints, stored at Flush for the source's next extract to be compared with.
	// With the source's last ones (last), only the rows that differ from it or are new are
	// staged (see Row), and Flush lists the credit codes whose rows differ, appeared or
	// vanished, for the merge to write only those. Then prints hold only the fingerprints that
	// are not last's: a bit in same marks a fingerprint of last the extract repeated, a bit in
	// changed one whose credit code has a row in prints. noPrints: a row had no 18-character
	// credit code (only tests stage such rows, never with last), so nothing is compared.
	prints   printRuns
	last     *Fingerprints
	same     []uint64
	changed  []uint64
	noPrints bool

	// PostgreSQL: batches of rows on their way into the COPY.
	batch   [][]any
	send    chan [][]any
	done    chan struct{} // closed when the COPY has ended, with copyErr
	copyErr error
	once    sync.Once
	flushed bool
}

const stageBatch = 2000

// CompareWith stages only what changed against the source's last extract (see
// SourceFingerprints): a row whose credit code the last extract delivered with the same
// fingerprint is not staged, and Flush lists the credit codes whose rows differ, appeared or
// vanished, for the merge to write only those (MergeImport). Nil stages every row.
func (st *Stager) CompareWith(last *Fingerprints) {
	st.last = last
	if last == nil {
		return
	}
	if last.index == nil { // a Comparer that gave up on the same extract leaves it built
		last.buildIndex()
	}
	words := (last.Len() + 63) / 64
	st.same, st.changed = make([]uint64, words), make([]uint64, words)
}

// NewStager stages rows for an import that StartImport started.
func (s *Store) NewStager(ctx context.Context, imp RosterImport) *Stager {
	return &Stager{s: s, ctx: ctx, imp: imp, table: batchTable(imp.ID), now: s.Now()}
}

// errStagingAborted ends a COPY whose producer gave up.
var errStagingAborted = errors.New("store: staging aborted")

// Row stages one row.
func (st *Stager) Row(r StagedRow) error {
	if len(r.USCC) == len(fingerprintKey{}) && !st.noPrints {
		p := fingerprint{hash: rowHash(r)}
		copy(p.key[:], r.USCC)
		// Compared with the last extract, a row it delivered with the same fields is not
		// staged: the source's row stays as it is, provenance included. (Of a credit code given
		// twice the later row wins: a row that repeats last's after one that differed goes into
		// prints after it, so that Flush finds the code unchanged, and what was staged of it is
		// not read.)
		if st.last != nil {
			if i, ok := st.last.lookup(p.key); ok {
				bit := uint64(1) << (i % 64)
				if st.last.sorted[i].hash == p.hash {
					if st.changed[i/64]&bit == 0 {
						st.same[i/64] |= bit
					} else {
						st.prints.add(p)
					}
					return nil
				}
				st.changed[i/64] |= bit
			}
		}
		st.prints.add(p)
	} else if st.last != nil {
		return errors.New("store: a row without an 18-character credit code cannot be compared with the source's last extract")
	} else {
		st.noPrints, st.prints = true, printRuns{}
	}
	// Built only for a row that is staged: most rows of a month are not.
	var emp any
	if r.Employees != nil {
		emp = int32(*r.Employees)
	}
	vals := []any{r.USCC, st.imp.Source, st.imp.ID, st.now, int32(r.Row), r.Name, r.Township, r.Industry, r.Supervisor,
		emp, r.RegStatus, r.Address, false}
	if st.s.dialect == SQLite {
		st.rows = append(st.rows, vals)
		if len(st.rows) >= stageBatch {
			return st.flushSQLite()
		}
		return nil
	}
	st.batch = append(st.batch, vals)
	if len(st.batch) >= stageBatch {
		return st.sendBatch()
	}
	return nil
}

// sendBatch hands the rows so far to the COPY, starting it on the first batch.
func (st *Stager) sendBatch() error {
	if len(st.batch) == 0 {
		return nil
	}
	st.once.Do(st.startCopy)
	select {
	case st.send <- st.batch:
		st.batch = make([][]any, 0, stageBatch)
		return nil
	case <-st.done:
		return st.copyFailed()
	}
}

func (st *Stager) copyFailed() error {
	if st.copyErr == nil {
		return errors.New("store: staging COPY ended early")
	}
	return st.copyErr
}

func (st *Stager) startCopy() {
	st.send = make(chan [][]any, 4)
	st.done = make(chan struct{})
	go func() {
		defer close(st.done)
		st.copyErr = st.s.copyStream(st.ctx, st.table, batchColumns, st.send)
	}()
}

// copyStream runs one COPY into table from the batches sent on rows, until rows is closed or a
// nil batch says the producer gave up.
func (s *Store) copyStream(ctx context.Context, table string, cols []string, rows <-chan [][]any) error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return translate(err, table)
	}
	defer conn.Close()
	return translate(conn.Raw(func(dc any) error {
		_, err := dc.(*stdlib.Conn).Conn().CopyFrom(ctx, pgx.Identifier{table}, cols, &chanSource{rows: rows})
		return err
	}), table)
}

// chanSource feeds pgx's CopyFrom from batches on a channel.
type chanSource struct {
	rows  <-chan [][]any
	batch [][]any
	i     int
	err   error
}

func (c *chanSource) Next() bool {
	for c.i >= len(c.batch) {
		b, ok := <-c.rows
		if !ok {
			return false
		}
		if b == nil {
			c.err = errStagingAborted
			return false
		}
		c.batch, c.i = b, 0
	}
	c.i++
	return true
}

func (c *chanSource) Values() ([]any, error) { return c.batch[c.i-1], nil }
func (c *chanSource) Err() error             { return c.err }

// Issue stages one issue.
func (st *Stager) Issue(i ImportIssue) error {
	st.issues = append(st.issues, i)
	if len(st.issues) >= stageBatch {
		return st.flushIssues()
	}
	return nil
}

// Flush writes what is buffered and waits for the COPY.
func (st *Stager) Flush() error {
	defer st.s.trace("stage: flush", time.Now())
	if st.s.dialect == SQLite {
		if err := st.flushSQLite(); err != nil {
			return err
		}
	} else {
		if err := st.sendBatch(); err != nil {
			return err
		}
		st.flushed = true
		if st.send != nil {
			close(st.send)
			<-st.done
			if st.copyErr != nil {
				return st.copyErr
			}
		}
	}
	if err := st.flushIssues(); err != nil {
		return err
	}
	if st.noPrints {
		return nil
	}
	prints, same := st.prints, st.same
	st.prints, st.same, st.changed = printRuns{}, nil, nil
	if st.last != nil {
		st.last.index = nil
	}
	return st.s.saveFingerprints(st.ctx, st.imp, &prints, st.last, same)
}

// Close stops a COPY that Flush did not finish: its rows are not committed, and the import
// must start again.
func (st *Stager) Close() {
	if st.send != nil && !st.flushed {
		st.flushed = true
		select {
		case st.send <- nil:
		case <-st.done:
		}
		<-st.done
	}
}

func (st *Stager) flushSQLite() error {
	if len(st.rows) == 0 {
		return nil
	}
	err := st.s.copyRows(st.ctx, st.table, batchColumns, st.rows)
	st.rows = st.rows[:0]
	return err
}

var issueColumns = []string{"import_id", "row_number", "field", "severity", "reason", "message", "raw", "name"}

func (st *Stager) flushIssues() error {
	if len(st.issues) == 0 {
		return nil
	}
	vals := make([][]any, len(st.issues))
	for i, r := range st.issues {
		vals[i] = []any{st.imp.ID, int32(r.Row), r.Field, r.Severity, r.Reason, r.Message, r.Raw, r.Name}
	}
	st.issues = st.issues[:0]
	return st.s.copyRows(st.ctx, "roster_issues", issueColumns, vals)
}

// copyRows bulk-inserts rows: COPY on PostgreSQL, batched INSERTs in one transaction on SQLite.
func (s *Store) copyRows(ctx context.Context, table string, cols []string, rows [][]any) error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	if s.dialect == Postgres {
		batches := make(chan [][]any, 1)
		batches <- rows
		close(batches)
		return s.copyStream(ctx, table, cols, batches)
	}
	const perStmt = 500 // SQLite allows 32,766 parameters
	tx, err := sqlDB.BeginTx(ctx, nil)
	if err != nil {
		return translate(err, table)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
	ph := "(" + strings.TrimSuffix(strings.Repeat("?,", len(cols)), ",") + ")"
	for start := 0; start < len(rows); start += perStmt {
		end := min(start+perStmt, len(rows))
		args := make([]any, 0, (end-start)*len(cols))
		for _, r := range rows[start:end] {
			args = append(args, r...)
		}
		q := "INSERT INTO " + quoteIdent(table) + " (" + strings.Join(cols, ",") + ") VALUES " +
			strings.TrimSuffix(strings.Repeat(ph+",", end-start), ",")
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return translate(err, table)
		}
	}
	return translate(tx.Commit(), table)
}

// DropStaleImportTables drops the staging tables that no import will use again: those of
// imports that ended (a merge or a failure normally drops or attaches them; a terminated
// workflow does neither) or that have been running for a day, which no worker still runs; an
// import held for confirmation keeps its table, however long the decision takes. It returns
// how many it dropped.
func (s *Store) DropStaleImportTables(ctx context.Context) (int, error) {
	list := `SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename LIKE 'roster\_batch\_%'`
	if s.dialect == SQLite {
		list = `SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'roster\_batch\_%' ESCAPE '\'`
	}
	var tables []string
	if err := s.db.WithContext(ctx).Raw(list).Scan(&tables).Error; err != nil {
		return 0, translate(err, "staging tables")
	}
	dropped := 0
	for _, t := range tables {
		id := strings.ReplaceAll(strings.TrimSuffix(strings.TrimPrefix(t, "roster_batch_"), "_delta"), "_", "-")
		var live int64
		if err := s.db.WithContext(ctx).Model(&RosterImport{}).
			Where("id = ? AND (status IN ? AND started_at > ? OR status = ?)", id, []domain.ImportStatus{domain.ImportPending, domain.ImportRunning},
				s.Now().Add(-24*time.Hour), domain.ImportAwaitingConfirmation). // a held import keeps its rows until an admin decides
			Count(&live).Error; err != nil {
			return dropped, translate(err, "import")
		}
		if live > 0 {
			continue
		}
		if err := s.db.WithContext(ctx).Exec("DROP TABLE IF EXISTS " + quoteIdent(t)).Error; err != nil {
			return dropped, translate(err, "staging tables")
		}
		dropped++
	}
	return dropped, nil
}
