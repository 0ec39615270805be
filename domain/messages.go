package domain

import (
	"fmt"
	"sort"
)

// Validation field-error codes: stable English for clients, each with its Chinese text for
// people in the catalogue below. A code names the rule, not the field (the field is beside it).
const (
	CodeRequired     = "required"      // a value is needed
	CodeMaxLength    = "max_length"    // at most %d characters
	CodeMinLength    = "min_length"    // at least %d characters
	CodeTooMany      = "too_many"      // at most %d items
	CodeOutOfRange   = "out_of_range"  // between %d and %d
	CodeNotAllowed   = "not_allowed"   // one of a fixed set (%s)
	CodeBadFormat    = "bad_format"    // the wrong shape (%s)
	CodeBadDate      = "bad_date"      // not a date YYYY-MM-DD
	CodeBadTime      = "bad_time"      // not a time RFC 3339
	CodeInFuture     = "in_future"     // a date after today
	CodeBadUSCC      = "bad_uscc"      // not an 18-character unified social credit code
	CodeDuplicate    = "duplicate"     // the same value twice
	CodeUnknownField = "unknown_field" // a field the input does not have
	CodeNotFound     = "not_found"     // refers to something that does not exist or is not visible
	CodeBadJSON      = "bad_json"      // not valid JSON for this input
)

// messages is the catalogue: each code's Chinese text, with fmt verbs for its arguments.
var messages = map[string]string{
	CodeRequired:     "必填",
	CodeMaxLength:    "不能超过 %d 个字符",
	CodeMinLength:    "至少 %d 个字符",
	CodeTooMany:      "最多 %d 项",
	CodeOutOfRange:   "应在 %d 到 %d 之间",
	CodeNotAllowed:   "取值不在允许范围内（%s）",
	CodeBadFormat:    "格式不正确（%s）",
	CodeBadDate:      "不是有效日期（应为 YYYY-MM-DD）",
	CodeBadTime:      "不是有效时间（应为 RFC 3339，如 2026-01-02T09:00:00+08:00）",
	CodeInFuture:     "不能晚于今天",
	CodeBadUSCC:      "不是有效的 18 位统一社会信用代码",
	CodeDuplicate:    "重复",
	CodeUnknownField: "不是该表单的字段",
	CodeNotFound:     "所指对象不存在或无权查看",
	CodeBadJSON:      "不是有效的 JSON",
}

// Message is the Chinese text of a catalogue code with args filled in; an unknown code is
// returned as it is (TestMessagesCatalogue keeps every code used in the tree in the catalogue).
func Message(code string, args ...any) string {
	m, ok := messages[code]
	if !ok {
		return code
	}
	if len(args) == 0 {
		return m
	}
	return fmt.Sprintf(m, args...)
}

// MessageCodes lists the catalogue's codes (for tests and the OpenAPI document).
func MessageCodes() []string {
	out := make([]string, 0, len(messages))
	for c := range messages {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}
