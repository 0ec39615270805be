package store

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"tandem/domain"
)

// RosterImport is one uploaded extract and what became of it.
type RosterImport struct {
	ID         string `gorm:"primaryKey"`
	Source     string
	Filename   string
	BlobKey    string
	FileSHA256 string `gorm:"column:file_sha256"`
	Status     domain.ImportStatus
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
	// SourceOrganizations is how many organizations the source delivered before this import
	// (not already missing): what Missing is a share of, when the gate held the import.
	SourceOrganizations int
	UnitID              string // the source's department when uploaded ("" while none was mapped)
	WaitingFor          string // queued: the earlier import of the source it waits for
	DecidedBy           string // who confirmed or rejected a held import
	DecisionReason      string
	Error               string
	CreatedBy           string
	CreatedAt           time.Time
	StartedAt           *time.Time
	FinishedAt          *time.Time
	// FileRemovedAt is when housekeeping deleted the uploaded file (see RemoveExpiredUploads);
	// the import's counts, rejects and provenance stay.
	FileRemovedAt *time.Time
	// Fingerprints is how many row fingerprints the import keeps for its source's next
	// extract (0: none); SameAs names the earlier import an extract that changed nothing
	// matched (与上月相同).
	Fingerprints int
	SameAs       string
	// DeltaBase is the import whose fingerprints the staged extract was compared with; the
	// rows that differ from it are listed beside the staging table (deltaTable).
	DeltaBase string
}

func (RosterImport) TableName() string { return "roster_imports" }

// CreateImport streams an uploaded file into the blob store (in chunks, never whole in
// memory) and records a pending import of it. A file over limit bytes is ErrTooLarge. Only the
// source's department (its liaisons) or an admin may deliver it (MayDeliver): anyone else is
// EFORBIDDEN, and nothing is stored.
func (s *Store) CreateImport(ctx context.Context, p domain.Principal, source, filename string, file io.Reader, limit int64, options string) (RosterImport, error) {
	now := s.Now()
	imp := RosterImport{ID: newID(), Source: source, Filename: filename, BlobKey: "rosters/" + newID(),
		Status: domain.ImportPending, Options: options, CreatedBy: p.Username, CreatedAt: now}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		unitID, err := s.mayDeliver(tx, p, source)
		if err != nil {
			return err
		}
		imp.UnitID = unitID
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

// GetImport returns an import the caller may read (importsVisible: the uploader, the
// source's department's liaisons, admins); others are ENOTFOUND.
func (s *Store) GetImport(ctx context.Context, p domain.Principal, id string) (RosterImport, error) {
	var imp RosterImport
	q := importsVisible(s.db.WithContext(ctx).Table("roster_imports i").Where("i.id = ?", id), p)
	if err := q.Select("i.*").Take(&imp).Error; err != nil {
		return RosterImport{}, translate(err, "import")
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

// sourceRank orders sources for the value shown while they disagree: a field visit ('00')
// first, then the departments ('01' market …).
const sourceRank = `CASE s.source WHEN 'field' THEN '00' WHEN 'market' THEN '01' WHEN 'civil' THEN '02' WHEN 'tax' THEN '03' WHEN 'social' THEN '04'
	WHEN 'statistics' THEN '05' WHEN 'industry' THEN '06' WHEN 'annual_report' THEN '07' ELSE '08' END`

// recompute derives the master values of the organizations in the temp table `recompute`
// from what their sources say (organization_sources, or a relation shaped like it that a merge
// passes before its swap): the value of the highest-ranked source that says something,
// the fields on which sources disagree (unless an officer resolved them), and the responsible
// units on both nets (every distinct unit named, so two names mean two owners). An
// organization that no source delivers any more is left as it is: the import that drops it
// flags it missing.
func (s *Store) recompute(tx *gorm.DB, now time.Time, sources string) error {
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
	operating, basis, observedAt := operatingSQL("calc.ended", "calc.visited_operating", "calc.shown_st",
		"calc.ended_at", "calc.visited_at", "calc.observed_at")
	q := `WITH v AS (
		SELECT s.uscc, s.name, s.township, s.industry, s.supervisor, s.reg_status, s.address, s.employees, s.observed_at,
			` + sourceRank + ` AS rk, ` + regStatusSQL("s.reg_status") + ` AS st
		FROM ` + sources + ` s JOIN recompute x ON x.uscc = s.uscc WHERE NOT s.missing
	), a AS (
		SELECT uscc, ` + pick("name") + `, ` + pick("township") + `, ` + pick("industry") + `, ` + pick("supervisor") + `, ` +
		pick("reg_status") + `, ` + pick("address") + `,
			CAST(substr(min(rk || CAST(employees AS TEXT)) FILTER (WHERE employees IS NOT NULL), 3) AS INTEGER) AS employees,
			min(employees) AS employees_lo, max(employees) AS employees_hi,
			-- Sources are compared by the status they mean (存续 = 正常), not by its words.
			min(st) FILTER (WHERE st <> 'unknown') AS st_lo, max(st) FILTER (WHERE st <> 'unknown') AS st_hi,
			max(CASE WHEN st IN ` + endedStatuses() + ` THEN 1 ELSE 0 END) AS ended,
			min(observed_at) FILTER (WHERE st IN ` + endedStatuses() + `) AS ended_at, max(observed_at) AS observed_at
		FROM v GROUP BY uscc
	), reg AS (
		-- An officer's resolution of the township decides the owner; otherwise every source counts.
		SELECT v.uscc, count(DISTINCT n.unit_id) AS owners, min(n.unit_id) AS unit_id, min(nu.path) AS path_lo, max(nu.path) AS path_hi
		FROM v LEFT JOIN organization_resolutions r ON r.uscc = v.uscc AND r.field = 'township'
		JOIN region_names n ON n.name = COALESCE(r.value, v.township) JOIN units nu ON nu.id = n.unit_id
		WHERE COALESCE(r.value, v.township) <> '' GROUP BY v.uscc
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
		` || ` + conflict("employees") + ` || CASE WHEN a.st_lo <> a.st_hi AND res.reg_status IS NULL THEN ',reg_status' ELSE '' END || ` +
		conflict("address") + `, 2) AS conflict_fields,
			CASE WHEN res.reg_status IS NOT NULL THEN (CASE WHEN ` + regStatusSQL("res.reg_status") + ` IN ` + endedStatuses() + ` THEN 1 ELSE 0 END)
				ELSE a.ended END AS ended, ` + regStatusSQL(resolved("reg_status")) + ` AS shown_st, a.ended_at, a.observed_at, cur.visited_operating, cur.visited_at,
			` + regionScopeSQL("reg.owners", "reg.path_lo", "reg.path_hi") + ` AS region_scope_path,
			COALESCE(reg.owners, 0) AS region_owners, CASE WHEN reg.owners = 1 THEN reg.unit_id END AS region_unit_id,
			COALESCE(ind.owners, 0) AS industry_owners, CASE WHEN ind.owners = 1 THEN ind.unit_id END AS industry_unit_id
		FROM a LEFT JOIN res ON res.uscc = a.uscc LEFT JOIN reg ON reg.uscc = a.uscc LEFT JOIN ind ON ind.uscc = a.uscc
		LEFT JOIN organizations cur ON cur.uscc = a.uscc` + s.computedOnce() + `
	)
	INSERT INTO organizations (uscc, name, township, industry, supervisor, reg_status, address, employees, conflict_fields,
		region_owners, region_unit_id, region_path, industry_owners, industry_unit_id, industry_path, operating, missing,
		operating_basis, operating_observed_at, region_scope_path, created_at, updated_at)
	SELECT calc.uscc, calc.name, calc.township, calc.industry, calc.supervisor, calc.reg_status, calc.address, calc.employees,
		calc.conflict_fields, calc.region_owners, calc.region_unit_id, COALESCE(ru.path, ''), calc.industry_owners,
		calc.industry_unit_id, COALESCE(iu.path, ''), ` + operating + `, FALSE, ` + basis + `, ` + observedAt + `,
		calc.region_scope_path, @now, @now
	FROM calc LEFT JOIN units ru ON ru.id = calc.region_unit_id LEFT JOIN units iu ON iu.id = calc.industry_unit_id
	WHERE true
	ON CONFLICT (uscc) DO UPDATE SET name = excluded.name, township = excluded.township, industry = excluded.industry,
		supervisor = excluded.supervisor, reg_status = excluded.reg_status, address = excluded.address,
		employees = excluded.employees, conflict_fields = excluded.conflict_fields, region_owners = excluded.region_owners,
		region_unit_id = excluded.region_unit_id, region_path = excluded.region_path, industry_owners = excluded.industry_owners,
		industry_unit_id = excluded.industry_unit_id, industry_path = excluded.industry_path, operating = excluded.operating,
		missing = FALSE, updated_at = excluded.updated_at, operating_basis = excluded.operating_basis,
		-- The state's date is when it was first observed as it is, not the last import repeating it.
		operating_observed_at = CASE WHEN ` + s.changedCondition("organizations", "excluded", "operating", "operating_basis") + `
			OR organizations.operating_observed_at IS NULL THEN excluded.operating_observed_at ELSE organizations.operating_observed_at END,
		region_scope_path = excluded.region_scope_path
	WHERE ` + s.changedCondition("organizations", "excluded", "name", "township", "industry", "supervisor", "reg_status", "address",
		"employees", "conflict_fields", "region_owners", "region_unit_id", "region_path", "industry_owners", "industry_unit_id",
		"industry_path", "operating", "missing", "operating_basis", "region_scope_path")
	if err := tx.Exec(q, map[string]any{"now": now}).Error; err != nil {
		return fmt.Errorf("store: recompute organizations: %w", err)
	}
	return nil
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

// ImportIssues lists an import's rejects or warnings by row.
func (s *Store) ImportIssues(ctx context.Context, importID, severity string, page Page) ([]ImportIssue, string, error) {
	q := s.db.WithContext(ctx).Table("roster_issues").Where("import_id = ? AND severity = ?", importID, severity)
	if page.Cursor != "" {
		c, err := decodeCursor(page.Cursor)
		if err != nil {
			return nil, "", err
		}
		n, err := strconv.Atoi(c)
		if err != nil {
			return nil, "", domain.Invalid("分页游标不正确", domain.FieldFailed("cursor", domain.CodeBadCursor))
		}
		q = q.Where("row_number > ?", n)
	}
	var rows []struct {
		RowNumber                        int
		Field, Severity, Reason, Message string
		Raw, Name                        string
	}
	if err := q.Order("row_number, field").Limit(page.limit() + 1).Find(&rows).Error; err != nil {
		return nil, "", translate(err, "import issues")
	}
	out := make([]ImportIssue, len(rows))
	for i, r := range rows {
		out[i] = ImportIssue{Row: r.RowNumber, Field: r.Field, Severity: r.Severity, Reason: r.Reason, Message: r.Message, Raw: r.Raw, Name: r.Name}
	}
	out, next := nextCursor(out, page, func(i ImportIssue) string { return strconv.Itoa(i.Row) })
	return out, next, nil
}
