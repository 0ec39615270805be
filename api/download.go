package api

import (
	"strings"
	"unicode"

	"github.com/gin-gonic/gin"
)

// attachment names a download, the one place that writes Content-Disposition: the name people
// read (Chinese: 青山县-台账-2026-12.xlsx) as RFC 5987's filename*=UTF-8”…, which every current
// browser uses, and an ASCII filename="…" for clients that know only RFC 2616's (fallback; ""
// keeps the name's ASCII characters).
func attachment(c *gin.Context, name, fallback string) {
	c.Header("Content-Disposition", contentDisposition(name, fallback))
}

func contentDisposition(name, fallback string) string {
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || strings.ContainsRune(`/\"`, r) {
			return '_'
		}
		return r
	}, name)
	if fallback == "" {
		fallback = name
	}
	fb := asciiName(fallback)
	if fb == "" || strings.HasPrefix(fb, ".") {
		fb = "download" + fb
	}
	v := `attachment; filename="` + fb + `"`
	if fb != name {
		v += "; filename*=UTF-8''" + pctEncode(name)
	}
	return v
}

// asciiName keeps letters, digits, '.', '-' and '_'; any other run becomes one '_' (trimmed at
// the ends).
func asciiName(s string) string {
	var b strings.Builder
	gap := false
	for _, r := range s {
		if r < 0x80 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' || r == '_') {
			if gap && b.Len() > 0 {
				b.WriteByte('_')
			}
			b.WriteRune(r)
			gap = false
			continue
		}
		gap = true
	}
	return strings.Trim(b.String(), "_-")
}

// pctEncode encodes s as RFC 5987's value-chars: attr-char as it is, every other byte %XX.
func pctEncode(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || strings.IndexByte("!#$&+-.^_`|~", ch) >= 0 {
			b.WriteByte(ch)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[ch>>4])
		b.WriteByte(hex[ch&15])
	}
	return b.String()
}
