package store_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"tandem/domain"
	"tandem/store"
	"tandem/store/storetest"
)

// departments adds the market supervision bureau and the tax bureau, maps market to the bureau,
// and returns the two units with a liaison of each and an officer of township a.
func departments(t *testing.T, st *store.Store, a domain.Unit) (market, tax domain.Unit, marketLiaison, taxLiaison, officer domain.Principal) {
	t.Helper()
	ctx := context.Background()
	var err error
	if market, err = st.CreateUnit(ctx, admin, domain.Unit{Name: "市场监管局", Net: domain.NetDepartment, Kind: domain.KindDepartment}); err != nil {
		t.Fatal(err)
	}
	if tax, err = st.CreateUnit(ctx, admin, domain.Unit{Name: "税务局", Net: domain.NetDepartment, Kind: domain.KindDepartment}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.SetSourceDepartment(ctx, admin, "market", market.ID); err != nil {
		t.Fatal(err)
	}
	as := func(name string, u domain.Unit, role domain.Role) domain.Principal {
		return domain.Principal{Username: name, Memberships: []domain.Membership{{UnitID: u.ID, UnitPath: u.Path, Role: role}}}
	}
	return market, tax, as("liaison-market", market, domain.RoleLiaison), as("liaison-tax", tax, domain.RoleLiaison),
		as("officer-a", a, domain.RoleOfficer)
}

func TestSourceDepartments(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		_, a, _, committee := nets(t, st)
		market, tax, marketLiaison, taxLiaison, officer := departments(t, st, a)

		t.Run("ListNamesEverySourceAndItsDepartment", func(t *testing.T) {
			all, err := st.Sources(ctx)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]store.SourceDepartment{}
			for _, d := range all {
				got[d.Source] = d
			}
			if len(all) != 7 || got["market"].UnitID != market.ID || got["market"].UnitName != "市场监管局" || got["market"].Label != "市场监管" ||
				got["tax"].UnitID != "" || got["field"].Source != "" {
				t.Fatalf("sources %+v", all)
			}
		})
		t.Run("ErrOnlyAdminsMap", func(t *testing.T) {
			if _, err := st.SetSourceDepartment(ctx, marketLiaison, "tax", tax.ID); domain.ErrorCode(err) != domain.EFORBIDDEN {
				t.Fatalf("a liaison maps a source: %v", err)
			}
		})
		t.Run("ErrUnitNotADepartment", func(t *testing.T) {
			for _, u := range []string{a.ID, committee.ID, "no-such-unit"} {
				_, err := st.SetSourceDepartment(ctx, admin, "tax", u)
				var de *domain.Error
				if domain.ErrorCode(err) != domain.EINVALID || !asDomain(err, &de) || de.Fields[0].Field != "unit_id" {
					t.Fatalf("map tax to %s: %v", u, err)
				}
			}
		})
		t.Run("RemapIsAudited", func(t *testing.T) {
			if _, err := st.SetSourceDepartment(ctx, admin, "tax", tax.ID); err != nil {
				t.Fatal(err)
			}
			events, _, err := st.ListAudit(ctx, admin, store.AuditFilter{})
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, e := range events {
				found = found || e.Action == "source.department" && e.SubjectID == "tax"
			}
			if !found {
				t.Fatal("no audit record of the mapping")
			}
		})
		t.Run("ErrOthersMayNotDeliver", func(t *testing.T) {
			for _, c := range []struct {
				who    domain.Principal
				source string
				detail string
			}{
				{officer, "market", "市场监管名册只能由市场监管局的联络员或管理员上报"},
				{taxLiaison, "market", "市场监管名册只能由市场监管局的联络员或管理员上报"},
				{marketLiaison, "social", "社保名册尚未指定对接部门，只能由管理员上报"},
			} {
				before := countImports(t, st)
				_, err := st.CreateImport(ctx, c.who, c.source, "x.csv", strings.NewReader("x"), 1<<20, "")
				if domain.ErrorCode(err) != domain.EFORBIDDEN || !strings.Contains(domain.ErrorMessage(err), c.detail) {
					t.Fatalf("%s delivers %s: %v", c.who.Username, c.source, err)
				}
				if countImports(t, st) != before {
					t.Fatalf("a refused delivery left an import")
				}
			}
		})
		t.Run("DepartmentDeliversAndReads", func(t *testing.T) {
			imp, err := st.CreateImport(ctx, marketLiaison, "market", "m.csv", strings.NewReader("x"), 1<<20, "")
			if err != nil || imp.UnitID != market.ID {
				t.Fatalf("the market's liaison delivers: %+v %v", imp, err)
			}
			byAdmin, err := st.CreateImport(ctx, admin, "market", "m.csv", strings.NewReader("x"), 1<<20, "")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := st.GetImport(ctx, marketLiaison, byAdmin.ID); err != nil {
				t.Fatalf("the market's liaison reads an admin's market import: %v", err)
			}
			for _, p := range []domain.Principal{officer, taxLiaison} {
				if _, err := st.GetImport(ctx, p, imp.ID); domain.ErrorCode(err) != domain.ENOTFOUND {
					t.Fatalf("%s reads the market's import: %v", p.Username, err)
				}
			}
			if _, err := st.GetImport(ctx, admin, imp.ID); err != nil {
				t.Fatal(err)
			}
		})
	})
}

func asDomain(err error, de **domain.Error) bool {
	e, ok := err.(*domain.Error)
	*de = e
	return ok
}

func countImports(t *testing.T, st *store.Store) int64 {
	t.Helper()
	var n int64
	if err := st.DB().Raw("SELECT count(*) FROM roster_imports").Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// uscc returns the i-th of a series of valid-looking credit codes (the store does not check them).
func usccOf(i int) string { return fmt.Sprintf("9111010855138%04dQ", i) }

func TestMissingGate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		var ten []store.StagedRow
		for i := 0; i < 10; i++ {
			ten = append(ten, store.StagedRow{Row: i + 2, USCC: usccOf(i), Name: fmt.Sprintf("单位%d", i)})
		}
		importRows(t, st, "market", ten...)
		one := ten[:1]
		rosterOf := func() string {
			var s []string
			if err := st.DB().Raw("SELECT uscc || ':' || name || ':' || CASE WHEN missing THEN 'm' ELSE '' END FROM organizations ORDER BY uscc").
				Scan(&s).Error; err != nil {
				t.Fatal(err)
			}
			return strings.Join(s, ",")
		}
		before := rosterOf()
		hold := func(t *testing.T) store.RosterImport {
			t.Helper()
			imp := stageRows(t, st, "market", one...)
			held, err := st.MergeImportGated(ctx, imp.ID, store.ParseCounts{Rows: 1, Accepted: 1}, 0.2)
			if err != nil {
				t.Fatal(err)
			}
			if held.Status != domain.ImportAwaitingConfirmation || held.Missing != 9 || held.SourceOrganizations != 10 || held.Accepted != 1 {
				t.Fatalf("held %+v", held)
			}
			if got := rosterOf(); got != before {
				t.Fatalf("a held import changed the roster:\n%s\n%s", before, got)
			}
			return held
		}

		t.Run("UnderTheShareMerges", func(t *testing.T) {
			imp := stageRows(t, st, "civil", ten...)
			if done, err := st.MergeImportGated(ctx, imp.ID, store.ParseCounts{Rows: 10, Accepted: 10}, 0.2); err != nil || done.Status != domain.ImportDone {
				t.Fatalf("a first load: %+v %v", done, err)
			}
			imp = stageRows(t, st, "civil", ten[:8]...) // 2 of 10 missing: exactly the share, not over it
			if done, err := st.MergeImportGated(ctx, imp.ID, store.ParseCounts{Rows: 8, Accepted: 8}, 0.2); err != nil || done.Status != domain.ImportDone || done.Missing != 2 {
				t.Fatalf("two of ten missing: %+v %v", done, err)
			}
		})
		t.Run("RejectChangesNothing", func(t *testing.T) {
			held := hold(t)
			later, err := st.CreateImport(ctx, admin, "market", "m.csv", strings.NewReader("x"), 1<<20, "")
			if err != nil {
				t.Fatal(err)
			}
			if blocker, err := st.ImportTurn(ctx, later.ID); err != nil || blocker != held.ID {
				t.Fatalf("a later import of the source waits for %q (%v), want %s", blocker, err, held.ID)
			}
			if l, _ := st.ImportByID(ctx, later.ID); l.Status != domain.ImportQueued || l.WaitingFor != held.ID {
				t.Fatalf("later %+v", l)
			}
			if ids, err := st.QueuedBehind(ctx, held.ID); err != nil || len(ids) != 1 || ids[0] != later.ID {
				t.Fatalf("queued behind the held import: %v %v", ids, err)
			}
			out, err := st.RejectHeldImport(ctx, held.ID, "admin", "文件不完整")
			if err != nil || out.Status != domain.ImportRejected || out.DecidedBy != "admin" {
				t.Fatalf("rejected %+v %v", out, err)
			}
			if got := rosterOf(); got != before {
				t.Fatalf("a rejected import changed the roster")
			}
			if err := st.DB().Exec("SELECT count(*) FROM roster_batch_" + strings.ReplaceAll(held.ID, "-", "_")).Error; err == nil {
				t.Fatal("the rejected import's staging table is left")
			}
			if _, err := st.ConfirmHeldImport(ctx, held.ID, "admin", "x"); domain.ErrorCode(err) != domain.ECONFLICT {
				t.Fatalf("confirming a rejected import: %v", err)
			}
			if blocker, err := st.ImportTurn(ctx, later.ID); err != nil || blocker != "" {
				t.Fatalf("after the rejection the later import still waits for %q %v", blocker, err)
			}
			if l, _ := st.ImportByID(ctx, later.ID); l.Status != domain.ImportPending || l.WaitingFor != "" {
				t.Fatalf("later, its turn come: %+v", l)
			}
			if _, err := st.RejectHeldImport(ctx, later.ID, "admin", "x"); domain.ErrorCode(err) != domain.ECONFLICT {
				t.Fatalf("rejecting an import that is not held: %v", err)
			}
			if err := st.FailImport(ctx, later.ID, "test", nil); err != nil {
				t.Fatal(err)
			}
		})
		t.Run("ConfirmMerges", func(t *testing.T) {
			held := hold(t)
			n, err := st.DropStaleImportTables(ctx)
			if err != nil || n != 0 {
				t.Fatalf("housekeeping dropped %d staging tables (%v), among them the held one's", n, err)
			}
			done, err := st.ConfirmHeldImport(ctx, held.ID, "admin", "部门确认九家已迁出")
			if err != nil || done.Status != domain.ImportDone || done.Missing != 9 || done.DecidedBy != "admin" {
				t.Fatalf("confirmed %+v %v", done, err)
			}
			if d := org(t, st, usccOf(9)); !d.Missing { // civil dropped it too
				t.Fatalf("an organization left out is not missing after the confirmation: %+v", d.OrganizationRow)
			}
			if d := org(t, st, usccOf(0)); d.Missing {
				t.Fatalf("the delivered organization is missing")
			}
			if again, err := st.ConfirmHeldImport(ctx, held.ID, "admin", "again"); err != nil || again.Status != domain.ImportDone {
				t.Fatalf("confirming again: %+v %v", again, err)
			}
		})
	})
}

// The migration that lets imports be queued, held and rejected keeps the imports, their
// rejects and deliveries, and the foreign keys that name them.
func TestSourceDepartmentsMigration(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		name string
		url  func(t *testing.T) string
	}{
		{"sqlite", func(t *testing.T) string { return t.TempDir() + "/m.db" }},
		{"postgres", func(t *testing.T) string { return storetest.NewPostgresDatabase(t) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			st, err := store.Open(ctx, c.url(t))
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			if err := st.MigrateTo(ctx, 9); err != nil {
				t.Fatal(err)
			}
			db := st.DB()
			for _, q := range []string{
				`INSERT INTO blobs (key, content_type, size, sha256, data, created_at) VALUES ('rosters/1', 'text/csv', 1, 'x', '', CURRENT_TIMESTAMP)`,
				`INSERT INTO roster_imports (id, source, filename, blob_key, file_sha256, status, rows, created_by, created_at)
				 VALUES ('imp-1', 'market', 'm.csv', 'rosters/1', 'x', 'done', 3, 'admin', CURRENT_TIMESTAMP)`,
				`INSERT INTO roster_issues (import_id, row_number, field, severity, reason, message, raw) VALUES ('imp-1', 2, 'uscc', 'reject', 'r', 'm', 'raw')`,
			} {
				if err := db.Exec(q).Error; err != nil {
					t.Fatal(err)
				}
			}
			if err := st.Migrate(ctx, slog.New(slog.DiscardHandler)); err != nil {
				t.Fatal(err)
			}
			imp, err := st.GetImport(ctx, admin, "imp-1")
			if err != nil || imp.Rows != 3 || imp.Status != domain.ImportDone {
				t.Fatalf("the import after the migration: %+v %v", imp, err)
			}
			if items, _, err := st.ImportIssues(ctx, "imp-1", "reject", store.Page{Limit: 10}); err != nil || len(items) != 1 {
				t.Fatalf("its rejects: %v %v", items, err)
			}
			if err := db.Exec(`INSERT INTO roster_issues (import_id, row_number, field, severity, reason, message, raw)
				VALUES ('no-such-import', 2, 'uscc', 'reject', 'r', 'm', 'raw')`).Error; err == nil {
				t.Fatal("roster_issues lost its foreign key to roster_imports")
			}
			if err := db.Exec(`UPDATE roster_imports SET status = 'awaiting_confirmation' WHERE id = 'imp-1'`).Error; err != nil {
				t.Fatalf("the new status: %v", err)
			}
			if err := db.Exec(`UPDATE roster_imports SET status = 'bogus' WHERE id = 'imp-1'`).Error; err == nil {
				t.Fatal("the status check is gone")
			}
		})
	}
}
