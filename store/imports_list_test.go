package store_test

import (
	"context"
	"strings"
	"testing"

	"tandem/domain"
	"tandem/store"
	"tandem/store/storetest"
)

// ListImports applies importsVisible on both databases: a liaison their department's
// deliveries, an officer of the region root the held ones, a township officer none.
func TestListImportsScope(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		county, a, _, _ := nets(t, st)
		_, _, marketLiaison, _, townOfficer := departments(t, st, a)
		countyOfficer := domain.Principal{Username: "officer-county", Memberships: []domain.Membership{{UnitID: county.ID, UnitPath: county.Path, Role: domain.RoleOfficer}}}
		const extract = "统一社会信用代码,企业名称\n91110108MA01B2C3D0,东风物流有限公司\n"
		m1, err := st.CreateImport(ctx, marketLiaison, "market", "m1.csv", strings.NewReader(extract), 1<<20, "")
		if err != nil {
			t.Fatal(err)
		}
		held, err := st.CreateImport(ctx, admin, "tax", "t.csv", strings.NewReader(extract), 1<<20, "")
		if err != nil {
			t.Fatal(err)
		}
		if err := st.DB().Exec("UPDATE roster_imports SET status = ? WHERE id = ?", string(domain.ImportAwaitingConfirmation), held.ID).Error; err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			name string
			p    domain.Principal
			f    store.ImportFilter
			want string
		}{
			{"Liaison", marketLiaison, store.ImportFilter{}, m1.ID},
			{"RootOfficerHeld", countyOfficer, store.ImportFilter{}, held.ID},
			{"TownshipOfficer", townOfficer, store.ImportFilter{}, ""},
			{"AdminAll", admin, store.ImportFilter{}, m1.ID + "," + held.ID},
			{"AdminBySource", admin, store.ImportFilter{Source: "market"}, m1.ID},
			{"AdminByStatus", admin, store.ImportFilter{Status: domain.ImportAwaitingConfirmation}, held.ID},
			{"ErrBadMonth", admin, store.ImportFilter{Month: st.Now().Format("2006-01")[:5] + "13"}, "invalid:month"},
		} {
			t.Run(c.name, func(t *testing.T) {
				items, _, err := st.ListImports(ctx, c.p, c.f)
				var got []string
				for _, imp := range items {
					got = append(got, imp.ID)
				}
				s := strings.Join(got, ",")
				var de *domain.Error
				if err != nil && asDomain(err, &de) && de.Code == domain.EINVALID && len(de.Fields) == 1 {
					s = "invalid:" + de.Fields[0].Field
				} else if err != nil {
					t.Fatal(err)
				}
				if s != c.want {
					t.Fatalf("got %s, want %s", s, c.want)
				}
			})
		}
	})
}
