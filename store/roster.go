package store

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/gorm"

	"tandem/domain"
)

// Import statuses.
const (
	ImportPending = "pending"
	ImportRunning = "running"
	ImportDone    = "done"
	ImportFailed  = "failed"
)

// RosterImport is one uploaded extract and what became of it.
type RosterImport struct {
	ID         string `gorm:"primaryKey"`
	Source     string
	Filename   string
	BlobKey    string
	FileSHA256 string `gorm:"column:file_sha256"`
	Status     string
	Encoding   string
	Sheet      string
	HeaderRow  int
	Mapping    string
	Options    string
	Rows       int
	Accepted   int
	Rejected   int
	Warnings   int
	NewOrgs    int
	Changed    int
	Unchanged  int
	Conflicts  int
	Missing    int
	Error      string
	CreatedBy  string
	CreatedAt  time.Time
	StartedAt  *time.Time
	FinishedAt *time.Time
}

func (RosterImport) TableName() string { return "roster_imports" }

// CreateImport streams an uploaded file into the blob store (in chunks, never whole in
// memory) and records a pending import of it. A file over limit bytes is ErrTooLarge.
func (s *Store) CreateImport(ctx context.Context, p domain.Principal, source, filename string, file io.Reader, limit int64, options string) (RosterImport, error) {
	now := s.Now()
	imp := RosterImport{ID: newID(), Source: source, Filename: filename, BlobKey: "rosters/" + newID(),
		Status: ImportPending, Options: options, CreatedBy: p.Username, CreatedAt: now}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		size, sum, err := s.putChunked(tx, imp.BlobKey, "application/octet-stream", file, limit)
		if err != nil {
			return err
		}
		imp.FileSHA256 = sum
		if err := tx.Create(&imp).Error; err != nil {
			return translate(err, "import")
		}
		return s.audit(ctx, tx, p.Username, "roster.import", "roster_import", imp.ID, "", nil,
			map[string]any{"source": source, "filename": filename, "sha256": sum, "size": size})
	})
	return imp, err
}

// GetImport returns an import: to admins, officers, and whoever uploaded it.
func (s *Store) GetImport(ctx context.Context, p domain.Principal, id string) (RosterImport, error) {
	var imp RosterImport
	if err := s.db.WithContext(ctx).Where("id = ?", id).Take(&imp).Error; err != nil {
		return imp, translate(err, "import")
	}
	if !p.Admin && imp.CreatedBy != p.Username && !p.HoldsAnyRole(domain.RoleOfficer) {
		return RosterImport{}, domain.Errorf(domain.ENOTFOUND, "import not found")
	}
	return imp, nil
}

// ImportByID returns an import for the engine's own use.
func (s *Store) ImportByID(ctx context.Context, id string) (RosterImport, error) {
	var imp RosterImport
	return imp, translate(s.db.WithContext(ctx).Where("id = ?", id).Take(&imp).Error, "import")
}

// ImportFile opens the uploaded file of an import for reading.
func (s *Store) ImportFile(ctx context.Context, imp RosterImport) (*ChunkedBlob, error) {
	return s.OpenChunked(ctx, imp.BlobKey)
}

// StartImport marks an import running and clears what an earlier attempt staged.
func (s *Store) StartImport(ctx context.Context, id string) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec("DELETE FROM roster_staging WHERE import_id = ?", id).Error; err != nil {
			return translate(err, "staging")
		}
		if err := tx.Exec("DELETE FROM roster_issues WHERE import_id = ?", id).Error; err != nil {
			return translate(err, "import issues")
		}
		return translate(tx.Model(&RosterImport{}).Where("id = ?", id).
			Updates(map[string]any{"status": ImportRunning, "started_at": s.Now(), "error": ""}).Error, "import")
	})
}

// FailImport records why an import failed; the master roster is untouched.
func (s *Store) FailImport(ctx context.Context, id, reason string) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec("DELETE FROM roster_staging WHERE import_id = ?", id).Error; err != nil {
			return translate(err, "staging")
		}
		return translate(tx.Model(&RosterImport{}).Where("id = ?", id).
			Updates(map[string]any{"status": ImportFailed, "error": reason, "finished_at": s.Now()}).Error, "import")
	})
}

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
}

// Stager writes an import's rows and issues in batches: COPY on PostgreSQL, multi-row
// INSERTs on SQLite. Call Flush at the end.
type Stager struct {
	s      *Store
	ctx    context.Context
	id     string
	rows   []StagedRow
	issues []ImportIssue
}

const stageBatch = 20000

// NewStager stages rows for an import.
func (s *Store) NewStager(ctx context.Context, importID string) *Stager {
	return &Stager{s: s, ctx: ctx, id: importID, rows: make([]StagedRow, 0, stageBatch)}
}

// Row stages one row.
func (st *Stager) Row(r StagedRow) error {
	st.rows = append(st.rows, r)
	if len(st.rows) >= stageBatch {
		return st.flushRows()
	}
	return nil
}

// Issue stages one issue.
func (st *Stager) Issue(i ImportIssue) error {
	st.issues = append(st.issues, i)
	if len(st.issues) >= stageBatch {
		return st.flushIssues()
	}
	return nil
}

// Flush writes what is buffered.
func (st *Stager) Flush() error {
	if err := st.flushRows(); err != nil {
		return err
	}
	return st.flushIssues()
}

var stagingColumns = []string{"import_id", "row_number", "uscc", "name", "township", "industry", "supervisor", "employees", "reg_status", "address"}
var issueColumns = []string{"import_id", "row_number", "field", "severity", "reason", "message", "raw"}

func (st *Stager) flushRows() error {
	if len(st.rows) == 0 {
		return nil
	}
	vals := make([][]any, len(st.rows))
	for i, r := range st.rows {
		var emp any
		if r.Employees != nil {
			emp = int32(*r.Employees)
		}
		vals[i] = []any{st.id, int32(r.Row), r.USCC, r.Name, r.Township, r.Industry, r.Supervisor, emp, r.RegStatus, r.Address}
	}
	st.rows = st.rows[:0]
	return st.s.copyRows(st.ctx, "roster_staging", stagingColumns, vals)
}

func (st *Stager) flushIssues() error {
	if len(st.issues) == 0 {
		return nil
	}
	vals := make([][]any, len(st.issues))
	for i, r := range st.issues {
		vals[i] = []any{st.id, int32(r.Row), r.Field, r.Severity, r.Reason, r.Message, r.Raw}
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
		conn, err := sqlDB.Conn(ctx)
		if err != nil {
			return translate(err, table)
		}
		defer conn.Close()
		return translate(conn.Raw(func(dc any) error {
			_, err := dc.(*stdlib.Conn).Conn().CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromRows(rows))
			return err
		}), table)
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
		q := "INSERT INTO " + table + " (" + strings.Join(cols, ",") + ") VALUES " +
			strings.TrimSuffix(strings.Repeat(ph+",", end-start), ",")
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return translate(err, table)
		}
	}
	return translate(tx.Commit(), table)
}

// ParseCounts are what the parser counted.
type ParseCounts struct {
	Rows, Accepted, Rejected, Warnings int
	Encoding, Sheet                    string
	HeaderRow                          int
	Mapping                            map[string]int
}

// MergeImport merges the staged rows into the master roster in one transaction: a crash before
// it commits leaves the roster as it was. Calling it again for a done import changes nothing
// and returns the stored import.
func (s *Store) MergeImport(ctx context.Context, id string, pc ParseCounts) (RosterImport, error) {
	var out RosterImport
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var imp RosterImport
		if err := tx.Where("id = ?", id).Take(&imp).Error; err != nil {
			return translate(err, "import")
		}
		if imp.Status == ImportDone {
			out = imp
			return nil
		}
		now := s.Now()
		args := map[string]any{"id": id, "source": imp.Source, "now": now}
		exec := func(q string) error {
			defer s.trace(strings.Join(strings.Fields(q), " "), time.Now())
			var err error
			if strings.Contains(q, "@") {
				err = tx.Exec(q, args).Error
			} else {
				err = tx.Exec(q).Error
			}
			if err != nil {
				return fmt.Errorf("store: merge import: %w\n%s", err, q)
			}
			return nil
		}
		if s.dialect == Postgres {
			// The merge hashes and sorts a million rows at once: give it memory instead of temp
			// files.
			if err := exec("SET LOCAL work_mem = '256MB'"); err != nil {
				return err
			}
		}
		for _, t := range []string{"cur", "cls", "gone", "recompute"} {
			if err := exec("DROP TABLE IF EXISTS " + t); err != nil {
				return err
			}
		}
		// cur: the last row of each credit code in this import (a later row wins).
		if s.dialect == Postgres {
			if err := exec(`CREATE TEMP TABLE cur AS SELECT DISTINCT ON (uscc) uscc, row_number, name, township, industry,
				supervisor, employees, reg_status, address FROM roster_staging WHERE import_id = @id ORDER BY uscc, row_number DESC`); err != nil {
				return err
			}
			if err := exec(`ALTER TABLE cur ADD PRIMARY KEY (uscc)`); err != nil {
				return err
			}
			if err := exec(`ANALYZE cur`); err != nil {
				return err
			}
		} else {
			if err := exec(`CREATE TEMP TABLE cur AS SELECT s.uscc, s.row_number, s.name, s.township, s.industry, s.supervisor,
				s.employees, s.reg_status, s.address FROM roster_staging s
				JOIN (SELECT uscc, max(row_number) AS rn FROM roster_staging WHERE import_id = @id GROUP BY uscc) m
				  ON m.uscc = s.uscc AND m.rn = s.row_number WHERE s.import_id = @id`); err != nil {
				return err
			}
			// SQLite plans correlated lookups into temp tables as scans unless they are indexed.
			if err := exec(`CREATE UNIQUE INDEX temp.cur_uscc ON cur (uscc)`); err != nil {
				return err
			}
		}
		empDiffers := "s.employees IS DISTINCT FROM c.employees"
		if s.dialect == SQLite {
			empDiffers = "s.employees IS NOT c.employees"
		}
		empNew := "c.employees IS NOT NULL AND c.employees IS DISTINCT FROM o.employees"
		if s.dialect == SQLite {
			empNew = "c.employees IS NOT NULL AND c.employees IS NOT o.employees"
		}
		// touched: this source says something new of the organization. rederive: its master
		// values may change, because the source changed what it said before, or says something
		// the master does not show, or the organization has open conflicts. A new source that
		// agrees with the master (the common case) leaves the master as it is.
		if err := exec(`CREATE TEMP TABLE cls AS SELECT c.uscc, is_new, touched,
			touched AND NOT is_new AND (had_source OR disputed OR differs) AS rederive FROM (
			SELECT c.uscc, o.uscc IS NULL AS is_new,
			(s.uscc IS NULL OR s.missing OR s.name <> c.name OR s.township <> c.township OR s.industry <> c.industry
			 OR s.supervisor <> c.supervisor OR ` + empDiffers + ` OR s.reg_status <> c.reg_status OR s.address <> c.address) AS touched,
			(s.uscc IS NOT NULL AND NOT s.missing) AS had_source,
			COALESCE(o.conflict_fields <> '', FALSE) AS disputed,
			((c.name <> '' AND c.name <> o.name) OR (c.township <> '' AND c.township <> o.township)
			 OR (c.industry <> '' AND c.industry <> o.industry) OR (c.supervisor <> '' AND c.supervisor <> o.supervisor)
			 OR (` + empNew + `) OR (c.reg_status <> '' AND c.reg_status <> o.reg_status)
			 OR (c.address <> '' AND c.address <> o.address) OR o.missing) AS differs
			FROM cur c LEFT JOIN organizations o ON o.uscc = c.uscc
			LEFT JOIN organization_sources s ON s.uscc = c.uscc AND s.source = @source) c`); err != nil {
			return err
		}
		var counts struct{ New, Changed, Unchanged int }
		if err := tx.Raw(`SELECT count(*) FILTER (WHERE is_new) AS new, count(*) FILTER (WHERE touched AND NOT is_new) AS changed,
			count(*) FILTER (WHERE NOT touched) AS unchanged FROM cls`).Scan(&counts).Error; err != nil {
			return translate(err, "import counts")
		}
		var delivered int64
		if err := tx.Raw(`SELECT count(*) FROM (SELECT 1 FROM organization_sources WHERE source = ? LIMIT 1) x`, imp.Source).
			Scan(&delivered).Error; err != nil {
			return translate(err, "organization sources")
		}
		firstCheck := ""
		if delivered == 0 {
			firstCheck = "FALSE AND"
		}
		steps := []string{
			`INSERT INTO organization_sources (uscc, source, import_id, observed_at, row_number, name, township, industry,
			   supervisor, employees, reg_status, address, missing)
			 SELECT c.uscc, @source, @id, @now, c.row_number, c.name, c.township, c.industry, c.supervisor, c.employees,
			   c.reg_status, c.address, FALSE FROM cur c JOIN cls ON cls.uscc = c.uscc WHERE cls.touched
			 ON CONFLICT (uscc, source) DO UPDATE SET import_id = excluded.import_id, observed_at = excluded.observed_at,
			   row_number = excluded.row_number, name = excluded.name, township = excluded.township, industry = excluded.industry,
			   supervisor = excluded.supervisor, employees = excluded.employees, reg_status = excluded.reg_status,
			   address = excluded.address, missing = FALSE`,
			// Organizations this source delivered before and not now: flagged, never deleted. A
			// source's first extract has nothing before it, and the scan is skipped.
			`CREATE TEMP TABLE gone AS SELECT s.uscc FROM organization_sources s
			 WHERE ` + firstCheck + ` s.source = @source AND NOT s.missing AND NOT EXISTS (SELECT 1 FROM cur c WHERE c.uscc = s.uscc)`,
			`UPDATE organization_sources SET missing = TRUE, import_id = @id, observed_at = @now
			 WHERE source = @source AND uscc IN (SELECT uscc FROM gone)`,
			// A new organization has this one source: its master row is the row itself.
			`INSERT INTO organizations (uscc, name, township, industry, supervisor, reg_status, address, employees,
				region_owners, region_unit_id, region_path, industry_owners, industry_unit_id, industry_path, operating,
				created_at, updated_at)
			 SELECT c.uscc, c.name, c.township, c.industry, c.supervisor, c.reg_status, c.address, c.employees,
				COALESCE(rn.owners, 0), CASE WHEN rn.owners = 1 THEN rn.unit_id END, COALESCE(ru.path, ''),
				CASE WHEN i1.unit_id IS NULL AND i2.unit_id IS NULL THEN 0
				     WHEN i1.unit_id IS NOT NULL AND i2.unit_id IS NOT NULL AND i1.unit_id <> i2.unit_id THEN 2 ELSE 1 END,
				iu.id, COALESCE(iu.path, ''), ` + operatingExpr("c.reg_status") + `, @now, @now
			 FROM cur c JOIN cls ON cls.uscc = c.uscc
			 LEFT JOIN (SELECT name, count(DISTINCT unit_id) AS owners, min(unit_id) AS unit_id FROM region_names GROUP BY name) rn
			   ON rn.name = c.township AND c.township <> ''
			 LEFT JOIN units ru ON ru.id = rn.unit_id AND rn.owners = 1
			 LEFT JOIN industry_mappings i1 ON i1.text = c.industry AND c.industry <> ''
			 LEFT JOIN industry_mappings i2 ON i2.text = c.supervisor AND c.supervisor <> ''
			 LEFT JOIN units iu ON iu.id = CASE WHEN i1.unit_id IS NULL OR i2.unit_id IS NULL OR i1.unit_id = i2.unit_id
			   THEN COALESCE(i1.unit_id, i2.unit_id) END
			 WHERE cls.is_new`,
			`CREATE TEMP TABLE recompute AS SELECT uscc FROM cls WHERE rederive UNION SELECT uscc FROM gone`,
		}
		if s.dialect == Postgres {
			// Temp tables have no statistics until analysed; without them the planner guesses badly.
			steps = append(steps, `ANALYZE cls`, `ANALYZE recompute`)
		} else {
			steps = append(steps, `CREATE INDEX temp.recompute_uscc ON recompute (uscc)`)
		}
		for _, q := range steps {
			if err := exec(q); err != nil {
				return err
			}
		}
		start := time.Now()
		if err := s.recompute(tx, now); err != nil {
			return err
		}
		s.trace("recompute organizations", start)
		var missing, conflicts int64
		if err := tx.Raw(`SELECT count(*) FROM gone`).Scan(&missing).Error; err != nil {
			return translate(err, "import counts")
		}
		if err := tx.Raw(`SELECT count(*) FROM organizations o JOIN cur c ON c.uscc = o.uscc WHERE o.conflict_fields <> ''`).
			Scan(&conflicts).Error; err != nil {
			return translate(err, "import counts")
		}
		for _, t := range []string{"cur", "cls", "gone", "recompute"} {
			if err := exec("DROP TABLE " + t); err != nil {
				return err
			}
		}
		if err := exec(`DELETE FROM roster_staging WHERE import_id = @id`); err != nil {
			return err
		}
		mapping, _ := json.Marshal(pc.Mapping)
		upd := map[string]any{
			"status": ImportDone, "finished_at": now, "rows": pc.Rows, "accepted": pc.Accepted, "rejected": pc.Rejected,
			"warnings": pc.Warnings, "encoding": pc.Encoding, "sheet": pc.Sheet, "header_row": pc.HeaderRow, "mapping": string(mapping),
			"new_orgs": counts.New, "changed": counts.Changed, "unchanged": counts.Unchanged, "conflicts": conflicts, "missing": missing,
		}
		if err := tx.Model(&RosterImport{}).Where("id = ?", id).Updates(upd).Error; err != nil {
			return translate(err, "import")
		}
		if err := s.audit(ctx, tx, imp.CreatedBy, "roster.merge", "roster_import", id, "", nil, map[string]any{
			"new": counts.New, "changed": counts.Changed, "unchanged": counts.Unchanged, "conflicts": conflicts, "missing": missing}); err != nil {
			return err
		}
		return translate(tx.Where("id = ?", id).Take(&out).Error, "import")
	})
	return out, err
}

// sourceRank orders sources for the value shown while they disagree: a field visit ('00')
// first, then the departments ('01' market …).
const sourceRank = `CASE s.source WHEN 'field' THEN '00' WHEN 'market' THEN '01' WHEN 'civil' THEN '02' WHEN 'tax' THEN '03' WHEN 'social' THEN '04'
	WHEN 'statistics' THEN '05' WHEN 'industry' THEN '06' WHEN 'annual_report' THEN '07' ELSE '08' END`

// recompute derives the master values of the organizations in the temp table `recompute`
// from what their sources say: the value of the highest-ranked source that says something,
// the fields on which sources disagree (unless an officer resolved them), and the responsible
// units on both nets (every distinct unit named, so two names mean two owners).
func (s *Store) recompute(tx *gorm.DB, now time.Time) error {
	pick := func(col string) string {
		// min and max instead of count(DISTINCT): plain aggregates hash, distinct ones sort.
		return fmt.Sprintf(`substr(min(rk || %[1]s) FILTER (WHERE %[1]s <> ''), 3) AS %[1]s,
			min(%[1]s) FILTER (WHERE %[1]s <> '') AS %[1]s_lo, max(%[1]s) FILTER (WHERE %[1]s <> '') AS %[1]s_hi`, col)
	}
	conflict := func(col string) string {
		return fmt.Sprintf(`CASE WHEN a.%[1]s_lo <> a.%[1]s_hi AND res.%[1]s IS NULL THEN ',%[1]s' ELSE '' END`, col)
	}
	resolved := func(col string) string {
		return fmt.Sprintf(`COALESCE(res.%[1]s, a.%[1]s, '')`, col)
	}
	resCol := func(col string) string {
		return fmt.Sprintf(`max(CASE WHEN field = '%[1]s' THEN value END) AS %[1]s`, col)
	}
	q := `WITH v AS (
		SELECT s.*, ` + sourceRank + ` AS rk FROM organization_sources s JOIN recompute x ON x.uscc = s.uscc WHERE NOT s.missing
	), a AS (
		SELECT uscc, ` + pick("name") + `, ` + pick("township") + `, ` + pick("industry") + `, ` + pick("supervisor") + `, ` +
		pick("reg_status") + `, ` + pick("address") + `,
			CAST(substr(min(rk || CAST(employees AS TEXT)) FILTER (WHERE employees IS NOT NULL), 3) AS INTEGER) AS employees,
			min(employees) AS employees_lo, max(employees) AS employees_hi
		FROM v GROUP BY uscc
	), reg AS (
		-- An officer's resolution of the township decides the owner; otherwise every source counts.
		SELECT v.uscc, count(DISTINCT n.unit_id) AS owners, min(n.unit_id) AS unit_id
		FROM v LEFT JOIN organization_resolutions r ON r.uscc = v.uscc AND r.field = 'township'
		JOIN region_names n ON n.name = COALESCE(r.value, v.township) WHERE COALESCE(r.value, v.township) <> '' GROUP BY v.uscc
	), ind AS (
		SELECT uscc, count(DISTINCT unit_id) AS owners, min(unit_id) AS unit_id FROM (
			SELECT v.uscc, m.unit_id FROM v LEFT JOIN organization_resolutions r ON r.uscc = v.uscc AND r.field = 'industry'
			JOIN industry_mappings m ON m.text = COALESCE(r.value, v.industry)
			UNION ALL
			SELECT v.uscc, m.unit_id FROM v LEFT JOIN organization_resolutions r ON r.uscc = v.uscc AND r.field = 'supervisor'
			JOIN industry_mappings m ON m.text = COALESCE(r.value, v.supervisor)
		) x GROUP BY uscc
	), res AS (
		SELECT uscc, ` + resCol("name") + `, ` + resCol("township") + `, ` + resCol("industry") + `, ` + resCol("supervisor") + `, ` +
		resCol("reg_status") + `, ` + resCol("address") + `, ` + resCol("employees") + `
		FROM organization_resolutions WHERE uscc IN (SELECT uscc FROM recompute) GROUP BY uscc
	), calc AS (
		SELECT a.uscc,
			` + resolved("name") + ` AS name, ` + resolved("township") + ` AS township, ` + resolved("industry") + ` AS industry,
			` + resolved("supervisor") + ` AS supervisor, ` + resolved("reg_status") + ` AS reg_status, ` + resolved("address") + ` AS address,
			COALESCE(CAST(res.employees AS INTEGER), a.employees) AS employees,
			substr(` + conflict("name") + ` || ` + conflict("township") + ` || ` + conflict("industry") + ` || ` + conflict("supervisor") +
		` || ` + conflict("employees") + ` || ` + conflict("reg_status") + ` || ` + conflict("address") + `, 2) AS conflict_fields,
			COALESCE(reg.owners, 0) AS region_owners, CASE WHEN reg.owners = 1 THEN reg.unit_id END AS region_unit_id,
			COALESCE(ind.owners, 0) AS industry_owners, CASE WHEN ind.owners = 1 THEN ind.unit_id END AS industry_unit_id
		FROM a LEFT JOIN res ON res.uscc = a.uscc LEFT JOIN reg ON reg.uscc = a.uscc LEFT JOIN ind ON ind.uscc = a.uscc
	)
	INSERT INTO organizations (uscc, name, township, industry, supervisor, reg_status, address, employees, conflict_fields,
		region_owners, region_unit_id, region_path, industry_owners, industry_unit_id, industry_path, operating, missing,
		created_at, updated_at)
	SELECT calc.uscc, calc.name, calc.township, calc.industry, calc.supervisor, calc.reg_status, calc.address, calc.employees,
		calc.conflict_fields, calc.region_owners, calc.region_unit_id, COALESCE(ru.path, ''), calc.industry_owners,
		calc.industry_unit_id, COALESCE(iu.path, ''),
		` + operatingExpr("calc.reg_status") + `,
		FALSE, @now, @now
	FROM calc LEFT JOIN units ru ON ru.id = calc.region_unit_id LEFT JOIN units iu ON iu.id = calc.industry_unit_id
	WHERE true
	ON CONFLICT (uscc) DO UPDATE SET name = excluded.name, township = excluded.township, industry = excluded.industry,
		supervisor = excluded.supervisor, reg_status = excluded.reg_status, address = excluded.address,
		employees = excluded.employees, conflict_fields = excluded.conflict_fields, region_owners = excluded.region_owners,
		region_unit_id = excluded.region_unit_id, region_path = excluded.region_path, industry_owners = excluded.industry_owners,
		industry_unit_id = excluded.industry_unit_id, industry_path = excluded.industry_path, operating = excluded.operating,
		missing = FALSE, updated_at = excluded.updated_at
	WHERE ` + s.changedCondition("organizations", "excluded", "name", "township", "industry", "supervisor", "reg_status", "address",
		"employees", "conflict_fields", "region_owners", "region_unit_id", "region_path", "industry_owners", "industry_unit_id",
		"industry_path", "operating", "missing")
	if err := tx.Exec(q, map[string]any{"now": now}).Error; err != nil {
		return fmt.Errorf("store: recompute organizations: %w", err)
	}
	// Every source dropped it: flagged missing, kept with its last values.
	err := tx.Exec(`UPDATE organizations SET missing = TRUE, updated_at = @now WHERE uscc IN (SELECT uscc FROM recompute)
		AND NOT EXISTS (SELECT 1 FROM organization_sources s WHERE s.uscc = organizations.uscc AND NOT s.missing)`,
		map[string]any{"now": now}).Error
	return translate(err, "organizations")
}

// changedCondition is true when any of the columns differs between two row aliases, NULLs
// compared as values.
func (s *Store) changedCondition(a, b string, cols ...string) string {
	op := " IS DISTINCT FROM "
	if s.dialect == SQLite {
		op = " IS NOT "
	}
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = a + "." + c + op + b + "." + c
	}
	return "(" + strings.Join(parts, " OR ") + ")"
}

// operatingExpr says from a registration status whether an organization operates: unknown
// when empty, not when deregistered, revoked, cancelled, moved out or closed.
func operatingExpr(col string) string {
	return fmt.Sprintf(`CASE WHEN %[1]s = '' THEN NULL
		WHEN %[1]s LIKE '%%注销%%' OR %[1]s LIKE '%%吊销%%' OR %[1]s LIKE '%%撤销%%' OR %[1]s LIKE '%%迁出%%' OR %[1]s LIKE '%%歇业%%' THEN FALSE
		ELSE TRUE END`, col)
}
