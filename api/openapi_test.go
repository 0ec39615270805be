package api_test

import (
	"context"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"gopkg.in/yaml.v3"

	"tandem/api"
)

// TestOpenAPIValid checks the document against the OpenAPI 3 schema rules with kin-openapi.
func TestOpenAPIValid(t *testing.T) {
	doc := loadOpenAPI(t)
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("openapi.yaml is not a valid OpenAPI document: %v", err)
	}
}

func loadOpenAPI(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(api.OpenAPI)
	if err != nil {
		t.Fatalf("load openapi.yaml: %v", err)
	}
	return doc
}

// openAPINode parses the document as YAML nodes (for line numbers in failures).
func openAPINode(t *testing.T) *yaml.Node {
	t.Helper()
	var root yaml.Node
	if err := yaml.Unmarshal(api.OpenAPI, &root); err != nil {
		t.Fatal(err)
	}
	return root.Content[0]
}

// child returns the value of key in a mapping node, or nil.
func child(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

var httpMethods = []string{"get", "post", "put", "patch", "delete"}

// forEachOperation calls fn for every operation of the document.
func forEachOperation(root *yaml.Node, fn func(method, path string, op *yaml.Node)) {
	paths := child(root, "paths")
	for i := 0; i+1 < len(paths.Content); i += 2 {
		for _, m := range httpMethods {
			if op := child(paths.Content[i+1], m); op != nil {
				fn(m, paths.Content[i].Value, op)
			}
		}
	}
}

// Every string a request body may hold is bounded in the document as the edge bounds it
// (domain.CheckText): a maxLength on each string property (enums and files aside).
func TestOpenAPIRequestBodiesBounded(t *testing.T) {
	root := openAPINode(t)
	schemas := child(child(root, "components"), "schemas")
	var walk func(where string, n *yaml.Node, seen map[string]bool)
	walk = func(where string, n *yaml.Node, seen map[string]bool) {
		if n == nil || n.Kind != yaml.MappingNode {
			return
		}
		if ref := child(n, "$ref"); ref != nil {
			name := strings.TrimPrefix(ref.Value, "#/components/schemas/")
			if !seen[name] {
				seen[name] = true
				walk(where+" ("+name+")", child(schemas, name), seen)
			}
			return
		}
		if typ := child(n, "type"); typ != nil && typ.Value == "string" && child(n, "enum") == nil {
			if f := child(n, "format"); (f == nil || f.Value != "binary") && child(n, "maxLength") == nil {
				t.Errorf("openapi.yaml line %d: %s is a string without maxLength", n.Line, where)
			}
		}
		if props := child(n, "properties"); props != nil {
			for i := 0; i+1 < len(props.Content); i += 2 {
				walk(where+"."+props.Content[i].Value, props.Content[i+1], seen)
			}
		}
		walk(where+"[]", child(n, "items"), seen)
		walk(where+".*", child(n, "additionalProperties"), seen)
		for _, k := range []string{"allOf", "oneOf", "anyOf"} {
			if list := child(n, k); list != nil {
				for _, s := range list.Content {
					walk(where, s, seen)
				}
			}
		}
	}
	forEachOperation(root, func(method, path string, op *yaml.Node) {
		content := child(child(op, "requestBody"), "content")
		if content == nil {
			return
		}
		for i := 0; i+1 < len(content.Content); i += 2 {
			walk(strings.ToUpper(method)+" "+path+" "+content.Content[i].Value, child(content.Content[i+1], "schema"), map[string]bool{})
		}
	})
}

// The error answers every route can give are documented: 401 where a token is required, 400
// where a body or a parameter is taken (malformed JSON, a control character in a parameter),
// 429 where attempts are throttled.
func TestOpenAPIDocumentsErrorAnswers(t *testing.T) {
	root := openAPINode(t)
	throttled := map[string]bool{"POST /api/v1/auth/login": true, "GET /survey/{token}": true, "POST /survey/{token}": true}
	forEachOperation(root, func(method, path string, op *yaml.Node) {
		name := strings.ToUpper(method) + " " + path
		responses := child(op, "responses")
		has := func(status string) bool { return child(responses, status) != nil }
		sec := child(op, "security")
		if (sec == nil || len(sec.Content) > 0) && !has("401") {
			t.Errorf("openapi.yaml line %d: %s requires a token but documents no 401", responses.Line, name)
		}
		if (child(op, "requestBody") != nil || child(op, "parameters") != nil) && !has("400") {
			t.Errorf("openapi.yaml line %d: %s takes a body or parameters but documents no 400", responses.Line, name)
		}
		if throttled[name] && !has("429") {
			t.Errorf("openapi.yaml line %d: %s is throttled but documents no 429", responses.Line, name)
		}
	})
}
