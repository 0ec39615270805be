package store_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"

	"tandem/domain"
	"tandem/store"
	"tandem/store/storetest"
)

func intp(n int) *int { return &n }

// stageRows stages rows as an import of source.
func stageRows(t *testing.T, st *store.Store, source string, rows ...store.StagedRow) store.RosterImport {
	t.Helper()
	ctx := context.Background()
	imp, err := st.CreateImport(ctx, admin, source, source+".csv", strings.NewReader("x"), 1<<20, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := st.StartImport(ctx, imp.ID); err != nil {
		t.Fatal(err)
	}
	stager := st.NewStager(ctx, imp)
	defer stager.Close()
	for _, r := range rows {
		if err := stager.Row(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := stager.Flush(); err != nil {
		t.Fatal(err)
	}
	return imp
}

// importRows stages rows as an import of source and merges them.
func importRows(t *testing.T, st *store.Store, source string, rows ...store.StagedRow) store.RosterImport {
	t.Helper()
	ctx := context.Background()
	imp := stageRows(t, st, source, rows...)
	done, err := st.MergeImport(ctx, imp.ID, store.ParseCounts{Rows: len(rows), Accepted: len(rows)})
	if err != nil {
		t.Fatal(err)
	}
	again, err := st.MergeImport(ctx, imp.ID, store.ParseCounts{})
	if err != nil || again.NewOrgs != done.NewOrgs || again.Changed != done.Changed {
		t.Fatalf("merging a done import again: %+v %v", again, err)
	}
	return done
}

func org(t *testing.T, st *store.Store, uscc string) store.OrganizationDetail {
	t.Helper()
	d, err := st.GetOrganization(context.Background(), admin, uscc)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestRosterMerge(t *testing.T) {
	const x, y, z = "91110108551385082Q", "9144030071526726XG", "914403001922038216"
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		county, a, b, committee := nets(t, st)
		_ = county
		if _, err := st.PutIndustryMapping(ctx, admin, "制造业", committee.ID); err != nil {
			t.Fatal(err)
		}

		m := importRows(t, st, "market",
			store.StagedRow{Row: 2, USCC: x, Name: "旧名", Township: a.Name, Industry: "制造业", Employees: intp(10)},
			store.StagedRow{Row: 3, USCC: y, Name: "乙", Township: b.Name},
			store.StagedRow{Row: 4, USCC: x, Name: "甲", Township: a.Name, Industry: "制造业", Employees: intp(10)}, // a later row wins
		)
		if m.NewOrgs != 2 || m.Changed != 0 || m.Conflicts != 0 {
			t.Fatalf("market: %+v", m)
		}
		ox := org(t, st, x)
		if ox.Name != "甲" || ox.RegionUnitID == nil || *ox.RegionUnitID != a.ID || ox.IndustryUnitID == nil || *ox.IndustryUnitID != committee.ID {
			t.Fatalf("x after market: %+v", ox.OrganizationRow)
		}

		tax := importRows(t, st, "tax",
			store.StagedRow{Row: 2, USCC: x, Name: "甲", Township: a.Name, Employees: intp(12)},
			store.StagedRow{Row: 3, USCC: y, Name: "乙", Township: a.Name},
			store.StagedRow{Row: 4, USCC: z, Name: "丙"},
		)
		if tax.NewOrgs != 1 || tax.Changed != 2 || tax.Conflicts != 2 {
			t.Fatalf("tax: %+v", tax)
		}
		if ox := org(t, st, x); ox.ConflictFields != "employees" || *ox.Employees != 10 || len(ox.Sources) != 2 {
			t.Fatalf("x after tax: %+v", ox.OrganizationRow)
		}
		if oy := org(t, st, y); oy.ConflictFields != "township" || oy.RegionOwners != 2 || oy.RegionUnitID != nil {
			t.Fatalf("y after tax: %+v", oy.OrganizationRow)
		}
		if oz := org(t, st, z); oz.RegionOwners != 0 || oz.Missing {
			t.Fatalf("z: %+v", oz.OrganizationRow)
		}

		// The market's next extract drops y and no longer gives x's head count.
		m2 := importRows(t, st, "market",
			store.StagedRow{Row: 2, USCC: x, Name: "甲", Township: a.Name, Industry: "制造业"},
		)
		if m2.Changed != 1 || m2.Missing != 1 {
			t.Fatalf("market again: %+v", m2)
		}
		if ox := org(t, st, x); ox.ConflictFields != "" || ox.Employees == nil || *ox.Employees != 12 {
			t.Fatalf("x after market dropped its head count: %+v", ox.OrganizationRow)
		}
		oy := org(t, st, y)
		if oy.Missing || oy.ConflictFields != "" || oy.RegionUnitID == nil || *oy.RegionUnitID != a.ID {
			t.Fatalf("y kept by tax alone: %+v", oy.OrganizationRow)
		}
		// y's market row is kept, flagged missing.
		for _, s := range oy.Sources {
			if s.Source == "market" && !s.Missing {
				t.Fatal("y's market row is not flagged missing")
			}
		}

		// The same extract again changes nothing, not even the provenance.
		if same := importRows(t, st, "market", store.StagedRow{Row: 2, USCC: x, Name: "甲", Township: a.Name, Industry: "制造业"}); same.Unchanged != 1 || same.Changed != 0 || same.Missing != 0 {
			t.Fatalf("same extract: %+v", same)
		}
		for _, sv := range org(t, st, x).Sources {
			if sv.Source == "market" && sv.ImportID != m2.ID {
				t.Fatalf("x's market provenance after the same extract again: %+v, want import %s", sv, m2.ID)
			}
		}
		for _, sv := range org(t, st, y).Sources {
			if sv.Source == "market" && (!sv.Missing || sv.ImportID != m2.ID) {
				t.Fatalf("y's market row after the same extract again: %+v", sv)
			}
		}

		// A field the sources agree on has nothing to resolve.
		if _, err := st.ResolveConflict(ctx, admin, y, "township", a.Name, "实地核实"); domain.ErrorCode(err) != domain.EINVALID {
			t.Fatalf("resolving an undisputed field: %v", err)
		}
		// An officer's resolution settles a conflict and survives the next recompute.
		importRows(t, st, "social", store.StagedRow{Row: 2, USCC: y, Name: "乙", Township: b.Name})
		if oy := org(t, st, y); oy.ConflictFields != "township" {
			t.Fatalf("y disputed by social: %+v", oy.OrganizationRow)
		}
		if _, err := st.ResolveConflict(ctx, admin, y, "township", a.Name, "实地核实"); err != nil {
			t.Fatal(err)
		}
		importRows(t, st, "civil", store.StagedRow{Row: 2, USCC: y, Name: "乙", Township: b.Name})
		if oy := org(t, st, y); oy.ConflictFields != "" || oy.Township != a.Name || oy.RegionOwners != 1 || *oy.RegionUnitID != a.ID {
			t.Fatalf("y after resolution and another source: %+v", oy.OrganizationRow)
		}

		// Organizations are scoped: township B's member does not see x.
		pb := domain.Principal{Username: "m", Memberships: []domain.Membership{{UnitID: b.ID, UnitPath: b.Path, Role: domain.RoleOfficer}}}
		if _, err := st.GetOrganization(ctx, pb, x); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Fatalf("township B sees x: %v", err)
		}
	})
}

func TestChunkedFiles(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		data := make([]byte, 2<<20+12345)
		for i := range data {
			data[i] = byte(i*7 + i/1000)
		}
		imp, err := st.CreateImport(ctx, admin, "market", "big.csv", bytes.NewReader(data), 3<<20, "")
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(data)
		if imp.FileSHA256 != hex.EncodeToString(sum[:]) {
			t.Fatal("sha256 differs")
		}
		f, err := st.ImportFile(ctx, imp)
		if err != nil || f.Size() != int64(len(data)) {
			t.Fatalf("open: %v size %d", err, f.Size())
		}
		got, err := io.ReadAll(io.NewSectionReader(f, 0, f.Size()))
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("read back: %v, equal %v", err, bytes.Equal(got, data))
		}
		buf := make([]byte, 100)
		if n, err := f.ReadAt(buf, 1<<20-50); n != 100 || err != nil || !bytes.Equal(buf, data[1<<20-50:1<<20+50]) {
			t.Fatalf("read across a chunk boundary: %d %v", n, err)
		}
		if _, err := st.CreateImport(ctx, admin, "market", "huge.csv", bytes.NewReader(data), 1<<20, ""); !errors.Is(err, store.ErrTooLarge) {
			t.Fatalf("over the limit: %v", err)
		}
	})
}

func TestUnitRenameMoveMerge(t *testing.T) {
	const x, y = "91110108551385082Q", "9144030071526726XG"
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		county, a, b, _ := nets(t, st)
		park, err := st.CreateUnit(ctx, admin, domain.Unit{Name: "园区", Net: domain.NetRegion, Kind: domain.KindPark, ParentID: &b.ID})
		if err != nil {
			t.Fatal(err)
		}
		importRows(t, st, "market",
			store.StagedRow{Row: 2, USCC: x, Name: "甲", Township: a.Name},
			store.StagedRow{Row: 3, USCC: y, Name: "乙", Township: b.Name})
		task, _, err := st.CreateTask(ctx, store.NewTask{Key: "k", Kind: "drill.acknowledge", WorkflowID: "wf", UnitID: b.ID, Role: domain.RoleInspector})
		if err != nil {
			t.Fatal(err)
		}

		// Rename: the old name stays an alias, organizations still resolve.
		newName := "东风新区街道"
		renamed, err := st.ChangeUnit(ctx, admin, a.ID, store.UnitChange{Name: &newName})
		if err != nil || renamed.Name != newName {
			t.Fatalf("rename: %+v %v", renamed, err)
		}
		if aliases, _ := st.UnitAliases(ctx, a.ID); len(aliases) != 1 || aliases[0] != a.Name {
			t.Fatalf("aliases %v", aliases)
		}
		if o := org(t, st, x); o.RegionUnitID == nil || *o.RegionUnitID != a.ID {
			t.Fatalf("x after rename: %+v", o.OrganizationRow)
		}
		if _, err := st.ChangeUnit(ctx, admin, a.ID, store.UnitChange{ParentID: &a.ID}); domain.ErrorCode(err) != domain.EINVALID {
			t.Fatalf("move under itself: %v", err)
		}

		// Merge B into A: B's organizations, tasks, children and name go to A.
		merged, err := st.MergeUnit(ctx, admin, b.ID, a.ID)
		if err != nil || merged.MergedInto == nil || *merged.MergedInto != a.ID {
			t.Fatalf("merge: %+v %v", merged, err)
		}
		if o := org(t, st, y); o.RegionUnitID == nil || *o.RegionUnitID != a.ID || o.RegionPath != a.Path {
			t.Fatalf("y after merge: %+v", o.OrganizationRow)
		}
		if got, _ := st.TaskByID(ctx, task.ID); got.UnitID != a.ID || got.UnitPath != a.Path {
			t.Fatalf("task after merge: %s %s", got.UnitID, got.UnitPath)
		}
		if p, _ := st.GetUnit(ctx, admin, park.ID); p.ParentID == nil || *p.ParentID != a.ID || p.Path != a.Path+park.ID+"/" {
			t.Fatalf("park after merge: %+v", p)
		}
		units, _, _ := st.ListUnits(ctx, admin, store.UnitFilter{Kind: domain.KindTownship})
		if len(units) != 1 {
			t.Fatalf("%d townships listed after the merge, want 1", len(units))
		}
		// A roster that still says B's name resolves to A.
		importRows(t, st, "tax", store.StagedRow{Row: 2, USCC: y, Name: "乙", Township: b.Name})
		if o := org(t, st, y); o.RegionOwners != 1 || *o.RegionUnitID != a.ID {
			t.Fatalf("y named by its old township: %+v", o.OrganizationRow)
		}
		_ = county
	})
}

// A roster imported before organization_sources was partitioned keeps its provenance, and the
// next extract of a source replaces that source's rows.
func TestSourcePartitionMigration(t *testing.T) {
	const x, y = "91110108551385082Q", "9144030071526726XG"
	ctx := context.Background()
	st, err := store.Open(ctx, storetest.NewPostgresDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.MigrateTo(ctx, 6); err != nil {
		t.Fatal(err)
	}
	db := st.DB()
	for _, q := range []string{
		`INSERT INTO organizations (uscc, name, created_at, updated_at) VALUES ('` + x + `', '甲', now(), now()), ('` + y + `', '乙', now(), now())`,
		`INSERT INTO organization_sources (uscc, source, import_id, observed_at, row_number, name, township, industry, supervisor, employees, reg_status, address)
		 VALUES ('` + x + `', 'market', 'old', now(), 2, '甲', '', '', '', 10, '存续', ''),
		        ('` + y + `', 'market', 'old', now(), 3, '乙', '', '', '', NULL, '', ''),
		        ('` + x + `', 'field', 'visit:1', now(), 0, '', '', '', '', 9, '', '')`,
	} {
		if err := db.Exec(q).Error; err != nil {
			t.Fatal(err)
		}
	}
	if err := st.Migrate(ctx, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	if d := org(t, st, x); len(d.Sources) != 2 {
		t.Fatalf("x's sources after the migration: %+v", d.Sources)
	}
	m := importRows(t, st, "market", store.StagedRow{Row: 2, USCC: x, Name: "甲", Employees: intp(10), RegStatus: "存续"})
	if m.Unchanged != 1 || m.Missing != 1 || m.NewOrgs != 0 {
		t.Fatalf("first import after the migration: %+v", m)
	}
	for _, sv := range org(t, st, x).Sources {
		if sv.Source == "market" && sv.ImportID != m.ID || sv.Source == "field" && sv.ImportID != "visit:1" {
			t.Fatalf("x's sources: %+v", sv)
		}
	}
	if d := org(t, st, y); len(d.Sources) != 1 || !d.Sources[0].Missing || !d.Missing {
		t.Fatalf("y, dropped by the market: %+v %+v", d.OrganizationRow, d.Sources)
	}
	var parts int64
	if err := db.Raw(`SELECT count(*) FROM pg_inherits WHERE inhparent = 'organization_sources'::regclass
		AND inhrelid = 'organization_sources_market'::regclass`).Scan(&parts).Error; err != nil || parts != 1 {
		t.Fatalf("the market's partition: %d %v", parts, err)
	}
}

// A staging table outlives its import only until housekeeping finds the import ended, and a
// stage that gives up on PostgreSQL leaves no rows.
func TestStaleImportTables(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		imp, err := st.CreateImport(ctx, admin, "market", "m.csv", strings.NewReader("x"), 1<<20, "")
		if err != nil {
			t.Fatal(err)
		}
		if err := st.StartImport(ctx, imp.ID); err != nil {
			t.Fatal(err)
		}
		stager := st.NewStager(ctx, imp)
		for i := 0; i < 5000; i++ {
			if err := stager.Row(store.StagedRow{Row: i + 2, USCC: "91110108551385082Q", Name: "甲"}); err != nil {
				t.Fatal(err)
			}
		}
		stager.Close() // the parser failed: nothing staged is kept
		table := "roster_batch_" + strings.ReplaceAll(imp.ID, "-", "_")
		var staged int64
		if err := st.DB().Raw("SELECT count(*) FROM " + table).Scan(&staged).Error; err != nil {
			t.Fatal(err)
		}
		// PostgreSQL's one COPY is rolled back; SQLite commits each batch, and the next attempt
		// starts from an empty table.
		if st.Dialect() == store.Postgres && staged != 0 {
			t.Fatalf("%d rows staged after the stage gave up", staged)
		}
		if n, err := st.DropStaleImportTables(ctx); err != nil || n != 0 {
			t.Fatalf("a running import's table dropped: %d %v", n, err)
		}
		if err := st.DB().Exec("UPDATE roster_imports SET status = 'done' WHERE id = ?", imp.ID).Error; err != nil {
			t.Fatal(err)
		}
		if n, err := st.DropStaleImportTables(ctx); err != nil || n != 1 {
			t.Fatalf("an ended import's table kept: %d %v", n, err)
		}
		if err := st.DB().Exec("SELECT 1 FROM " + table).Error; err == nil {
			t.Fatal("the table is still there")
		}
	})
}

// Imports of two sources that bring the same new organizations merge at the same time without
// deadlocking, and the roster ends as if they had merged one after the other.
func TestConcurrentMerges(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		stage := func(source string, n int) store.RosterImport {
			rows := make([]store.StagedRow, n)
			for i := range rows {
				rows[i] = store.StagedRow{Row: i + 2, USCC: testUSCC(i), Name: source}
			}
			return stageRows(t, st, source, rows...)
		}
		imps := []store.RosterImport{stage("market", 3000), stage("tax", 3000)}
		errs := make(chan error, len(imps))
		for _, imp := range imps {
			go func() {
				_, err := st.MergeImport(ctx, imp.ID, store.ParseCounts{Rows: 3000, Accepted: 3000})
				errs <- err
			}()
		}
		for range imps {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
		news := 0
		for _, imp := range imps {
			done, err := st.ImportByID(ctx, imp.ID)
			if err != nil || done.Status != domain.ImportDone {
				t.Fatalf("%s: %+v %v", imp.Source, done, err)
			}
			news += done.NewOrgs
		}
		if news != 3000 {
			t.Fatalf("%d new organizations counted by the two imports, want 3000", news)
		}
		if d := org(t, st, testUSCC(2999)); len(d.Sources) != 2 || d.ConflictFields != "name" {
			t.Fatalf("an organization both brought: %+v %+v", d.OrganizationRow, d.Sources)
		}
	})
}

// testUSCC makes the i-th valid credit code.
func testUSCC(i int) string { return string(domain.CompleteUSCC(fmt.Sprintf("91110108%09d", i))) }
