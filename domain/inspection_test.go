package domain_test

import (
	"testing"

	"tandem/domain"
)

// TestConflict: the three 回避 rules of #19 on a city round, and a county round where the
// county's own staff may inspect its townships.
func TestConflict(t *testing.T) {
	city := domain.ConflictUnit{ID: "city", Name: "市两新工委", Path: "/city/"}
	county := domain.ConflictUnit{ID: "county", Name: "青山县", Path: "/city/county/"}
	town := domain.ConflictUnit{ID: "town", Name: "东风街道", Path: "/city/county/town/"}
	otherTown := domain.ConflictUnit{ID: "town2", Name: "南湖镇", Path: "/city/county2/town2/"}
	committee := domain.ConflictUnit{ID: "committee", Name: "非公企业党委", Path: "/city/committee/"}
	community := domain.ConflictUnit{ID: "community", Name: "东风社区", Path: "/city/county/town/community/"}
	for _, c := range []struct {
		name     string
		units    []domain.ConflictUnit
		target   domain.ConflictUnit
		sponsor  string
		declared bool
		want     string
	}{
		{"OKCommitteeInspectsTownship", []domain.ConflictUnit{committee}, town, city.Path, false, ""},
		{"OKSponsorStaffInspectTheirSubtree", []domain.ConflictUnit{city}, town, city.Path, false, ""},
		{"OKCountyStaffInCountyRound", []domain.ConflictUnit{county}, town, county.Path, false, ""},
		{"OKOtherCounty", []domain.ConflictUnit{county}, otherTown, city.Path, false, ""},
		{"ErrOwnUnit", []domain.ConflictUnit{town}, town, city.Path, false, domain.CodeAvoidOwnUnit},
		{"ErrInsideTarget", []domain.ConflictUnit{community}, town, city.Path, false, domain.CodeAvoidOwnUnit},
		{"ErrOwnUnitAmongOthers", []domain.ConflictUnit{committee, community}, county, city.Path, false, domain.CodeAvoidOwnUnit},
		{"ErrCountyStaffOnOwnTownshipInCityRound", []domain.ConflictUnit{county}, town, city.Path, false, domain.CodeAvoidSubunit},
		{"ErrDeclared", []domain.ConflictUnit{committee}, town, city.Path, true, domain.CodeAvoidDeclared},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got, _ := domain.Conflict(c.units, c.target, c.sponsor, c.declared); got != c.want {
				t.Fatalf("Conflict = %q, want %q", got, c.want)
			}
		})
	}
}
