package domain

import (
	"strings"
	"unicode"
)

// USCC is a unified social credit code 统一社会信用代码 (GB 32100-2015), normalised and valid.
type USCC string

const usccAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

var usccWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// Reasons a credit code is refused. Imports report them per row.
const (
	USCCMissing   = "uscc_missing"   // empty after normalisation
	USCCMalformed = "uscc_malformed" // wrong length or a character outside the alphabet
	USCCChecksum  = "uscc_checksum"  // the 18th character is not the check character
	USCCLegacy    = "uscc_legacy"    // a 15-digit registration number from before 2015
)

// USCCError says why a text is not a valid credit code.
type USCCError struct {
	Reason string // one of the USCC* constants
	Text   string // the normalised text
}

func (e *USCCError) Error() string { return e.Reason + ": " + USCCReasonLabel(e.Reason) }

// USCCReasonLabel is the Chinese message shown to users for a reason code.
func USCCReasonLabel(reason string) string {
	switch reason {
	case USCCMissing:
		return "统一社会信用代码缺失"
	case USCCMalformed:
		return "统一社会信用代码格式错误（应为18位，不含I、O、S、V、Z）"
	case USCCChecksum:
		return "统一社会信用代码校验位错误"
	case USCCLegacy:
		return "15位旧注册号，需换领统一社会信用代码"
	}
	return reason
}

// NormalizeUSCC drops spaces anywhere (also full-width and non-breaking ones, and line
// breaks: a code has none, so they are only layout, e.g. "9111 0108 …"), turns full-width
// characters into their half-width forms and upper-cases the result.
func NormalizeUSCC(s string) string {
	if plainUSCC(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case unicode.IsSpace(r) || r == '\u3000' || r == '\uFEFF':
			continue
		case r >= '\uFF01' && r <= '\uFF5E':
			r -= 0xFEE0
		}
		b.WriteRune(unicode.ToUpper(r))
	}
	return b.String()
}

// plainUSCC says whether s is already normal: upper-case ASCII letters and digits only.
func plainUSCC(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

// ParseUSCC normalises s and checks it against GB 32100: 18 characters of the code alphabet
// with a valid check character. It returns a *USCCError otherwise.
func ParseUSCC(s string) (USCC, error) {
	n := NormalizeUSCC(s)
	switch {
	case n == "":
		return "", &USCCError{Reason: USCCMissing, Text: n}
	case len(n) == 15 && isDigits(n):
		return "", &USCCError{Reason: USCCLegacy, Text: n}
	case len(n) != 18:
		return "", &USCCError{Reason: USCCMalformed, Text: n}
	}
	check, ok := checkChar(n[:17])
	if !ok || strings.IndexByte(usccAlphabet, n[17]) < 0 {
		return "", &USCCError{Reason: USCCMalformed, Text: n}
	}
	if n[17] != check {
		return "", &USCCError{Reason: USCCChecksum, Text: n}
	}
	return USCC(n), nil
}

// checkChar computes the check character of the first 17 characters of a credit code; false
// when one is outside the code alphabet.
func checkChar(body string) (byte, bool) {
	sum := 0
	for i := 0; i < 17; i++ {
		v := strings.IndexByte(usccAlphabet, body[i])
		if v < 0 {
			return 0, false
		}
		sum += v * usccWeights[i]
	}
	return usccAlphabet[(31-sum%31)%31], true
}

// CompleteUSCC appends the check character to the first 17 characters of a credit code, for
// generating valid codes (test data, benchmarks). It panics on anything else.
func CompleteUSCC(body string) USCC {
	check, ok := checkChar(body)
	if len(body) != 17 || !ok {
		panic("domain: not the first 17 characters of a credit code: " + body)
	}
	return USCC(body + string(check))
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
