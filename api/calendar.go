package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"tandem/calendar"
	"tandem/domain"
	"tandem/store"
)

type overrideResponse struct {
	Date      string    `json:"date"`
	Workday   bool      `json:"workday"`
	Name      string    `json:"name"`
	UpdatedBy string    `json:"updated_by"`
	UpdatedAt time.Time `json:"updated_at"`
}

func (s *Server) listOverrides(c *gin.Context) {
	os, err := s.Store.CalendarOverrides(c.Request.Context())
	if err != nil {
		fail(c, err)
		return
	}
	out := make([]overrideResponse, len(os))
	for i, o := range os {
		out[i] = overrideResponse(o)
	}
	c.JSON(http.StatusOK, list(out, ""))
}

type overrideRequest struct {
	Workday *bool  `json:"workday"`
	Name    string `json:"name"`
}

// putOverride sets a local correction of the calendar (a city's own holiday, a corrected notice).
func (s *Server) putOverride(c *gin.Context) {
	var req overrideRequest
	if !bindJSON(c, &req) {
		return
	}
	date := c.Param("date")
	var v domain.Validation
	if _, err := time.Parse("2006-01-02", date); err != nil {
		v.AddCode("date", domain.CodeBadDate)
	}
	if req.Workday == nil {
		v.AddCode("workday", domain.CodeNotAllowed, "true（工作日）、false（休息日）")
	}
	if err := v.Err("日历调整不正确"); err != nil {
		fail(c, err)
		return
	}
	o, err := s.Store.PutCalendarOverride(c.Request.Context(), principal(c), store.CalendarOverride{Date: date, Workday: *req.Workday, Name: req.Name})
	if err != nil {
		fail(c, err)
		return
	}
	s.Calendar.Invalidate()
	c.JSON(http.StatusOK, overrideResponse(o))
}

func (s *Server) deleteOverride(c *gin.Context) {
	if err := s.Store.DeleteCalendarOverride(c.Request.Context(), principal(c), c.Param("date")); err != nil {
		fail(c, err)
		return
	}
	s.Calendar.Invalidate()
	c.Status(http.StatusNoContent)
}

// deadline previews a due date: ?working_days=N or ?months=N (within N calendar months),
// from now or from ?from=RFC3339, exactly as a task created then would be given.
func (s *Server) deadline(c *gin.Context) {
	var v domain.Validation
	days, months := c.Query("working_days"), c.Query("months")
	var n, m int
	var err error
	switch {
	case (days == "") == (months == ""):
		v.AddCode("working_days", domain.CodeEitherOr, "working_days（1–366）或 months（1–36）")
	case days != "":
		if n, err = strconv.Atoi(days); err != nil || n < 1 || n > 366 {
			v.AddCode("working_days", domain.CodeOutOfRange, 1, 366)
		}
	default:
		if m, err = strconv.Atoi(months); err != nil || m < 1 || m > 36 {
			v.AddCode("months", domain.CodeOutOfRange, 1, 36)
		}
	}
	from := s.now()
	if f := c.Query("from"); f != "" {
		if from, err = time.Parse(time.RFC3339, f); err != nil {
			v.AddCode("from", domain.CodeBadTime)
		}
	}
	if err := v.Err("期限查询参数不正确"); err != nil {
		fail(c, err)
		return
	}
	cal, err := s.Calendar.Calendar(c.Request.Context())
	if err != nil {
		fail(c, err)
		return
	}
	d := cal.DueAfterWorkingDays(from, n)
	out := gin.H{"from": from, "working_days": n}
	if m > 0 {
		d = cal.DueAfterMonths(from, m)
		out = gin.H{"from": from, "months": m}
	}
	out["due_at"], out["due_at_local"] = d.At, d.At.In(calendar.Shanghai).Format(time.RFC3339)
	out["provisional"], out["last_official_year"] = d.Provisional, cal.LastOfficialYear()
	c.JSON(http.StatusOK, out)
}
