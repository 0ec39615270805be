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
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
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
// month2 changes 10% of rows, drops 2% and adds 2% new ones.
func writeSource(b *testing.B, dir, source string, month2 bool) string {
	path := filepath.Join(dir, source+map[bool]string{true: "-month2", false: ""}[month2]+".csv")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	fmt.Fprintln(w, "统一社会信用代码,企业名称,所属乡镇（街道）,行业门类,从业人数,登记状态")
	n := importRows
	for i := 0; i < n; i++ {
		if month2 && i%50 == 7 {
			continue // 2% gone
		}
		emp := 3 + i%200
		if source != "market" && i%20 == 0 {
			emp++ // 5% disagree with the market
		}
		status := "存续"
		if month2 && i%10 == 3 {
			status = "在业" // 10% changed
		}
		fmt.Fprintf(w, "%s,企业%07d有限公司,乡镇%04d,制造业,%d,%s\n", usccFor(i), i, i%2000, emp, status)
	}
	if month2 {
		for i := n; i < n+n/50; i++ { // 2% new
			fmt.Fprintf(w, "%s,企业%07d有限公司,乡镇%04d,制造业,%d,存续\n", usccFor(i), i, i%2000, 5)
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
	run(`DROP TABLE IF EXISTS copy_floor; CREATE TABLE copy_floor (uscc text PRIMARY KEY, name text, township text, industry text, employees int, reg_status text)`)
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
			ALTER observed_at SET DEFAULT now(), ALTER row_number SET DEFAULT 0, ALTER supervisor SET DEFAULT '', ALTER address SET DEFAULT '';
		CREATE TABLE floor_organizations (LIKE organizations INCLUDING ALL);
		ALTER TABLE floor_organizations ALTER created_at SET DEFAULT now(), ALTER updated_at SET DEFAULT now()`)
	cols := "(uscc, name, township, industry, employees, reg_status)"
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

// readWatch reads an organization with its provenance every 50 ms while an import runs, as
// the API does, and returns the slowest read: how long the merge made readers wait.
func readWatch(st *store.Store, p domain.Principal, uscc string) (stop func() time.Duration) {
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
				_, _ = st.GetOrganization(context.Background(), p, uscc) // not found before the first merge
				if d := int64(time.Since(start)); d > slowest.Load() {
					slowest.Store(d)
				}
			}
		}
	}()
	return func() time.Duration { close(done); <-finished; return time.Duration(slowest.Load()) }
}

// BenchmarkImport imports 1,000,000-row extracts of three sources and a second month of the
// first through Tandem (parse, validate, stage, merge with provenance) and, in the same run,
// loads each file with `psql \copy` into a table with the same primary key: the floor.
func BenchmarkImport(b *testing.B) {
	benchImports(b, []string{"market", "tax", "social", "market-month2"})
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
		if took > 300*time.Millisecond {
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
			stopReads := readWatch(st, admin, usccFor(7))
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
	parse := func(path string) (int, time.Duration) {
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
	xlsxInfo, err := os.Stat(xlsxPath)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		runtime.GC()
		stop := heapWatch()
		xr, xt := parse(xlsxPath)
		peak := stop()
		cr, ct := parse(csvPath)
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
