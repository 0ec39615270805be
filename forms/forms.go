// Package forms holds the result forms of human tasks, one per task kind: a JSON Schema that
// tells clients what to send, and a typed Go validator that decides.
//
// Why typed Go validation rather than a JSON Schema validator: the rules that matter are
// cross-field domain rules (an election needs more than 4/5 of the voting members present,
// candidates ≥ ⌈seats × 1.2⌉, formal members ≤ employees), which JSON Schema cannot express;
// the Go validator is deterministic, so a workflow's Update validator can run it, and it
// reports every failing field at once. The schema is published for forms in the UI.
package forms

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"tandem/domain"
)

// Form is the result form of one task kind.
type Form struct {
	Kind   string
	Title  string          // shown to people (Chinese)
	Schema json.RawMessage // JSON Schema of the result
	// check validates a decoded result; it returns the canonical result to store.
	check func(raw json.RawMessage, v *domain.Validation) any
}

// Validate checks a result against the form; it returns the canonical JSON to store, or an
// EINVALID error listing every failing field.
func (f Form) Validate(raw json.RawMessage) (json.RawMessage, error) {
	var v domain.Validation
	if len(bytes.TrimSpace(raw)) == 0 || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		v.AddCode("result", domain.CodeRequired)
		return nil, v.Err("the result is missing")
	}
	out := f.check(raw, &v)
	if err := v.Err("the result is not valid"); err != nil {
		return nil, err
	}
	b, err := json.Marshal(out)
	if err != nil {
		return nil, fmt.Errorf("forms: %s: %w", f.Kind, err)
	}
	return b, nil
}

var registry = map[string]Form{}

func register(f Form) Form {
	registry[f.Kind] = f
	return f
}

// Kinds lists the task kinds that have a form, sorted.
func Kinds() []string {
	out := make([]string, 0, len(registry))
	for k := range registry {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Lookup returns the form of a task kind.
func Lookup(kind string) (Form, bool) {
	f, ok := registry[kind]
	return f, ok
}

// Validate checks a result for a task kind; a kind without a form is an internal error.
func Validate(kind string, raw json.RawMessage) (json.RawMessage, error) {
	f, ok := Lookup(kind)
	if !ok {
		return nil, fmt.Errorf("forms: no form for task kind %q", kind)
	}
	return f.Validate(raw)
}

// decode decodes raw strictly into dst, recording unknown fields and wrong types.
func decode(raw json.RawMessage, dst any, v *domain.Validation) bool {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		var typ *json.UnmarshalTypeError
		switch {
		case asType(err, &typ) && typ.Field != "":
			v.AddCode(typ.Field, domain.CodeBadType, typ.Type.Kind().String())
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			v.AddCode(strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`), domain.CodeUnknownField)
		default:
			v.AddCode("result", domain.CodeBadType, "object")
		}
		return false
	}
	return true
}

func asType(err error, target **json.UnmarshalTypeError) bool {
	t, ok := err.(*json.UnmarshalTypeError)
	if ok {
		*target = t
	}
	return ok
}

func textLen(s string) int { return len([]rune(strings.TrimSpace(s))) }
