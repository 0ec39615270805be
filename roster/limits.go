package roster

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Bounds on what a file may make the readers hold. A hostile file (one cell of a gigabyte, a
// row of a million columns, a zip that inflates a thousandfold) costs time bounded by these,
// never memory in proportion to its content.
const (
	// MaxCellRunes is Excel's own limit on a cell (32,767 characters): a longer cell is
	// emptied with a warning, as other unreadable cells are.
	MaxCellRunes = 32767
	// MaxColumns bounds a row: a value further right refuses the file.
	MaxColumns = 512
	// DefaultMaxBytes bounds the bytes read after decompression or decoding: the CSV text, or
	// one part of an XLSX (the sheet, the shared strings). Options.MaxBytes overrides it.
	DefaultMaxBytes int64 = 2 << 30
	// MaxSharedStrings and MaxSharedBytes bound the shared-string table of an XLSX, the one
	// part held in memory while the sheet streams.
	MaxSharedStrings = 8 << 20
	MaxSharedBytes   = 192 << 20
	// maxParts bounds the entries of an XLSX container (a workbook has a few dozen).
	maxParts = 10000
	// maxSmallPart bounds the parts read whole: workbook, relationships.
	maxSmallPart = 16 << 20
	// EchoRunes is how much of a raw cell an issue or an error repeats.
	EchoRunes = 64
)

// Reasons of cell problems found by the readers.
const (
	WarnCellTooLong = "cell_too_long"
	WarnControlChar = "control_character"
	// WarnBadEncoding: bytes that are not text in the file's encoding (PostgreSQL would refuse
	// them), as when a GBK file begins with ASCII and is read as UTF-8.
	WarnBadEncoding = "bad_encoding"
)

// CellProblem is a cell a reader emptied: too long, or holding a control character.
type CellProblem struct {
	Col    int    // 0-based
	Reason string // WarnCellTooLong, WarnControlChar
	Raw    string // a short prefix of the cell (Clip)
}

// Message is the Chinese text of a problem, naming the row, the column and the limit.
func (p CellProblem) Message(row int) string {
	switch p.Reason {
	case WarnCellTooLong:
		return fmt.Sprintf("第 %d 行第 %d 列超过单元格上限 %d 个字符，已留空", row, p.Col+1, MaxCellRunes)
	case WarnBadEncoding:
		return fmt.Sprintf("第 %d 行第 %d 列含无法识别的字节（文件编码有误？上传时可指定 encoding），已留空", row, p.Col+1)
	default:
		return fmt.Sprintf("第 %d 行第 %d 列含控制字符（如 NUL），已留空", row, p.Col+1)
	}
}

// Clip returns at most EchoRunes runes of s, with an ellipsis when it cut: what an error or a
// reject may echo of raw text.
func Clip(s string) string {
	return ClipTo(s, EchoRunes)
}

// ClipTo returns at most n runes of s, with an ellipsis when it cut.
func ClipTo(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i, count := 0, 0
	for i < len(s) && count < n {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
		count++
	}
	if i >= len(s) {
		return s
	}
	return s[:i] + "…"
}

// controlChar reports whether s holds a control character other than tab, CR and LF (which
// the parser treats as layout): C0, DEL, or C1 (U+0080–U+009F, UTF-8 0xC2 0x80–0x9F).
func controlChar(s string) bool {
	for i := 0; i < len(s); i++ {
		b := s[i]
		switch {
		case b < 0x20 && b != '\t' && b != '\n' && b != '\r', b == 0x7F:
			return true
		case b == 0xC2 && i+1 < len(s) && s[i+1] >= 0x80 && s[i+1] <= 0x9F:
			return true
		}
	}
	return false
}

// checkCell empties a cell holding a control character or bytes that are not UTF-8,
// recording the problem.
func checkCell(cells []string, col int, problems *[]CellProblem) {
	switch v := cells[col]; {
	case !utf8.ValidString(v):
		*problems = append(*problems, CellProblem{Col: col, Reason: WarnBadEncoding, Raw: echo(v)})
		cells[col] = ""
	case controlChar(v):
		*problems = append(*problems, CellProblem{Col: col, Reason: WarnControlChar, Raw: echo(v)})
		cells[col] = ""
	}
}

// suspect says whether a text may need checkCell: it holds a control character or is not UTF-8.
func suspect(s string) bool { return controlChar(s) || !utf8.ValidString(s) }

// echo is Clip with control characters and bytes that are not UTF-8 replaced by U+FFFD, so
// that an echo carries none (PostgreSQL stores neither NUL nor invalid UTF-8).
func echo(s string) string {
	c := strings.ToValidUTF8(Clip(s), "\uFFFD")
	if !controlChar(c) {
		return c
	}
	b := []rune(c)
	for i, r := range b {
		if r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0x7F || r >= 0x80 && r <= 0x9F {
			b[i] = utf8.RuneError
		}
	}
	return string(b)
}

// errTooBig is returned by a limitedReader past its bound.
type errTooBig struct {
	what  string
	limit int64
}

func (e errTooBig) Error() string {
	return fmt.Sprintf("roster: %s解压或解码后超过 %d MB，文件被拒收", e.what, e.limit>>20)
}

// limitedReader fails, rather than stops, past n bytes: a truncated sheet must not pass for a
// whole one.
type limitedReader struct {
	r     io.Reader
	n     int64
	limit int64
	what  string
}

func newLimitedReader(r io.Reader, limit int64, what string) *limitedReader {
	return &limitedReader{r: r, n: limit, limit: limit, what: what}
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.n < 0 {
		return 0, errTooBig{l.what, l.limit}
	}
	if int64(len(p)) > l.n+1 {
		p = p[:l.n+1]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	if l.n < 0 {
		return n, errTooBig{l.what, l.limit}
	}
	return n, err
}

// errTooWide refuses a row with a value past MaxColumns.
func errTooWide(row int) error {
	return fmt.Errorf("roster: 第 %d 行超过 %d 列，文件被拒收（名册每行不应有这么多列）", row, MaxColumns)
}
