package roster_test

import (
	"testing"

	"tandem/roster"
)

// TestRejectsKeepOrganizationName: a row refused for its credit code, and a row with a warning,
// keep the organization's name, so that the rejects file says whose code is wrong.
func TestRejectsKeepOrganizationName(t *testing.T) {
	data := []byte("统一社会信用代码,企业名称,从业人数\n91350100M000100Y44,青山精密机械有限公司,120\n91110108MA01B2C3D0,东风物流有限公司,很多\n")
	got, err := parseFile(t, data, "market.csv", roster.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Rejects) != 1 || got.Rejects[0].Name != "青山精密机械有限公司" {
		t.Fatalf("rejects %+v: the rejected row keeps its name", got.Rejects)
	}
	if len(got.Warnings) != 1 || got.Warnings[0].Name != "东风物流有限公司" {
		t.Fatalf("warnings %+v: the warned row keeps its name", got.Warnings)
	}
}
