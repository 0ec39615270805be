package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"gorm.io/gorm"

	"tandem/domain"
)

// ParseCounts are what the parser counted.
type ParseCounts struct {
	Rows, Accepted, Rejected, Warnings int
	Encoding, Sheet                    string
	HeaderRow                          int
	Mapping                            map[string]int
}

// MergeImport merges an import's staging table into the master roster in one transaction: a
// crash before it commits leaves the roster as it was. Two ways, by what the stager had to
// compare with:
//
//   - The source's first extract (or one without the last extract's fingerprints, and every
//     annual report): the staging table holds the whole extract; the organizations this source
//     delivered before and not now are carried into it, flagged missing (never deleted), and it
//     then becomes what the source says: on PostgreSQL it is attached as the source's partition
//     of organization_sources, replacing the last one.
//   - A later extract, compared with the last one's fingerprints (the import's delta base): the
//     staging table holds only the rows that differ or are new, the delta table lists the
//     credit codes that differ, appeared or vanished, and only those rows of the source change
//     in place (written, or flagged missing). An unchanged row keeps its provenance: the
//     extract in which that organization's row last changed or appeared, its time and row.
//
// Either way only organizations whose values may change are derived again. Calling it again for
// a done import changes nothing and returns the stored import.
func (s *Store) MergeImport(ctx context.Context, id string, pc ParseCounts) (RosterImport, error) {
	return s.MergeImportGated(ctx, id, pc, -1)
}

// heldForConfirmation ends a merge's transaction (rolling it back) when the extract would
// flag too many of the source's organizations missing.
type heldForConfirmation struct{ gone, total int }

func (heldForConfirmation) Error() string { return "held for confirmation" }

// MergeImportGated is MergeImport with the mass-missing gate: when the extract would flag more
// than maxMissingShare of the organizations the source delivered before as missing (a
// truncated file, say), nothing merges; the import is left awaiting_confirmation with the
// counts (Missing of SourceOrganizations) and its staging table, for an admin to confirm
// (ConfirmHeldImport) or reject (RejectHeldImport). A negative share means no gate.
func (s *Store) MergeImportGated(ctx context.Context, id string, pc ParseCounts, maxMissingShare float64) (RosterImport, error) {
	out, err := s.mergeImport(ctx, id, pc, maxMissingShare)
	var held heldForConfirmation
	if !errors.As(err, &held) {
		if err == nil {
			s.analyzeAfterMerge(ctx, out)
		}
		return out, err
	}
	mapping, _ := json.Marshal(pc.Mapping)
	upd := map[string]any{"status": domain.ImportAwaitingConfirmation, "rows": pc.Rows, "accepted": pc.Accepted, "rejected": pc.Rejected,
		"warnings": pc.Warnings, "encoding": pc.Encoding, "sheet": pc.Sheet, "header_row": pc.HeaderRow, "mapping": string(mapping),
		"missing": held.gone, "source_organizations": held.total, "waiting_for": ""}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Model(&RosterImport{}).Where("id = ? AND status = ?", id, domain.ImportRunning).Updates(upd).Error; err != nil {
			return translate(err, "import")
		}
		if err := s.audit(ctx, tx, domain.SystemActor, "roster.hold", "roster_import", id, "", nil,
			map[string]any{"missing": held.gone, "source_organizations": held.total, "max_share": maxMissingShare}); err != nil {
			return err
		}
		return translate(tx.Where("id = ?", id).Take(&out).Error, "import")
	})
	return out, err
}

// analyzeMergedRows: a merge that added at least this many organizations (and a tenth of the
// roster) has the roster's planner statistics refreshed at once (PostgreSQL).
const analyzeMergedRows = 10000

// analyzeAfterMerge refreshes the roster's planner statistics after a large merge on
// PostgreSQL, so that the next import's queries do not wait up to a minute for autovacuum.
// Without it the same file delivered again right after a first load counted the disputed
// organizations by walking a million source rows (384 ms) instead of through
// organizations_disputed (8 ms for the whole import). Only the two columns that query reads are
// sampled: 0.09 s at 1,000,000 organizations (0.2–0.37 s for the whole table); autovacuum
// analyses the rest within minutes. (organization_sources, partitioned, is left: analysing it took 0.35–0.53 s more
// and this query does not need it.) A failure is logged: the merge is done.
func (s *Store) analyzeAfterMerge(ctx context.Context, imp RosterImport) {
	if s.dialect != Postgres || imp.Status != domain.ImportDone || imp.NewOrgs < analyzeMergedRows {
		return
	}
	// Only when the roster grew by a tenth or more, or was never analysed (-1): statistics a
	// little old still lead that query to the index, and an ANALYZE waits for autovacuum's
	// (a second month's once took 0.8 s so).
	var tuples float64
	if err := s.db.WithContext(ctx).Raw(`SELECT reltuples FROM pg_class WHERE oid = 'organizations'::regclass`).Scan(&tuples).Error; err != nil ||
		tuples >= 0 && float64(imp.NewOrgs) < tuples/10 {
		return
	}
	defer s.trace("ANALYZE organizations", time.Now())
	if err := s.db.WithContext(ctx).Exec("ANALYZE organizations (uscc, conflict_fields)").Error; err != nil {
		slog.WarnContext(ctx, "analyze after a roster merge", "import", imp.ID, "error", err)
	}
}

func (s *Store) mergeImport(ctx context.Context, id string, pc ParseCounts, maxMissingShare float64) (RosterImport, error) {
	var out RosterImport
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var imp RosterImport
		if err := tx.Where("id = ?", id).Take(&imp).Error; err != nil {
			return translate(err, "import")
		}
		if s.dialect == Postgres {
			// One merge at a time: each replaces a partition of organization_sources and may add
			// the same new organizations as another; two at once would deadlock on the way.
			if err := tx.Exec("SELECT pg_advisory_xact_lock(hashtext('tandem.roster.merge'))").Error; err != nil {
				return translate(err, "import")
			}
			if err := tx.Where("id = ?", id).Take(&imp).Error; err != nil {
				return translate(err, "import")
			}
		}
		if imp.Status == domain.ImportDone {
			out = imp
			return nil
		}
		now := s.Now()
		batch := quoteIdent(batchTable(id))
		args := map[string]any{"id": id, "source": imp.Source, "now": now}
		// raw and exec pass the named arguments to a statement that names one.
		raw := func(q string) *gorm.DB {
			if strings.Contains(q, "@") {
				return tx.Raw(q, args)
			}
			return tx.Raw(q)
		}
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
			// The merge hashes a million rows at once: give it memory instead of temp files.
			// Compiling its plans costs more than it saves on statements this simple.
			if err := exec("SET LOCAL work_mem = '256MB'"); err != nil {
				return err
			}
			if err := exec("SET LOCAL jit = off"); err != nil {
				return err
			}
		}
		for _, t := range []string{"cls", "recompute", "prev", "dropped"} {
			if err := exec("DROP TABLE IF EXISTS " + t); err != nil {
				return err
			}
		}
		// The staging table is keyed like the partition it becomes; the index also serves the
		// joins below. A file that gives a credit code twice fails the unique index: the later
		// row wins, and the index is built again.
		key := `CREATE UNIQUE INDEX ` + quoteIdent(batchTable(id)+"_key") + ` ON ` + batch + ` (uscc, source)`
		if s.dialect == Postgres {
			// A primary key, not just a unique index: the attach takes over an index only when it
			// backs a constraint like the parent's, and would otherwise build another.
			key = `ALTER TABLE ` + batch + ` ADD CONSTRAINT ` + quoteIdent(batchTable(id)+"_key") + ` PRIMARY KEY (uscc, source)`
		}
		if err := tx.SavePoint("batch_key").Error; err != nil {
			return translate(err, "staging")
		}
		if err := exec(key); err != nil {
			if domain.ErrorCode(translate(errors.Unwrap(err), "staging")) != domain.ECONFLICT {
				return err
			}
			if err := tx.RollbackTo("batch_key").Error; err != nil {
				return translate(err, "staging")
			}
			dedup := quoteIdent(batchTable(id) + "_dedup")
			for _, q := range []string{
				`CREATE INDEX ` + dedup + ` ON ` + batch + ` (uscc, row_number)`,
				`DELETE FROM ` + batch + ` WHERE EXISTS (SELECT 1 FROM ` + batch + ` b WHERE b.uscc = ` + batch + `.uscc AND b.row_number > ` + batch + `.row_number)`,
				`DROP INDEX ` + dedup,
				key,
			} {
				if err := exec(q); err != nil {
					return err
				}
			}
		}
		// A delta merge (see MergeImport) stands on the fingerprints it was compared with: when
		// another extract of the source merged since (imports of a source merge in upload
		// order, so this should not happen), the staged rows say nothing of it, and the import
		// must be staged again (the activity's retry starts from the stored file).
		delta := imp.DeltaBase != ""
		if delta {
			ok, err := s.deltaValid(tx, imp)
			if err != nil {
				return err
			}
			if !ok {
				return fmt.Errorf("store: merge import %s: compared with import %s, but the source merged another extract since; stage it again", id, imp.DeltaBase)
			}
		}
		// How many organizations the extract delivers: a delta's staging table holds only what
		// changed, its fingerprints (one per credit code) are the whole extract.
		delivered := int64(imp.Fingerprints)
		if !delta {
			if err := tx.Raw(`SELECT count(*) FROM ` + batch).Scan(&delivered).Error; err != nil {
				return translate(err, "staging")
			}
		}
		// probe: a delta that lists under a quarter of the extract is classified by looking up
		// each of its credit codes by key in the source's rows and the roster (PostgreSQL). The
		// planner would rather hash both whole: the source's partition has no statistics of its
		// own yet, and it prices an index probe as a disk read. With 140,000 codes of a million
		// the probes took 0.77 s, the hashes 1.27 s.
		probe := false
		if delta && s.dialect == Postgres {
			// Both small, new and without statistics: analysed, the planner knows their sizes.
			for _, t := range []string{batch, quoteIdent(deltaTable(id))} {
				if err := exec("ANALYZE " + t); err != nil {
					return err
				}
			}
			var listed int64
			if err := tx.Raw(`SELECT count(*) FROM ` + quoteIdent(deltaTable(id))).Scan(&listed).Error; err != nil {
				return translate(err, "staging")
			}
			probe = listed*4 < int64(imp.Fingerprints)
		}
		// byKey runs the statements that follow by index probes only (see probe), or as the
		// planner likes again. Every join of a statement run so must be on an indexed key: a
		// nested loop over a relation without one rescans it for every row.
		byKey := func(on bool) error {
			v := map[bool]string{true: "off", false: "on"}[on]
			if err := exec("SET LOCAL enable_hashjoin = " + v); err != nil {
				return err
			}
			return exec("SET LOCAL enable_mergejoin = " + v)
		}
		empDiffers := "s.employees IS DISTINCT FROM c.employees"
		empNew := "c.employees IS NOT NULL AND c.employees IS DISTINCT FROM o.employees"
		if s.dialect == SQLite {
			empDiffers = "s.employees IS NOT c.employees"
			empNew = "c.employees IS NOT NULL AND c.employees IS NOT o.employees"
		}
		// cls: the organizations the merge must act on, from this extract (c), what the source
		// said before (s) and the master roster (o). touched: the source says something new of
		// it. rederive: its master values may change, because the source changed what it said
		// before, or says something the master does not show, or the organization has open
		// conflicts, or the source dropped it. A source that agrees with the master and with
		// itself (the common case) leaves it alone, and is not listed.
		// What the source said before. SQLite joins a subquery by scanning it for every row, so
		// there it is a temp table with an index.
		prev := `(SELECT * FROM organization_sources WHERE source = @source)`
		from := batch + ` c FULL JOIN ` + prev + ` s ON s.uscc = c.uscc
			LEFT JOIN organizations o ON o.uscc = COALESCE(c.uscc, s.uscc)`
		// A source's first delivery has said nothing before: no full join with its rows (which
		// PostgreSQL 15 cannot run in parallel, 0.9 s a million rows against a known roster).
		// Into an empty roster (a city's first delivery) every row is a new organization.
		var first struct{ OfSource, Roster bool }
		if !delta {
			if err := tx.Raw(`SELECT NOT EXISTS (SELECT 1 FROM organization_sources WHERE source = @source) AS of_source,
				NOT EXISTS (SELECT 1 FROM organizations) AS roster`, args).Scan(&first).Error; err != nil {
				return translate(err, "import counts")
			}
		}
		if delta {
			// Only the credit codes that differ, appeared or vanished are classified, each
			// looked up by key: every other row of the extract is one the source delivered
			// before, unchanged, which the classification would leave alone and not list.
			from = quoteIdent(deltaTable(id)) + ` k LEFT JOIN ` + batch + ` c ON c.uscc = k.uscc
				LEFT JOIN organization_sources s ON s.uscc = k.uscc AND s.source = @source
				LEFT JOIN organizations o ON o.uscc = k.uscc`
		} else if first.OfSource {
			from = batch + ` c LEFT JOIN (SELECT * FROM organization_sources WHERE FALSE) s ON s.uscc = c.uscc
				LEFT JOIN organizations o ON o.uscc = c.uscc`
		} else if s.dialect == SQLite {
			if err := exec(`CREATE TEMP TABLE prev AS SELECT * FROM organization_sources WHERE source = @source`); err != nil {
				return err
			}
			if err := exec(`CREATE UNIQUE INDEX temp.prev_uscc ON prev (uscc)`); err != nil {
				return err
			}
			prev = "prev"
		}
		classify := `SELECT uscc, NOT carry AS present, is_new, touched, carry, gone, disputed,
			gone OR (touched AND NOT is_new AND (had_source OR disputed OR differs)) AS rederive FROM (
			SELECT COALESCE(c.uscc, s.uscc) AS uscc,
			c.uscc IS NOT NULL AND o.uscc IS NULL AS is_new,
			c.uscc IS NOT NULL AND (s.uscc IS NULL OR s.missing OR s.name <> c.name OR s.township <> c.township
			 OR s.industry <> c.industry OR s.supervisor <> c.supervisor OR ` + empDiffers + ` OR s.reg_status <> c.reg_status
			 OR s.address <> c.address) AS touched,
			c.uscc IS NULL AS carry,
			c.uscc IS NULL AND NOT s.missing AS gone,
			(s.uscc IS NOT NULL AND NOT s.missing) AS had_source,
			COALESCE(o.conflict_fields <> '', FALSE) AS disputed,
			c.uscc IS NOT NULL AND o.uscc IS NOT NULL AND ((c.name <> '' AND c.name <> o.name) OR (c.township <> '' AND c.township <> o.township)
			 OR (c.industry <> '' AND c.industry <> o.industry) OR (c.supervisor <> '' AND c.supervisor <> o.supervisor)
			 OR (` + empNew + `) OR (c.reg_status <> '' AND c.reg_status <> o.reg_status)
			 OR (c.address <> '' AND c.address <> o.address) OR o.missing) AS differs
			FROM ` + from + `) c
			WHERE is_new OR touched OR carry OR disputed OR differs`
		// The merge keeps of it what the steps below need; the rest is only counted. A delta
		// also writes every touched row of the source in place.
		// (The new organizations are found again by their absence from the roster: a first load
		// would otherwise write all of its rows into cls, 0.3 s a million.)
		kept := `rederive OR carry OR (present AND disputed)`
		if delta {
			kept = `rederive OR carry OR touched`
		}
		var counts struct{ New, Touched, Gone int }
		countsOf := `SELECT count(*) FILTER (WHERE is_new) AS new, count(*) FILTER (WHERE touched) AS touched,
			count(*) FILTER (WHERE gone) AS gone FROM `
		if s.dialect == Postgres {
			// One pass: count every row, write only the kept ones.
			if err := exec(`CREATE TEMP TABLE cls AS SELECT * FROM (` + classify + `) c WITH NO DATA`); err != nil {
				return err
			}
			// Into an empty roster every staged row is a new organization, and nothing is
			// touched again, carried or gone: there is nothing to classify (0.5 s a million rows).
			if first.OfSource && first.Roster {
				counts.New, counts.Touched = int(delivered), int(delivered)
			} else {
				if probe {
					if err := byKey(true); err != nil {
						return err
					}
				}
				start := time.Now()
				if err := raw(`WITH c AS MATERIALIZED (` + classify + `), kept AS (INSERT INTO cls SELECT * FROM c WHERE ` + kept + `) ` +
					countsOf + `c`).Scan(&counts).Error; err != nil {
					return translate(err, "import counts")
				}
				s.trace("classify", start)
				if probe {
					if err := byKey(false); err != nil {
						return err
					}
				}
				// Temp tables have no statistics until analysed; without them the planner guesses badly.
				if err := exec(`ANALYZE cls`); err != nil {
					return err
				}
			}
		} else {
			if err := exec(`CREATE TEMP TABLE cls AS ` + classify); err != nil {
				return err
			}
			if err := exec(`CREATE UNIQUE INDEX temp.cls_uscc ON cls (uscc)`); err != nil {
				return err
			}
			if err := tx.Raw(countsOf + `cls`).Scan(&counts).Error; err != nil {
				return translate(err, "import counts")
			}
		}
		if maxMissingShare >= 0 && counts.Gone > 0 {
			var total int64
			if err := raw(`SELECT count(*) FROM ` + prev + ` p WHERE NOT p.missing`).Scan(&total).Error; err != nil {
				return translate(err, "import counts")
			}
			if float64(counts.Gone) > maxMissingShare*float64(total) {
				return heldForConfirmation{gone: counts.Gone, total: int(total)}
			}
		}
		// The new organizations: the staged rows of credit codes the roster does not know yet. On
		// a first load every row is new and needs no lookup; a second source over a known roster
		// often brings none.
		newOnly := `WHERE NOT EXISTS (SELECT 1 FROM organizations o WHERE o.uscc = c.uscc)`
		if delta {
			newOnly = `JOIN cls ON cls.uscc = c.uscc AND cls.is_new` // a delta keeps its new rows (touched) in cls
		}
		if counts.New == int(delivered) {
			newOnly = ""
		}
		// A new organization has no visit: its operating state is its one source's status.
		newOperating, newBasis, newObservedAt := operatingSQL("(CASE WHEN c.st IN "+endedStatuses()+" THEN 1 ELSE 0 END)",
			"NULL", "c.st", "c.observed_at", "NULL", "c.observed_at")
		// A new organization has this one source: its master row is the row itself.
		insertNew := `INSERT INTO organizations (uscc, name, township, industry, supervisor, reg_status, address, employees,
				region_owners, region_unit_id, region_path, industry_owners, industry_unit_id, industry_path, operating,
				operating_basis, operating_observed_at, region_scope_path, created_at, updated_at)
			 SELECT c.uscc, c.name, c.township, c.industry, c.supervisor, c.reg_status, c.address, c.employees,
				COALESCE(rn.owners, 0), CASE WHEN rn.owners = 1 THEN rn.unit_id END, COALESCE(ru.path, ''),
				CASE WHEN i1.unit_id IS NULL AND i2.unit_id IS NULL THEN 0
				     WHEN i1.unit_id IS NOT NULL AND i2.unit_id IS NOT NULL AND i1.unit_id <> i2.unit_id THEN 2 ELSE 1 END,
				iu.id, COALESCE(iu.path, ''), ` + newOperating + `, ` + newBasis + `, ` + newObservedAt + `,
				` + regionScopeSQL("COALESCE(rn.owners, 0)", "rn.path_lo", "rn.path_hi") + `, @now, @now
			 FROM (SELECT c.*, ` + regStatusSQL("c.reg_status") + ` AS st FROM ` + batch + ` c ` + newOnly + s.computedOnce() + `) c
			 LEFT JOIN (SELECT n.name, count(DISTINCT n.unit_id) AS owners, min(n.unit_id) AS unit_id, min(nu.path) AS path_lo,
			   max(nu.path) AS path_hi FROM region_names n JOIN units nu ON nu.id = n.unit_id GROUP BY n.name) rn
			   ON rn.name = c.township AND c.township <> ''
			 LEFT JOIN units ru ON ru.id = rn.unit_id AND rn.owners = 1
			 LEFT JOIN industry_mappings i1 ON i1.text = c.industry AND c.industry <> ''
			 LEFT JOIN industry_mappings i2 ON i2.text = c.supervisor AND c.supervisor <> ''
			 LEFT JOIN units iu ON iu.id = CASE WHEN i1.unit_id IS NULL OR i2.unit_id IS NULL OR i1.unit_id = i2.unit_id
			   THEN COALESCE(i1.unit_id, i2.unit_id) END`
		// (Never by index probes only: it joins the region names grouped, which have no index.)
		if counts.New > 0 {
			if err := exec(insertNew); err != nil {
				return err
			}
		}
		var steps []string
		cols := strings.Join(batchColumns, ", ")
		if delta {
			// In place: what the source delivered before and not now stays, flagged missing (the
			// import that found it gone is its provenance from now on); a row that changed or
			// appeared is written with this import's provenance. Every other row stays as it is.
			set := make([]string, 0, len(batchColumns))
			for _, c := range batchColumns[2:] {
				set = append(set, c+" = excluded."+c)
			}
			steps = append(steps,
				`UPDATE organization_sources SET missing = TRUE, import_id = @id, observed_at = @now
				 WHERE source = `+quoteLiteral(imp.Source)+` AND uscc IN (SELECT uscc FROM cls WHERE gone)`,
				`INSERT INTO organization_sources (`+cols+`) SELECT `+strings.Join(prefixed("c.", batchColumns), ", ")+`
				 FROM `+batch+` c JOIN cls ON cls.uscc = c.uscc WHERE cls.touched
				 ON CONFLICT (uscc, source) DO UPDATE SET `+strings.Join(set, ", "))
		} else {
			// What the source delivered before and not now stays, flagged missing: the import
			// that found it gone is its provenance from now on.
			steps = append(steps, `INSERT INTO `+batch+` (`+cols+`)
			 SELECT s.uscc, s.source, CASE WHEN s.missing THEN s.import_id ELSE @id END, CASE WHEN s.missing THEN s.observed_at ELSE @now END,
			   s.row_number, s.name, s.township, s.industry, s.supervisor, s.employees, s.reg_status, s.address, TRUE
			 FROM cls JOIN organization_sources s ON s.uscc = cls.uscc AND s.source = @source WHERE cls.carry`)
		}
		steps = append(steps, `CREATE TEMP TABLE recompute AS SELECT uscc FROM cls WHERE rederive`)
		if s.dialect == Postgres {
			// Temp tables have no statistics until analysed; without them the planner guesses badly.
			steps = append(steps, `ANALYZE recompute`)
		} else {
			steps = append(steps, `CREATE INDEX temp.recompute_uscc ON recompute (uscc)`)
		}
		// A delta's writes in place find their rows by key too (the gone rows of a month: 0.27
		// against 0.45 s); deriving the organizations again does not (3.5 against 2.5 s).
		if err := runSteps(exec, byKey, probe, steps); err != nil {
			return err
		}
		swap := s.replaceSource(imp.Source, batchTable(id))
		if delta || counts.Touched == 0 && counts.Gone == 0 {
			// The extract says what the source said before (the same file again): the source's
			// rows stay as they are, provenance included, and the staged copy goes.
			swap = []string{`DROP TABLE ` + batch}
		}
		// What the sources say once the staging table replaces this source's rows. On
		// PostgreSQL the swap itself comes last: from the moment it starts, reads of
		// organization_sources wait for the commit. SQLite scans a subquery for every row it
		// joins, and its readers do not wait for a writer: there the swap comes first.
		sources := `(SELECT ` + cols + ` FROM organization_sources WHERE source <> ` + quoteLiteral(imp.Source) +
			` UNION ALL SELECT ` + cols + ` FROM ` + batch + `)`
		if delta {
			sources = "organization_sources" // written in place above: no swap to wait for
		} else if s.dialect == SQLite {
			for _, q := range swap {
				if err := exec(q); err != nil {
					return err
				}
			}
			swap, sources = nil, "organization_sources"
		}
		start := time.Now()
		if err := s.recompute(tx, now, sources); err != nil {
			return err
		}
		s.trace("recompute organizations", start)
		// Every source dropped it: flagged missing, kept with its last values. This source's
		// own row of a gone organization is the carried one, flagged missing above, so only the
		// other sources are asked, one lookup by key (uscc, source) per gone organization (a
		// scalar subquery with LIMIT 1 stays a per-row probe). The organizations so found go
		// into a table of their own, analysed, before the roster is updated by key: when the
		// planner had to guess how many a filter on cls leaves (10 where there were 2,000), it
		// joined them to every organization by a filter, gone × roster (a market-only second
		// month of 200,000 rows: 107 s in this statement).
		steps = []string{
			`CREATE TEMP TABLE dropped AS SELECT uscc FROM cls WHERE gone
			 AND (SELECT 1 FROM organization_sources s WHERE s.uscc = cls.uscc AND s.source <> @source AND NOT s.missing LIMIT 1) IS NULL`,
		}
		if s.dialect == Postgres {
			steps = append(steps, `ANALYZE dropped`)
		}
		steps = append(steps, `UPDATE organizations SET missing = TRUE, updated_at = @now WHERE uscc IN (SELECT uscc FROM dropped)`)
		if err := runSteps(exec, byKey, probe, steps); err != nil {
			return err
		}
		// Conflicts among the organizations this extract delivers: those that had some and were
		// left alone, and those derived again that have some now.
		var conflicts int64
		if delta {
			// The source's rows are what it says now: count as an unchanged extract is counted.
			var err error
			if conflicts, err = sourceConflicts(tx, imp.Source); err != nil {
				return err
			}
		} else if err := tx.Raw(`SELECT (SELECT count(*) FROM cls WHERE present AND disputed AND NOT rederive)
			+ (SELECT count(*) FROM cls JOIN organizations o ON o.uscc = cls.uscc WHERE cls.present AND cls.rederive AND o.conflict_fields <> '')`).
			Scan(&conflicts).Error; err != nil {
			return translate(err, "import counts")
		}
		for _, q := range swap {
			if err := exec(q); err != nil {
				return err
			}
		}
		for _, t := range []string{"cls", "recompute", "prev", "dropped", quoteIdent(deltaTable(id))} {
			if err := exec("DROP TABLE IF EXISTS " + t); err != nil {
				return err
			}
		}
		mapping, _ := json.Marshal(pc.Mapping)
		changed := counts.Touched - counts.New
		upd := map[string]any{
			"status": domain.ImportDone, "finished_at": now, "rows": pc.Rows, "accepted": pc.Accepted, "rejected": pc.Rejected,
			"warnings": pc.Warnings, "encoding": pc.Encoding, "sheet": pc.Sheet, "header_row": pc.HeaderRow, "mapping": string(mapping),
			"new_orgs": counts.New, "changed": changed, "unchanged": int(delivered) - counts.Touched, "conflicts": conflicts,
			"missing": counts.Gone,
		}
		if err := tx.Model(&RosterImport{}).Where("id = ?", id).Updates(upd).Error; err != nil {
			return translate(err, "import")
		}
		// This extract's fingerprints are the source's from now on; the earlier ones go.
		if err := exec(`DELETE FROM roster_fingerprints WHERE import_id IN
			(SELECT id FROM roster_imports WHERE source = @source AND id <> @id AND status = 'done' AND fingerprints > 0)`); err != nil {
			return err
		}
		if err := exec(`UPDATE roster_imports SET fingerprints = 0 WHERE source = @source AND id <> @id AND status = 'done' AND fingerprints > 0`); err != nil {
			return err
		}
		if err := s.audit(ctx, tx, imp.CreatedBy, "roster.merge", "roster_import", id, "", nil, map[string]any{
			"new": counts.New, "changed": changed, "unchanged": int(delivered) - counts.Touched, "conflicts": conflicts,
			"missing": counts.Gone}); err != nil {
			return err
		}
		return translate(tx.Where("id = ?", id).Take(&out).Error, "import")
	})
	return out, err
}

// runSteps runs a merge's statements in order, by index probes only when probe is set.
func runSteps(exec func(string) error, byKey func(bool) error, probe bool, steps []string) error {
	if probe {
		if err := byKey(true); err != nil {
			return err
		}
	}
	for _, q := range steps {
		if err := exec(q); err != nil {
			return err
		}
	}
	if probe {
		return byKey(false)
	}
	return nil
}

func prefixed(p string, cols []string) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = p + c
	}
	return out
}

// replaceSource makes the staging table what source says. PostgreSQL attaches it as the
// source's partition in place of the last one (or of the source's rows in the default
// partition, where a migrated roster keeps them); SQLite copies it over the source's rows.
func (s *Store) replaceSource(source, batch string) []string {
	if s.dialect == SQLite {
		return []string{
			`DELETE FROM organization_sources WHERE source = @source`,
			`INSERT INTO organization_sources (` + strings.Join(batchColumns, ", ") + `) SELECT ` + strings.Join(batchColumns, ", ") +
				` FROM ` + quoteIdent(batch),
			`DROP TABLE ` + quoteIdent(batch),
		}
	}
	part := "organization_sources_" + source
	return []string{
		`DROP TABLE IF EXISTS ` + quoteIdent(part),
		`DELETE FROM organization_sources_default WHERE source = @source`,
		`ALTER TABLE organization_sources ATTACH PARTITION ` + quoteIdent(batch) + ` FOR VALUES IN ('` + strings.ReplaceAll(source, "'", "''") + `')`,
		`ALTER TABLE ` + quoteIdent(batch) + ` RENAME TO ` + quoteIdent(part),
		`ALTER TABLE ` + quoteIdent(part) + ` RESET (autovacuum_enabled)`,
		`ALTER INDEX ` + quoteIdent(batch+"_key") + ` RENAME TO ` + quoteIdent(part+"_key"),
	}
}
