package roster

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strconv"
	"strings"
)

// xlsxReader streams the rows of one sheet. The shared-string table is the one part held in
// memory, compactly (blocks of bytes and a packed reference per text) and under bounds; the sheet XML is read
// through xmlScanner, so no cell is held past MaxCellRunes.
type xlsxReader struct {
	sheet  io.ReadCloser
	x      *xmlScanner
	shared sharedStrings
	row    int // number of the last row read
	text   textBuf
	done   bool
}

// sharedStrings holds the texts in blocks of 1 MiB that are never copied to grow (a text
// never spans two), and one packed reference per text: block, offset, length. Past
// sharedInMemory blocks, full blocks spill to an unlinked temporary file and are read back
// by offset, so that a table of millions of distinct texts costs the process 8 bytes a text
// (the references), not the texts (issue #21: 4,000,000 distinct texts held ~60 B each).
type sharedStrings struct {
	blocks [][]byte // nil: spilled to file at block × sharedBlock
	refs   []uint64
	size   int          // bytes held
	long   map[int]bool // strings past MaxCellRunes; the table keeps their echo
	file   *os.File     // the spilled blocks (nil until the first spill)
	err    error        // the first spill error: nothing spills after it
	// inMemory is how many blocks stay in memory (0: sharedInMemory).
	inMemory int
}

const sharedBlock = 1 << 20

// sharedInMemory is how many blocks of texts stay in memory before they spill.
const sharedInMemory = 16

func (ss *sharedStrings) add(v string) {
	last := len(ss.blocks) - 1
	if last < 0 || len(ss.blocks[last])+len(v) > sharedBlock {
		var b []byte
		keep := ss.inMemory
		if keep == 0 {
			keep = sharedInMemory
		}
		if last >= keep-1 && len(v) <= sharedBlock {
			b = ss.spill(last)
		}
		if b == nil {
			b = make([]byte, 0, max(sharedBlock, len(v)))
		}
		ss.blocks = append(ss.blocks, b)
		last++
	}
	b := ss.blocks[last]
	ss.refs = append(ss.refs, uint64(last)<<42|uint64(len(b))<<21|uint64(len(v)))
	ss.blocks[last] = append(b, v...)
	ss.size += len(v)
}

// spill writes block i (full, of at most sharedBlock bytes) to the file and returns its
// buffer, emptied, for the next block; nil when it cannot (the block stays in memory).
func (ss *sharedStrings) spill(i int) []byte {
	b := ss.blocks[i]
	if ss.err != nil || len(b) > sharedBlock {
		return nil
	}
	if ss.file == nil {
		f, err := os.CreateTemp("", "tandem-sst-*")
		if err != nil {
			ss.err = err
			return nil
		}
		_ = os.Remove(f.Name()) // gone when closed, whatever happens to the process
		ss.file = f
	}
	if _, err := ss.file.WriteAt(b, int64(i)*sharedBlock); err != nil {
		ss.err = err
		return nil
	}
	ss.blocks[i] = nil
	return b[:0]
}

func (ss *sharedStrings) len() int { return len(ss.refs) }

func (ss *sharedStrings) get(i int) (string, bool) {
	if i < 0 || i >= len(ss.refs) {
		return "", false
	}
	r := ss.refs[i]
	block, off, n := r>>42, r>>21&(1<<21-1), r&(1<<21-1)
	if b := ss.blocks[block]; b != nil {
		return string(b[off : off+n]), true
	}
	buf := make([]byte, n)
	if _, err := ss.file.ReadAt(buf, int64(block)*sharedBlock+int64(off)); err != nil {
		return "", false
	}
	return string(buf), true
}

func (ss *sharedStrings) close() {
	if ss.file != nil {
		_ = ss.file.Close()
		ss.file = nil
	}
}

// openXLSX opens the sheet named (or the first) of a workbook.
func openXLSX(r io.ReaderAt, size int64, sheet string, maxBytes int64) (RowReader, error) {
	if err := checkZipDirectory(r, size); err != nil {
		return nil, err
	}
	z, err := zip.NewReader(r, size)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFormat, err)
	}
	parts := map[string]*zip.File{}
	for _, f := range z.File {
		parts[strings.ToLower(strings.TrimPrefix(strings.ReplaceAll(f.Name, `\`, "/"), "/"))] = f
	}
	workbook := "xl/workbook.xml"
	var rels relationships
	if err := readXMLPart(parts, "_rels/.rels", &rels); err == nil {
		for _, r := range rels.Rel {
			if strings.HasSuffix(r.Type, "/officeDocument") {
				workbook = strings.TrimPrefix(r.Target, "/")
			}
		}
	}
	var wb struct {
		Sheets []struct {
			Name string `xml:"name,attr"`
			RID  string `xml:"id,attr"` // r:id, transitional or strict namespace
		} `xml:"sheets>sheet"`
	}
	if err := readXMLPart(parts, workbook, &wb); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFormat, err)
	}
	if len(wb.Sheets) == 0 {
		return nil, fmt.Errorf("%w: the workbook has no sheet", ErrFormat)
	}
	dir := path.Dir(workbook)
	var wbRels relationships
	_ = readXMLPart(parts, path.Join(dir, "_rels", path.Base(workbook)+".rels"), &wbRels)
	target := func(t string) string {
		if strings.HasPrefix(t, "/") {
			return strings.TrimPrefix(t, "/")
		}
		return path.Join(dir, t)
	}
	pick := wb.Sheets[0]
	if sheet != "" {
		found := false
		for _, s := range wb.Sheets {
			if s.Name == sheet {
				pick, found = s, true
			}
		}
		if !found {
			return nil, fmt.Errorf("roster: sheet %q: 工作簿中没有这个工作表", Clip(sheet))
		}
	}
	sheetPath, sharedPath := "", path.Join(dir, "sharedStrings.xml")
	for _, r := range wbRels.Rel {
		switch {
		case r.ID == pick.RID:
			sheetPath = target(r.Target)
		case strings.HasSuffix(r.Type, "/sharedStrings"):
			sharedPath = target(r.Target)
		}
	}
	if sheetPath == "" && len(wb.Sheets) > 0 {
		sheetPath = path.Join(dir, "worksheets", "sheet1.xml")
	}
	sf := parts[strings.ToLower(sheetPath)]
	if sf == nil {
		return nil, fmt.Errorf("%w: sheet %q has no part", ErrFormat, Clip(pick.Name))
	}
	x := &xlsxReader{}
	if f := parts[strings.ToLower(sharedPath)]; f != nil {
		if err := x.readShared(f, maxBytes); err != nil {
			x.shared.close()
			return nil, err
		}
	}
	if sf.UncompressedSize64 > uint64(maxBytes) {
		x.shared.close()
		return nil, errTooBig{"工作表", maxBytes}
	}
	rc, err := sf.Open()
	if err != nil {
		x.shared.close()
		return nil, fmt.Errorf("%w: %v", ErrFormat, err)
	}
	x.sheet, x.x = rc, newXMLScanner(newLimitedReader(rc, maxBytes, "工作表"))
	return x, nil
}

type relationships struct {
	Rel []struct {
		ID     string `xml:"Id,attr"`
		Type   string `xml:"Type,attr"`
		Target string `xml:"Target,attr"`
	} `xml:"Relationship"`
}

// readXMLPart decodes a small part (workbook, relationships), bounded.
func readXMLPart(parts map[string]*zip.File, name string, v any) error {
	f := parts[strings.ToLower(name)]
	if f == nil {
		return fmt.Errorf("no part %s", name)
	}
	rc, err := f.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	b, err := io.ReadAll(newLimitedReader(rc, maxSmallPart, name))
	if err != nil {
		return err
	}
	return xml.Unmarshal(b, v)
}

// checkZipDirectory refuses a container announcing more entries than a workbook has, before
// archive/zip allocates one record for each.
func checkZipDirectory(r io.ReaderAt, size int64) error {
	const eocdLen = 22
	n := min(size, eocdLen+65535)
	buf := make([]byte, n)
	if _, err := r.ReadAt(buf, size-n); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	i := bytes.LastIndex(buf, []byte("PK\x05\x06"))
	if i < 0 || i+eocdLen > len(buf) {
		return nil // archive/zip says what is wrong
	}
	if entries := binary.LittleEndian.Uint16(buf[i+10:]); entries > maxParts {
		return fmt.Errorf("%w: XLSX 容器有 %d 个条目，超过上限 %d", ErrFormat, entries, maxParts)
	}
	return nil
}

// readShared loads the shared-string table under its bounds.
func (x *xlsxReader) readShared(f *zip.File, maxBytes int64) error {
	if f.UncompressedSize64 > uint64(maxBytes) {
		return errTooBig{"共享字符串表", maxBytes}
	}
	rc, err := f.Open()
	if err != nil {
		return fmt.Errorf("%w: %v", ErrFormat, err)
	}
	defer rc.Close()
	s := newXMLScanner(newLimitedReader(rc, maxBytes, "共享字符串表"))
	ss := &x.shared
	var t textBuf
	inSI, phonetic := false, 0
	push := func() error {
		v := string(t.b)
		if t.over {
			if ss.long == nil {
				ss.long = map[int]bool{}
			}
			ss.long[ss.len()] = true
			v = Clip(v)
		} else {
			v = decodeEscapes(v)
		}
		if ss.len() >= MaxSharedStrings {
			return fmt.Errorf("roster: 共享字符串超过 %d 个，文件被拒收", MaxSharedStrings)
		}
		if ss.size+len(v) > MaxSharedBytes {
			return fmt.Errorf("roster: 共享字符串合计超过 %d MB，文件被拒收", MaxSharedBytes>>20)
		}
		ss.add(v)
		return nil
	}
	for {
		tok, err := s.next()
		if err != nil {
			return xmlErr("共享字符串表", err)
		}
		switch tok {
		case tokEOF:
			return nil
		case tokText:
			var skip textBuf
			if err := s.text(&skip); err != nil {
				return xmlErr("共享字符串表", err)
			}
		case tokStart:
			switch string(s.name) {
			case "sst":
				// The count the table announces sizes the references at once, so that they are
				// not copied as they grow (4,000,000 texts: 32 MB, 72 MB while the last copy ran).
				// It is believed only as far as the part can hold that many (an empty text is
				// "<si/>", five bytes) and the bound allows.
				if n, err := strconv.Atoi(string(s.attr("uniqueCount"))); err == nil && n > 0 && ss.refs == nil {
					ss.refs = make([]uint64, 0, min(n, MaxSharedStrings, int(f.UncompressedSize64/5)))
				}
			case "si":
				t.reset(MaxCellRunes)
				inSI, phonetic = true, 0
				if s.self {
					inSI = false
					if err := push(); err != nil {
						return err
					}
				}
			case "rPh":
				if !s.self {
					phonetic++
				}
			case "t":
				if inSI && phonetic == 0 && !s.self {
					if err := s.text(&t); err != nil {
						return xmlErr("共享字符串表", err)
					}
				}
			}
		case tokEnd:
			switch string(s.name) {
			case "si":
				if inSI {
					inSI = false
					if err := push(); err != nil {
						return err
					}
				}
			case "rPh":
				phonetic--
			}
		}
	}
}

func xmlErr(part string, err error) error {
	var big errTooBig
	if errors.As(err, &big) {
		return err
	}
	if errors.Is(err, errXMLSyntax) {
		return fmt.Errorf("%w: %s的 XML 格式有误", ErrFormat, part)
	}
	return err
}

func (x *xlsxReader) Next() (RawRow, error) {
	if x.done {
		return RawRow{}, io.EOF
	}
	s := x.x
	for {
		tok, err := s.next()
		if err != nil {
			return RawRow{}, xmlErr("工作表", err)
		}
		switch tok {
		case tokEOF:
			x.done = true
			return RawRow{}, io.EOF
		case tokText:
			x.text.reset(0)
			if err := s.text(&x.text); err != nil {
				return RawRow{}, xmlErr("工作表", err)
			}
		case tokStart:
			switch string(s.name) {
			case "row":
				n, err := strconv.Atoi(string(s.attr("r")))
				if err != nil || n <= x.row || n > 1<<20 {
					n = x.row + 1
				}
				x.row = n
				row := RawRow{Number: n}
				if s.self {
					return row, nil
				}
				if err := x.readRow(&row); err != nil {
					return RawRow{}, err
				}
				return row, nil
			case "worksheet", "sheetData":
			default:
				// sheetPr, cols, mergeCells, …: nothing of the rows.
				if err := s.skipElement(); err != nil {
					return RawRow{}, xmlErr("工作表", err)
				}
			}
		}
	}
}

// readRow reads the cells of a row after its start tag, through its end tag.
func (x *xlsxReader) readRow(row *RawRow) error {
	s := x.x
	col := -1
	for {
		tok, err := s.next()
		if err != nil {
			return xmlErr("工作表", err)
		}
		switch tok {
		case tokEOF:
			return xmlErr("工作表", errXMLSyntax)
		case tokEnd:
			if string(s.name) == "row" {
				return nil
			}
		case tokText:
			x.text.reset(0)
			if err := s.text(&x.text); err != nil {
				return xmlErr("工作表", err)
			}
		case tokStart:
			if string(s.name) != "c" {
				if err := s.skipElement(); err != nil {
					return xmlErr("工作表", err)
				}
				continue
			}
			if c, ok := columnOf(s.attr("r")); ok {
				col = c
			} else {
				col++
			}
			kind := string(s.attr("t"))
			if s.self {
				continue
			}
			v, over, err := x.readCell(kind)
			if err != nil {
				return err
			}
			if v == "" && !over {
				continue
			}
			if col >= MaxColumns {
				return errTooWide(row.Number)
			}
			for len(row.Cells) <= col {
				row.Cells = append(row.Cells, "")
			}
			if over {
				row.Cells[col] = ""
				row.Problems = append(row.Problems, CellProblem{Col: col, Reason: WarnCellTooLong, Raw: echo(v)})
				continue
			}
			row.Cells[col] = v
			checkCell(row.Cells, col, &row.Problems)
		}
	}
}

// readCell reads a cell's content after its start tag, through its end tag: the value, and
// whether it was past MaxCellRunes (then v is its echo).
func (x *xlsxReader) readCell(kind string) (v string, over bool, err error) {
	s := x.x
	t := &x.text
	t.reset(MaxCellRunes)
	var value []byte
	got := false
	for depth := 1; depth > 0; {
		tok, err := s.next()
		if err != nil {
			return "", false, xmlErr("工作表", err)
		}
		switch tok {
		case tokEOF:
			return "", false, xmlErr("工作表", errXMLSyntax)
		case tokText:
			var skip textBuf
			if err := s.text(&skip); err != nil {
				return "", false, xmlErr("工作表", err)
			}
		case tokEnd:
			depth--
		case tokStart:
			switch name := string(s.name); {
			case s.self:
			case name == "v" || name == "t" && kind == "inlineStr":
				if err := s.text(t); err != nil {
					return "", false, xmlErr("工作表", err)
				}
				got = true
				depth++ // its end tag follows
			case name == "is" || name == "r" && kind == "inlineStr":
				depth++
			default: // f (formula), rPh, extLst: not the value
				if err := s.skipElement(); err != nil {
					return "", false, xmlErr("工作表", err)
				}
			}
		}
	}
	if !got {
		return "", false, nil
	}
	if t.over {
		return Clip(string(t.b)), true, nil
	}
	value = t.b
	switch kind {
	case "s":
		i, err := strconv.Atoi(string(bytes.TrimSpace(value)))
		if err != nil {
			return "", false, nil
		}
		v, ok := x.shared.get(i)
		if !ok {
			return "", false, nil
		}
		return v, x.shared.long[i], nil
	case "inlineStr", "str":
		return decodeEscapes(string(value)), false, nil
	}
	return string(value), false, nil
}

// columnOf reads the column (0-based) of a reference such as "AB12".
func columnOf(ref []byte) (int, bool) {
	col, i := 0, 0
	for ; i < len(ref); i++ {
		b := ref[i] | 0x20 // lower case
		if b < 'a' || b > 'z' {
			break
		}
		col = col*26 + int(b-'a'+1)
		if col > 1<<14 {
			return 0, false
		}
	}
	if i == 0 {
		return 0, false
	}
	return col - 1, true
}

func (x *xlsxReader) Close() error {
	x.shared.close()
	return x.sheet.Close()
}
