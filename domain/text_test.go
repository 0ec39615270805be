package domain_test

import (
	"strings"
	"testing"

	"tandem/domain"
)

func TestCheckText(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		rule     domain.TextRule
		want     string // a part of the reason; "" for accepted
	}{
		{"OK", "青山县 东风街道", domain.ShortText, ""},
		{"OKAtTheLimit", strings.Repeat("长", 200), domain.ShortText, ""},
		{"ErrOverTheLimit", strings.Repeat("长", 201), domain.ShortText, "不能超过 200 个字符"},
		{"ErrNUL", "a\x00b", domain.ShortText, "NUL"},
		{"ErrNULInMultiline", "a\x00b", domain.ReasonText, "NUL"},
		{"ErrESC", "a\x1bb", domain.ShortText, "U+001B"},
		{"ErrDEL", "a\x7fb", domain.ShortText, "U+007F"},
		{"ErrC1", "a\u0085b", domain.ReasonText, "U+0085"},
		{"ErrTabInOneLine", "a\tb", domain.ShortText, "U+0009"},
		{"ErrNewlineInOneLine", "a\nb", domain.ShortText, "U+000A"},
		{"OKLineBreaksInMultiline", "a\r\n\tb", domain.ReasonText, ""},
		{"ErrInvalidUTF8", "a\xffb", domain.LongText, "UTF-8"},
		{"OKReplacementCharacter", "a\uFFFDb", domain.ShortText, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := domain.CheckText(tc.in, tc.rule)
			if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
				t.Fatalf("CheckText(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}
