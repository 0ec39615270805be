package forms_test

import (
	"encoding/json"
	"sort"
	"strings"
	"testing"

	"tandem/domain"
	"tandem/forms"
)

func fieldsOf(err error) string {
	e, ok := err.(*domain.Error)
	if !ok {
		return "not a domain error"
	}
	var f []string
	for _, fe := range e.Fields {
		f = append(f, fe.Field)
	}
	sort.Strings(f)
	return strings.Join(f, " ")
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name, kind, in, fields, canonical string
	}{
		{"OKDrill", "drill.acknowledge", `{"acknowledged":true,"note":"收到"}`, "", `{"acknowledged":true,"note":"收到"}`},
		{"OKDrillNoNote", "drill.acknowledge", ` {"acknowledged": true} `, "", `{"acknowledged":true}`},
		{"ErrDrillFalse", "drill.acknowledge", `{"acknowledged":false}`, "acknowledged", ""},
		{"ErrDrillMissing", "drill.acknowledge", `{}`, "acknowledged", ""},
		{"ErrDrillUnknownField", "drill.acknowledge", `{"acknowledged":true,"colour":"red"}`, "colour", ""},
		{"ErrDrillWrongType", "drill.acknowledge", `{"acknowledged":"yes"}`, "acknowledged", ""},
		{"ErrDrillNotObject", "drill.acknowledge", `[1,2]`, "result", ""},
		{"ErrDrillNull", "drill.acknowledge", `null`, "result", ""},
		{"ErrDrillLongNote", "drill.acknowledge", `{"acknowledged":true,"note":"` + strings.Repeat("长", 501) + `"}`, "note", ""},
		{"OKEscalationNoted", domain.TaskKindEscalation, `{"action":"noted","note":"已督促"}`, "", `{"action":"noted","note":"已督促"}`},
		{"OKEscalationExtend", domain.TaskKindEscalation, `{"action":"extend","extend_working_days":3,"note":"节后补办"}`, "", `{"action":"extend","extend_working_days":3,"note":"节后补办"}`},
		{"ErrEscalationExtendRange", domain.TaskKindEscalation, `{"action":"extend","extend_working_days":31,"note":"x"}`, "extend_working_days", ""},
		{"ErrEscalationNotedWithDays", domain.TaskKindEscalation, `{"action":"noted","extend_working_days":2,"note":"x"}`, "extend_working_days", ""},
		{"ErrEscalationAll", domain.TaskKindEscalation, `{"action":"ignore"}`, "action note", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := forms.Validate(tt.kind, json.RawMessage(tt.in))
			if tt.fields == "" {
				if err != nil || string(got) != tt.canonical {
					t.Fatalf("got %s, %v; want %s", got, err, tt.canonical)
				}
				return
			}
			if fieldsOf(err) != tt.fields {
				t.Fatalf("fields %q, want %q (%v)", fieldsOf(err), tt.fields, err)
			}
		})
	}
	if _, err := forms.Validate("no.such.kind", json.RawMessage(`{}`)); err == nil || domain.ErrorCode(err) != domain.EINTERNAL {
		t.Fatalf("unknown kind: %v", err)
	}
}

// FuzzValidate: any input to any form either validates to canonical JSON that validates again
// to itself, or fails with an EINVALID error naming at least one field. Never a panic.
func FuzzValidate(f *testing.F) {
	for _, s := range []string{`{"acknowledged":true}`, `{"action":"extend","extend_working_days":2,"note":"x"}`, `null`, `[`, `{"a":1}`, `"x"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		for _, kind := range []string{"drill.acknowledge", domain.TaskKindEscalation} {
			got, err := forms.Validate(kind, json.RawMessage(in))
			if err != nil {
				e, ok := err.(*domain.Error)
				if !ok || e.Code != domain.EINVALID || len(e.Fields) == 0 {
					t.Fatalf("%s: error %v", kind, err)
				}
				continue
			}
			again, err := forms.Validate(kind, got)
			if err != nil || string(again) != string(got) {
				t.Fatalf("%s: canonical %s does not validate to itself: %s %v", kind, got, again, err)
			}
		}
	})
}
