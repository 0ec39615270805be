package forms_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"tandem/domain"
	"tandem/forms"
)

// schemaAt returns the schema of a property of a form's result: path is dotted property names,
// "[]" stepping into an array's items (e.g. "members[].name").
func schemaAt(t *testing.T, kind, path string) map[string]any {
	t.Helper()
	f, ok := forms.Lookup(kind)
	if !ok {
		t.Fatalf("no form %s", kind)
	}
	var s map[string]any
	if err := json.Unmarshal(f.Schema, &s); err != nil {
		t.Fatalf("%s: %v", kind, err)
	}
	for _, seg := range strings.Split(path, ".") {
		name, items := strings.CutSuffix(seg, "[]")
		props, _ := s["properties"].(map[string]any)
		s, _ = props[name].(map[string]any)
		if s != nil && items {
			s, _ = s["items"].(map[string]any)
		}
		if s == nil {
			t.Fatalf("%s: no property %s", kind, path)
		}
	}
	return s
}

// TestSchemaBoundsMatchDomain: the bounds a form's published JSON Schema states equal the named
// limits in domain that its Go validator enforces, so the two change together.
func TestSchemaBoundsMatchDomain(t *testing.T) {
	for _, c := range []struct {
		kind, path, keyword string
		want                int
	}{
		{"assessment.self", "evidence", "maxLength", domain.MaxEvidenceText},
		{"assessment.score", "note", "maxLength", domain.MaxReasonText},
		{"assessment.review", "reason", "maxLength", domain.MaxNote},
		{"assessment.review", "adjustments[].reason", "maxLength", domain.MaxNote},
		{"census.verify", "instructor", "maxLength", domain.MaxPersonName},
		{"census.verify", "members[].name", "maxLength", domain.MaxPersonName},
		{"census.verify", "note", "maxLength", domain.MaxNote},
		{"census.assign", "reason", "maxLength", domain.MaxDecisionReason},
		{"coverage.attach", "note", "maxLength", domain.MaxNote},
		{"coverage.instructor", "instructor", "maxLength", domain.MaxPersonName},
		{"coverage.instructor", "note", "maxLength", domain.MaxNote},
		{"survey.followup", "note", "maxLength", domain.MaxNote},
		{"delivery.upload", "note", "maxLength", domain.MaxNote},
		{"escalation", "extend_working_days", "minimum", domain.MinExtensionWorkingDays},
		{"escalation", "extend_working_days", "maximum", domain.MaxExtensionWorkingDays},
		{"escalation", "note", "maxLength", domain.MaxNote},
		{"formation.application", "members[].name", "maxLength", domain.MaxPersonName},
		{"formation.application", "note", "maxLength", domain.MaxNote},
		{"formation.approval", "reason", "maxLength", domain.MaxNote},
		{"formation.approval", "appointed[].name", "maxLength", domain.MaxPersonName},
		{"formation.election", "elected[].name", "maxLength", domain.MaxPersonName},
		{"formation.report", "note", "maxLength", domain.MaxNote},
		{"formation.filing", "note", "maxLength", domain.MaxNote},
		{"party_org.reelection", "elected[].name", "maxLength", domain.MaxPersonName},
		{"roster.confirm_missing", "reason", "maxLength", domain.MaxNote},
		{"inspection.objection", "reason", "maxLength", domain.MaxNote},
		{"inspection.visit", "findings", "maxItems", domain.MaxFindingsPerVisit},
		{"inspection.visit", "findings[].category", "maxLength", domain.MaxFindingCategory},
		{"inspection.visit", "findings[].description", "maxLength", domain.MaxReasonText},
		{"inspection.visit", "methods_done", "maxItems", domain.MaxRoundMethods},
		{"inspection.visit", "evidence", "maxItems", domain.MaxEvidenceItems},
		{"inspection.feedback", "feedback", "maxLength", domain.MaxLongText},
	} {
		got, ok := schemaAt(t, c.kind, c.path)[c.keyword].(float64)
		if !ok || int(got) != c.want {
			t.Errorf("%s %s %s = %v, domain says %d", c.kind, c.path, c.keyword, got, c.want)
		}
	}
}

// TestSchemaEnumsMatchDomain: the vocabularies a form's schema offers are domain's values.
func TestSchemaEnumsMatchDomain(t *testing.T) {
	members := []string{string(domain.MemberFormal), string(domain.MemberProbationary)}
	posts := []string{string(domain.PostSecretary), string(domain.PostDeputySecretary), string(domain.PostMember)}
	for _, c := range []struct {
		kind, path string
		want       []string
	}{
		{"census.verify", "members[].status", members},
		{"formation.application", "members[].status", members},
		{"formation.approval", "appointed[].post", posts},
		{"formation.election", "elected[].post", posts},
		{"party_org.reelection", "elected[].post", posts},
		{"census.verify", "party_org", []string{string(domain.CoverageNone), string(domain.CoverageSingle),
			string(domain.CoverageJoint), string(domain.CoverageRegional)}},
		{"coverage.attach", "method", []string{string(domain.CoverageJoint), string(domain.CoverageRegional)}},
		{"inspection.visit", "findings[].severity", domain.Severities},
	} {
		var got []string
		for _, v := range schemaAt(t, c.kind, c.path)["enum"].([]any) {
			got = append(got, v.(string))
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%s %s enum = %v, domain says %v", c.kind, c.path, got, c.want)
		}
	}
}
