package roster

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"tandem/domain"
)

// Record is a valid data row: a credit code and what the row says of the organization.
// Empty strings and a nil Employees mean the row says nothing of that field.
type Record struct {
	Row        int
	USCC       domain.USCC
	Name       string
	Township   string
	Industry   string
	Supervisor string
	Employees  *int
	RegStatus  string
	Address    string
	// From an annual report: party members, and whether a party organization exists
	// ("yes", "no", or "" when the row does not say).
	PartyMembers *int
	PartyOrg     string
}

// Issue is a rejected row (when it concerns the credit code) or a warning on one cell.
type Issue struct {
	Row     int
	Field   Field
	Reason  string // code, e.g. uscc_checksum, employees_unreadable
	Message string // Chinese, for people
	Raw     string // the cell as read
	Name    string // the row's organization name (clipped), so a rejected code still says whose it is
}

// Reasons of warnings.
const (
	WarnEmployees    = "employees_unreadable"
	WarnPartyMembers = "party_members_unreadable"
	WarnPartyOrg     = "party_org_unreadable"
	WarnDuplicate    = "duplicate_row"
	// WarnDuplicateHeader: two columns bear the same header; the first is used.
	WarnDuplicateHeader = "duplicate_header"
)

// Mapping says which column (0-based) holds each field.
type Mapping map[Field]int

// maxHeaderSearch bounds how far down the header row is looked for.
const maxHeaderSearch = 30

// Parser turns raw rows into records, rejects and warnings.
type Parser struct {
	rr      RowReader
	mapping Mapping
	cols    [numFields]int // mapping by position in Fields, -1 when not mapped: read for every cell
	header  int
	// headerWarnings (duplicate headers, cells of the header row the reader emptied) come out
	// with the first data row.
	headerWarnings []Issue
	// Override maps fields to header texts chosen by the uploader, applied when the header is found.
	override map[Field]string
}

// NewParser finds the header row: the first row (of the first 30) that holds a credit-code
// column, by header name or by the override. Title rows above it are not data.
func NewParser(rr RowReader, override map[Field]string) (*Parser, error) {
	p := &Parser{rr: rr, override: override}
	for i := 0; i < maxHeaderSearch; i++ {
		row, err := rr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		if m, dups, ok := p.mappingOf(row.Cells); ok {
			p.mapping, p.header = m, row.Number
			for i, f := range Fields {
				p.cols[i] = -1
				if c, ok := m[f]; ok {
					p.cols[i] = c
				}
			}
			for _, d := range dups {
				p.headerWarnings = append(p.headerWarnings, Issue{Row: row.Number, Field: d.field, Reason: WarnDuplicateHeader,
					Message: fmt.Sprintf("第 %d 列与第 %d 列表头相同（%s），使用第 %d 列", d.second+1, d.first+1, Clip(d.header), d.first+1),
					Raw:     Clip(d.header)})
			}
			for _, pr := range row.Problems {
				p.headerWarnings = append(p.headerWarnings, Issue{Row: row.Number, Reason: pr.Reason, Message: pr.Message(row.Number), Raw: pr.Raw})
			}
			return p, nil
		}
	}
	return nil, fmt.Errorf("roster: no header row with a credit-code column (统一社会信用代码/纳税人识别号…) in the first %d rows", maxHeaderSearch)
}

type duplicateHeader struct {
	header        string
	field         Field
	first, second int
}

// mappingOf maps the fields of a candidate header row. A header text seen twice (as folded by
// normHeader) is a duplicate: the first column is used.
func (p *Parser) mappingOf(cells []string) (Mapping, []duplicateHeader, bool) {
	m := Mapping{}
	byText := map[string]int{}
	var dups []duplicateHeader
	for i, c := range cells {
		h := normHeader(c)
		if h == "" {
			continue
		}
		f, known := FieldOfHeader(c)
		if first, seen := byText[h]; seen {
			dups = append(dups, duplicateHeader{header: strings.TrimSpace(c), field: f, first: first, second: i})
			continue
		}
		byText[h] = i
		if known {
			if _, seen := m[f]; !seen {
				m[f] = i
			}
		}
	}
	for f, h := range p.override {
		if i, ok := byText[normHeader(h)]; ok {
			m[f] = i
		}
	}
	_, ok := m[FieldUSCC]
	return m, dups, ok
}

// HeaderRow is the spreadsheet row number of the header.
func (p *Parser) HeaderRow() int { return p.header }

// Mapping is the column of each field found in the header.
func (p *Parser) Mapping() Mapping { return p.mapping }

// Next returns the next data row as a record (rejected == nil) or a reject, with the warnings
// of its cells. Blank rows are skipped. It returns io.EOF at the end.
func (p *Parser) Next() (rec Record, rejected *Issue, warnings []Issue, err error) {
	for {
		row, err := p.rr.Next()
		if err != nil {
			return Record{}, nil, nil, err
		}
		if blank(row.Cells) && len(row.Problems) == 0 {
			continue
		}
		rec, rejected, warnings = p.parse(row)
		if p.headerWarnings != nil {
			warnings, p.headerWarnings = append(p.headerWarnings, warnings...), nil
		}
		return rec, rejected, warnings, nil
	}
}

func blank(cells []string) bool {
	for _, c := range cells {
		if c != "" && c[0] > ' ' && c[0] < 0x7F {
			return false // a visible ASCII character first: neither trimmed below
		}
		if strings.TrimSpace(strings.Trim(c, "\u3000\uFEFF")) != "" {
			return false
		}
	}
	return true
}

// The positions of the fields in Fields, for Parser.cols.
const (
	posUSCC = iota
	posName
	posTownship
	posIndustry
	posSupervisor
	posEmployees
	posRegStatus
	posAddress
	posPartyMembers
	posPartyOrg
	numFields
)

// cell is the row's cell of the field at position pos of Fields.
func (p *Parser) cell(row RawRow, pos int) (string, bool) {
	i := p.cols[pos]
	if i < 0 || i >= len(row.Cells) {
		return "", false
	}
	return row.Cells[i], true
}

func (p *Parser) parse(row RawRow) (Record, *Issue, []Issue) {
	// Cells the reader emptied are warnings on the fields they hold.
	var warnings []Issue
	for _, pr := range row.Problems {
		for f, col := range p.mapping {
			if col == pr.Col {
				warnings = append(warnings, Issue{Row: row.Number, Field: f, Reason: pr.Reason, Message: pr.Message(row.Number), Raw: pr.Raw})
			}
		}
	}
	sortIssues(warnings)
	nameCell, _ := p.cell(row, posName)
	name := Clip(cleanText(nameCell))
	named := func(is []Issue) []Issue {
		for i := range is {
			is[i].Name = name
		}
		return is
	}
	raw, _ := p.cell(row, posUSCC)
	code, err := domain.ParseUSCC(raw)
	if err != nil {
		var ue *domain.USCCError
		reason := domain.USCCMalformed
		if errors.As(err, &ue) {
			reason = ue.Reason
		}
		return Record{}, &Issue{Row: row.Number, Field: FieldUSCC, Reason: reason, Message: domain.USCCReasonLabel(reason), Raw: Clip(raw), Name: name},
			named(warnings)
	}
	rec := Record{Row: row.Number, USCC: code}
	text := func(pos int) string {
		v, _ := p.cell(row, pos)
		return cleanText(v)
	}
	rec.Name, rec.Township, rec.Industry = text(posName), text(posTownship), text(posIndustry)
	rec.Supervisor, rec.RegStatus, rec.Address = text(posSupervisor), text(posRegStatus), text(posAddress)
	if v, ok := p.cell(row, posEmployees); ok && cleanText(v) != "" {
		n, ok := parseCount(v)
		if ok {
			rec.Employees = &n
		} else {
			warnings = append(warnings, Issue{Row: row.Number, Field: FieldEmployees, Reason: WarnEmployees,
				Message: "从业人数无法识别，已留空", Raw: Clip(v)})
		}
	}
	if v, ok := p.cell(row, posPartyMembers); ok && cleanText(v) != "" {
		n, ok := parseCount(v)
		if ok {
			rec.PartyMembers = &n
		} else {
			warnings = append(warnings, Issue{Row: row.Number, Field: FieldPartyMembers, Reason: WarnPartyMembers,
				Message: "党员人数无法识别，已留空", Raw: Clip(v)})
		}
	}
	if v, ok := p.cell(row, posPartyOrg); ok && cleanText(v) != "" {
		switch yes, ok := parseYesNo(v); {
		case !ok:
			warnings = append(warnings, Issue{Row: row.Number, Field: FieldPartyOrg, Reason: WarnPartyOrg,
				Message: "是否建立党组织无法识别，已留空", Raw: Clip(v)})
		case yes:
			rec.PartyOrg = "yes"
		default:
			rec.PartyOrg = "no"
		}
	}
	return rec, nil, named(warnings)
}

// sortIssues orders a row's warnings by field, so that the output does not follow map order.
func sortIssues(is []Issue) {
	slices.SortFunc(is, func(a, b Issue) int { return strings.Compare(string(a.Field), string(b.Field)) })
}

// parseYesNo reads 是/否 answers as annual reports write them.
func parseYesNo(s string) (yes, ok bool) {
	switch strings.ToLower(cleanText(s)) {
	case "是", "有", "已建立", "已成立", "建立", "已建", "yes", "y", "true", "1":
		return true, true
	case "否", "无", "未建立", "未成立", "没有", "未建", "no", "n", "false", "0":
		return false, true
	}
	return false, false
}

// cleanText trims (also full-width spaces and BOMs) and folds full-width letters and digits,
// keeping Chinese punctuation as it is.
func cleanText(s string) string {
	if plainText(s) {
		return s // the usual cell: nothing to trim, join or fold
	}
	return cleanTextSlow(s)
}

// cleanTextSlow is cleanText without the fast path for plain text.
func cleanTextSlow(s string) string {
	s = strings.TrimFunc(s, func(r rune) bool {
		return r == ' ' || r == '\t' || r == '\r' || r == '\n' || r == '\u3000' || r == '\uFEFF'
	})
	// A line break inside a cell (Alt+Enter in Excel) is layout: "西湖\n街道" is 西湖街道.
	if strings.ContainsAny(s, "\r\n") {
		lines := strings.FieldsFunc(s, func(r rune) bool { return r == '\r' || r == '\n' })
		for i, l := range lines {
			lines[i] = strings.TrimFunc(l, func(r rune) bool { return r == ' ' || r == '\t' || r == '\u3000' })
		}
		s = strings.Join(lines, "")
	}
	if s == "" || !hasFullWidth(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if r >= '\uFF10' && r <= '\uFF19' || r >= '\uFF21' && r <= '\uFF3A' || r >= '\uFF41' && r <= '\uFF5A' {
			r -= 0xFEE0
		}
		b.WriteRune(r)
	}
	return b.String()
}

// plainText says whether cleanText would return s as it is, in one pass over its bytes: it
// neither begins nor ends with a byte of what is trimmed (space, tab, CR, LF, U+3000 E3 80 80,
// U+FEFF EF BB BF), and holds no line break and no full-width letter or digit (EF BC, EF BD).
func plainText(s string) bool {
	if s == "" {
		return true
	}
	switch s[0] {
	case ' ', '\t', '\r', '\n', 0xE3, 0xEF:
		return false
	}
	switch s[len(s)-1] {
	case ' ', '\t', '\r', '\n', 0x80, 0xBF:
		return false
	}
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\r', '\n':
			return false
		case 0xEF:
			if i+1 < len(s) && (s[i+1] == 0xBC || s[i+1] == 0xBD) {
				return false
			}
		}
	}
	return true
}

// hasFullWidth says whether s holds a full-width letter or digit (U+FF10–U+FF5A), whose UTF-8
// encoding starts with 0xEF 0xBC or 0xEF 0xBD.
func hasFullWidth(s string) bool {
	for i := 0; i+1 < len(s); i++ {
		if s[i] == 0xEF && (s[i+1] == 0xBC || s[i+1] == 0xBD) {
			return true
		}
	}
	return false
}

// parseCount reads a head count such as "120", "１２０", "1,200", "120人" or "120.0".
func parseCount(s string) (int, bool) {
	s = strings.TrimSuffix(strings.ReplaceAll(cleanText(s), ",", ""), "人")
	s = strings.TrimSuffix(s, ".0")
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 0 || n > 10_000_000 {
		return 0, false
	}
	return n, true
}

// Neutralize makes a cell safe for a spreadsheet export: a value that a spreadsheet would
// run as a formula (=, +, -, @, tab, CR) is prefixed with a quote.
func Neutralize(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
