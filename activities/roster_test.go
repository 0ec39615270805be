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
