package domain_test

import (
	"testing"

	"tandem/domain"
)

func TestValidateUnit(t *testing.T) {
	city := &domain.Unit{Net: domain.NetRegion, Kind: domain.KindCity, Path: "/c/"}
	county := &domain.Unit{Net: domain.NetRegion, Kind: domain.KindCounty, Path: "/c/k/"}
	township := &domain.Unit{Net: domain.NetRegion, Kind: domain.KindTownship}
	committee := &domain.Unit{Net: domain.NetIndustry, Kind: domain.KindCommittee}
	tests := []struct {
		name   string
		unit   domain.Unit
		parent *domain.Unit
		field  string // "" = valid
	}{
		{"OKCountyRoot", domain.Unit{Name: "县", Net: domain.NetRegion, Kind: domain.KindCounty}, nil, ""},
		{"OKCountyUnderCity", domain.Unit{Name: "县", Net: domain.NetRegion, Kind: domain.KindCounty}, city, ""},
		{"OKTownshipUnderCounty", domain.Unit{Name: "镇", Net: domain.NetRegion, Kind: domain.KindTownship}, county, ""},
		{"OKParkUnderCounty", domain.Unit{Name: "园区", Net: domain.NetRegion, Kind: domain.KindPark}, county, ""},
		{"OKCommunityUnderTownship", domain.Unit{Name: "社区", Net: domain.NetRegion, Kind: domain.KindCommunity}, township, ""},
		{"OKCommitteeRoot", domain.Unit{Name: "行业党委", Net: domain.NetIndustry, Kind: domain.KindCommittee}, nil, ""},
		{"OKCommitteeUnderCity", domain.Unit{Name: "行业党委", Net: domain.NetIndustry, Kind: domain.KindCommittee}, city, ""},
		{"OKSubCommittee", domain.Unit{Name: "分党委", Net: domain.NetIndustry, Kind: domain.KindCommittee}, committee, ""},
		{"OKDepartmentUnderCity", domain.Unit{Name: "税务局", Net: domain.NetDepartment, Kind: domain.KindDepartment}, city, ""},
		{"ErrNameRequired", domain.Unit{Name: "  ", Net: domain.NetRegion, Kind: domain.KindCounty}, nil, "name"},
		{"ErrNetUnknown", domain.Unit{Name: "x", Net: "sea", Kind: domain.KindCounty}, nil, "net"},
		{"ErrKindUnknown", domain.Unit{Name: "x", Net: domain.NetRegion, Kind: "province"}, nil, "kind"},
		{"ErrKindOfOtherNet", domain.Unit{Name: "x", Net: domain.NetRegion, Kind: domain.KindCommittee}, nil, "kind"},
		{"ErrCountyUnderTownship", domain.Unit{Name: "x", Net: domain.NetRegion, Kind: domain.KindCounty}, township, "parent_id"},
		{"ErrTownshipUnderTownship", domain.Unit{Name: "x", Net: domain.NetRegion, Kind: domain.KindTownship}, township, "parent_id"},
		{"ErrCommitteeUnderCounty", domain.Unit{Name: "x", Net: domain.NetIndustry, Kind: domain.KindCommittee}, county, "parent_id"},
		{"ErrTownshipUnderCommittee", domain.Unit{Name: "x", Net: domain.NetRegion, Kind: domain.KindTownship}, committee, "parent_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := domain.ValidateUnit(tt.unit, tt.parent)
			if tt.field == "" {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			e, ok := err.(*domain.Error)
			if !ok || e.Code != domain.EINVALID || len(e.Fields) == 0 || e.Fields[0].Field != tt.field {
				t.Fatalf("got %v, want invalid field %s", err, tt.field)
			}
		})
	}
}

func TestPrincipalScope(t *testing.T) {
	p := domain.Principal{Memberships: []domain.Membership{{UnitID: "a", UnitPath: "/c/a/", Role: domain.RoleInspector}}}
	if !p.Views("/c/a/") || !p.Views("/c/a/park/") {
		t.Fatal("member does not view own subtree")
	}
	if p.Views("/c/") || p.Views("/c/b/") || p.Views("/c/ab/") {
		t.Fatal("member views outside own subtree")
	}
	if !p.HoldsRoleIn(domain.RoleInspector, "a") || p.HoldsRoleIn(domain.RoleOfficer, "a") {
		t.Fatal("role check")
	}
	if !(domain.Principal{Admin: true}).Views("/anything/") {
		t.Fatal("admin is global")
	}
}

func TestUnitLabels(t *testing.T) {
	for _, k := range []domain.UnitKind{domain.KindCity, domain.KindCounty, domain.KindTownship, domain.KindPark, domain.KindBuilding,
		domain.KindDistrict, domain.KindCommunity, domain.KindCommittee, domain.KindDepartment} {
		if k.Label() == "" || domain.NetOf(k).Label() == "" {
			t.Errorf("kind %q or its net: no label", k)
		}
	}
	if domain.UnitKind("planet").Label() != "" || domain.Net("sky").Label() != "" {
		t.Error("an unknown kind or net has a label")
	}
}
