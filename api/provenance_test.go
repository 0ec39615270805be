package api_test

import (
	"fmt"
	"testing"

	"tandem/domain"
	"tandem/store"
)

// TestOrganizationProvenancePerField: the detail says, per field, which source's value the
// registry shows (market outranks tax; tax alone gives the address; 存续 and 正常 are one
// status), or who chose it in a conflict.
func TestOrganizationProvenancePerField(t *testing.T) {
	srv, st := newServer(t)
	admin := login(t, srv.URL, "admin", "admin-password")
	county := mkUnit(t, st, "西城县", domain.NetRegion, domain.KindCounty, nil)
	mkUnit(t, st, "东街道", domain.NetRegion, domain.KindTownship, &county)
	const x = "91110108551385082Q"
	importInto(t, st, "market", store.StagedRow{Row: 7, USCC: x, Name: "甲科技有限公司", Township: "东街道", RegStatus: "存续", Employees: new(12)})
	importInto(t, st, "tax", store.StagedRow{Row: 3, USCC: x, Name: "甲科技公司", Township: "东街道", RegStatus: "正常", Employees: new(15), Address: "东街道1号"})
	from := func() map[string]any {
		s, _, o := admin.do("GET", "/api/v1/organizations/"+x, "")
		if s != 200 {
			t.Fatalf("%d %v", s, o)
		}
		return o["provenance"].(map[string]any)
	}
	say := func(p any) string {
		if p == nil {
			return "nobody"
		}
		m := p.(map[string]any)
		if m["resolved_by"] != nil {
			return "resolved by " + m["resolved_by"].(string)
		}
		return fmt.Sprintf("%s row %v", m["source"], m["row"])
	}
	prov := from()
	for field, want := range map[string]string{"name": "market row 7", "township": "market row 7", "reg_status": "market row 7",
		"address": "tax row 3", "supervisor": "nobody", "industry": "nobody"} {
		if got := say(prov[field]); got != want {
			t.Errorf("%s from %s, want %s", field, got, want)
		}
	}
	if s, _, b := admin.do("POST", "/api/v1/organizations/"+x+"/resolutions", `{"field":"employees","value":"15","reason":"电话核实"}`); s != 200 {
		t.Fatalf("resolve: %d %v", s, b)
	}
	if got := say(from()["employees"]); got != "resolved by admin" {
		t.Fatalf("employees from %s after the resolution", got)
	}
}
