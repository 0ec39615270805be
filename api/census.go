package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"tandem/app"
	"tandem/calendar"
	"tandem/domain"
	"tandem/store"
)

type roundRequest struct {
	UnitID string `json:"unit_id"`
	Select string `json:"select,omitempty"` // all | changed | unverified | tag
	Since  string `json:"since,omitempty"`  // YYYY-MM-DD, with select changed
	Tag    string `json:"tag,omitempty"`
}

// startRound starts a census round over a unit's subtree: an officer over the unit, or an admin.
func (s *Server) startRound(c *gin.Context) {
	var req roundRequest
	if !bindJSON(c, &req) {
		return
	}
	r, err := s.App.CensusRounds.Start(c.Request.Context(), principal(c),
		app.StartCensusRound{UnitID: req.UnitID, Select: req.Select, Since: req.Since, Tag: req.Tag})
	if err != nil {
		fail(c, err)
		return
	}
	c.Header("Location", "/api/v1/census-rounds/"+r.ID)
	c.JSON(http.StatusAccepted, gin.H{"id": r.ID, "workflow_id": r.WorkflowID, "total": r.Total})
}

type roundResponse struct {
	ID        string               `json:"id"`
	UnitID    string               `json:"unit_id"`
	Select    string               `json:"select"`
	Since     *time.Time           `json:"since,omitempty"`
	Tag       string               `json:"tag,omitempty"`
	Status    string               `json:"status"`
	Total     int                  `json:"total"`
	Started   int                  `json:"started"`
	Skipped   int                  `json:"skipped"` // already in another round's verification
	Created   int                  `json:"created"`
	Completed int                  `json:"completed"`
	ByStatus  map[string]int       `json:"by_status"`
	ByUnit    []store.UnitProgress `json:"by_unit"`
	CreatedBy string               `json:"created_by"`
	CreatedAt time.Time            `json:"created_at"`

	StatusLabel string `json:"status_label"` // the status in Chinese: 进行中, 已完成, 已取消
	SelectLabel string `json:"select_label"` // which organizations, in Chinese: 全部组织, 尚未核实的组织, …
}

// getRound shows a round's progress by status and by unit. A running round whose
// verifications are all completed or cancelled shows as done at once, before its workflow
// notices on its next poll.
func (s *Server) getRound(c *gin.Context) {
	ctx := c.Request.Context()
	r, err := s.Store.GetRound(ctx, principal(c), c.Param("id"))
	if err != nil {
		fail(c, err)
		return
	}
	by, units, err := s.Store.RoundProgress(ctx, r.ID)
	if err != nil {
		fail(c, err)
		return
	}
	created := by[string(domain.TaskOpen)] + by[string(domain.TaskClaimed)] + by[string(domain.TaskCompleted)] + by[string(domain.TaskCancelled)]
	status := r.Status
	if status == string(domain.RoundRunning) && store.RoundDone(r, by) {
		status = string(domain.RoundDone)
	}
	if units == nil {
		units = []store.UnitProgress{}
	}
	c.JSON(http.StatusOK, roundResponse{ID: r.ID, UnitID: r.UnitID, Select: r.Selection, Since: r.Since, Tag: r.Tag, Status: status,
		Total: r.Total, Started: r.Started, Skipped: r.Skipped, Created: created, Completed: by[string(domain.TaskCompleted)], ByStatus: by, ByUnit: units,
		StatusLabel: domain.RoundStatus(status).Label(), SelectLabel: domain.RoundSelectionLabel(r.Selection, r.Since, r.Tag),
		CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt})
}

type skippedResponse struct {
	USCC      string `json:"uscc"`
	Name      string `json:"name"`
	SkippedBy string `json:"skipped_by"` // the round whose verification of it was running, or "verification"
}

// listSkipped lists the organizations a round did not verify because a verification of
// another round already had them.
func (s *Server) listSkipped(c *gin.Context) {
	page, err := pageFrom(c)
	if err != nil {
		fail(c, err)
		return
	}
	ctx := c.Request.Context()
	r, err := s.Store.GetRound(ctx, principal(c), c.Param("id"))
	if err != nil {
		fail(c, err)
		return
	}
	rows, next, err := s.Store.SkippedMembers(ctx, r.ID, page)
	if err != nil {
		fail(c, err)
		return
	}
	out := make([]skippedResponse, len(rows))
	for i, m := range rows {
		out[i] = skippedResponse(m)
	}
	c.JSON(http.StatusOK, list(out, next))
}

// cancelRound cancels a round's open verifications: an officer over its unit, or an admin.
func (s *Server) cancelRound(c *gin.Context) {
	r, err := s.App.CensusRounds.Cancel(c.Request.Context(), principal(c), c.Param("id"))
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusAccepted, gin.H{"id": r.ID, "status": "cancelling"})
}

type rate struct {
	Numerator   int      `json:"numerator"`
	Denominator int      `json:"denominator"`
	Rate        *float64 `json:"rate"` // null when there is no operating organization
}

// rateOf is domain.RateOf with a null rate when there is nothing to count.
func rateOf(n, d int) rate {
	r := rate{Numerator: n, Denominator: d}
	if d > 0 {
		v := domain.RateOf(n, d).Value
		r.Rate = &v
	}
	return r
}

type coverageItem struct {
	UnitID               string `json:"unit_id"`
	Name                 string `json:"name"`
	Net                  string `json:"net"`
	Kind                 string `json:"kind"`
	Operating            int    `json:"operating"`
	Single               int    `json:"single"`
	Joint                int    `json:"joint"`
	Regional             int    `json:"regional"`
	Work                 int    `json:"work"`
	Temporary            int    `json:"temporary"`             // of the regional: covered by a temporary branch 临时党支部
	OrganizationCoverage rate   `json:"organization_coverage"` // (single + joint) / operating
	SingleEstablishment  rate   `json:"single_establishment"`  // single / operating
	WorkCoverage         rate   `json:"work_coverage"`         // (single + joint + regional + work) / operating
}

// coverageReport shows the coverage rates per county and industry committee (without unit=, a
// user who is not an admin gets the rows of their own units), now or as of a past month-end
// (?as_of=2026-10 or 2026-10-31), numerator and denominator always shown, with the instant the
// figures describe.
func (s *Server) coverageReport(c *gin.Context) {
	ctx := c.Request.Context()
	p := principal(c)
	var unit *domain.Unit
	if id := c.Query("unit"); id != "" {
		u, err := s.Store.GetUnit(ctx, p, id)
		if err != nil {
			fail(c, err)
			return
		}
		unit = &u
	}
	q, err := parseAsOf(c.Query("as_of"), s.now())
	if err != nil {
		fail(c, err)
		return
	}
	var rows []store.CoverageRow
	var at domain.AsOf
	if q.month != "" || q.at.IsZero() {
		if rows, err = s.Store.CoverageReport(ctx, p, unit, q.month); err == nil {
			at, err = s.Store.CoverageAsOf(ctx, q.month)
		}
	} else {
		rows, at, err = s.Store.CoverageReportAt(ctx, p, unit, q.at)
	}
	if err != nil {
		fail(c, err)
		return
	}
	items := make([]coverageItem, len(rows))
	for i, r := range rows {
		items[i] = coverageItem{UnitID: r.Unit.ID, Name: r.Unit.Name, Net: string(r.Unit.Net), Kind: string(r.Unit.Kind),
			Operating: r.Operating, Single: r.Single, Joint: r.Joint, Regional: r.Regional, Work: r.Work,
			Temporary: r.Temporary, OrganizationCoverage: rateOf(r.Single+r.Joint, r.Operating), SingleEstablishment: rateOf(r.Single, r.Operating),
			WorkCoverage: rateOf(r.Single+r.Joint+r.Regional+r.Work, r.Operating)}
	}
	asOf := "now"
	if v := c.Query("as_of"); v != "" {
		asOf = v
	}
	c.JSON(http.StatusOK, gin.H{"as_of": asOf, "figures_as_of": at, "items": items})
}

// asOfQuery is what ?as_of= asks for: a month's close (month), an instant (at), or now (neither).
type asOfQuery struct {
	month string
	at    time.Time
}

// parseAsOf reads ?as_of=: YYYY-MM is that past month's figures when its data was in (the
// snapshot); a date YYYY-MM-DD is the state at the end of that day (24:00 Asia/Shanghai) and an
// RFC 3339 time the state at that instant, both from the history; neither may be after now.
func parseAsOf(v string, now time.Time) (asOfQuery, error) {
	if v == "" {
		return asOfQuery{}, nil
	}
	bad := func(code string) error {
		return domain.Invalid("查询时点 as_of 不正确", domain.FieldFailed("as_of", code))
	}
	if t, err := time.Parse("2006-01", v); err == nil {
		if t.Format("2006-01") >= now.In(calendar.Shanghai).Format("2006-01") {
			return asOfQuery{}, bad(domain.CodeAsOf)
		}
		return asOfQuery{month: t.Format("2006-01")}, nil
	}
	var at time.Time
	if d, err := time.ParseInLocation(time.DateOnly, v, calendar.Shanghai); err == nil {
		at = d.AddDate(0, 0, 1)
	} else if t, err := time.Parse(time.RFC3339, v); err == nil {
		at = t
	} else {
		return asOfQuery{}, bad(domain.CodeAsOf)
	}
	if at.After(now) {
		return asOfQuery{}, bad(domain.CodeAsOfFuture)
	}
	return asOfQuery{at: at}, nil
}
