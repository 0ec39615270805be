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
		{"OKApplication", "formation.application", `{"kind":"branch","formal_members":3,"probationary_members":1,"committee":false}`, "",
			`{"kind":"branch","formal_members":3,"probationary_members":1,"committee":false}`},
		{"ErrApplicationTooFew", "formation.application", `{"kind":"branch","formal_members":2,"probationary_members":4,"committee":false}`, "formal_members", ""},
		{"ErrApplicationCommitteeRequired", "formation.application", `{"kind":"branch","formal_members":7,"probationary_members":0,"committee":false}`, "committee", ""},
		{"ErrApplicationCommitteeTooSmall", "formation.application", `{"kind":"branch","formal_members":5,"probationary_members":0,"committee":true}`, "committee", ""},
		{"ErrApplicationRegisterCounts", "formation.application", `{"kind":"branch","formal_members":3,"probationary_members":0,"committee":false,
			"members":[{"name":"甲","status":"formal"},{"name":"乙","status":"probationary"},{"name":"甲","status":"formal"}]}`, "formal_members members[2].name probationary_members", ""},
		{"ErrApplicationJointMember3", "formation.application", `{"kind":"joint","formal_members":4,"probationary_members":0,"committee":false,
			"organizations":[{"uscc":"91350100M000100Y43","formal_members":3},{"uscc":"91110108MA01B2C3D0","formal_members":1}]}`, "organizations", ""},
		{"ErrApplicationTemporaryCommittee", "formation.application", `{"kind":"temporary","formal_members":9,"probationary_members":0,"committee":true}`, "committee", ""},
		{"OKApprovalReturn", "formation.approval", `{"decision":"return","reason":"名册不全"}`, "", `{"decision":"return","reason":"名册不全"}`},
		{"ErrApprovalReturnNoReason", "formation.approval", `{"decision":"return"}`, "reason", ""},
		{"ErrConfirmationAppointed", "formation.confirmation", `{"decision":"approve","appointed":[{"name":"甲","post":"secretary"}]}`, "appointed", ""},
		{"ErrElectionShape", "formation.election", `{"voting_members":0,"present":-1,"seats":8,"candidates":0,"elected":[]}`, "candidates elected present seats voting_members", ""},
		{"ErrFilingNoReference", "formation.filing", `{"reference":" "}`, "reference", ""},
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
	for _, s := range []string{`{"acknowledged":true}`, `{"action":"extend","extend_working_days":2,"note":"x"}`, `null`, `[`, `{"a":1}`, `"x"`,
		`{"kind":"branch","formal_members":3,"probationary_members":1,"committee":false}`,
		`{"kind":"joint","formal_members":3,"probationary_members":0,"committee":false,"organizations":[{"uscc":"91350100M000100Y43","formal_members":2},{"uscc":"91110108MA01B2C3D0","formal_members":1}]}`,
		`{"decision":"return","reason":"材料不全"}`, `{"reference":"x"}`,
		`{"voting_members":5,"present":5,"seats":1,"candidates":1,"elected":[{"name":"张三","post":"secretary","votes":5}]}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		for _, kind := range forms.Kinds() {
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
