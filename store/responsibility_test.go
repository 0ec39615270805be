package store_test

import (
	"context"
	"slices"
	"testing"

	"tandem/domain"
	"tandem/store"
	"tandem/store/storetest"
)

// TestResponsibilityForCountyAndCityOfficers (#17 §3 C9): an organization with two townships
// or none was listed in the responsibility report for admins only; the officers who must
// resolve it got zeros. Two townships of one county: that county's officers (and the city's)
// see it; townships of two counties, or no known township: the city's officers.
func TestResponsibilityForCountyAndCityOfficers(t *testing.T) {
	const x, y, z, w = "91110108551385082Q", "9144030071526726XG", "914403001922038216", "91310000MA1FL8TQ3R"
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		mk := func(name string, kind domain.UnitKind, parent *domain.Unit) domain.Unit {
			u := domain.Unit{Name: name, Net: domain.NetRegion, Kind: kind}
			if parent != nil {
				u.ParentID = &parent.ID
			}
			out, err := st.CreateUnit(ctx, admin, u)
			if err != nil {
				t.Fatalf("create %s: %v", name, err)
			}
			return out
		}
		city := mk("江城市", domain.KindCity, nil)
		countyA := mk("东城县", domain.KindCounty, &city)
		a1 := mk("甲镇", domain.KindTownship, &countyA)
		mk("乙镇", domain.KindTownship, &countyA)
		countyB := mk("西城县", domain.KindCounty, &city)
		mk("丙镇", domain.KindTownship, &countyB)
		importRows(t, st, "market",
			store.StagedRow{Row: 2, USCC: x, Name: "两镇公司", Township: "甲镇"},
			store.StagedRow{Row: 3, USCC: y, Name: "无镇公司", Township: ""},
			store.StagedRow{Row: 4, USCC: z, Name: "两县公司", Township: "甲镇"},
			store.StagedRow{Row: 5, USCC: w, Name: "甲镇公司", Township: "甲镇"})
		importRows(t, st, "tax",
			store.StagedRow{Row: 2, USCC: x, Name: "两镇公司", Township: "乙镇"},
			store.StagedRow{Row: 3, USCC: z, Name: "两县公司", Township: "丙镇"})
		report := func(p domain.Principal) []string {
			t.Helper()
			rows, _, err := st.ResponsibilityReport(ctx, p, domain.NetRegion, store.Page{})
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, r := range rows {
				out = append(out, r.Name)
			}
			slices.Sort(out)
			return out
		}
		counts := func(p domain.Principal) (int64, int64) {
			t.Helper()
			none, multiple, _, err := st.ResponsibilityCounts(ctx, p, domain.NetRegion)
			if err != nil {
				t.Fatal(err)
			}
			return none, multiple
		}
		for _, c := range []struct {
			who            string
			p              domain.Principal
			want           []string
			none, multiple int64
		}{
			{"county A officer", member(st, t, countyA, domain.RoleOfficer), []string{"两镇公司"}, 0, 1},
			{"city officer", member(st, t, city, domain.RoleOfficer), []string{"两县公司", "两镇公司", "无镇公司"}, 1, 2},
			{"county B officer", member(st, t, countyB, domain.RoleOfficer), nil, 0, 0},
			{"township officer", member(st, t, a1, domain.RoleOfficer), nil, 0, 0},
		} {
			if got := report(c.p); !slices.Equal(got, c.want) {
				t.Errorf("%s: report %v, want %v", c.who, got, c.want)
			}
			if none, multiple := counts(c.p); none != c.none || multiple != c.multiple {
				t.Errorf("%s: counts none %d multiple %d, want %d and %d", c.who, none, multiple, c.none, c.multiple)
			}
		}
		// The county's officer may now resolve the township the two sources dispute.
		if _, err := st.ResolveConflict(ctx, member(st, t, countyA, domain.RoleOfficer), x, "township", "甲镇", "实地核实在甲镇"); err != nil {
			t.Fatalf("county officer resolving x's township: %v", err)
		}
		if got := report(member(st, t, countyA, domain.RoleOfficer)); len(got) != 0 {
			t.Errorf("after the resolution the county still has %v", got)
		}
		if d := org(t, st, x); d.RegionOwners != 1 || d.RegionScopePath != "" {
			t.Errorf("x after resolution: owners %d scope %q", d.RegionOwners, d.RegionScopePath)
		}
	})
}
