package api

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/xuri/excelize/v2"

	"tandem/calendar"
	"tandem/domain"
	"tandem/roster"
	"tandem/store"
)

func (s *Server) getScheme(c *gin.Context) {
	version, scheme, err := s.Store.CurrentScheme(c.Request.Context())
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"version": version, "scheme": scheme})
}

// putScheme stores a new version of the assessment scheme (admins); assessments under way keep
// the version they started with.
func (s *Server) putScheme(c *gin.Context) {
	raw, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, 1<<20))
	if err != nil {
		fail(c, domain.Invalid("考核方案过大", domain.FieldFailed("scheme", domain.CodeMaxSize, "1 MiB")))
		return
	}
	scheme, err := domain.ParseScheme(raw)
	if err == nil {
		err = capErrors(checkBody(scheme)).Err("考核方案含有不允许的文字")
	}
	if err != nil {
		fail(c, err)
		return
	}
	version, err := s.Store.PutScheme(c.Request.Context(), principal(c), scheme)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"version": version, "scheme": scheme})
}

type assessmentResponse struct {
	ID            string          `json:"id"`
	PeriodID      string          `json:"period_id"`
	UnitID        string          `json:"unit_id"`
	SchemeVersion int             `json:"scheme_version"`
	Status        string          `json:"status"`
	StatusLabel   string          `json:"status_label"` // the status in Chinese: 进行中, 已锁定, 已重新打开
	Total         *float64        `json:"total"`
	Grade         string          `json:"grade"`
	Self          json.RawMessage `json:"self"`
	Marks         json.RawMessage `json:"marks"`
	Metrics       json.RawMessage `json:"metrics"`
	MetricsAsOf   json.RawMessage `json:"metrics_as_of,omitempty"` // {at, basis, period, label}: the instant the metrics describe
	Outcome       json.RawMessage `json:"outcome"`
	LockedAt      *time.Time      `json:"locked_at"`
	LockedBy      string          `json:"locked_by,omitempty"`
}

func assessmentFrom(a store.Assessment) assessmentResponse {
	return assessmentResponse{ID: a.ID, PeriodID: a.PeriodID, UnitID: a.UnitID, SchemeVersion: a.SchemeVersion, Status: a.Status, StatusLabel: statusWords[a.Status],
		Total: a.Total, Grade: a.Grade, Self: rawJSON(a.Self), Marks: rawJSON(a.Marks), Metrics: rawJSON(a.Metrics), MetricsAsOf: rawJSON(a.MetricsAsOf),
		Outcome: rawJSON(a.Outcome), LockedAt: a.LockedAt, LockedBy: a.LockedBy}
}

// listAssessments lists a half-year period's assessments the caller views; ?format=xlsx
// exports the outcomes for the secretaries' annual review 述职评议考核.
func (s *Server) listAssessments(c *gin.Context) {
	ctx := c.Request.Context()
	p := principal(c)
	rows, err := s.Store.ListAssessments(ctx, p, c.Param("id"))
	if err != nil {
		fail(c, err)
		return
	}
	if c.Query("format") != "xlsx" {
		out := make([]assessmentResponse, len(rows))
		for i, a := range rows {
			out[i] = assessmentFrom(a)
		}
		c.JSON(http.StatusOK, list(out, ""))
		return
	}
	x := excelize.NewFile()
	defer x.Close()
	sheet := "考核结果"
	_ = x.SetSheetName("Sheet1", sheet)
	title := "半年考核结果"
	if period, err := s.Store.GetPeriod(ctx, c.Param("id")); err == nil {
		title = calendar.PeriodLabelCN(period.Period) + "两新党建工作考核结果"
	}
	first := xlsxHeading(x, sheet, title, "导出时间："+docTime(s.now()))
	xlsxWidths(x, sheet, 28, 12, 8, 8, 14, 20)
	_ = x.SetSheetRow(sheet, fmt.Sprintf("A%d", first), &[]any{"单位", "状态", "得分", "等次", "审核人", "审核时间"})
	for i, a := range rows {
		name := a.UnitID
		if u, err := s.Store.GetUnit(ctx, p, a.UnitID); err == nil {
			name = u.Name
		}
		var total any = ""
		if a.Total != nil {
			total = *a.Total
		}
		var locked any = ""
		if a.LockedAt != nil {
			locked = docTime(*a.LockedAt)
		}
		_ = x.SetSheetRow(sheet, fmt.Sprintf("A%d", first+1+i), &[]any{roster.Neutralize(name), statusWord(a.Status), total, a.Grade,
			roster.Neutralize(a.LockedBy), locked})
	}
	sendXLSXAs(c, x, title+".xlsx", "assessments-"+c.Param("id")+".xlsx")
}

func (s *Server) getAssessment(c *gin.Context) {
	a, err := s.Store.GetAssessment(c.Request.Context(), principal(c), c.Param("id"))
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, assessmentFrom(a))
}

type reasonRequest struct {
	Reason string `json:"reason" text:"2000,multiline"`
}

// reopenAssessment unlocks an outcome (admins), recording why.
func (s *Server) reopenAssessment(c *gin.Context) {
	var req reasonRequest
	if !bindJSON(c, &req) {
		return
	}
	if n := len([]rune(strings.TrimSpace(req.Reason))); n == 0 || n > domain.MaxNote {
		fail(c, domain.Invalid("必须写明理由", domain.FieldFailed("reason", domain.CodeRequiredMaxLength, domain.MaxNote)))
		return
	}
	a, err := s.Store.ReopenAssessment(c.Request.Context(), principal(c), c.Param("id"), strings.TrimSpace(req.Reason))
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, assessmentFrom(a))
}

type adjustmentRequest struct {
	Code   string  `json:"code"`
	Value  float64 `json:"value"`
	Reason string  `json:"reason" text:"2000,multiline"`
}

// adjustAssessment changes one mark: 409 while the outcome is locked (an admin reopens it
// first) or still in review; a reopened outcome is re-scored and locked again. Admins, or an
// officer of a unit above the assessed one who did not score it (the store decides).
func (s *Server) adjustAssessment(c *gin.Context) {
	var req adjustmentRequest
	if !bindJSON(c, &req) {
		return
	}
	a, err := s.Store.AdjustReopened(c.Request.Context(), principal(c), c.Param("id"), strings.TrimSpace(req.Code), req.Value, strings.TrimSpace(req.Reason))
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, assessmentFrom(a))
}
