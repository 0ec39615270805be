package roster

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"
)

// RawRow is one physical row: its number as a spreadsheet shows it (1-based) and its cells.
type RawRow struct {
	Number int
	Cells  []string
	// Problems are the cells the reader emptied (too long, a control character).
	Problems []CellProblem
}

// RowReader yields rows in order; Next returns io.EOF after the last.
type RowReader interface {
	Next() (RawRow, error)
	Close() error
}

// Options say how to read a file; zero values mean "detect".
type Options struct {
	Encoding string // "utf-8", "gbk", "gb18030"; "" = detect
	Sheet    string // XLSX sheet; "" = the first
	// MaxBytes bounds the bytes read after decoding or decompression (the CSV text, each XLSX
	// part); 0 = DefaultMaxBytes. Past it the file is refused.
	MaxBytes int64
}

// Encodings accepted by Options.Encoding.
var Encodings = []string{"utf-8", "gbk", "gb18030"}

// ErrFormat is returned for a file that is neither CSV nor XLSX.
var ErrFormat = errors.New("roster: not a CSV or XLSX file")

// Open returns a reader for a CSV or XLSX file. An XLSX file (a ZIP container) is recognised
// by its content, so a misnamed file is still read right. It reports the encoding used.
func Open(r io.ReaderAt, size int64, filename string, opts Options) (RowReader, string, error) {
	head := make([]byte, 64<<10)
	n, err := r.ReadAt(head, 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, "", err
	}
	head = head[:n]
	maxBytes := opts.MaxBytes
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBytes
	}
	if bytes.HasPrefix(head, []byte("PK\x03\x04")) {
		rr, err := openXLSX(r, size, opts.Sheet, maxBytes)
		return rr, "xlsx", err
	}
	if ext := strings.ToLower(filepath.Ext(filename)); ext == ".xls" || bytes.HasPrefix(head, []byte("\xD0\xCF\x11\xE0")) {
		return nil, "", fmt.Errorf("%w: the old Excel format (.xls) is not read; save it as .xlsx or CSV", ErrFormat)
	}
	if bytes.HasPrefix(head, []byte("\xFF\xFE")) || bytes.HasPrefix(head, []byte("\xFE\xFF")) {
		return nil, "", fmt.Errorf("%w: UTF-16 text is not read; save it as CSV UTF-8 or XLSX", ErrFormat)
	}
	// A NUL in a cell is a warning on that cell; a file of NULs is not text at all.
	if bytes.Count(head, []byte{0}) > max(len(head)/16, 4) {
		return nil, "", ErrFormat
	}
	enc := strings.ToLower(opts.Encoding)
	body := io.Reader(io.NewSectionReader(r, 0, size))
	switch {
	case enc == "" && bytes.HasPrefix(head, []byte("\xEF\xBB\xBF")):
		enc = "utf-8"
	case enc == "" && validUTF8Prefix(head, n == len(head) && int64(n) < size):
		enc = "utf-8"
	case enc == "":
		enc = "gb18030" // a superset of GBK: detecting GBK or GB18030 both read with it
	}
	switch enc {
	case "utf-8", "utf8":
		enc = "utf-8"
		br := bufio.NewReaderSize(body, 64<<10)
		if b, _ := br.Peek(3); bytes.Equal(b, []byte("\xEF\xBB\xBF")) {
			_, _ = br.Discard(3)
		}
		body = br
	case "gbk":
		body = transform.NewReader(body, simplifiedchinese.GBK.NewDecoder())
	case "gb18030":
		body = transform.NewReader(body, simplifiedchinese.GB18030.NewDecoder())
	default:
		return nil, "", fmt.Errorf("roster: unknown encoding %q (use utf-8, gbk or gb18030)", opts.Encoding)
	}
	return newCSVReader(newLimitedReader(body, maxBytes, "CSV 文件")), enc, nil
}

// validUTF8Prefix reports whether b is UTF-8, allowing a rune cut at the end when truncated.
func validUTF8Prefix(b []byte, truncated bool) bool {
	if truncated {
		for i := 0; i < utf8.UTFMax && len(b) > 0 && !utf8.Valid(b); i++ {
			b = b[:len(b)-1]
		}
	}
	return utf8.Valid(b)
}
