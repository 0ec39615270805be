package api

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"tandem/domain"
	"tandem/store"
)

// unitNode is a unit with its children, as the two nets' trees show them.
type unitNode struct {
	unitResponse
	Children []*unitNode `json:"children"`
}

// unitTree answers the units the caller may view as one tree per net in one call: the roots are
// the units whose parent the caller does not see (or that have none), children by name.
func (s *Server) unitTree(c *gin.Context) {
	var v domain.Validation
	net := domain.Net(c.Query("net"))
	switch net {
	case "", domain.NetRegion, domain.NetIndustry, domain.NetDepartment:
	default:
		v.AddCode("net", domain.CodeNotAllowed, "region、industry、department")
	}
	if err := v.Err("单位树查询条件不正确"); err != nil {
		fail(c, err)
		return
	}
	ctx := c.Request.Context()
	p := principal(c)
	rootPath := ""
	if id := c.Query("root"); id != "" {
		u, err := s.Store.GetUnit(ctx, p, id)
		if err != nil {
			fail(c, err)
			return
		}
		rootPath = u.Path
	}
	units, err := s.Store.UnitTree(ctx, p, net, rootPath)
	if err != nil {
		fail(c, err)
		return
	}
	// Units come parent first (by path); a unit whose parent is not among them is a root.
	byID := make(map[string]*unitNode, len(units))
	out := map[string][]*unitNode{} // per net
	for _, u := range units {
		n := &unitNode{unitResponse: unitFrom(u), Children: []*unitNode{}}
		byID[u.ID] = n
		if u.ParentID != nil && byID[*u.ParentID] != nil {
			parent := byID[*u.ParentID]
			parent.Children = append(parent.Children, n)
			continue
		}
		out[string(u.Net)] = append(out[string(u.Net)], n)
	}
	for _, n := range byID {
		sortNodes(n.Children)
	}
	resp := gin.H{"count": len(units)}
	for _, nt := range []domain.Net{domain.NetRegion, domain.NetIndustry, domain.NetDepartment} {
		if net == "" || net == nt {
			roots := out[string(nt)]
			if roots == nil {
				roots = []*unitNode{}
			}
			sortNodes(roots)
			resp[string(nt)] = roots
		}
	}
	c.JSON(http.StatusOK, resp)
}

func sortNodes(ns []*unitNode) {
	slices.SortStableFunc(ns, func(a, b *unitNode) int { return strings.Compare(a.Name, b.Name) })
}

type roundSummary struct {
	ID        string     `json:"id"`
	UnitID    string     `json:"unit_id"`
	Select    string     `json:"select"`
	Tag       string     `json:"tag,omitempty"`
	Status    string     `json:"status"`
	Since     *time.Time `json:"since,omitempty"`
	Total     int        `json:"total"`
	Started   int        `json:"started"`
	Skipped   int        `json:"skipped"`
	CreatedBy string     `json:"created_by"`
	CreatedAt time.Time  `json:"created_at"`
	EndedAt   *time.Time `json:"finished_at,omitempty"`

	StatusLabel string `json:"status_label"` // the status in Chinese: 进行中, 已完成, 已取消
	SelectLabel string `json:"select_label"` // which organizations, in Chinese: 全部组织, 尚未核实的组织, …
}

// listRounds lists the census rounds the caller may view, newest first (progress per
// township: GET /census-rounds/{id}).
func (s *Server) listRounds(c *gin.Context) {
	page, err := pageFrom(c)
	if err != nil {
		fail(c, err)
		return
	}
	var v domain.Validation
	f := store.RoundFilter{Status: c.Query("status"), Page: page}
	switch domain.RoundStatus(f.Status) {
	case "", domain.RoundRunning, domain.RoundDone, domain.RoundCancelled:
	default:
		v.AddCode("status", domain.CodeNotAllowed, "running、done、cancelled")
	}
	if err := v.Err("筛选条件不正确"); err != nil {
		fail(c, err)
		return
	}
	p := principal(c)
	if f.UnitPath, err = s.unitFilter(c, p); err != nil {
		fail(c, err)
		return
	}
	rounds, next, err := s.Store.ListRounds(c.Request.Context(), p, f)
	if err != nil {
		fail(c, err)
		return
	}
	out := make([]roundSummary, len(rounds))
	for i, r := range rounds {
		out[i] = roundSummary{ID: r.ID, UnitID: r.UnitID, Select: r.Selection, Tag: r.Tag, Status: r.Status, Total: r.Total,
			Started: r.Started, Skipped: r.Skipped, CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt, EndedAt: r.FinishedAt, Since: r.Since,
			StatusLabel: domain.RoundStatus(r.Status).Label(), SelectLabel: domain.RoundSelectionLabel(r.Selection, r.Since, r.Tag)}
	}
	c.JSON(http.StatusOK, list(out, next))
}
