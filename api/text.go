package api

import (
	"bytes"
	"encoding/json"
	"maps"
	"mime/multipart"
	"net/http"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"tandem/domain"
)

// The one home of the edge's text rule (domain.CheckText): bindJSON runs checkBody over every
// decoded body, checkParameters runs over every path and query parameter of every route
// (before authentication), and checkForm over the fields of a submitted form. A field's rule
// comes from its `text` struct tag ("N" or "N,multiline"); without one it is domain.ShortText.

// maxTextErrors caps how many failing fields one answer lists.
const maxTextErrors = 20

// paramRules holds the parameters whose values may be longer than domain.ShortText.
var paramRules = map[string]domain.TextRule{
	"cursor": {Max: 1000},
}

// checkParameters refuses a path or query parameter holding a control character, invalid
// UTF-8 or too long a value: 400 naming the parameter. PostgreSQL refuses a NUL in text, so
// without this check `?text=%00` (or a NUL in a path) was a 500 there and a match on SQLite.
func checkParameters() gin.HandlerFunc {
	return func(c *gin.Context) {
		var v domain.Validation
		for _, p := range c.Params {
			checkParam(&v, p.Key, p.Value)
		}
		query := c.Request.URL.Query()
		for _, k := range slices.Sorted(maps.Keys(query)) {
			if reason := domain.CheckText(k, domain.ShortText); reason != "" {
				v.Add(strconv.Quote(k), "参数名"+reason)
				continue
			}
			for _, val := range query[k] {
				checkParam(&v, k, val)
			}
		}
		if len(v) > 0 {
			writeProblem(c, http.StatusBadRequest, "请求参数含有不允许的文字", capErrors(v)...)
			return
		}
		c.Next()
	}
}

func checkParam(v *domain.Validation, name, value string) {
	rule, ok := paramRules[name]
	if !ok {
		rule = domain.ShortText
	}
	if code, args := domain.CheckTextCode(value, rule); code != "" {
		v.AddCode(name, code, args...)
	}
}

// checkBody checks every string of a decoded request body (struct fields, slices, maps, and
// JSON held raw) against its field's rule, naming each failing one by its JSON path, like
// `memberships[1].unit_id`.
func checkBody(body any) domain.Validation {
	var v domain.Validation
	walkText(&v, reflect.ValueOf(body), "", domain.ShortText)
	return v
}

var rawMessageType = reflect.TypeFor[json.RawMessage]()

func walkText(v *domain.Validation, rv reflect.Value, path string, rule domain.TextRule) {
	if len(*v) >= maxTextErrors || !rv.IsValid() {
		return
	}
	if rv.Type() == rawMessageType {
		walkRawJSON(v, rv.Bytes(), path)
		return
	}
	switch rv.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !rv.IsNil() {
			walkText(v, rv.Elem(), path, rule)
		}
	case reflect.String:
		if code, args := domain.CheckTextCode(rv.String(), rule); code != "" {
			v.AddCode(fieldPath(path), code, args...)
		}
	case reflect.Slice, reflect.Array:
		for i := 0; i < rv.Len(); i++ {
			walkText(v, rv.Index(i), path+"["+strconv.Itoa(i)+"]", rule)
		}
	case reflect.Map:
		keys := rv.MapKeys()
		sort.Slice(keys, func(i, j int) bool { return keys[i].String() < keys[j].String() })
		for _, k := range keys {
			if k.Kind() == reflect.String {
				if reason := domain.CheckText(k.String(), domain.ShortText); reason != "" {
					v.Add(fieldPath(path+"."+k.String()), "键名"+reason)
					continue
				}
			}
			walkText(v, rv.MapIndex(k), joinPath(path, k.String()), rule)
		}
	case reflect.Struct:
		t := rv.Type()
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" {
				continue
			}
			fieldRule := textRuleOf(f)
			if f.Anonymous && name == "" {
				walkText(v, rv.Field(i), path, fieldRule)
				continue
			}
			if name == "" {
				name = f.Name
			}
			walkText(v, rv.Field(i), joinPath(path, name), fieldRule)
		}
	}
}

// walkRawJSON checks the strings of JSON kept raw (a task form's result): values are long
// text, object keys short text.
func walkRawJSON(v *domain.Validation, raw []byte, path string) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return
	}
	var doc any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return // the strict decode already refused malformed JSON
	}
	walkText(v, reflect.ValueOf(doc), path, domain.LongText)
}

// textRuleOf reads a field's `text` tag: "N" or "N,multiline".
func textRuleOf(f reflect.StructField) domain.TextRule {
	tag, ok := f.Tag.Lookup("text")
	if !ok {
		return domain.ShortText
	}
	max, opt, _ := strings.Cut(tag, ",")
	n, err := strconv.Atoi(max)
	if err != nil || n <= 0 {
		panic("api: bad text tag on field " + f.Name + ": " + tag) // a programming error, caught by any test
	}
	return domain.TextRule{Max: n, Multiline: opt == "multiline"}
}

func joinPath(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

func fieldPath(path string) string {
	if path == "" {
		return "body"
	}
	return path
}

func capErrors(v domain.Validation) domain.Validation {
	if len(v) > maxTextErrors {
		return v[:maxTextErrors]
	}
	return v
}

// formRules holds the form fields whose values may be longer than domain.ShortText.
var formRules = map[string]domain.TextRule{
	"mapping": {Max: domain.MaxLongText}, // a roster import's column mapping, JSON on one line
}

// checkForm checks the text fields and file names of a parsed form (multipart or URL-encoded)
// the way bindJSON checks a JSON body: 422 naming the field. Call it after the handler made
// the form parse (c.PostForm / c.FormFile), before reading its values.
func checkForm(c *gin.Context) error {
	var v domain.Validation
	form := c.Request.PostForm
	var files map[string][]*multipart.FileHeader
	if mf := c.Request.MultipartForm; mf != nil {
		form, files = mf.Value, mf.File
	}
	names := append(slices.Collect(maps.Keys(form)), slices.Collect(maps.Keys(files))...)
	slices.Sort(names)
	for _, k := range names {
		if reason := domain.CheckText(k, domain.ShortText); reason != "" {
			v.Add(strconv.Quote(k), "字段名"+reason)
			continue
		}
		rule, ok := formRules[k]
		if !ok {
			rule = domain.ShortText
		}
		for _, val := range form[k] {
			if code, args := domain.CheckTextCode(val, rule); code != "" {
				v.AddCode(k, code, args...)
			}
		}
		for _, fh := range files[k] {
			if reason := domain.CheckText(fh.Filename, domain.ShortText); reason != "" {
				v.Add(k, "文件名"+reason)
			}
		}
	}
	return capErrors(v).Err("表单含有不允许的文字")
}
