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
		v.Add("date", "a date as YYYY-MM-DD")
	}
	if req.Workday == nil {
		v.Add("workday", "required: true for a working day, false for a day off")
	}
	if err := v.Err("the override is not valid"); err != nil {
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

// deadline previews a due date: ?working_days=N (from now, or ?from=RFC3339).
func (s *Server) deadline(c *gin.Context) {
	var v domain.Validation
	n, err := strconv.Atoi(c.Query("working_days"))
	if err != nil || n < 1 || n > 366 {
		v.Add("working_days", "an integer from 1 to 366")
	}
	from := s.now()
	if f := c.Query("from"); f != "" {
		if from, err = time.Parse(time.RFC3339, f); err != nil {
			v.Add("from", "an RFC 3339 time")
		}
	}
	if err := v.Err("bad deadline query"); err != nil {
		fail(c, err)
		return
	}
	cal, err := s.Calendar.Calendar(c.Request.Context())
	if err != nil {
		fail(c, err)
		return
	}
	d := cal.DueAfterWorkingDays(from, n)
	c.JSON(http.StatusOK, gin.H{"from": from, "working_days": n, "due_at": d.At, "due_at_local": d.At.In(calendar.Shanghai).Format(time.RFC3339),
		"provisional": d.Provisional, "last_official_year": cal.LastOfficialYear()})
}
