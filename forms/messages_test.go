package forms_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"unicode"

	"tandem/domain"
	"tandem/forms"
)

func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

// Every field error a form gives has a stable English code from the catalogue and a Chinese
// reason for people (B6): each kind is fed an empty result, wrong types, negative counts and
// over-long texts.
func TestValidationErrorsChineseWithCode(t *testing.T) {
	long := strings.Repeat("长", 20001)
	bad := []string{`{}`, `[]`, `{"nope":1}`,
		`{"note":"` + long + `","reason":"` + long + `","text":"` + long + `","evidence":"` + long + `","decision":"return","action":"x"}`,
		`{"formal_members":-1,"probationary_members":-1,"employees":-1,"voting_members":0,"seats":9,"present":-1}`,
		`{"held_on":"yesterday","ends_on":"x","first_meeting_on":"x","members":[{"name":"","status":"x","joined_on":"x"}]}`}
	seen := 0
	for _, kind := range forms.Kinds() {
		for _, raw := range bad {
			_, err := forms.Validate(kind, json.RawMessage(raw))
			var de *domain.Error
			if err == nil || !errors.As(err, &de) {
				continue
			}
			for _, f := range de.Fields {
				seen++
				if f.Code == "" || domain.Message(f.Code) == f.Code || !hasHan(f.Reason) {
					t.Errorf("%s %s: field %s code %q reason %q", kind, raw[:min(len(raw), 40)], f.Field, f.Code, f.Reason)
				}
			}
		}
	}
	if seen < 50 {
		t.Fatalf("only %d field errors seen", seen)
	}
}

// The catalogue has a Chinese text for every code.
func TestMessagesCatalogue(t *testing.T) {
	for _, c := range domain.MessageCodes() {
		if m := domain.Message(c); !hasHan(m) || strings.Contains(m, "%!") {
			t.Errorf("code %s: %q", c, m)
		}
	}
}
