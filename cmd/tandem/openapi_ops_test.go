package main_test

import (
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// apiOperation is one operation of api/openapi.yaml, as the matrix tests need it.
type apiOperation struct {
	Method   string       // GET, POST, …
	Path     string       // the template as documented, e.g. /api/v1/units/{id}
	Statuses map[int]bool // the documented response statuses
	Public   bool         // `security: []`: no token needed
	Params   []apiParam   // path and query parameters, $refs resolved
	JSON     any          // the application/json request body schema, or nil
	Form     any          // the multipart/form-data request body schema, or nil
}

type apiParam struct {
	Name, In string
	Schema   any
}

func (op apiOperation) key() string { return op.Method + " " + op.Path }

// apiDocument is api/openapi.yaml parsed loosely, with $ref resolution.
type apiDocument struct{ root map[string]any }

func loadAPIDocument(t *testing.T) apiDocument {
	t.Helper()
	raw, err := os.ReadFile("../../api/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var root map[string]any
	if err := yaml.Unmarshal(raw, &root); err != nil {
		t.Fatalf("api/openapi.yaml: %v", err)
	}
	return apiDocument{root}
}

// resolve follows $ref (local references only) until it reaches a node without one.
func (d apiDocument) resolve(node any) any {
	for i := 0; i < 10; i++ {
		m, ok := node.(map[string]any)
		if !ok {
			return node
		}
		ref, ok := m["$ref"].(string)
		if !ok {
			return node
		}
		var cur any = d.root
		for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
			cm, _ := cur.(map[string]any)
			cur = cm[part]
		}
		node = cur
	}
	return node
}

var apiMethods = []string{"get", "put", "post", "patch", "delete"}

// operations lists every operation of the document, sorted by path and method.
func (d apiDocument) operations() []apiOperation {
	paths, _ := d.root["paths"].(map[string]any)
	var keys []string
	for p := range paths {
		keys = append(keys, p)
	}
	sort.Strings(keys)
	var ops []apiOperation
	for _, p := range keys {
		item, _ := paths[p].(map[string]any)
		common, _ := item["parameters"].([]any)
		for _, m := range apiMethods {
			raw, ok := item[m].(map[string]any)
			if !ok {
				continue
			}
			op := apiOperation{Method: strings.ToUpper(m), Path: p, Statuses: map[int]bool{}}
			if sec, ok := raw["security"].([]any); ok && len(sec) == 0 {
				op.Public = true
			}
			responses, _ := raw["responses"].(map[string]any)
			for code := range responses {
				if n, err := strconv.Atoi(code); err == nil {
					op.Statuses[n] = true
				}
			}
			params, _ := raw["parameters"].([]any)
			for _, rp := range append(append([]any{}, common...), params...) {
				pm, _ := d.resolve(rp).(map[string]any)
				in, _ := pm["in"].(string)
				name, _ := pm["name"].(string)
				if in == "path" || in == "query" {
					op.Params = append(op.Params, apiParam{Name: name, In: in, Schema: d.resolve(pm["schema"])})
				}
			}
			if body, ok := d.resolve(raw["requestBody"]).(map[string]any); ok {
				content, _ := body["content"].(map[string]any)
				if j, ok := content["application/json"].(map[string]any); ok {
					op.JSON = d.resolve(j["schema"])
				}
				if f, ok := content["multipart/form-data"].(map[string]any); ok {
					op.Form = d.resolve(f["schema"])
				}
			}
			ops = append(ops, op)
		}
	}
	return ops
}

// isString reports whether a (resolved) schema is a string that is not a file.
func (d apiDocument) isString(schema any) bool {
	m, _ := d.resolve(schema).(map[string]any)
	return m["type"] == "string" && m["format"] != "binary"
}

// stringFields lists the JSON paths of every string property a body schema describes,
// walking objects, arrays ("[]" stands for an element), allOf and $refs. A path is a list of
// property names.
func (d apiDocument) stringFields(schema any) [][]string {
	var out [][]string
	var walk func(node any, at []string, depth int)
	walk = func(node any, at []string, depth int) {
		if depth > 6 {
			return
		}
		m, ok := d.resolve(node).(map[string]any)
		if !ok {
			return
		}
		for _, sub := range asSlice(m["allOf"]) {
			walk(sub, at, depth+1)
		}
		switch m["type"] {
		case "string":
			if m["format"] != "binary" && len(at) > 0 {
				out = append(out, append([]string{}, at...))
			}
		case "array":
			walk(m["items"], append(append([]string{}, at...), "[]"), depth+1)
		}
		props, _ := m["properties"].(map[string]any)
		var names []string
		for name := range props {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			walk(props[name], append(append([]string{}, at...), name), depth+1)
		}
	}
	walk(schema, nil, 0)
	return out
}

func asSlice(v any) []any { s, _ := v.([]any); return s }

// setAt returns a deep copy of a JSON body with the value at path replaced (objects and
// one-element arrays are made on the way when missing).
func setAt(body any, path []string, value any) any {
	if len(path) == 0 {
		return value
	}
	if path[0] == "[]" {
		arr, _ := body.([]any)
		var first any
		if len(arr) > 0 {
			first = arr[0]
		}
		out := []any{setAt(first, path[1:], value)}
		for i := 1; i < len(arr); i++ {
			out = append(out, copyJSON(arr[i]))
		}
		return out
	}
	obj, _ := copyJSON(body).(map[string]any)
	if obj == nil {
		obj = map[string]any{}
	}
	obj[path[0]] = setAt(obj[path[0]], path[1:], value)
	return obj
}

// copyJSON deep-copies maps and slices of a JSON-like value; typed maps and slices of strings
// become their generic forms.
func copyJSON(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			out[k] = copyJSON(x)
		}
		return out
	case map[string]string:
		out := make(map[string]any, len(v))
		for k, x := range v {
			out[k] = x
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = copyJSON(x)
		}
		return out
	case []string:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = x
		}
		return out
	case []map[string]string:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = copyJSON(x)
		}
		return out
	}
	return v
}
