package roster

import (
	"bufio"
	"errors"
	"io"
	"unicode/utf8"
)

// csvReader reads CSV as encoding/csv does with LazyQuotes (a quote inside a field is kept;
// CR before LF dropped; blank lines skipped but counted in row numbers), but streams each cell
// under a bound: a cell past MaxCellRunes keeps only a prefix and is emptied with a problem, a
// row with a value past MaxColumns refuses the file. encoding/csv holds a whole record.
type csvReader struct {
	r    *bufio.Reader
	rows int // spreadsheet rows consumed: records and blank lines (a quoted line break is in its row)
	eof  bool
	buf  []byte // the current field
	over bool   // the current field passed its byte bound
}

// maxCellBytes bounds the bytes kept of one cell: MaxCellRunes runes of up to 4 bytes.
const maxCellBytes = 4 * MaxCellRunes

func newCSVReader(r io.Reader) *csvReader {
	return &csvReader{r: bufio.NewReaderSize(r, 64<<10), buf: make([]byte, 0, 256)}
}

func (c *csvReader) add(b byte) {
	if len(c.buf) < maxCellBytes+utf8.UTFMax {
		c.buf = append(c.buf, b)
	} else {
		c.over = true
	}
}

func (c *csvReader) Next() (RawRow, error) {
	for {
		if c.eof {
			return RawRow{}, io.EOF
		}
		row, blankLine, err := c.record()
		if err != nil {
			return RawRow{}, err
		}
		if !blankLine {
			return row, nil
		}
	}
}

// record reads one record; skip is true for an empty line (which encoding/csv skips) and for
// the end of the file.
func (c *csvReader) record() (row RawRow, skip bool, err error) {
	c.rows++
	row.Number = c.rows
	var cells []string
	for col := 0; ; col++ {
		end, quoted, err := c.field()
		if err != nil {
			return RawRow{}, false, err
		}
		if col == 0 && end != endField && !quoted && len(c.buf) == 0 && !c.over {
			return RawRow{}, true, nil
		}
		v := ""
		switch {
		case c.over || len(c.buf) > MaxCellRunes && utf8.RuneCount(c.buf) > MaxCellRunes:
			row.Problems = append(row.Problems, CellProblem{Col: col, Reason: WarnCellTooLong,
				Raw: echo(string(c.buf[:min(len(c.buf), 4*EchoRunes)]))})
		case len(c.buf) > 0:
			v = string(c.buf)
		}
		if v != "" || c.over {
			// Empty cells past the bound are dropped; a value there refuses the file.
			if col >= MaxColumns {
				return RawRow{}, false, errTooWide(row.Number)
			}
			for len(cells) < col {
				cells = append(cells, "")
			}
			cells = append(cells, v)
			if v != "" {
				checkCell(cells, col, &row.Problems)
			}
		} else if col < MaxColumns && len(cells) == col {
			cells = append(cells, "")
		}
		if end != endField {
			break
		}
	}
	row.Cells = cells
	return row, false, nil
}

const (
	endField = iota
	endRecord
	endFile
)

// field reads one field into c.buf and says what ended it.
func (c *csvReader) field() (end int, quoted bool, err error) {
	c.buf, c.over = c.buf[:0], false
	b, err := c.r.ReadByte()
	if errors.Is(err, io.EOF) {
		c.eof = true
		return endFile, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	if b == '"' {
		end, err := c.quoted()
		return end, true, err
	}
	for {
		switch b {
		case ',':
			return endField, false, nil
		case '\n':
			c.trimCR()
			return endRecord, false, nil
		}
		c.add(b)
		b, err = c.r.ReadByte()
		if errors.Is(err, io.EOF) {
			c.eof = true
			c.trimCR()
			return endFile, false, nil
		}
		if err != nil {
			return 0, false, err
		}
	}
}

func (c *csvReader) trimCR() {
	if n := len(c.buf); n > 0 && c.buf[n-1] == '\r' {
		c.buf = c.buf[:n-1]
	}
}

// quoted reads a quoted field after its opening quote.
func (c *csvReader) quoted() (int, error) {
	for {
		b, err := c.r.ReadByte()
		if errors.Is(err, io.EOF) {
			c.eof = true // LazyQuotes: an unterminated quote runs to the end of the file
			c.trimCR()
			return endFile, nil
		}
		if err != nil {
			return 0, err
		}
		switch b {
		case '\n':
			if len(c.buf) > 0 && c.buf[len(c.buf)-1] == '\r' && !c.over {
				c.buf[len(c.buf)-1] = '\n'
				continue
			}
			c.add(b)
		case '"':
			next, err := c.r.ReadByte()
			switch {
			case errors.Is(err, io.EOF):
				c.eof = true
				return endFile, nil
			case err != nil:
				return 0, err
			case next == '"':
				c.add('"')
			case next == ',':
				return endField, nil
			case next == '\n':
				return endRecord, nil
			case next == '\r':
				p, _ := c.r.Peek(1)
				if len(p) == 1 && p[0] == '\n' {
					_, _ = c.r.ReadByte()
					return endRecord, nil
				}
				if len(p) == 0 { // a CR ending the file is dropped, as encoding/csv does
					c.eof = true
					return endFile, nil
				}
				c.add('"')
				c.add('\r')
			default:
				// LazyQuotes: a quote not followed by a separator is kept; the field stays quoted.
				c.add('"')
				c.add(next)
			}
		default:
			c.add(b)
		}
	}
}

func (c *csvReader) Close() error { return nil }
