package forms_test

import (
	"encoding/json"
	"strings"
	"testing"

	"tandem/forms"
)

// TestSchemasSpeakChinese walks every kind's schema: each property (nested ones too), each array's
// items and each map's values carries a Chinese title, and each enum an x-enum-titles list of
// Chinese labels, one per value, in the same order (docs/tasks.md: what the UI's one form
// renderer reads).
func TestSchemasSpeakChinese(t *testing.T) {
	for _, kind := range forms.Kinds() {
		f, _ := forms.Lookup(kind)
		if !hasHan(f.Title) {
			t.Errorf("%s: form title %q", kind, f.Title)
		}
		var root map[string]any
		if err := json.Unmarshal(f.Schema, &root); err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
		var walk func(path string, n map[string]any, needTitle bool)
		walk = func(path string, n map[string]any, needTitle bool) {
			if title, _ := n["title"].(string); needTitle && !hasHan(title) {
				t.Errorf("%s %s: no Chinese title (%q)", kind, path, title)
			}
			if enum, ok := n["enum"].([]any); ok {
				titles, _ := n["x-enum-titles"].([]any)
				if len(titles) != len(enum) {
					t.Errorf("%s %s: %d enum values, %d x-enum-titles", kind, path, len(enum), len(titles))
				}
				seen := map[string]bool{}
				for i, tt := range titles {
					s, _ := tt.(string)
					if !hasHan(s) || seen[s] {
						t.Errorf("%s %s: enum %v has title %q (Chinese, distinct)", kind, path, enum[min(i, len(enum)-1)], s)
					}
					seen[s] = true
				}
			} else if _, ok := n["x-enum-titles"]; ok {
				t.Errorf("%s %s: x-enum-titles without enum", kind, path)
			}
			if props, ok := n["properties"].(map[string]any); ok {
				for name, p := range props {
					walk(path+"."+name, p.(map[string]any), true)
				}
			}
			if items, ok := n["items"].(map[string]any); ok {
				walk(path+"[]", items, true)
			}
			if values, ok := n["additionalProperties"].(map[string]any); ok {
				walk(path+"{}", values, true)
			}
		}
		walk(kind, root, false)
	}
}

// TestEnumTitlesLeaveValidationAlone: each enum value the schema lists still passes the form's
// validator where it stood before the titles were added (spot checks on the enums people pick).
func TestEnumTitlesLeaveValidationAlone(t *testing.T) {
	for _, tc := range []struct{ kind, result string }{
		{"census.verify", `{"operating":true,"employees":3,"formal_members":0,"probationary_members":0,"party_org":"regional"}`},
		{"coverage.instructor", `{"means":"youth_league","instructor":"王五"}`},
		{"formation.application", `{"kind":"temporary","formal_members":3,"probationary_members":0,"committee":false}`},
		{"roster.confirm_missing", `{"decision":"reject","reason":"与部门核实，提取不全"}`},
		{"task.extension", `{"decision":"grant"}`},
	} {
		if _, err := forms.Validate(tc.kind, json.RawMessage(tc.result)); err != nil {
			t.Errorf("%s %s: %v", tc.kind, tc.result, err)
		}
		if _, err := forms.Validate(tc.kind, json.RawMessage(strings.Replace(tc.result, `":"`, `":"x-`, 1))); err == nil {
			t.Errorf("%s: a value outside the enum passed", tc.kind)
		}
	}
}
