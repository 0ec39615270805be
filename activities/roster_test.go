package activities_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"

	"tandem/activities"
	"tandem/domain"
	"tandem/store"
	"tandem/store/storetest"
)

// An extract without one valid row would flag every organization its source delivered before
// as missing; it fails instead, with its counts and its rejects kept, and the roster untouched.
func TestImportWithoutValidRowsFails(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		admin := domain.Principal{Username: "admin", Admin: true}
		a := &activities.Activities{Store: st, Calendar: &activities.CalendarCache{Store: st, TTL: time.Minute},
			Notifier: activities.InAppNotifier{Store: st}}
		first, err := st.CreateImport(ctx, admin, "market", "m.csv", strings.NewReader("统一社会信用代码,企业名称\n91110108551385082Q,甲\n"), 1<<20, "")
		if err != nil {
			t.Fatal(err)
		}
		if good, err := a.RunImport(ctx, first.ID); err != nil || good.Status != domain.ImportDone || good.NewOrgs != 1 {
			t.Fatalf("the first extract: %+v %v", good, err)
		}
		imp, err := st.CreateImport(ctx, admin, "market", "bad.csv", strings.NewReader("统一社会信用代码,企业名称\n123,乙\n,丙\n"), 1<<20, "")
		if err != nil {
			t.Fatal(err)
		}
		_, err = a.RunImport(ctx, imp.ID)
		var app *temporal.ApplicationError
		if !errors.As(err, &app) || app.Type() != activities.ErrTypeBadFile || !app.NonRetryable() {
			t.Fatalf("an extract of rejects: %v", err)
		}
		bad, _ := st.ImportByID(ctx, imp.ID)
		if bad.Status != domain.ImportFailed || bad.Rows != 2 || bad.Rejected != 2 || bad.Accepted != 0 || !strings.Contains(bad.Error, "没有可导入的行") {
			t.Fatalf("the failed import: %+v", bad)
		}
		if rejects, _, err := st.ImportIssues(ctx, imp.ID, "reject", store.Page{}); err != nil || len(rejects) != 2 {
			t.Fatalf("rejects %+v %v", rejects, err)
		}
		if d, err := st.GetOrganization(ctx, admin, "91110108551385082Q"); err != nil || d.Missing || d.Sources[0].Missing {
			t.Fatalf("the organization after the failed extract: %+v %v", d, err)
		}
	})
}

// A changed extract stages only the rows that differ from the source's last one, and a credit
// code given twice still ends as its later row says (TestRosterSequenceGolden covers the rest):
// an unchanged organization keeps its provenance, a changed one names the later row.
func TestImportDeltaKeepsTheLaterRow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		admin := domain.Principal{Username: "admin", Admin: true}
		a := &activities.Activities{Store: st, Calendar: &activities.CalendarCache{Store: st, TTL: time.Minute},
			Notifier: activities.InAppNotifier{Store: st}}
		codes := []string{testUSCC(1), testUSCC(2), testUSCC(3)}
		run := func(name, rows string) store.RosterImport {
			t.Helper()
			imp, err := st.CreateImport(ctx, admin, "market", name, strings.NewReader("统一社会信用代码,企业名称,从业人数\n"+rows), 1<<20, "")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := a.RunImportGated(ctx, imp.ID); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			done, _ := st.ImportByID(ctx, imp.ID)
			if done.Status == domain.ImportAwaitingConfirmation { // the mass-missing gate held it
				if done, err = st.ConfirmHeldImport(ctx, imp.ID, "admin", "部门确认已注销"); err != nil {
					t.Fatalf("%s: %v", name, err)
				}
			}
			if done.Status != domain.ImportDone {
				t.Fatalf("%s: %+v", name, done)
			}
			return done
		}
		source := func(uscc string) store.SourceValues {
			t.Helper()
			d, err := st.GetOrganization(ctx, admin, uscc)
			if err != nil || len(d.Sources) != 1 {
				t.Fatalf("%s: %+v %v", uscc, d, err)
			}
			return d.Sources[0]
		}
		first := run("1.csv", codes[0]+",甲,5\n"+codes[1]+",乙,6\n"+codes[2]+",丙,7\n")
		// 甲: an earlier row differs, the later one is as before; 乙: the earlier row is as
		// before, the later one differs; 丙 unchanged.
		second := run("2.csv", codes[0]+",甲,50\n"+codes[1]+",乙,6\n"+codes[2]+",丙,7\n"+codes[0]+",甲,5\n"+codes[1]+",乙,60\n")
		if second.DeltaBase != first.ID || second.Changed != 1 || second.Unchanged != 2 || second.NewOrgs != 0 || second.Missing != 0 {
			t.Fatalf("the second extract: %+v", second)
		}
		for _, c := range []struct {
			uscc, imp string
			row, emp  int
		}{{codes[0], first.ID, 2, 5}, {codes[1], second.ID, 6, 60}, {codes[2], first.ID, 4, 7}} {
			if s := source(c.uscc); s.ImportID != c.imp || s.RowNumber != c.row || s.Employees == nil || *s.Employees != c.emp {
				t.Errorf("%s: import %s row %d employees %v; want %s, %d, %d", c.uscc, s.ImportID, s.RowNumber, s.Employees, c.imp, c.row, c.emp)
			}
		}
		// 丙 left out: the gate holds the third (one of three), an admin confirms it; 丙 is
		// flagged missing by it, the others keep their provenance.
		third := run("3.csv", codes[0]+",甲,5\n"+codes[1]+",乙,60\n")
		if third.Missing != 1 || third.Unchanged != 2 {
			t.Fatalf("the third extract: %+v", third)
		}
		if s := source(codes[2]); !s.Missing || s.ImportID != third.ID || s.RowNumber != 4 {
			t.Errorf("the organization left out: %+v", s)
		}
		if s := source(codes[1]); s.ImportID != second.ID {
			t.Errorf("an unchanged organization: %+v", s)
		}
	})
}
