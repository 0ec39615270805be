package domain

import (
	"unicode/utf8"
)

// Text limits, in characters (runes). Every text that enters through the API is bounded by
// one of them (or a field's own, smaller limit) and checked by CheckText: PostgreSQL refuses
// a NUL in text, and no field of ours has a use for other control characters.
const (
	MaxShortText  = 200    // names, labels, codes, IDs, filter and path values: one line
	MaxReasonText = 2000   // reasons, notes: line breaks allowed
	MaxLongText   = 20_000 // long free text (a task form's answers): line breaks allowed
)

// TextRule bounds one text field: at most Max runes; Multiline also allows tab, CR and LF.
type TextRule struct {
	Max       int
	Multiline bool
}

// Rules for the three classes of text above.
var (
	ShortText  = TextRule{Max: MaxShortText}
	ReasonText = TextRule{Max: MaxReasonText, Multiline: true}
	LongText   = TextRule{Max: MaxLongText, Multiline: true}
)

// CheckText says in Chinese why s breaks rule ("" when it does not); CheckTextCode gives the
// catalogue code and its arguments.
func CheckText(s string, rule TextRule) string {
	code, args := CheckTextCode(s, rule)
	if code == "" {
		return ""
	}
	return Message(code, args...)
}

// CheckTextCode says which rule s breaks ("" when none): invalid UTF-8, a C0 or C1 control
// character or DEL (tab, CR and LF only where the rule is multi-line), or more than Max runes.
func CheckTextCode(s string, rule TextRule) (string, []any) {
	n := 0
	for i, r := range s {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				return CodeBadUTF8, nil
			}
		}
		if isControl(r) && !(rule.Multiline && (r == '\t' || r == '\n' || r == '\r')) {
			if r == 0 {
				return CodeNUL, nil
			}
			return CodeControlChar, []any{r}
		}
		n++
	}
	if rule.Max > 0 && n > rule.Max {
		return CodeMaxLength, []any{rule.Max}
	}
	return "", nil
}

// isControl reports C0 controls, DEL and C1 controls.
func isControl(r rune) bool { return r < 0x20 || r >= 0x7f && r <= 0x9f }
