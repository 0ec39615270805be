package roster

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"unicode/utf8"
)

// csvReader reads CSV as encoding/csv does with LazyQuotes (a quote inside a field is kept;
// CR before LF dropped; blank lines skipped but counted in row numbers), but streams each cell
// under a bound: a cell past MaxCellRunes keeps only a prefix and is emptied with a problem, a
// row with a value past MaxColumns refuses the file. encoding/csv holds a whole record.
type csvReader struct {
	r     *bufio.Reader
	rows  int // spreadsheet rows consumed: records and blank lines (a quoted line break is in its row)
	eof   bool
	rec   []byte // the kept cells of the current record, one after another
	start int    // where the current field begins in rec
	over  bool   // the current field passed its byte bound
	ends  []int  // end of each cell in rec, reused from record to record
}

// maxCellBytes bounds the bytes kept of one cell: MaxCellRunes runes of up to 4 bytes.
const maxCellBytes = 4 * MaxCellRunes

func newCSVReader(r io.Reader) *csvReader {
	return &csvReader{r: bufio.NewReaderSize(r, 64<<10), rec: make([]byte, 0, 1024)}
}

// fieldLen is the length of the current field so far.
func (c *csvReader) fieldLen() int { return len(c.rec) - c.start }

func (c *csvReader) add(b byte) {
	if c.fieldLen() < maxCellBytes+utf8.UTFMax {
		c.rec = append(c.rec, b)
	} else {
		c.over = true
	}
}

func (c *csvReader) addBytes(p []byte) {
	if room := maxCellBytes + utf8.UTFMax - c.fieldLen(); len(p) > room {
		p, c.over = p[:max(room, 0)], true
	}
	c.rec = append(c.rec, p...)
}

func (c *csvReader) trimCR() {
	if n := len(c.rec); n > c.start && c.rec[n-1] == '\r' {
		c.rec = c.rec[:n-1]
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
// the end of the file. The kept cells share one string, as encoding/csv's do.
func (c *csvReader) record() (row RawRow, skip bool, err error) {
	c.rows++
	row.Number = c.rows
	c.rec = c.rec[:0]
	ends := c.ends[:0] // end of each cell in rec
	for col := 0; ; col++ {
		c.start, c.over = len(c.rec), false
		end, quoted, err := c.field()
		if err != nil {
			return RawRow{}, false, err
		}
		n := c.fieldLen()
		if col == 0 && end != endField && !quoted && n == 0 && !c.over {
			return RawRow{}, true, nil
		}
		if c.over || n > MaxCellRunes && utf8.RuneCount(c.rec[c.start:]) > MaxCellRunes {
			row.Problems = append(row.Problems, CellProblem{Col: col, Reason: WarnCellTooLong,
				Raw: echo(string(c.rec[c.start : c.start+min(n, 4*EchoRunes)]))})
			c.rec, n = c.rec[:c.start], 0
			if col >= MaxColumns {
				return RawRow{}, false, errTooWide(row.Number)
			}
		}
		if n > 0 && col >= MaxColumns {
			// Empty cells past the bound are dropped; a value there refuses the file.
			return RawRow{}, false, errTooWide(row.Number)
		}
		if col < MaxColumns {
			ends = append(ends, len(c.rec))
		}
		if end != endField {
			break
		}
	}
	// Trailing empty cells past the bound were dropped; so were none before it.
	text := string(c.rec)
	row.Cells = make([]string, len(ends))
	from := 0
	for i, e := range ends {
		row.Cells[i] = text[from:e]
		from = e
	}
	if suspect(text) || splitsRune(text, ends) {
		for i := range row.Cells {
			checkCell(row.Cells, i, &row.Problems)
		}
	}
	c.ends = ends
	return row, false, nil
}

// splitsRune says whether a cell boundary falls inside a UTF-8 sequence: valid text whose
// cells are not (a cell ending in a lead byte, the next beginning with its continuation).
func splitsRune(text string, ends []int) bool {
	for _, e := range ends {
		if e < len(text) && !utf8.RuneStart(text[e]) {
			return true
		}
	}
	return false
}

const (
	endField = iota
	endRecord
	endFile
)

// field reads one field onto c.rec and says what ended it.
func (c *csvReader) field() (end int, quoted bool, err error) {
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
	if err := c.r.UnreadByte(); err != nil {
		return 0, false, err
	}
	// An unquoted field: scan the buffered bytes for the separator or the end of the line.
	for {
		buf, err := c.r.Peek(max(1, c.r.Buffered()))
		if len(buf) == 0 {
			if errors.Is(err, io.EOF) {
				c.eof = true
				c.trimCR()
				return endFile, false, nil
			}
			return 0, false, err
		}
		i := bytes.IndexByte(buf, ',')
		limit := buf
		if i >= 0 {
			limit = buf[:i]
		}
		if j := bytes.IndexByte(limit, '\n'); j >= 0 {
			c.addBytes(buf[:j])
			_, _ = c.r.Discard(j + 1)
			c.trimCR()
			return endRecord, false, nil
		}
		if i >= 0 {
			c.addBytes(buf[:i])
			_, _ = c.r.Discard(i + 1)
			return endField, false, nil
		}
		c.addBytes(buf)
		_, _ = c.r.Discard(len(buf))
	}
}

// quoted reads a quoted field after its opening quote.
func (c *csvReader) quoted() (int, error) {
	for {
		// Fast path: copy the bytes up to the next quote or line feed.
		if buf, _ := c.r.Peek(c.r.Buffered()); len(buf) > 0 {
			i := bytes.IndexByte(buf, '"')
			limit := buf
			if i >= 0 {
				limit = buf[:i]
			}
			if j := bytes.IndexByte(limit, '\n'); j >= 0 {
				i = j
			}
			if i < 0 {
				i = len(buf)
			}
			c.addBytes(buf[:i])
			_, _ = c.r.Discard(i)
		}
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
			if n := len(c.rec); n > c.start && c.rec[n-1] == '\r' && !c.over {
				c.rec[n-1] = '\n'
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
