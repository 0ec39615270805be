package api

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"tandem/app"
	"tandem/domain"
	"tandem/roster"
	"tandem/store"
)

// MaxRosterSize bounds one uploaded roster file.
const MaxRosterSize = 256 << 20

type importResponse struct {
	ID        string         `json:"id"`
	Source    string         `json:"source"`
	Filename  string         `json:"filename"`
	Status    string         `json:"status"`
	Counts    map[string]int `json:"counts"`
	Encoding  string         `json:"encoding,omitempty"`
	HeaderRow int            `json:"header_row,omitempty"`
	Mapping   map[string]int `json:"mapping,omitempty"`
	Error     string         `json:"error,omitempty"`
	// Detail says in Chinese what a queued, held or rejected import waits for or why it ended.
	Detail         string     `json:"detail,omitempty"`
	UnitID         string     `json:"unit_id,omitempty"`     // the source's department when uploaded
	WaitingFor     string     `json:"waiting_for,omitempty"` // queued: the earlier import of the source
	SameAs         string     `json:"same_as,omitempty"`     // done, changed nothing: the earlier import it matched
	DecidedBy      string     `json:"decided_by,omitempty"`
	DecisionReason string     `json:"decision_reason,omitempty"`
	SHA256         string     `json:"sha256"`
	CreatedBy      string     `json:"created_by"`
	CreatedAt      time.Time  `json:"created_at"`
	FinishedAt     *time.Time `json:"finished_at,omitempty"`
	// FileRemovedAt: housekeeping deleted the uploaded file after its retention; the rest stays.
	FileRemovedAt *time.Time `json:"file_removed_at,omitempty"`

	// StatusLabel and SourceLabel are the status and the source in Chinese, for people.
	StatusLabel string `json:"status_label"`
	SourceLabel string `json:"source_label"`
}

func importFrom(imp store.RosterImport) importResponse {
	r := importResponse{ID: imp.ID, Source: imp.Source, Filename: imp.Filename, Status: string(imp.Status), Encoding: imp.Encoding,
		HeaderRow: imp.HeaderRow, Error: imp.Error, SHA256: imp.FileSHA256, CreatedBy: imp.CreatedBy, CreatedAt: imp.CreatedAt,
		FinishedAt: imp.FinishedAt, FileRemovedAt: imp.FileRemovedAt,
		Counts: map[string]int{"rows": imp.Rows, "accepted": imp.Accepted, "rejected": imp.Rejected, "warnings": imp.Warnings,
			"new": imp.NewOrgs, "changed": imp.Changed, "unchanged": imp.Unchanged, "conflicts": imp.Conflicts, "missing": imp.Missing}}
	if imp.Mapping != "" {
		_ = json.Unmarshal([]byte(imp.Mapping), &r.Mapping)
	}
	r.UnitID, r.WaitingFor, r.DecidedBy, r.DecisionReason = imp.UnitID, imp.WaitingFor, imp.DecidedBy, imp.DecisionReason
	label := roster.SourceLabel[imp.Source]
	r.StatusLabel, r.SourceLabel = imp.Status.Label(), label
	switch imp.Status {
	case domain.ImportQueued:
		r.Detail = fmt.Sprintf("排队中：同一来源（%s）更早上传的导入 %s 尚未完成，本次导入在其之后按序合并", label, imp.WaitingFor)
	case domain.ImportAwaitingConfirmation:
		r.Counts["source_organizations"] = imp.SourceOrganizations
		share := 0.0
		if imp.SourceOrganizations > 0 {
			share = 100 * float64(imp.Missing) / float64(imp.SourceOrganizations)
		}
		r.Detail = fmt.Sprintf("等待确认：本次%s名册将把该来源现有 %d 家组织中的 %d 家（%.1f%%）标记为缺失，超过允许的比例，尚未合并。"+
			"须由管理员（可将任务指派给自己）或市两新工委的干部在待办任务 roster.confirm_missing（主题为本导入编号）中确认后才合并；驳回则不作任何变更。",
			label, imp.SourceOrganizations, imp.Missing, share)
	case domain.ImportDone:
		if imp.SameAs != "" {
			r.SameAs = imp.SameAs
			r.Detail = fmt.Sprintf("与上月相同：本次%s名册与此前的导入 %s 内容一致，名册未作变更", label, imp.SameAs)
		}
	case domain.ImportRejected:
		r.Detail = fmt.Sprintf("已驳回：%s 驳回了本次报送（%s），未合并任何数据；请部门核对后重新上报", imp.DecidedBy, imp.DecisionReason)
	}
	return r
}

// createImport takes an extract as a department delivered it and imports it as a durable job.
func (s *Server) createImport(c *gin.Context) {
	p := principal(c)
	// Only a source's own department (its liaisons) or an admin delivers its extract (the 403
	// names who may); an officer corrects one organization through field visits and
	// resolutions, never through a source's file.
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, MaxRosterSize+1<<20)
	if err := s.checkUploadQuota(c); err != nil {
		fail(c, err)
		return
	}
	source := c.PostForm("source")
	if err := checkForm(c); err != nil {
		fail(c, err)
		return
	}
	in := app.StartRosterImport{Source: source, Encoding: c.PostForm("encoding"), Sheet: c.PostForm("sheet"),
		Mapping: c.PostForm("mapping"), Limit: MaxRosterSize}
	if fh, err := c.FormFile("file"); err == nil {
		in.Filename = filepath.Base(fh.Filename)
		in.Open = func() (io.ReadCloser, error) { return fh.Open() }
	} else if strings.Contains(err.Error(), "too large") {
		writeProblem(c, http.StatusRequestEntityTooLarge, "名册文件不能超过 256 MiB")
		return
	}
	imp, err := s.App.RosterImports.Start(c.Request.Context(), p, in)
	if errors.Is(err, store.ErrTooLarge) {
		writeProblem(c, http.StatusRequestEntityTooLarge, "名册文件不能超过 256 MiB")
		return
	}
	if err != nil {
		fail(c, err)
		return
	}
	c.Header("Location", "/api/v1/roster-imports/"+imp.ID)
	c.JSON(http.StatusAccepted, importFrom(imp))
}

// listImports lists the imports the caller may read: a liaison's deliveries (their own and
// their department's), an officer's departments' and, for the city unit, the held ones.
func (s *Server) listImports(c *gin.Context) {
	page, err := pageFrom(c)
	if err != nil {
		fail(c, err)
		return
	}
	items, next, err := s.Store.ListImports(c.Request.Context(), principal(c), store.ImportFilter{Source: c.Query("source"),
		Status: domain.ImportStatus(c.Query("status")), Month: c.Query("month"), Page: page})
	if err != nil {
		fail(c, err)
		return
	}
	out := make([]importResponse, len(items))
	for i, imp := range items {
		out[i] = importFrom(imp)
	}
	c.JSON(http.StatusOK, list(out, next))
}

func (s *Server) getImport(c *gin.Context) {
	imp, err := s.Store.GetImport(c.Request.Context(), principal(c), c.Param("id"))
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, importFrom(imp))
}

type issueResponse struct {
	Row     int    `json:"row"`
	Field   string `json:"field"`
	Reason  string `json:"reason"`
	Message string `json:"message"`
	Raw     string `json:"raw"`
	Name    string `json:"name"` // the row's organization name, when the file gives one
}

// importRejects lists rejected rows (or, with severity=warning, cell warnings); with
// format=csv it downloads them all as CSV (UTF-8 with BOM, so Excel opens it).
func (s *Server) importRejects(c *gin.Context) {
	imp, err := s.Store.GetImport(c.Request.Context(), principal(c), c.Param("id"))
	if err != nil {
		fail(c, err)
		return
	}
	severity := "reject"
	if c.Query("severity") == "warning" {
		severity = "warning"
	}
	if c.Query("format") == "csv" {
		c.Header("Content-Type", "text/csv; charset=utf-8")
		attachment(c, "导入退回行-"+imp.ID+".csv", "rejects-"+imp.ID+".csv")
		c.Status(http.StatusOK)
		_, _ = c.Writer.WriteString("\uFEFF")
		w := csv.NewWriter(c.Writer)
		_ = w.Write([]string{"行号", "名称", "字段", "原因代码", "原因", "原始内容"})
		page := store.Page{Limit: domain.MaxPageSize}
		for {
			items, next, err := s.Store.ImportIssues(c.Request.Context(), imp.ID, severity, page)
			if err != nil {
				return // headers are sent; the truncated file shows the failure
			}
			for _, i := range items {
				_ = w.Write([]string{strconv.Itoa(i.Row), roster.Neutralize(i.Name), i.Field, i.Reason, i.Message, roster.Neutralize(i.Raw)})
			}
			if next == "" {
				break
			}
			page.Cursor = next
		}
		w.Flush()
		return
	}
	page, err := pageFrom(c)
	if err != nil {
		fail(c, err)
		return
	}
	items, next, err := s.Store.ImportIssues(c.Request.Context(), imp.ID, severity, page)
	if err != nil {
		fail(c, err)
		return
	}
	out := make([]issueResponse, len(items))
	for i, it := range items {
		out[i] = issueResponse{Row: it.Row, Field: it.Field, Reason: it.Reason, Message: it.Message, Raw: it.Raw, Name: it.Name}
	}
	c.JSON(http.StatusOK, list(out, next))
}
