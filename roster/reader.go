package roster

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"
)

// RawRow is one physical row: its number as a spreadsheet shows it (1-based) and its cells.
type RawRow struct {
	Number int
	Cells  []string
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
	if bytes.HasPrefix(head, []byte("PK\x03\x04")) {
		rr, err := openXLSX(io.NewSectionReader(r, 0, size), opts.Sheet)
		return rr, "xlsx", err
	}
	if ext := strings.ToLower(filepath.Ext(filename)); ext == ".xls" || bytes.HasPrefix(head, []byte("\xD0\xCF\x11\xE0")) {
		return nil, "", fmt.Errorf("%w: the old Excel format (.xls) is not read; save it as .xlsx or CSV", ErrFormat)
	}
	if bytes.IndexByte(head, 0) >= 0 {
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
	cr := csv.NewReader(body)
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	cr.ReuseRecord = true
	return &csvReader{r: cr}, enc, nil
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

type csvReader struct {
	r       *csv.Reader
	row     int // spreadsheet row number of the last record
	endLine int // line on which the last record ended
}

func (c *csvReader) Next() (RawRow, error) {
	rec, err := c.r.Read()
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return RawRow{}, fmt.Errorf("roster: CSV line %d: %v", pe.Line, pe.Err)
		}
		return RawRow{}, err
	}
	// encoding/csv skips blank lines; a spreadsheet numbers them, so count them back in.
	start, _ := c.r.FieldPos(0)
	if c.endLine == 0 {
		c.row = start
	} else {
		c.row += start - c.endLine
	}
	c.endLine, _ = c.r.FieldPos(len(rec) - 1)
	c.endLine += strings.Count(rec[len(rec)-1], "\n")
	cells := make([]string, len(rec))
	copy(cells, rec)
	return RawRow{Number: c.row, Cells: cells}, nil
}

func (c *csvReader) Close() error { return nil }

type xlsxReader struct {
	f    *excelize.File
	rows *excelize.Rows
	n    int
}

func openXLSX(r io.Reader, sheet string) (RowReader, error) {
	f, err := excelize.OpenReader(r)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFormat, err)
	}
	if sheet == "" {
		sheets := f.GetSheetList()
		if len(sheets) == 0 {
			f.Close()
			return nil, fmt.Errorf("%w: the workbook has no sheet", ErrFormat)
		}
		sheet = sheets[0]
	}
	rows, err := f.Rows(sheet)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("roster: sheet %q: %v", sheet, err)
	}
	return &xlsxReader{f: f, rows: rows}, nil
}

func (x *xlsxReader) Next() (RawRow, error) {
	if !x.rows.Next() {
		if err := x.rows.Error(); err != nil {
			return RawRow{}, err
		}
		return RawRow{}, io.EOF
	}
	x.n++
	cells, err := x.rows.Columns(excelize.Options{RawCellValue: true})
	if err != nil {
		return RawRow{}, fmt.Errorf("roster: row %d: %v", x.n, err)
	}
	return RawRow{Number: x.n, Cells: cells}, nil
}

func (x *xlsxReader) Close() error {
	x.rows.Close()
	return x.f.Close()
}
