package store_test

import (
	"context"
	"strings"
	"testing"

	"tandem/domain"
	"tandem/store"
	"tandem/store/storetest"
)

// A subject always gets a Chinese name that says what it is, even when its row is gone; a
// period is named in Chinese; a unit by its name.
func TestDescribeSubjectNamesEverySubject(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		u, err := st.CreateUnit(ctx, domain.Principal{Username: "admin", Admin: true}, domain.Unit{Name: "东风街道", Net: domain.NetRegion, Kind: domain.KindTownship})
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			typ       domain.SubjectType
			id, wants string
		}{
			{domain.SubjectUnit, u.ID, "东风街道"},
			{domain.SubjectUnit, "gone", "单位 gone"},
			{domain.SubjectOrganization, "91110108551385082Q", "统一社会信用代码 91110108551385082Q 的组织"},
			{domain.SubjectPeriod, "2026-H1", "2026年上半年"},
			{domain.SubjectPeriod, "2026-Q3", "2026年第三季度"},
			{domain.SubjectPeriod, "2026-10", "2026年10月"},
			{domain.SubjectImport, "nope", "名册导入 nope"},
			{domain.SubjectPartyOrg, "nope", "党组织 nope"},
		} {
			card, err := st.DescribeSubject(ctx, tc.typ, tc.id)
			if err != nil || card.Name != tc.wants || !strings.ContainsAny(card.Name, "单位统组年名党东") {
				t.Errorf("%s %s: %+v %v, want %q", tc.typ, tc.id, card, err, tc.wants)
			}
		}
	})
}
