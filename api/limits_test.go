package api_test

import (
	"fmt"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"tandem/domain"
)

// TestOpenAPILimitsMatchDomain: the bounds the OpenAPI document states for a field equal the
// named limit in domain that governs it, so that the document and the validation change
// together. Each row names one schema keyword of one field.
func TestOpenAPILimitsMatchDomain(t *testing.T) {
	doc := loadOpenAPI(t)
	type bound struct {
		path, property, keyword string // keyword: maxLength, minLength, minimum, maximum, maxItems, default
		want                    int
	}
	bounds := []bound{
		{"/api/v1/party-orgs/{id}/dissolution", "reason", "maxLength", domain.MaxDecisionReason},
		{"/api/v1/party-orgs/{id}/adjustment", "reason", "maxLength", domain.MaxDecisionReason},
		{"/api/v1/party-orgs/{id}/reelection-date", "reason", "maxLength", domain.MaxDecisionReason},
		{"/api/v1/assessments/{id}/reopen", "reason", "maxLength", domain.MaxNote},
		{"/api/v1/assessments/{id}/adjustments", "reason", "maxLength", domain.MaxReasonText},
		{"/api/v1/organizations/{uscc}/resolutions", "reason", "maxLength", domain.MaxReasonText},
		{"/api/v1/tasks/{id}/comments", "body", "minLength", 1},
		{"/api/v1/tasks/{id}/comments", "body", "maxLength", domain.MaxCommentText},
		{"/api/v1/tasks/{id}/deadline-extensions", "working_days", "minimum", domain.MinExtensionWorkingDays},
		{"/api/v1/tasks/{id}/deadline-extensions", "working_days", "maximum", domain.MaxExtensionWorkingDays},
		{"/api/v1/tasks/{id}/deadline-extensions", "reason", "maxLength", domain.MaxReasonText},
		{"/api/v1/drills", "due_in_working_days", "maximum", domain.MaxDrillWorkingDays},
		{"/api/v1/drills", "due_in_working_days", "default", domain.DefaultTaskWorkingDays},
		{"/api/v1/tasks/bulk/claim", "task_ids", "maxItems", domain.MaxBulkTasks},
		{"/api/v1/tasks/bulk/assign", "task_ids", "maxItems", domain.MaxBulkTasks},
		{"/api/v1/users", "username", "minLength", domain.MinUsernameLength},
		{"/api/v1/users", "username", "maxLength", domain.MaxUsernameLength},
		{"/api/v1/users", "password", "minLength", domain.MinPasswordLength},
		{"/api/v1/users/{username}/password", "password", "minLength", domain.MinPasswordLength},
		{"/api/v1/me/password", "new_password", "minLength", domain.MinPasswordLength},
		{"/survey/{token}", "contact", "maxLength", domain.MaxPersonName},
	}
	for _, b := range bounds {
		name := fmt.Sprintf("%s %s %s", b.path, b.property, b.keyword)
		s := requestProperty(t, doc, b.path, b.property)
		if s == nil {
			t.Errorf("%s: no such request property in the document", name)
			continue
		}
		got, ok := keyword(s, b.keyword)
		if !ok {
			t.Errorf("%s: the document states no %s; want %d", name, b.keyword, b.want)
		} else if got != b.want {
			t.Errorf("%s: the document says %d, domain says %d", name, got, b.want)
		}
	}

	limit := doc.Components.Parameters["Limit"]
	if limit == nil || limit.Value.Schema == nil {
		t.Fatal("components.parameters.Limit: missing")
	}
	for kw, want := range map[string]int{"minimum": 1, "maximum": domain.MaxPageSize, "default": domain.DefaultPageSize} {
		if got, ok := keyword(limit.Value.Schema.Value, kw); !ok || got != want {
			t.Errorf("parameter limit %s: the document says %d (stated: %v), domain says %d", kw, got, ok, want)
		}
	}
}

// requestProperty returns the schema of a property of the POST body of path (JSON, else form).
func requestProperty(t *testing.T, doc *openapi3.T, path, property string) *openapi3.Schema {
	t.Helper()
	item := doc.Paths.Find(path)
	if item == nil || item.Post == nil || item.Post.RequestBody == nil {
		return nil
	}
	for _, mt := range []string{"application/json", "application/x-www-form-urlencoded"} {
		c := item.Post.RequestBody.Value.Content.Get(mt)
		if c == nil || c.Schema == nil {
			continue
		}
		if p := c.Schema.Value.Properties[property]; p != nil {
			return p.Value
		}
	}
	return nil
}

// keyword reads one numeric schema keyword, saying whether the document states it.
func keyword(s *openapi3.Schema, kw string) (int, bool) {
	switch kw {
	case "maxLength":
		if s.MaxLength != nil {
			return int(*s.MaxLength), true
		}
	case "minLength":
		return int(s.MinLength), s.MinLength != 0
	case "minimum":
		if s.Min != nil {
			return int(*s.Min), true
		}
	case "maximum":
		if s.Max != nil {
			return int(*s.Max), true
		}
	case "maxItems":
		if s.MaxItems != nil {
			return int(*s.MaxItems), true
		}
	case "default":
		if f, ok := s.Default.(float64); ok {
			return int(f), true
		}
	}
	return 0, false
}
