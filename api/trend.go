package api

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"tandem/domain"
	"tandem/store"
)

type coveragePoint struct {
	Month                string       `json:"month"`
	Taken                bool         `json:"taken"`
	AsOf                 *domain.AsOf `json:"figures_as_of"` // null: no snapshot that month
	Operating            *int         `json:"operating"`
	Single               *int         `json:"single"`
	Joint                *int         `json:"joint"`
	Regional             *int         `json:"regional"`
	Work                 *int         `json:"work"`
	Temporary            *int         `json:"temporary"`
	OrganizationCoverage *rate        `json:"organization_coverage"`
	SingleEstablishment  *rate        `json:"single_establishment"`
	WorkCoverage         *rate        `json:"work_coverage"`
}

// coverageTrend answers one unit's coverage at each of the last months month-ends (the
// snapshots the monthly cycle takes), oldest first, with numerators and denominators: the
// series a trend chart draws. A month without a snapshot is a point with taken false and nulls.
func (s *Server) coverageTrend(c *gin.Context) {
	var v domain.Validation
	unitID := c.Query("unit")
	if unitID == "" {
		v.AddCode("unit", domain.CodeRequired)
	}
	months := 12
	if m := c.Query("months"); m != "" {
		n, err := strconv.Atoi(m)
		if err != nil || n < 1 || n > store.MaxTrendMonths {
			v.AddCode("months", domain.CodeOutOfRange, 1, store.MaxTrendMonths)
		}
		months = n
	}
	if err := v.Err("趋势查询条件不正确"); err != nil {
		fail(c, err)
		return
	}
	ctx := c.Request.Context()
	u, err := s.Store.GetUnit(ctx, principal(c), unitID)
	if err != nil {
		fail(c, err)
		return
	}
	points, err := s.Store.CoverageTrend(ctx, u, months)
	if err != nil {
		fail(c, err)
		return
	}
	out := make([]coveragePoint, len(points))
	for i, p := range points {
		out[i] = coveragePoint{Month: p.Month, Taken: p.Taken}
		if !p.Taken {
			continue
		}
		k := p.CoverageCounts
		asOf := p.AsOf
		org, single, work := rateOf(k.Single+k.Joint, k.Operating), rateOf(k.Single, k.Operating), rateOf(k.Single+k.Joint+k.Regional+k.Work, k.Operating)
		out[i].AsOf, out[i].Operating, out[i].Single, out[i].Joint = &asOf, &k.Operating, &k.Single, &k.Joint
		out[i].Regional, out[i].Work, out[i].Temporary = &k.Regional, &k.Work, &k.Temporary
		out[i].OrganizationCoverage, out[i].SingleEstablishment, out[i].WorkCoverage = &org, &single, &work
	}
	c.JSON(http.StatusOK, gin.H{"unit_id": u.ID, "name": u.Name, "net": u.Net, "kind": u.Kind, "months": months, "points": out})
}
