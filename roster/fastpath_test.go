package roster

import "testing"

// The parser reads cells by the fields' positions in Fields.
func TestFieldPositions(t *testing.T) {
	want := map[int]Field{posUSCC: FieldUSCC, posName: FieldName, posTownship: FieldTownship, posIndustry: FieldIndustry,
		posSupervisor: FieldSupervisor, posEmployees: FieldEmployees, posRegStatus: FieldRegStatus, posAddress: FieldAddress,
		posPartyMembers: FieldPartyMembers, posPartyOrg: FieldPartyOrg}
	if len(Fields) != numFields || len(want) != numFields {
		t.Fatalf("%d fields, %d positions", len(Fields), numFields)
	}
	for pos, f := range want {
		if Fields[pos] != f {
			t.Errorf("Fields[%d] = %s, want %s", pos, Fields[pos], f)
		}
	}
}

// plainText is cleanText's fast path: a text it passes is one that cleaning leaves as it is.
func FuzzPlainText(f *testing.F) {
	for _, s := range []string{"", "存续", " 存续", "存续\u3000", "\uFEFF名称", "西湖\n街道", "ＡＢ１", "a\rb", "企业0000001有限公司", "\xEF", "x\xEF\xBC"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if plainText(s) && cleanTextSlow(s) != s {
			t.Fatalf("plainText(%q) but cleaning gives %q", s, cleanTextSlow(s))
		}
	})
}
