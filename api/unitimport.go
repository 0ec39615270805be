package api

import (
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"tandem/domain"
	"tandem/roster"
	"tandem/store"
)

// MaxUnitFileSize bounds a units file: the nets of a city are a few thousand rows.
const MaxUnitFileSize = 8 << 20

// Bounds of a units import beyond the file size: the text read after decompression or
// decoding, and the issues and warnings listed in the answer (the counts stay whole).
const (
	maxUnitFileBytes   = 64 << 20
	maxUnitIssuesShown = 100
	maxUnitReasonRunes = 200
)

var unitHeaders = map[string]string{
	"名称": "name", "单位名称": "name", "name": "name",
	"网": "net", "所属网": "net", "net": "net",
	"类型": "kind", "单位类型": "kind", "kind": "kind",
	"上级": "parent", "上级单位": "parent", "parent": "parent",
	"别名": "aliases", "曾用名": "aliases", "aliases": "aliases",
}

var netNames = map[string]domain.Net{"区域": domain.NetRegion, "行业": domain.NetIndustry, "部门": domain.NetDepartment}

var kindNames = map[string]domain.UnitKind{
	"市": domain.KindCity, "县": domain.KindCounty, "区": domain.KindCounty, "县区": domain.KindCounty,
	"乡镇": domain.KindTownship, "街道": domain.KindTownship, "园区": domain.KindPark, "楼宇": domain.KindBuilding,
	"商圈": domain.KindDistrict, "社区": domain.KindCommunity, "村": domain.KindCommunity,
	"行业党委": domain.KindCommittee, "部门": domain.KindDepartment,
}

type unitImportIssue struct {
	Row    int    `json:"row"`
	Field  string `json:"field"`
	Reason string `json:"reason"`
	Raw    string `json:"raw"`
}

// unitIssues lists issues under a bound, each clipped, counting them all.
type unitIssues struct {
	list  []unitImportIssue
	count int
}

func (l *unitIssues) add(i unitImportIssue) {
	l.count++
	if len(l.list) < maxUnitIssuesShown {
		i.Reason, i.Raw = roster.ClipTo(i.Reason, maxUnitReasonRunes), roster.Clip(i.Raw)
		l.list = append(l.list, i)
	}
}

// openUnitFile opens the uploaded units file under the import's bounds.
func openUnitFile(f multipart.File, fh *multipart.FileHeader, encoding string) (roster.RowReader, error) {
	rr, _, err := roster.Open(f, fh.Size, fh.Filename, roster.Options{Encoding: encoding, MaxBytes: maxUnitFileBytes})
	if err != nil {
		return nil, domain.Invalid(roster.ClipTo(err.Error(), maxUnitReasonRunes), domain.FieldFailed("file", domain.CodeUnreadableFile))
	}
	return rr, nil
}

// checkUnitFile reads the whole file once before anything is created, so that a file the
// reader refuses (a row too wide, a part too big, broken XML) changes nothing.
func checkUnitFile(f multipart.File, fh *multipart.FileHeader, encoding string) error {
	rr, err := openUnitFile(f, fh, encoding)
	if err != nil {
		return err
	}
	defer rr.Close()
	for {
		_, err := rr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return domain.Invalid(roster.ClipTo(err.Error(), maxUnitReasonRunes), domain.FieldFailed("file", domain.CodeUnreadableFile))
		}
	}
}

// importUnits creates units from a CSV (名称, 网, 类型, 上级 as a path of names such as
// 青山县/东风街道, 别名 separated by ；or ,). Rows come parents first; a unit that exists
// (same name under the same parent) is kept and its aliases added; a bad row is reported and
// the rest go on.
func (s *Server) importUnits(c *gin.Context) {
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, MaxUnitFileSize+1<<20)
	fh, err := c.FormFile("file")
	if err != nil {
		fail(c, domain.Invalid("需要 multipart 表单，并带 CSV 文件", domain.FieldFailed("file", domain.CodeRequired)))
		return
	}
	if err := checkForm(c); err != nil {
		fail(c, err)
		return
	}
	f, err := fh.Open()
	if err != nil {
		fail(c, err)
		return
	}
	defer f.Close()
	encoding := c.PostForm("encoding")
	if err := checkUnitFile(f, fh, encoding); err != nil {
		fail(c, err)
		return
	}
	rr, err := openUnitFile(f, fh, encoding)
	if err != nil {
		fail(c, err)
		return
	}
	defer rr.Close()
	header, err := rr.Next()
	if err != nil {
		fail(c, domain.Invalid("文件为空", domain.FieldFailed("file", domain.CodeEmpty)))
		return
	}
	var issues, warnings unitIssues
	col := map[string]int{}
	headerOf := map[int]string{}
	for i, h := range header.Cells {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\uFEFF")))
		f, ok := unitHeaders[h]
		if !ok {
			continue
		}
		if first, seen := col[f]; seen {
			warnings.add(unitImportIssue{Row: header.Number, Field: f, Raw: h,
				Reason: fmt.Sprintf("第 %d 列与第 %d 列表头相同（%s），使用第 %d 列", i+1, first+1, roster.Clip(h), first+1)})
			continue
		}
		col[f], headerOf[i] = i, f
	}
	// A header cell the reader emptied is named by its column.
	for _, pr := range header.Problems {
		warnings.add(unitImportIssue{Row: header.Number, Field: "file", Reason: pr.Message(header.Number), Raw: pr.Raw})
	}
	for _, need := range []string{"name", "kind"} {
		if _, ok := col[need]; !ok {
			fail(c, domain.Invalid("表头缺少必需的列", domain.FieldFailed("file", domain.CodeMissingColumn, need)))
			return
		}
	}
	p := principal(c)
	ctx := c.Request.Context()
	created, existing := 0, 0
	for {
		row, err := rr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			// checkUnitFile read the same file through; this is an I/O failure, not the file.
			fail(c, err)
			return
		}
		// Cells the reader emptied (too long, a control character) are warnings; the row goes on.
		for _, pr := range row.Problems {
			field := headerOf[pr.Col]
			if field == "" {
				continue
			}
			warnings.add(unitImportIssue{Row: row.Number, Field: field, Reason: pr.Message(row.Number), Raw: pr.Raw})
		}
		get := func(f string) string {
			if i, ok := col[f]; ok && i < len(row.Cells) {
				return strings.TrimSpace(row.Cells[i])
			}
			return ""
		}
		name := get("name")
		if name == "" && get("kind") == "" {
			continue
		}
		kind := domain.UnitKind(get("kind"))
		if k, ok := kindNames[string(kind)]; ok {
			kind = k
		}
		if domain.NetOf(kind) == "" { // the people who fill the file read the kinds in Chinese
			issues.add(unitImportIssue{Row: row.Number, Field: "kind", Raw: get("kind"),
				Reason: "类型无法识别"}) // short: 100 of them fit the bounded answer; docs list the kinds
			continue
		}
		net := domain.Net(get("net"))
		if n, ok := netNames[string(net)]; ok {
			net = n
		}
		if net == "" {
			net = domain.NetOf(kind)
		}
		var parentID *string
		if path := get("parent"); path != "" {
			u, err := s.unitByPath(c, p, path)
			if err != nil {
				issues.add(unitImportIssue{Row: row.Number, Field: "parent", Reason: domain.ErrorMessage(err), Raw: path})
				continue
			}
			parentID = &u.ID
		}
		u, err := s.Store.CreateUnit(ctx, p, domain.Unit{Name: name, Net: net, Kind: kind, ParentID: parentID})
		switch {
		case domain.ErrorCode(err) == domain.ECONFLICT:
			f := store.UnitFilter{Name: name, Net: net}
			if parentID != nil {
				f.ParentID = *parentID
			}
			found, _, ferr := s.Store.ListUnits(ctx, p, f)
			if ferr != nil || len(found) == 0 {
				issues.add(unitImportIssue{Row: row.Number, Field: "name", Reason: domain.ErrorMessage(err), Raw: name})
				continue
			}
			u, existing = found[0], existing+1
		case err != nil:
			var de *domain.Error
			reason, field := domain.ErrorMessage(err), "name"
			if errors.As(err, &de) && len(de.Fields) > 0 {
				field, reason = de.Fields[0].Field, de.Fields[0].Reason
			}
			issues.add(unitImportIssue{Row: row.Number, Field: field, Reason: reason, Raw: name})
			continue
		default:
			created++
		}
		for _, alias := range strings.FieldsFunc(get("aliases"), func(r rune) bool { return r == '；' || r == ';' || r == ',' || r == '，' }) {
			if err := s.Store.AddUnitAlias(ctx, p, u.ID, alias); err != nil {
				issues.add(unitImportIssue{Row: row.Number, Field: "aliases", Reason: domain.ErrorMessage(err), Raw: alias})
			}
		}
	}
	c.JSON(http.StatusOK, gin.H{"created": created, "existing": existing, "rejected": issues.count, "issues": nonNil(issues.list),
		"warned": warnings.count, "warnings": nonNil(warnings.list)})
}

// unitByPath finds a unit by the names from a root down, e.g. 青山县/东风街道.
func (s *Server) unitByPath(c *gin.Context, p domain.Principal, path string) (domain.Unit, error) {
	var cur *domain.Unit
	for i, name := range strings.FieldsFunc(path, func(r rune) bool { return r == '/' || r == '／' || r == '>' }) {
		f := store.UnitFilter{Name: strings.TrimSpace(name)}
		if cur != nil {
			f.ParentID = cur.ID
		}
		found, _, err := s.Store.ListUnits(c.Request.Context(), p, f)
		if err != nil {
			return domain.Unit{}, err
		}
		if i == 0 && cur == nil {
			// The first name must be a root or a unit the caller can see at the top of their scope.
			var roots []domain.Unit
			for _, u := range found {
				if u.ParentID == nil || !p.Views(parentPath(u.Path)) {
					roots = append(roots, u)
				}
			}
			found = roots
		}
		switch len(found) {
		case 0:
			return domain.Unit{}, domain.Errorf(domain.ENOTFOUND, "路径中的单位 %q 不存在", roster.Clip(name))
		case 1:
			u := found[0]
			cur = &u
		default:
			return domain.Unit{}, domain.Errorf(domain.EINVALID, "有 %d 个单位名为 %q：请从最上级写出完整路径", len(found), roster.Clip(name))
		}
	}
	if cur == nil {
		return domain.Unit{}, domain.Errorf(domain.ENOTFOUND, "上级单位路径为空")
	}
	return *cur, nil
}

func nonNil(l []unitImportIssue) []unitImportIssue {
	if l == nil {
		return []unitImportIssue{}
	}
	return l
}

func parentPath(path string) string {
	t := strings.TrimSuffix(path, "/")
	return t[:strings.LastIndex(t, "/")+1]
}
