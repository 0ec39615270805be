package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"tandem/domain"
	"tandem/store"
	"tandem/store/storetest"
)

// A month whose changed rows are more than one COPY of the delta list (16,384 codes) merges
// every one of them: the list goes out in batches while the fingerprints are walked.
func TestDeltaOverSeveralBatches(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		admin := domain.Principal{Username: "admin", Admin: true}
		const n, changed = 20000, 18000
		deliver := func(month int) store.RosterImport {
			imp, err := st.CreateImport(ctx, admin, "market", fmt.Sprintf("m%d.csv", month), strings.NewReader("x"), 1<<20, "")
			if err != nil {
				t.Fatal(err)
			}
			if err := st.StartImport(ctx, imp.ID); err != nil {
				t.Fatal(err)
			}
			last, err := st.SourceFingerprints(ctx, "market")
			if err != nil {
				t.Fatal(err)
			}
			stager := st.NewStager(ctx, imp)
			defer stager.Close()
			stager.CompareWith(last)
			for i := range n {
				addr := fmt.Sprintf("城区路%d号", i)
				if month == 2 && i < changed {
					addr = fmt.Sprintf("新城大道%d号", i)
				}
				emp := 5
				if err := stager.Row(store.StagedRow{Row: i + 2, USCC: testUSCC(i + 1), Name: fmt.Sprintf("企业%05d", i), Township: "东街道",
					Industry: "制造业", Employees: &emp, RegStatus: "存续", Address: addr}); err != nil {
					t.Fatal(err)
				}
			}
			if err := stager.Flush(); err != nil {
				t.Fatal(err)
			}
			done, err := st.MergeImport(ctx, imp.ID, store.ParseCounts{Rows: n, Accepted: n})
			if err != nil {
				t.Fatal(err)
			}
			return done
		}
		if first := deliver(1); first.NewOrgs != n {
			t.Fatalf("first load: %+v", first)
		}
		second := deliver(2)
		if second.DeltaBase == "" || second.Changed != changed || second.Unchanged != n-changed || second.NewOrgs != 0 || second.Missing != 0 {
			t.Fatalf("second month: delta base %q, changed %d unchanged %d new %d missing %d; want %d changed", second.DeltaBase,
				second.Changed, second.Unchanged, second.NewOrgs, second.Missing, changed)
		}
		for _, i := range []int{0, changed - 1, changed} {
			d, err := st.GetOrganization(ctx, admin, testUSCC(i+1))
			if err != nil {
				t.Fatal(err)
			}
			want := fmt.Sprintf("城区路%d号", i)
			if i < changed {
				want = fmt.Sprintf("新城大道%d号", i)
			}
			if d.Address != want {
				t.Errorf("organization %d: address %q, want %q", i, d.Address, want)
			}
		}
	})
}
