package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"gorm.io/gorm"

	"tandem/domain"
)

// A source's extract is remembered between deliveries as a compact fingerprint of each
// organization's row: its credit code and a hash of the fields the merge compares (those of
// classify's `touched`). The next extract of the source is compared with them while it is
// parsed: when every row's fingerprint is the one before and none is missing, the extract says
// what the source said before (a re-export, rows shuffled, line ends changed), and the import
// ends without staging or merging, exactly as the merge would have ended it (all unchanged,
// provenance untouched). A file of the same bytes as the source's last one is known earlier
// still, by its SHA-256, before it is parsed.

// fingerprintSize is one stored fingerprint: an 18-character credit code and 8 bytes of hash.
const fingerprintSize = 18 + 8

type fingerprintKey [18]byte

// rowHash is the fingerprint of a staged row's fields; rows with equal fields have equal
// hashes, and any difference the merge would see (a text, a head count given or not) changes
// it.
func rowHash(r StagedRow) rowSum {
	var arr [512]byte // on the stack for most rows: hashing a million rows allocates nothing
	b := arr[:0]
	for _, f := range []string{r.Name, r.Township, r.Industry, r.Supervisor, r.RegStatus, r.Address} {
		b = strconv.AppendInt(b, int64(len(f)), 10)
		b = append(b, ':')
		b = append(b, f...)
	}
	if r.Employees == nil {
		b = append(b, '-')
	} else {
		b = strconv.AppendInt(b, int64(*r.Employees), 10)
	}
	sum := sha256.Sum256(b)
	return rowSum(sum[:8])
}

// rowSum is a row's hash as stored: the first 8 bytes of a SHA-256. (An array, not a uint64:
// a fingerprint is then 26 bytes in memory, not 32, and a million of them 26 MB.)
type rowSum [8]byte

// Fingerprints are the fingerprints of a source's last extract, sorted by credit code (as
// stored), and, while an extract is compared with them row by row, an index by credit code.
type Fingerprints struct {
	ImportID string // the import that stored them
	sorted   []fingerprint
	index    []uint32 // open addressing: position in sorted + 1, 0 empty; built by buildIndex
}

// buildIndex indexes the fingerprints by credit code: a table of 4-byte positions, two slots a
// fingerprint (8 MB a million, where a Go map took about 40 MB).
func (f *Fingerprints) buildIndex() {
	size := 1
	for size < 2*len(f.sorted) {
		size <<= 1
	}
	f.index = make([]uint32, size)
	mask := uint64(size - 1)
	for i, p := range f.sorted {
		h := keyHash(p.key) & mask
		for f.index[h] != 0 {
			h = (h + 1) & mask
		}
		f.index[h] = uint32(i + 1)
	}
}

// lookup returns the position of a credit code's fingerprint in sorted.
func (f *Fingerprints) lookup(k fingerprintKey) (int, bool) {
	mask := uint64(len(f.index) - 1)
	for h := keyHash(k) & mask; f.index[h] != 0; h = (h + 1) & mask {
		if i := int(f.index[h] - 1); f.sorted[i].key == k {
			return i, true
		}
	}
	return 0, false
}

// keyHash spreads a credit code over the index (FNV-1a).
func keyHash(k fingerprintKey) uint64 {
	h := uint64(14695981039346656037)
	for _, c := range k {
		h = (h ^ uint64(c)) * 1099511628211
	}
	return h
}

// Len is how many organizations the extract delivered.
func (f *Fingerprints) Len() int {
	if f == nil {
		return 0
	}
	return len(f.sorted)
}

func compareKeys(a, b fingerprintKey) int { return bytes.Compare(a[:], b[:]) }

// SourceFingerprints returns the fingerprints of the source's last extract: those of the
// source's latest done import, or of the import it matched when it changed nothing. Nil when
// there are none (a first delivery, or one merged before fingerprints were kept).
func (s *Store) SourceFingerprints(ctx context.Context, source string) (*Fingerprints, error) {
	last, ok, err := s.lastDoneImport(ctx, s.db.WithContext(ctx), source)
	if err != nil || !ok {
		return nil, err
	}
	owner := last
	if last.SameAs != "" {
		var o RosterImport // a fresh struct: GORM would add the filled one's key to the query
		if err := s.db.WithContext(ctx).Where("id = ?", last.SameAs).Take(&o).Error; err != nil {
			return nil, translate(err, "import")
		}
		owner = o
	}
	if owner.Fingerprints == 0 {
		return nil, nil
	}
	f := &Fingerprints{ImportID: owner.ID, sorted: make([]fingerprint, 0, owner.Fingerprints)}
	for seq := 0; ; seq++ {
		var chunk []byte
		err := s.db.WithContext(ctx).Raw(`SELECT data FROM roster_fingerprints WHERE import_id = ? AND seq = ?`, owner.ID, seq).Row().Scan(&chunk)
		if errors.Is(err, sql.ErrNoRows) {
			break
		}
		if err != nil {
			return nil, translate(err, "fingerprints")
		}
		for off := 0; off+fingerprintSize <= len(chunk); off += fingerprintSize {
			var p fingerprint
			copy(p.key[:], chunk[off:off+18])
			p.hash = rowSum(chunk[off+18 : off+fingerprintSize])
			f.sorted = append(f.sorted, p)
		}
	}
	if len(f.sorted) != owner.Fingerprints || !slices.IsSortedFunc(f.sorted, func(a, b fingerprint) int { return compareKeys(a.key, b.key) }) {
		return nil, nil // incomplete or unsorted (should not happen): compare nothing, merge as before
	}
	return f, nil
}

// lastDoneImport is the source's latest merged import (imports of a source merge in upload order).
func (s *Store) lastDoneImport(ctx context.Context, db *gorm.DB, source string) (RosterImport, bool, error) {
	var imps []RosterImport
	if err := db.Where("source = ? AND status = ?", source, domain.ImportDone).Order("created_at DESC, id DESC").Limit(1).
		Find(&imps).Error; err != nil {
		return RosterImport{}, false, translate(err, "import")
	}
	if len(imps) == 0 {
		return RosterImport{}, false, nil
	}
	return imps[0], true, nil
}

// SameFileAsLast returns the source's last merged import when imp's file has the same bytes
// (SHA-256) and was uploaded with the same options: nothing in it can differ.
func (s *Store) SameFileAsLast(ctx context.Context, imp RosterImport) (RosterImport, bool, error) {
	defer s.trace("same file as the last", time.Now())
	last, ok, err := s.lastDoneImport(ctx, s.db.WithContext(ctx), imp.Source)
	if err != nil || !ok || last.ID == imp.ID || last.FileSHA256 != imp.FileSHA256 || last.Options != imp.Options {
		return RosterImport{}, false, err
	}
	return last, true, nil
}

// ErrExtractChanged ends the comparison of an extract with its source's last one at the first
// row that differs: the import must stage and merge it.
var ErrExtractChanged = errors.New("store: the extract differs from the source's last one")

// fingerprint is one row's, while an extract is staged or compared.
type fingerprint struct {
	key  fingerprintKey
	hash rowSum
}

// Comparer checks an extract row by row against the source's last one (see Fingerprints)
// without staging it; its issues go to roster_issues as the Stager's would.
type Comparer struct {
	st   *Stager
	last *Fingerprints
	seen []uint64 // a bit per fingerprint of the last extract
	hits int
}

// NewComparer compares rows of an import that StartImport started with last.
func (s *Store) NewComparer(ctx context.Context, imp RosterImport, last *Fingerprints) *Comparer {
	last.buildIndex()
	return &Comparer{st: s.NewStager(ctx, imp), last: last, seen: make([]uint64, (len(last.sorted)+63)/64)}
}

// Row compares one row: ErrExtractChanged when the source did not deliver it so before. (A
// credit code given twice whose earlier row differs is reported changed, although its later
// row may agree: the merge then decides, as it always did.)
func (c *Comparer) Row(r StagedRow) error {
	if len(r.USCC) != len(fingerprintKey{}) {
		return ErrExtractChanged
	}
	var k fingerprintKey
	copy(k[:], r.USCC)
	i, ok := c.last.lookup(k)
	if !ok || c.last.sorted[i].hash != rowHash(r) {
		return ErrExtractChanged
	}
	if c.seen[i/64]&(1<<(i%64)) == 0 {
		c.seen[i/64] |= 1 << (i % 64)
		c.hits++
	}
	return nil
}

// Issue records a reject or warning.
func (c *Comparer) Issue(i ImportIssue) error { return c.st.Issue(i) }

// Unchanged reports, at the end of the file, whether it delivered every organization of the
// last extract (and, by Row, nothing else and nothing different).
func (c *Comparer) Unchanged() bool { return c.hits == c.last.Len() }

// Flush writes the buffered issues.
func (c *Comparer) Flush() error {
	c.last.index = nil
	return c.st.flushIssues()
}

// Reset forgets the issues recorded so far, for the import to stage from the start (the
// last extract's index stays, for the stager to compare with: see CompareWith).
func (c *Comparer) Reset() error {
	c.seen = nil
	c.st.issues = c.st.issues[:0]
	return translate(c.st.s.db.WithContext(c.st.ctx).Exec("DELETE FROM roster_issues WHERE import_id = ?", c.st.imp.ID).Error, "import issues")
}

// printRuns are an extract's fingerprints in file order, in runs of at most printRun: a run
// never grows by copying once full (a million fingerprints held in one slice cost 26 MB, and
// 47 MB while the last growth copied them), and the runs are sorted each and merged as they
// are read (sorted).
type printRuns struct {
	runs [][]fingerprint
	pos  []int // sorted: the next fingerprint of each run
}

// printRun is the most fingerprints a run holds (6.8 MB): a million are four runs.
const printRun = 1 << 18

func (r *printRuns) add(p fingerprint) {
	last := len(r.runs) - 1
	if last < 0 || len(r.runs[last]) == printRun {
		// The first run grows as runs do, so that a small extract holds little; the next
		// ones are whole at once.
		var run []fingerprint
		if last >= 0 {
			run = make([]fingerprint, 0, printRun)
		}
		r.runs = append(r.runs, run)
		last++
	}
	r.runs[last] = append(r.runs[last], p)
}

// sorted sorts each run by credit code, rows in file order within one, for next to read them
// merged.
func (r *printRuns) sorted() {
	for _, run := range r.runs {
		slices.SortStableFunc(run, func(a, b fingerprint) int { return compareKeys(a.key, b.key) })
	}
	r.pos = make([]int, len(r.runs))
}

// next returns the next credit code's fingerprint in key order: of a credit code given more
// than once, the one of its last row (a later run holds later rows), as the merge keeps it.
func (r *printRuns) next() (fingerprint, bool) {
	var out fingerprint
	found := false
	for {
		best := -1
		for i, run := range r.runs {
			if r.pos[i] < len(run) && (best < 0 || compareKeys(run[r.pos[i]].key, r.runs[best][r.pos[best]].key) < 0) {
				best = i
			}
		}
		if best < 0 || found && r.runs[best][r.pos[best]].key != out.key {
			return out, found
		}
		out, found = r.runs[best][r.pos[best]], true
		r.pos[best]++
	}
}

// deltaBatch is how many credit codes of a delta go to PostgreSQL in one COPY (1 MB).
const deltaBatch = 1 << 14

// saveFingerprints stores an import's fingerprints (the last row of a credit code wins) in
// 1 MiB chunks, replacing what an earlier attempt stored. Without the source's last
// fingerprints, prints are the whole extract's. With them (last), prints hold only the rows
// that differ from last, are new, or follow such a row of their credit code (see Stager.Row),
// same marks the fingerprints of last the extract repeated unchanged, and what the extract
// says is last merged with prints: unchanged from last, else from prints, and a fingerprint
// of last neither repeated nor in prints is gone. The credit codes whose rows differ, appeared
// or vanished go to the import's delta table, and last is named as the import's delta base.
// Both are written as the walk produces them, a chunk or a batch at a time: the whole
// extract's fingerprints are never held twice (26 MB a million rows).
func (s *Store) saveFingerprints(ctx context.Context, imp RosterImport, prints *printRuns, last *Fingerprints, same []uint64) error {
	// Sorted by credit code, rows in file order within one: the later row of a credit code
	// wins, as in the merge.
	sorted := time.Now()
	prints.sorted()
	s.trace("fingerprints sorted", sorted)
	if last != nil {
		t := quoteIdent(deltaTable(imp.ID))
		for _, q := range []string{"DROP TABLE IF EXISTS " + t, "CREATE TABLE " + t + " (uscc TEXT PRIMARY KEY)"} {
			if err := s.db.WithContext(ctx).Exec(q).Error; err != nil {
				return translate(err, "staging")
			}
		}
	}
	defer s.trace("fingerprints and delta written", sorted)
	var delta [][]any
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec("DELETE FROM roster_fingerprints WHERE import_id = ?", imp.ID).Error; err != nil {
			return translate(err, "fingerprints")
		}
		const perChunk = (1 << 20) / fingerprintSize
		chunk := make([]byte, 0, perChunk*fingerprintSize)
		total, seq := 0, 0
		writeChunk := func() error {
			if len(chunk) == 0 {
				return nil
			}
			if err := tx.Exec("INSERT INTO roster_fingerprints (import_id, seq, data) VALUES (?, ?, ?)", imp.ID, seq, chunk).Error; err != nil {
				return translate(err, "fingerprints")
			}
			seq, chunk = seq+1, chunk[:0]
			return nil
		}
		put := func(p fingerprint) error {
			chunk = append(append(chunk, p.key[:]...), p.hash[:]...)
			total++
			if len(chunk) == cap(chunk) {
				return writeChunk()
			}
			return nil
		}
		// The delta goes to PostgreSQL in batches through COPY on a connection of its own, and
		// what is left of it after this transaction; SQLite's one writer is this transaction's,
		// so there the whole list is written after it.
		listed := func(k fingerprintKey) error {
			delta = append(delta, []any{string(k[:])})
			if len(delta) < deltaBatch || s.dialect == SQLite {
				return nil
			}
			err := s.copyRows(ctx, deltaTable(imp.ID), []string{"uscc"}, delta)
			delta = delta[:0]
			return err
		}
		p, more := prints.next()
		if last == nil {
			for ; more; p, more = prints.next() {
				if err := put(p); err != nil {
					return err
				}
			}
		} else {
			// Both sorted: one walk writes what the extract says and finds the rows that differ,
			// appeared or vanished.
			j := 0
			for more || j < len(last.sorted) {
				var err error
				switch {
				case j == len(last.sorted) || more && compareKeys(p.key, last.sorted[j].key) < 0:
					if err = put(p); err == nil { // new
						err = listed(p.key)
					}
					p, more = prints.next()
				case !more || compareKeys(p.key, last.sorted[j].key) > 0:
					if same[j/64]&(1<<(j%64)) != 0 {
						err = put(last.sorted[j]) // delivered again as it was
					} else {
						err = listed(last.sorted[j].key) // gone
					}
					j++
				default:
					if err = put(p); err == nil && p.hash != last.sorted[j].hash {
						err = listed(p.key)
					}
					p, more = prints.next()
					j++
				}
				if err != nil {
					return err
				}
			}
		}
		if err := writeChunk(); err != nil {
			return err
		}
		base := ""
		if last != nil {
			base = last.ImportID
		}
		return translate(tx.Model(&RosterImport{}).Where("id = ?", imp.ID).
			Updates(map[string]any{"fingerprints": total, "delta_base": base}).Error, "import")
	})
	if err != nil || len(delta) == 0 {
		return err
	}
	return s.copyRows(ctx, deltaTable(imp.ID), []string{"uscc"}, delta)
}

// deltaValid reports whether an import's delta table still describes how its extract differs
// from what the source says: it was compared with the fingerprints of the source's last
// extract, and no other extract of the source merged since.
func (s *Store) deltaValid(tx *gorm.DB, imp RosterImport) (bool, error) {
	if imp.DeltaBase == "" {
		return false, nil
	}
	last, ok, err := s.lastDoneImport(context.Background(), tx, imp.Source)
	if err != nil || !ok {
		return false, err
	}
	owner := last.ID
	if last.SameAs != "" {
		owner = last.SameAs
	}
	return owner == imp.DeltaBase, nil
}

// FinishUnchanged ends an import whose extract says exactly what the source's last one (same)
// said, as the merge ends it when nothing is touched and nothing gone: done, every organization
// unchanged, provenance and roster untouched, its conflicts counted; SameAs names the import
// it matched. pc are the parser's counts; nil when the file was not parsed (the same bytes):
// then the counts and issues are those of same.
func (s *Store) FinishUnchanged(ctx context.Context, id string, same RosterImport, pc *ParseCounts) (RosterImport, error) {
	defer s.trace("finish unchanged", time.Now())
	var out RosterImport
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var imp RosterImport
		if err := tx.Where("id = ?", id).Take(&imp).Error; err != nil {
			return translate(err, "import")
		}
		if imp.Status == domain.ImportDone {
			out = imp
			return nil
		}
		if err := tx.Exec("DROP TABLE IF EXISTS " + quoteIdent(batchTable(id))).Error; err != nil {
			return translate(err, "staging")
		}
		counts := ParseCounts{Rows: same.Rows, Accepted: same.Accepted, Rejected: same.Rejected, Warnings: same.Warnings,
			Encoding: same.Encoding, Sheet: same.Sheet, HeaderRow: same.HeaderRow}
		mapping := same.Mapping
		if pc != nil {
			counts = *pc
			m, _ := json.Marshal(pc.Mapping)
			mapping = string(m)
		} else {
			// The same bytes have the same rejects and warnings.
			if err := tx.Exec("DELETE FROM roster_issues WHERE import_id = ?", id).Error; err != nil {
				return translate(err, "import issues")
			}
			if err := tx.Exec(`INSERT INTO roster_issues (import_id, row_number, field, severity, reason, message, raw, name)
				SELECT ?, row_number, field, severity, reason, message, raw, name FROM roster_issues WHERE import_id = ?`, id, same.ID).Error; err != nil {
				return translate(err, "import issues")
			}
		}
		delivered := same.NewOrgs + same.Changed + same.Unchanged
		counted := time.Now()
		conflicts, err := sourceConflicts(tx, imp.Source)
		if err != nil {
			return err
		}
		s.trace("unchanged: conflicts counted", counted)
		sameAs := same.ID
		if same.SameAs != "" {
			sameAs = same.SameAs // the import whose fingerprints stand for both
		}
		now := s.Now()
		upd := map[string]any{
			"status": domain.ImportDone, "finished_at": now, "rows": counts.Rows, "accepted": counts.Accepted, "rejected": counts.Rejected,
			"warnings": counts.Warnings, "encoding": counts.Encoding, "sheet": counts.Sheet, "header_row": counts.HeaderRow, "mapping": mapping,
			"new_orgs": 0, "changed": 0, "unchanged": delivered, "conflicts": conflicts, "missing": 0, "same_as": sameAs,
		}
		if err := tx.Model(&RosterImport{}).Where("id = ?", id).Updates(upd).Error; err != nil {
			return translate(err, "import")
		}
		if err := s.audit(ctx, tx, imp.CreatedBy, "roster.merge", "roster_import", id, "", nil, map[string]any{
			"new": 0, "changed": 0, "unchanged": delivered, "conflicts": conflicts, "missing": 0}); err != nil {
			return err
		}
		return translate(tx.Where("id = ?", id).Take(&out).Error, "import")
	})
	return out, err
}

// sourceConflicts counts the disputed organizations a source delivers (not flagged missing):
// an import's conflicts, once the source's rows are what its extract says.
func sourceConflicts(tx *gorm.DB, source string) (int64, error) {
	var n int64
	err := tx.Raw(`SELECT count(*) FROM organizations o JOIN organization_sources s ON s.uscc = o.uscc AND s.source = ?
		WHERE o.conflict_fields <> '' AND NOT s.missing`, source).Scan(&n).Error
	return n, translate(err, "import counts")
}

// SameAsText is the Chinese line telling a liaison that an extract changed nothing, naming the
// import it matched ("" when it changed something).
func (s *Store) SameAsText(ctx context.Context, imp RosterImport) (string, error) {
	if imp.SameAs == "" {
		return "", nil
	}
	var same RosterImport
	if err := s.db.WithContext(ctx).Where("id = ?", imp.SameAs).Take(&same).Error; err != nil {
		return "", translate(err, "import")
	}
	return fmt.Sprintf("与上月相同：内容与 %s 导入的 %s 一致，名册未作变更", shanghaiMinute(same.CreatedAt), same.Filename), nil
}
