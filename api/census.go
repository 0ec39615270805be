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
	month := ""
	if asOf := c.Query("as_of"); asOf != "" {
		var ok bool
		if month, ok = monthEndOf(asOf); !ok || month >= s.now().In(calendar.Shanghai).Format("2006-01") {
			fail(c, domain.Invalid("bad as_of", domain.FieldError{Field: "as_of", Reason: "a past month (YYYY-MM) or its last day (YYYY-MM-DD)"}))
			return
		}
	}
	rows, err := s.Store.CoverageReport(ctx, p, unit, month)
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
	at, err := s.Store.CoverageAsOf(ctx, month)
	if err != nil {
		fail(c, err)
		return
	}
	asOf := "now"
	if month != "" {
		asOf = month
	}
	c.JSON(http.StatusOK, gin.H{"as_of": asOf, "figures_as_of": at, "items": items})
}

// monthEndOf reads YYYY-MM, or YYYY-MM-DD when that day is the last of its month.
func monthEndOf(s string) (string, bool) {
	if t, err := time.Parse("2006-01", s); err == nil {
		return t.Format("2006-01"), true
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil || t.AddDate(0, 0, 1).Day() != 1 {
		return "", false
	}
	return t.Format("2006-01"), true
}
