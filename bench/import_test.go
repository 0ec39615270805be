package bench_test

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"tandem/activities"
	"tandem/domain"
	"tandem/roster"
	"tandem/store"
	"tandem/store/storetest"
)

// importRows is the size of each extract: 1,000,000, or IMPORT_ROWS.
var importRows = func() int {
	if n, err := strconv.Atoi(os.Getenv("IMPORT_ROWS")); err == nil && n > 0 {
		return n
	}
	return 1_000_000
}()

// usccFor makes the i-th valid credit code.
func usccFor(i int) string { return string(domain.CompleteUSCC(fmt.Sprintf("91110108%09d", i))) }

// writeSource writes one department's extract of n organizations as a clean UTF-8 CSV and
// returns its path. Sources differ in head counts for 5% of the organizations (conflicts).
// month2 changes real fields of 10% of rows (head count, address, trade in turn), drops 2%
// and adds 2% new ones.
func writeSource(b *testing.B, dir, source string, month2 bool) string {
	return writeExtract(b, dir, source+map[bool]string{true: "-month2", false: ""}[month2]+".csv", importRows, source, month2, false)
}

// sourceLine is the i-th data row of a source's extract (month2: its second month), "" for
// a row gone in month2. Rows i ≥ importRows are month2's new ones.
func sourceLine(n int, source string, month2 bool, i int) string {
	if i >= n {
		return fmt.Sprintf("%s,企业%07d有限公司,乡镇%04d,制造业,5,存续,新区%d号", usccFor(i), i, i%2000, i)
	}
	if month2 && i%50 == 7 {
		return "" // 2% gone
	}
	emp, trade, addr := 3+i%200, "制造业", fmt.Sprintf("城区路%d号", i)
	if source != "market" && i%20 == 0 {
		emp++ // 5% disagree with the market
	}
	if month2 && i%10 == 3 { // 10% changed, in real fields
		switch (i / 10) % 3 {
		case 0:
			emp += 10
		case 1:
			addr = fmt.Sprintf("新城大道%d号", i)
		default:
			trade = "批发零售业"
		}
	}
	return fmt.Sprintf("%s,企业%07d有限公司,乡镇%04d,%s,%d,存续,%s", usccFor(i), i, i%2000, trade, emp, addr)
}

// writeExtract writes a source's extract under name; shuffled writes the same rows in another
// order with CRLF line ends (a re-export of the same content).
func writeExtract(b *testing.B, dir, name string, rows int, source string, month2, shuffled bool) string {
	path := filepath.Join(dir, name)
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	nl := "\n"
	if shuffled {
		nl = "\r\n"
	}
	fmt.Fprint(w, "统一社会信用代码,企业名称,所属乡镇（街道）,行业门类,从业人数,登记状态,住所"+nl)
	n := rows
	if month2 {
		n += rows / 50 // 2% new
	}
	order := make([]int32, n)
	for i := range order {
		order[i] = int32(i)
	}
	if shuffled {
		rand.New(rand.NewPCG(21, 1)).Shuffle(n, func(i, j int) { order[i], order[j] = order[j], order[i] })
	}
	for _, i := range order {
		if line := sourceLine(rows, source, month2, int(i)); line != "" {
			w.WriteString(line + nl)
		}
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	f.Close()
	return path
}

// psql runs one command through psql on url, as the baselines are loaded.
func psql(b *testing.B, url, sql string) {
	path, err := exec.LookPath("psql")
	if err != nil {
		b.Skip("psql not found")
	}
	if out, err := exec.Command(path, url, "-v", "ON_ERROR_STOP=1", "-q", "-c", sql).CombinedOutput(); err != nil {
		b.Fatalf("psql: %v\n%s", err, out)
	}
}

// copyFloor times `psql \copy` of the same file into a table keyed by the credit code.
func copyFloor(b *testing.B, url, path string) time.Duration {
	run := func(sql string) { psql(b, url, sql) }
	run(`DROP TABLE IF EXISTS copy_floor; CREATE TABLE copy_floor (uscc text PRIMARY KEY, name text, township text, industry text, employees int, reg_status text, address text)`)
	run(`CHECKPOINT`) // each timed run starts with no dirty pages of the one before (see BenchmarkImport)
	start := time.Now()
	run(`\copy copy_floor FROM '` + path + `' WITH (FORMAT csv, HEADER true)`)
	return time.Since(start)
}

// storageFloor times `psql \copy` of the same file into two tables shaped like the ones an
// organization the roster has never seen must be written to: a source's rows (with their
// provenance columns and key) and the master roster (with its key and the two unit-path
// indexes that scoped listing needs). It is the least a first load must write, whatever the
// importer does, timed with the fastest bulk path there is.
func storageFloor(b *testing.B, url, path string) time.Duration {
	run := func(sql string) { psql(b, url, sql) }
	run(`DROP TABLE IF EXISTS floor_sources, floor_organizations;
		CREATE TABLE floor_sources (LIKE organization_sources INCLUDING ALL);
		ALTER TABLE floor_sources ALTER source SET DEFAULT 'floor', ALTER import_id SET DEFAULT 'floor',
			ALTER observed_at SET DEFAULT now(), ALTER row_number SET DEFAULT 0, ALTER supervisor SET DEFAULT '';
		CREATE TABLE floor_organizations (LIKE organizations INCLUDING ALL);
		ALTER TABLE floor_organizations ALTER created_at SET DEFAULT now(), ALTER updated_at SET DEFAULT now()`)
	cols := "(uscc, name, township, industry, employees, reg_status, address)"
	run(`CHECKPOINT`)
	start := time.Now()
	run(`\copy floor_sources ` + cols + ` FROM '` + path + `' WITH (FORMAT csv, HEADER true)`)
	run(`\copy floor_organizations ` + cols + ` FROM '` + path + `' WITH (FORMAT csv, HEADER true)`)
	took := time.Since(start)
	run(`DROP TABLE floor_sources, floor_organizations`)
	return took
}

// heapWatch samples the Go heap while an import runs and returns the peak in use.
func heapWatch() (stop func() uint64) {
	var peak atomic.Uint64
	done := make(chan struct{})
	go func() {
		var m runtime.MemStats
		for {
			select {
			case <-done:
				return
			case <-time.After(20 * time.Millisecond):
				runtime.ReadMemStats(&m)
				if m.HeapInuse > peak.Load() {
					peak.Store(m.HeapInuse)
				}
			}
		}
	}()
	return func() uint64 { close(done); return peak.Load() }
}

// readWatch calls read every 50 ms while an import runs, as the API reads, and returns the
// slowest call: how long the merge made readers wait.
func readWatch(read func()) (stop func() time.Duration) {
	var slowest atomic.Int64
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		for {
			select {
			case <-done:
				return
			case <-time.After(50 * time.Millisecond):
				start := time.Now()
				read()
				if d := int64(time.Since(start)); d > slowest.Load() {
					slowest.Store(d)
				}
			}
		}
	}()
	return func() time.Duration { close(done); <-finished; return time.Duration(slowest.Load()) }
}

// provenanceRead reads an organization with its provenance, as GET /organizations/{uscc} does
// (not found before the first merge).
func provenanceRead(st *store.Store, p domain.Principal, uscc string) func() {
	return func() { _, _ = st.GetOrganization(context.Background(), p, uscc) }
}

// inboxRead lists the caller's inbox, as GET /tasks does.
func inboxRead(st *store.Store, p domain.Principal) func() {
	return func() { _, _, _ = st.ListTasks(context.Background(), p, store.TaskFilter{Visible: true}) }
}

// peakRSS is the process's peak resident set since the last resetPeakRSS (VmHWM), in bytes; 0
// where /proc is not there.
func peakRSS() uint64 { return procStatus("VmHWM") }

// procStatus is a field of /proc/self/status in bytes (VmHWM, RssAnon, RssFile); 0 where /proc
// is not there.
func procStatus(field string) uint64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// anonWatch samples the process's anonymous resident memory (RssAnon: heap, stacks, buffers)
// every 10 ms until stopped and returns its peak. VmHWM also counts the pages of the binary
// itself that are resident (RssFile): clean, shared with the page cache, 160 MB of the test
// binary (244 MB; it links the embedded Temporal server) and as many of `tandem`'s (245 MB) at
// rest, so it overstates what the import holds.
func anonWatch() (stop func() uint64) {
	var peak atomic.Uint64
	done, finished := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(finished)
		for {
			if v := procStatus("RssAnon"); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-done:
				return
			case <-time.After(10 * time.Millisecond):
			}
		}
	}()
	return func() uint64 { close(done); <-finished; return peak.Load() }
}

// resetPeakRSS returns what the generators freed to the system and starts VmHWM again from
// the current resident set (Linux: 5 > /proc/self/clear_refs).
func resetPeakRSS() {
	debug.FreeOSMemory()
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
}

// BenchmarkImport prints issue #21's table: each case of a monthly delivery imported through
// Tandem (parse, validate, stage, merge with provenance) against its baseline measured in the
// same run (`psql \copy` of the same file into a keyed table, or for a first load the storage
// floor: \copy into tables shaped like Tandem's), with the target; the peak RSS of the process
// during each case and while an XLSX of 4,000,000 distinct texts is parsed; the slowest
// provenance and inbox reads during the second month on PostgreSQL and during a 100,000-row
// import on SQLite.
func BenchmarkImport(b *testing.B) {
	if os.Getenv(storetest.PostgresEnv) == "" {
		b.Skip("needs PostgreSQL: run `make bench-import`")
	}
	url := storetest.NewPostgresDatabase(b)
	ctx := context.Background()
	st, err := store.Open(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	if err := st.Migrate(ctx, slog.New(slog.DiscardHandler)); err != nil {
		b.Fatal(err)
	}
	st.Trace = func(step string, took time.Duration) {
		if took > 100*time.Millisecond {
			fmt.Printf("    step %-7v %.90s\n", took.Round(time.Millisecond), step)
		}
	}
	a := &activities.Activities{Store: st, Calendar: &activities.CalendarCache{Store: st, TTL: time.Minute}, Notifier: activities.InAppNotifier{Store: st}}
	admin := domain.Principal{Username: "admin", Admin: true}
	dir := b.TempDir()
	market := writeExtract(b, dir, "market.csv", importRows, "market", false, false)
	month2 := writeExtract(b, dir, "market-month2.csv", importRows, "market", true, false)
	reexport := writeExtract(b, dir, "market-month2-reexport.csv", importRows, "market", true, true)
	tax := writeExtract(b, dir, "tax.csv", importRows, "tax", false, false)
	type row struct {
		name, baseline string
		tandem, base   time.Duration
		target         float64
		rss, anon      uint64
		note           string
		id             string
	}
	resetPeakRSS()
	atRest := peakRSS() // the test binary links the embedded Temporal server (census benchmark)
	fmt.Printf("at rest: RSS %d MB, of it %d MB the binary's own pages (RssFile) and %d MB anonymous\n", atRest>>20,
		procStatus("RssFile")>>20, procStatus("RssAnon")>>20)
	b.ResetTimer()
	for range b.N {
		var rows []row
		run := func(name, source, path, baseline string, target float64) row {
			file, err := os.Open(path)
			if err != nil {
				b.Fatal(err)
			}
			imp, err := st.CreateImport(ctx, admin, source, filepath.Base(path), file, 1<<30, "")
			file.Close()
			if err != nil {
				b.Fatal(err)
			}
			// Each timed run, Tandem's and its baseline's, starts from a checkpoint: without one, a
			// run paid for writing out the dirty pages of the one before (the floor of one first
			// load measured 4.6–6.2 s).
			psql(b, url, `CHECKPOINT`)
			runtime.GC()
			resetPeakRSS()
			stopProv := readWatch(provenanceRead(st, admin, usccFor(13)))
			stopInbox := readWatch(inboxRead(st, admin))
			stopAnon := anonWatch()
			start := time.Now()
			done, err := a.RunImportGated(ctx, imp.ID)
			took := time.Since(start)
			prov, inbox := stopProv(), stopInbox()
			rss, anon := peakRSS(), stopAnon()
			if err != nil || done.Status != domain.ImportDone {
				b.Fatalf("import %s: %v %+v", path, err, done)
			}
			var base time.Duration
			if baseline == "storage floor" {
				base = storageFloor(b, url, path)
			} else {
				base = copyFloor(b, url, path)
			}
			r := row{name: name, baseline: baseline, tandem: took, base: base, target: target, rss: rss, anon: anon, id: done.ID,
				note: fmt.Sprintf("new %d changed %d unchanged %d conflicts %d missing %d; slowest provenance read %v, inbox read %v",
					done.NewOrgs, done.Changed, done.Unchanged, done.Conflicts, done.Missing, prov.Round(time.Millisecond), inbox.Round(time.Millisecond))}
			fmt.Printf("%-44s tandem %v, %s %v: %.2f× (target ≤ %.1f×), peak RSS %d MB (anonymous %d MB); %s\n", name, took.Round(time.Millisecond), baseline,
				base.Round(time.Millisecond), took.Seconds()/base.Seconds(), target, rss>>20, anon>>20, r.note)
			rows = append(rows, r)
			return r
		}
		run("first load", "market", market, "storage floor", 1.3)
		m2 := run("second month (10% changed, 2% gone, 2% new)", "market", month2, "\\copy", 1.0)
		// The least a month's import can do, whatever the importer: read every row of the file
		// (only then is it known what changed) and write what changed, in place.
		parsed, _ := parseFile(b, month2)
		_, parseTook := parseFile(b, month2)
		m2Writes := rewriteFloor(b, url, m2.id, true)
		run("the same bytes again", "market", month2, "\\copy", 0.1)
		run("the same content re-exported (shuffled, CRLF)", "market", reexport, "\\copy", 0.8)
		tx := run("a second source over a known roster (tax)", "tax", tax, "\\copy", 2.0)
		// A new source's rows must all be written (at least the \copy itself), and so must the
		// organizations whose master values its rows change.
		taxWrites := rewriteFloor(b, url, tx.id, false)
		xlsxRSS, xlsxAnon, xlsxRows := xlsxDistinctRSS(b, dir)
		sqliteInbox := sqliteReads(b, dir)

		fmt.Printf("\n| case (%d-row file) | tandem | baseline | ratio | target |\n|---|---|---|---|---|\n", importRows)
		var peak, peakAnon uint64
		for _, r := range rows {
			fmt.Printf("| %s | %v | %s %v | %.2f× | ≤ %.1f× |\n", r.name, r.tandem.Round(time.Millisecond), r.baseline, r.base.Round(time.Millisecond),
				r.tandem.Seconds()/r.base.Seconds(), r.target)
			peak, peakAnon = max(peak, r.rss), max(peakAnon, r.anon)
		}
		fmt.Printf("| peak memory of the process (RSS) during any of these | %d MB (%d MB before the first); anonymous %d MB | | | ≤ 300 MB |\n",
			peak>>20, atRest>>20, peakAnon>>20)
		fmt.Printf("| peak RSS parsing an XLSX of %d rows, 4 distinct texts a row | %d MB; anonymous %d MB | | | ≤ 300 MB |\n", xlsxRows,
			xlsxRSS>>20, xlsxAnon>>20)
		fmt.Printf("| floor of the second month: parse every row (%d rows, %v) + rewrite the changed rows in place (%v) | %v | \\copy %v | %.2f× | |\n",
			parsed, parseTook.Round(time.Millisecond), m2Writes.Round(time.Millisecond), (parseTook + m2Writes).Round(time.Millisecond),
			m2.base.Round(time.Millisecond), (parseTook+m2Writes).Seconds()/m2.base.Seconds())
		fmt.Printf("| floor of the tax source: \\copy + rewrite the organizations it changes (%v) | %v | \\copy %v | %.2f× | |\n",
			taxWrites.Round(time.Millisecond), (tx.base + taxWrites).Round(time.Millisecond), tx.base.Round(time.Millisecond),
			(tx.base+taxWrites).Seconds()/tx.base.Seconds())
		fmt.Printf("| slowest reads during the second month (PostgreSQL) | %s | | | ≤ 100 ms |\n", rows[1].note[strings.Index(rows[1].note, "slowest"):])
		fmt.Printf("| slowest inbox read during a %d-row SQLite import | %v | | | ≤ 200 ms |\n\n", sqliteRows, sqliteInbox.Round(time.Millisecond))
	}
}

// rewriteFloor times, in a transaction rolled back, rewriting in place by key the rows an
// import changed: the organizations it derived again (their updated_at is its finish) and,
// with sourceRows, the source's rows it wrote or flagged missing (they name it). It is the
// least the import had to write besides its new rows, timed with plain UPDATEs through psql.
func rewriteFloor(b *testing.B, url, importID string, sourceRows bool) time.Duration {
	id := "'" + importID + "'"
	sql := `BEGIN;
		UPDATE organizations SET updated_at = updated_at + interval '1 second'
		 WHERE updated_at = (SELECT finished_at FROM roster_imports WHERE id = ` + id + `);`
	if sourceRows {
		sql += `UPDATE organization_sources SET observed_at = observed_at + interval '1 second' WHERE import_id = ` + id + `;`
	}
	psql(b, url, `CHECKPOINT`)
	start := time.Now()
	psql(b, url, sql+`ROLLBACK;`)
	return time.Since(start)
}

// sqliteRows is the size of the SQLite import during which inbox reads are timed.
const sqliteRows = 100_000

// sqliteReads imports a 100,000-row extract into a SQLite store (the embedded default) while
// an inbox is read every 50 ms, and returns the slowest read.
func sqliteReads(b *testing.B, dir string) time.Duration {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(b.TempDir(), "tandem.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	if err := st.Migrate(ctx, slog.New(slog.DiscardHandler)); err != nil {
		b.Fatal(err)
	}
	a := &activities.Activities{Store: st, Calendar: &activities.CalendarCache{Store: st, TTL: time.Minute}, Notifier: activities.InAppNotifier{Store: st}}
	admin := domain.Principal{Username: "admin", Admin: true}
	path := writeExtract(b, dir, "sqlite-market.csv", sqliteRows, "market", false, false)
	file, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer file.Close()
	imp, err := st.CreateImport(ctx, admin, "market", "sqlite-market.csv", file, 1<<30, "")
	if err != nil {
		b.Fatal(err)
	}
	stop := readWatch(inboxRead(st, admin))
	start := time.Now()
	done, err := a.RunImportGated(ctx, imp.ID)
	took := time.Since(start)
	slowest := stop()
	if err != nil || done.Status != domain.ImportDone {
		b.Fatalf("SQLite import: %v %+v", err, done)
	}
	fmt.Printf("%-44s tandem %v; slowest inbox read %v\n", fmt.Sprintf("SQLite, %d rows", sqliteRows), took.Round(time.Millisecond), slowest.Round(time.Millisecond))
	return slowest
}

// xlsxDistinctRSS writes an XLSX of importRows rows whose four text cells are each a text of
// its own (4,000,000 distinct texts for a million rows, all in the shared-string table), parses
// it through roster/, and returns the process's peak RSS and peak anonymous RSS meanwhile.
func xlsxDistinctRSS(b *testing.B, dir string) (uint64, uint64, int) {
	path := filepath.Join(dir, "distinct.xlsx")
	n := importRows
	text := func(i, c int) string {
		switch c {
		case 0:
			return usccFor(i)
		case 1:
			return fmt.Sprintf("企业%07d有限公司", i)
		case 2:
			return fmt.Sprintf("城区路%d号", i)
		}
		return fmt.Sprintf("主管单位%07d", i)
	}
	if err := writeDistinctXLSX(path, n, text); err != nil {
		b.Fatal(err)
	}
	runtime.GC()
	resetPeakRSS()
	stopAnon := anonWatch()
	rows, took := parseFile(b, path)
	rss, anon := peakRSS(), stopAnon()
	info, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	fmt.Printf("%-44s %d rows (%d MB) parsed in %v, peak RSS %d MB (anonymous %d MB)\n", "XLSX, 4 distinct texts a row", rows, info.Size()>>20,
		took.Round(time.Millisecond), rss>>20, anon>>20)
	return rss, anon, rows
}

// writeDistinctXLSX writes n rows of four text cells, text(i, c), each its own shared string
// (string c of row i is number 4i+c), without holding them.
func writeDistinctXLSX(path string, n int, text func(i, c int) string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	z := zip.NewWriter(f)
	if err := writeXLSXParts(z); err != nil {
		return err
	}
	w, err := z.Create("xl/worksheets/sheet1.xml")
	if err != nil {
		return err
	}
	const ns = `xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"`
	header := []string{"统一社会信用代码", "企业名称", "住所", "业务主管单位"}
	bw := bufio.NewWriterSize(w, 1<<20)
	bw.WriteString(`<?xml version="1.0" encoding="UTF-8"?><worksheet ` + ns + `><sheetData><row r="1">`)
	for c, h := range header {
		fmt.Fprintf(bw, `<c r="%c1" t="inlineStr"><is><t>%s</t></is></c>`, 'A'+c, h)
	}
	bw.WriteString(`</row>`)
	for i := 0; i < n; i++ {
		fmt.Fprintf(bw, `<row r="%d">`, i+2)
		for c := 0; c < 4; c++ {
			fmt.Fprintf(bw, `<c r="%c%d" t="s"><v>%d</v></c>`, 'A'+c, i+2, 4*i+c)
		}
		bw.WriteString(`</row>`)
	}
	bw.WriteString(`</sheetData></worksheet>`)
	if err := bw.Flush(); err != nil {
		return err
	}
	if w, err = z.Create("xl/sharedStrings.xml"); err != nil {
		return err
	}
	bw = bufio.NewWriterSize(w, 1<<20)
	fmt.Fprintf(bw, `<?xml version="1.0" encoding="UTF-8"?><sst `+ns+` count="%d" uniqueCount="%d">`, 4*n, 4*n)
	for i := 0; i < n; i++ {
		for c := 0; c < 4; c++ {
			bw.WriteString(`<si><t>` + text(i, c) + `</t></si>`)
		}
	}
	bw.WriteString(`</sst>`)
	if err := bw.Flush(); err != nil {
		return err
	}
	return z.Close()
}

// BenchmarkImportOneSource is how a city starts: the market extract is the only source
// delivered, then its next month arrives (10% changed, 2% gone, 2% new). With no other source
// to look at, the merge's plans differ from BenchmarkImport's (issue: flagging the gone
// organizations once took 625 s for a million rows).
func BenchmarkImportOneSource(b *testing.B) {
	benchImports(b, []string{"market", "market-month2"})
}

// benchImports imports the named extracts in order ("source" or "source-month2") against the
// \copy floor of each, measured in the same run.
func benchImports(b *testing.B, names []string) {
	if os.Getenv(storetest.PostgresEnv) == "" {
		b.Skip("needs PostgreSQL: run `make bench-import`")
	}
	url := storetest.NewPostgresDatabase(b)
	st, err := store.Open(context.Background(), url)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	if err := st.Migrate(ctx, slog.New(slog.DiscardHandler)); err != nil {
		b.Fatal(err)
	}
	st.Trace = func(step string, took time.Duration) {
		if took > 100*time.Millisecond {
			fmt.Printf("    step %-7v %.90s\n", took.Round(time.Millisecond), step)
		}
	}
	a := &activities.Activities{Store: st, Calendar: &activities.CalendarCache{Store: st, TTL: time.Minute}, Notifier: activities.InAppNotifier{Store: st}}
	admin := domain.Principal{Username: "admin", Admin: true}
	dir := b.TempDir()
	type file struct{ source, path string }
	var files []file
	for _, n := range names {
		source, month2 := strings.CutSuffix(n, "-month2")
		files = append(files, file{source, writeSource(b, dir, source, month2)})
	}
	b.ResetTimer()
	for range b.N {
		var total, totalCopy time.Duration
		for _, f := range files {
			file, err := os.Open(f.path)
			if err != nil {
				b.Fatal(err)
			}
			imp, err := st.CreateImport(ctx, admin, f.source, filepath.Base(f.path), file, 1<<30, "")
			file.Close()
			if err != nil {
				b.Fatal(err)
			}
			runtime.GC()
			stop := heapWatch()
			stopReads := readWatch(provenanceRead(st, admin, usccFor(7)))
			start := time.Now()
			done, err := a.RunImport(ctx, imp.ID)
			took := time.Since(start)
			peak := stop()
			slowest := stopReads()
			if err != nil || done.Status != domain.ImportDone {
				b.Fatalf("import %s: %v %+v", f.path, err, done)
			}
			floor := copyFloor(b, url, f.path)
			total += took
			totalCopy += floor
			fmt.Printf("%-18s rows %d new %d changed %d unchanged %d conflicts %d missing %d | tandem %v, \\copy %v, ratio %.2f×, peak heap %d MB, slowest provenance read %v\n",
				filepath.Base(f.path), done.Rows, done.NewOrgs, done.Changed, done.Unchanged, done.Conflicts, done.Missing,
				took.Round(time.Millisecond), floor.Round(time.Millisecond), took.Seconds()/floor.Seconds(), peak>>20, slowest.Round(time.Millisecond))
			if done.NewOrgs == done.Rows {
				both := storageFloor(b, url, f.path)
				fmt.Printf("%-18s   every organization is new: \\copy into a source's rows and the master roster alone takes %v, %.2f× the floor\n",
					filepath.Base(f.path), both.Round(time.Millisecond), both.Seconds()/floor.Seconds())
			}
		}
		b.ReportMetric(total.Seconds()/totalCopy.Seconds(), "import/copy-ratio")
		b.Logf("%d files: tandem %v, \\copy %v, ratio %.2f×", len(files), total.Round(time.Millisecond), totalCopy.Round(time.Millisecond), total.Seconds()/totalCopy.Seconds())
	}
}

// BenchmarkXLSXStream measures how fast an XLSX roster of 1,000,000 rows (XLSX_ROWS to
// change it), written with a shared-string table as Excel writes it, streams through the
// parser, and the parser's peak heap, against the rate of parsing the same rows as CSV in the
// same run.
func BenchmarkXLSXStream(b *testing.B) {
	n := 1_000_000
	if v, err := strconv.Atoi(os.Getenv("XLSX_ROWS")); err == nil {
		n = v
	}
	header := []string{"统一社会信用代码", "企业名称", "所属乡镇（街道）", "行业门类", "从业人数", "登记状态"}
	rows := make([][]string, 0, n+1)
	rows = append(rows, header)
	var csvBuf bytes.Buffer
	csvBuf.WriteString(strings.Join(header, ",") + "\n")
	for i := 0; i < n; i++ {
		row := []string{usccFor(i), fmt.Sprintf("企业%07d有限公司", i), fmt.Sprintf("乡镇%04d", i%2000), "制造业", strconv.Itoa(3 + i%200), "存续"}
		rows = append(rows, row)
		csvBuf.WriteString(strings.Join(row, ",") + "\n")
	}
	// Both files go to disk and the generator's memory is released, so that the heap measured
	// is the parser's own.
	dir := b.TempDir()
	xlsxPath, csvPath := filepath.Join(dir, "r.xlsx"), filepath.Join(dir, "r.csv")
	if err := writeXLSX(xlsxPath, rows); err != nil {
		b.Fatal(err)
	}
	rows = nil
	if err := os.WriteFile(csvPath, csvBuf.Bytes(), 0o600); err != nil {
		b.Fatal(err)
	}
	csvBuf = bytes.Buffer{}
	xlsxInfo, err := os.Stat(xlsxPath)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		runtime.GC()
		stop := heapWatch()
		xr, xt := parseFile(b, xlsxPath)
		peak := stop()
		cr, ct := parseFile(b, csvPath)
		b.ReportMetric(float64(xr)/xt.Seconds(), "xlsx-rows/s")
		b.ReportMetric(xt.Seconds()/ct.Seconds(), "xlsx/csv-time")
		b.Logf("XLSX %d rows (%d MB) in %v = %.0f rows/s (target ≥ 20,000), peak heap %d MB; CSV %d rows in %v",
			xr, xlsxInfo.Size()>>20, xt.Round(time.Millisecond), float64(xr)/xt.Seconds(), peak>>20, cr, ct.Round(time.Millisecond))
	}
}

// writeXLSX writes rows as Excel itself does: text cells refer to a shared-string table that
// holds every distinct text, numbers are inline.
func writeXLSX(path string, rows [][]string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	z := zip.NewWriter(f)
	if err := writeXLSXParts(z); err != nil {
		return err
	}
	const ns = `xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"`
	index := map[string]int{}
	var shared []string
	w, err := z.Create("xl/worksheets/sheet1.xml")
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	bw.WriteString(`<?xml version="1.0" encoding="UTF-8"?><worksheet ` + ns + `><sheetData>`)
	for r, row := range rows {
		fmt.Fprintf(bw, `<row r="%d">`, r+1)
		for c, v := range row {
			ref, _ := excelize.CoordinatesToCellName(c+1, r+1)
			if _, err := strconv.Atoi(v); err == nil {
				fmt.Fprintf(bw, `<c r="%s"><v>%s</v></c>`, ref, v)
				continue
			}
			i, ok := index[v]
			if !ok {
				i = len(shared)
				index[v] = i
				shared = append(shared, v)
			}
			fmt.Fprintf(bw, `<c r="%s" t="s"><v>%d</v></c>`, ref, i)
		}
		bw.WriteString(`</row>`)
	}
	bw.WriteString(`</sheetData></worksheet>`)
	if err := bw.Flush(); err != nil {
		return err
	}
	w, err = z.Create("xl/sharedStrings.xml")
	if err != nil {
		return err
	}
	bw = bufio.NewWriterSize(w, 1<<20)
	fmt.Fprintf(bw, `<?xml version="1.0" encoding="UTF-8"?><sst `+ns+` count="%d" uniqueCount="%d">`, len(shared), len(shared))
	for _, v := range shared {
		bw.WriteString(`<si><t>`)
		xml.EscapeText(bw, []byte(v)) //nolint:errcheck // the writer's error is reported by Flush
		bw.WriteString(`</t></si>`)
	}
	bw.WriteString(`</sst>`)
	if err := bw.Flush(); err != nil {
		return err
	}
	return z.Close()
}

// writeXLSXParts writes the parts of a one-sheet workbook other than the sheet and its
// shared strings.
func writeXLSXParts(z *zip.Writer) error {
	part := func(name, body string) error {
		w, err := z.Create(name)
		if err == nil {
			_, err = io.WriteString(w, body)
		}
		return err
	}
	const ns = `xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"`
	for name, body := range map[string]string{
		"[Content_Types].xml": `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
			`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>` +
			`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>` +
			`<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>` +
			`<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>`,
		"_rels/.rels": `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
		"xl/workbook.xml": `<?xml version="1.0" encoding="UTF-8"?><workbook ` + ns + ` xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">` +
			`<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`,
		"xl/_rels/workbook.xml.rels": `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>` +
			`<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>`,
	} {
		if err := part(name, body); err != nil {
			return err
		}
	}
	return nil
}

// parseFile reads every row of a roster file through roster/ (every row must be accepted) and
// returns how many there were and how long opening and parsing took.
func parseFile(b *testing.B, path string) (int, time.Duration) {
	b.Helper()
	start := time.Now()
	file, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer file.Close()
	info, _ := file.Stat()
	rr, _, err := roster.Open(file, info.Size(), filepath.Base(path), roster.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer rr.Close()
	p, err := roster.NewParser(rr, nil)
	if err != nil {
		b.Fatal(err)
	}
	rows := 0
	for {
		_, rej, _, err := p.Next()
		if err == io.EOF {
			break
		}
		if err != nil || rej != nil {
			b.Fatalf("row %d: %v %v", rows, err, rej)
		}
		rows++
	}
	return rows, time.Since(start)
}
