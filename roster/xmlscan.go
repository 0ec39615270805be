package roster

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// xmlScanner is a small streaming XML tokenizer for the parts of an XLSX that can be large
// (the sheet, the shared strings). encoding/xml's Decoder reads a whole text node into memory,
// so a cell of a gigabyte would be a gigabyte; here text is read under a bound and the rest
// skipped. Namespaces are ignored (local names only); entities other than the five predefined
// and character references are kept as written, never expanded.
type xmlScanner struct {
	r     *bufio.Reader
	name  []byte // local name of the last tag
	attrs []xmlAttr
	self  bool // the last start tag was self-closing
}

type xmlAttr struct {
	name  []byte // local name
	value []byte
}

const (
	tokEOF = iota
	tokStart
	tokEnd
	tokText // text follows; read it with text or skipText
)

// maxTag bounds a tag with its attributes.
const maxTag = 64 << 10

var errXMLSyntax = errors.New("roster: the XLSX holds malformed XML")

func newXMLScanner(r io.Reader) *xmlScanner {
	return &xmlScanner{r: bufio.NewReaderSize(r, 64<<10)}
}

// next returns the next tag, or tokText when text comes first.
func (s *xmlScanner) next() (int, error) {
	for {
		p, err := s.r.Peek(2)
		if len(p) == 0 {
			if errors.Is(err, io.EOF) {
				return tokEOF, nil
			}
			return 0, err
		}
		if p[0] != '<' {
			return tokText, nil
		}
		if len(p) < 2 {
			return 0, errXMLSyntax
		}
		second := p[1] // p is invalid after the next Peek, which may refill the buffer
		if q, _ := s.r.Peek(9); bytes.HasPrefix(q, []byte("<![CDATA[")) {
			return tokText, nil
		}
		_, _ = s.r.ReadByte()
		switch second {
		case '?':
			if err := s.skipPast("?>"); err != nil {
				return 0, err
			}
			continue
		case '!':
			if q, _ := s.r.Peek(3); string(q) == "!--" {
				if err := s.skipPast("-->"); err != nil {
					return 0, err
				}
				continue
			}
			if err := s.skipPast(">"); err != nil { // DOCTYPE: skipped, its entities never used
				return 0, err
			}
			continue
		case '/':
			_, _ = s.r.ReadByte()
			if err := s.readName(); err != nil {
				return 0, err
			}
			if err := s.skipPast(">"); err != nil {
				return 0, err
			}
			return tokEnd, nil
		}
		if err := s.readTag(); err != nil {
			return 0, err
		}
		return tokStart, nil
	}
}

// skipPast discards input up to and including end.
func (s *xmlScanner) skipPast(end string) error {
	matched := 0
	for {
		b, err := s.r.ReadByte()
		if err != nil {
			return errXMLSyntax
		}
		switch {
		case b == end[matched]:
			matched++
			if matched == len(end) {
				return nil
			}
		case b == end[0]:
			matched = 1
		default:
			matched = 0
		}
		if matched == len(end) {
			return nil
		}
	}
}

func isNameByte(b byte) bool {
	return b != ' ' && b != '\t' && b != '\n' && b != '\r' && b != '>' && b != '/' && b != '=' && b != '<'
}

// readName reads a tag name into s.name, dropping a namespace prefix.
func (s *xmlScanner) readName() error {
	s.name = s.name[:0]
	for {
		b, err := s.r.ReadByte()
		if err != nil {
			return errXMLSyntax
		}
		if !isNameByte(b) {
			return s.r.UnreadByte()
		}
		if b == ':' {
			s.name = s.name[:0]
			continue
		}
		if len(s.name) >= 256 {
			return errXMLSyntax
		}
		s.name = append(s.name, b)
	}
}

// readTag reads a start tag after '<': name, attributes, '>' or '/>'.
func (s *xmlScanner) readTag() error {
	if err := s.readName(); err != nil {
		return err
	}
	s.attrs, s.self = s.attrs[:0], false
	size := len(s.name)
	for {
		b, err := s.r.ReadByte()
		if err != nil {
			return errXMLSyntax
		}
		switch b {
		case ' ', '\t', '\n', '\r':
			continue
		case '>':
			return nil
		case '/':
			if b, err := s.r.ReadByte(); err != nil || b != '>' {
				return errXMLSyntax
			}
			s.self = true
			return nil
		}
		if err := s.r.UnreadByte(); err != nil {
			return err
		}
		var a xmlAttr
		if len(s.attrs) < cap(s.attrs) {
			a = s.attrs[:len(s.attrs)+1][len(s.attrs)]
		}
		a.name, a.value = a.name[:0], a.value[:0]
		for {
			b, err := s.r.ReadByte()
			if err != nil {
				return errXMLSyntax
			}
			if b == '=' {
				break
			}
			switch {
			case b == ':':
				a.name = a.name[:0]
			case b == ' ' || b == '\t' || b == '\n' || b == '\r':
			case b == '>' || b == '/' || b == '<':
				return errXMLSyntax
			default:
				a.name = append(a.name, b)
			}
			if size++; size > maxTag {
				return errXMLSyntax
			}
		}
		var q byte
		for {
			if q, err = s.r.ReadByte(); err != nil {
				return errXMLSyntax
			}
			if q == '"' || q == '\'' {
				break
			}
			if q != ' ' && q != '\t' && q != '\n' && q != '\r' {
				return errXMLSyntax
			}
		}
		for {
			b, err := s.r.ReadByte()
			if err != nil {
				return errXMLSyntax
			}
			if b == q {
				break
			}
			if size++; size > maxTag {
				return fmt.Errorf("roster: XLSX 中的标签超过 %d KB，文件被拒收", maxTag>>10)
			}
			a.value = append(a.value, b)
		}
		if bytes.IndexByte(a.value, '&') >= 0 {
			var t textBuf
			t.limit = maxTag
			t.write(a.value)
			t.flushEntity()
			a.value = append(a.value[:0], t.b...)
		}
		s.attrs = append(s.attrs, a)
	}
}

// attr returns the value of the attribute named name (local name), or nil.
func (s *xmlScanner) attr(name string) []byte {
	for _, a := range s.attrs {
		if string(a.name) == name {
			return a.value
		}
	}
	return nil
}

// textBuf accumulates decoded text up to limit runes; past it, only over is set.
type textBuf struct {
	b     []byte
	runes int
	limit int
	over  bool
	ent   []byte // a partial entity reference, from '&'
	inEnt bool
}

func (t *textBuf) reset(limit int) {
	t.b, t.runes, t.limit, t.over, t.ent, t.inEnt = t.b[:0], 0, limit, false, t.ent[:0], false
}

// keep appends decoded text, counting runes, cutting at the limit on a rune boundary.
func (t *textBuf) keep(p []byte) {
	if t.over || len(p) == 0 {
		if len(p) > 0 {
			t.over = true
		}
		return
	}
	n := utf8.RuneCount(p)
	if t.runes+n <= t.limit {
		t.b = append(t.b, p...)
		t.runes += n
		return
	}
	for len(p) > 0 && t.runes < t.limit {
		_, size := utf8.DecodeRune(p)
		t.b = append(t.b, p[:size]...)
		p = p[size:]
		t.runes++
	}
	t.over = true
}

// write feeds raw (entity-encoded) text.
func (t *textBuf) write(p []byte) {
	for len(p) > 0 {
		if t.inEnt {
			i := bytes.IndexByte(p, ';')
			if i < 0 {
				if len(t.ent)+len(p) > 12 {
					t.flushEntity()
					continue
				}
				t.ent = append(t.ent, p...)
				return
			}
			t.ent = append(t.ent, p[:i+1]...)
			p = p[i+1:]
			t.flushEntity()
			continue
		}
		if t.over {
			// Past the limit nothing is kept; only whether more text came matters.
			return
		}
		i := bytes.IndexByte(p, '&')
		if i < 0 {
			t.keep(p)
			return
		}
		t.keep(p[:i])
		t.inEnt, t.ent = true, append(t.ent[:0], '&')
		p = p[i+1:]
	}
}

// flushEntity decodes the pending entity reference, or keeps it as written.
func (t *textBuf) flushEntity() {
	if !t.inEnt {
		return
	}
	t.inEnt = false
	e := t.ent
	if len(e) >= 3 && e[len(e)-1] == ';' {
		name := string(e[1 : len(e)-1])
		switch name {
		case "amp":
			t.keep([]byte{'&'})
			return
		case "lt":
			t.keep([]byte{'<'})
			return
		case "gt":
			t.keep([]byte{'>'})
			return
		case "quot":
			t.keep([]byte{'"'})
			return
		case "apos":
			t.keep([]byte{'\''})
			return
		}
		if name[0] == '#' {
			var n uint64
			var err error
			if len(name) > 1 && (name[1] == 'x' || name[1] == 'X') {
				n, err = strconv.ParseUint(name[2:], 16, 32)
			} else {
				n, err = strconv.ParseUint(name[1:], 10, 32)
			}
			if err == nil && utf8.ValidRune(rune(n)) {
				t.keep(utf8.AppendRune(nil, rune(n)))
				return
			}
		}
	}
	t.keep(e)
}

// text reads the text before the next tag into t (CDATA sections included, comments skipped).
func (s *xmlScanner) text(t *textBuf) error {
	for {
		if s.r.Buffered() == 0 {
			if _, err := s.r.Peek(1); err != nil {
				t.flushEntity()
				if errors.Is(err, io.EOF) {
					return nil
				}
				return err
			}
		}
		buf, _ := s.r.Peek(s.r.Buffered())
		i := bytes.IndexByte(buf, '<')
		if i < 0 {
			t.write(buf)
			_, _ = s.r.Discard(len(buf))
			continue
		}
		t.write(buf[:i])
		_, _ = s.r.Discard(i)
		p, _ := s.r.Peek(9)
		switch {
		case bytes.HasPrefix(p, []byte("<![CDATA[")):
			t.flushEntity()
			_, _ = s.r.Discard(9)
			if err := s.cdata(t); err != nil {
				return err
			}
		case bytes.HasPrefix(p, []byte("<!--")):
			_, _ = s.r.Discard(4)
			if err := s.skipPast("-->"); err != nil {
				return err
			}
		default:
			t.flushEntity()
			return nil
		}
	}
}

// cdata reads a CDATA section's content after "<![CDATA[", through "]]>".
func (s *xmlScanner) cdata(t *textBuf) error {
	for {
		buf, _ := s.r.Peek(max(3, s.r.Buffered()))
		if len(buf) < 3 {
			return errXMLSyntax
		}
		if i := bytes.Index(buf, []byte("]]>")); i >= 0 {
			t.keep(buf[:i])
			_, _ = s.r.Discard(i + 3)
			return nil
		}
		t.keep(buf[:len(buf)-2])
		_, _ = s.r.Discard(len(buf) - 2)
	}
}

// skipElement skips the rest of the element whose start tag was just read.
func (s *xmlScanner) skipElement() error {
	if s.self {
		return nil
	}
	var skip textBuf
	for depth := 1; depth > 0; {
		tok, err := s.next()
		if err != nil {
			return err
		}
		switch tok {
		case tokEOF:
			return errXMLSyntax
		case tokStart:
			if !s.self {
				depth++
			}
		case tokEnd:
			depth--
		case tokText:
			skip.reset(0)
			if err := s.text(&skip); err != nil {
				return err
			}
		}
	}
	return nil
}

// decodeEscapes decodes the _xHHHH_ escapes with which OOXML writes control characters
// (and _x005F_ for a literal underscore).
func decodeEscapes(s string) string {
	i := indexEscape(s, 0)
	if i < 0 {
		return s
	}
	var b []byte
	last := 0
	for ; i >= 0; i = indexEscape(s, last) {
		n, _ := strconv.ParseUint(s[i+2:i+6], 16, 16)
		b = append(b, s[last:i]...)
		b = utf8.AppendRune(b, rune(n))
		last = i + 7
	}
	return string(append(b, s[last:]...))
}

func indexEscape(s string, from int) int {
	for i := from; ; {
		j := strings.Index(s[i:], "_x")
		if j < 0 {
			return -1
		}
		j += i
		if j+7 <= len(s) && s[j+6] == '_' && isHex(s[j+2]) && isHex(s[j+3]) && isHex(s[j+4]) && isHex(s[j+5]) {
			return j
		}
		i = j + 1
	}
}

func isHex(b byte) bool {
	return b >= '0' && b <= '9' || b >= 'a' && b <= 'f' || b >= 'A' && b <= 'F'
}
