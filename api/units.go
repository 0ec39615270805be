package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"tandem/domain"
	"tandem/store"
)

type unitResponse struct {
	ID         string    `json:"id"`
	Name       string    `json:"name"`
	Net        string    `json:"net"`
	Kind       string    `json:"kind"`
	ParentID   *string   `json:"parent_id"`
	MergedInto *string   `json:"merged_into,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	DocPrefix  string    `json:"doc_prefix"` // 文号 prefix; "" is the default (name + series)

	NetLabel  string `json:"net_label"`  // the net in Chinese: 区域, 行业, 部门
	KindLabel string `json:"kind_label"` // the kind in Chinese, e.g. 乡镇（街道）
}

func unitFrom(u domain.Unit) unitResponse {
	return unitResponse{ID: u.ID, Name: u.Name, Net: string(u.Net), Kind: string(u.Kind), ParentID: u.ParentID,
		MergedInto: u.MergedInto, CreatedAt: u.CreatedAt, DocPrefix: u.DocPrefix,
		NetLabel: u.Net.Label(), KindLabel: u.Kind.Label()}
}

type createUnitRequest struct {
	Name     string  `json:"name"`
	Net      string  `json:"net"`
	Kind     string  `json:"kind"`
	ParentID *string `json:"parent_id"`
}

func (s *Server) createUnit(c *gin.Context) {
	var req createUnitRequest
	if !bindJSON(c, &req) {
		return
	}
	u, err := s.Store.CreateUnit(c.Request.Context(), principal(c), domain.Unit{
		Name: req.Name, Net: domain.Net(req.Net), Kind: domain.UnitKind(req.Kind), ParentID: req.ParentID,
	})
	if err != nil {
		fail(c, err)
		return
	}
	c.Header("Location", "/api/v1/units/"+u.ID)
	c.JSON(http.StatusCreated, unitFrom(u))
}

func (s *Server) getUnit(c *gin.Context) {
	u, err := s.Store.GetUnit(c.Request.Context(), principal(c), c.Param("id"))
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, unitFrom(u))
}

func (s *Server) listUnits(c *gin.Context) {
	page, err := pageFrom(c)
	if err != nil {
		fail(c, err)
		return
	}
	units, next, err := s.Store.ListUnits(c.Request.Context(), principal(c), store.UnitFilter{
		Net: domain.Net(c.Query("net")), Kind: domain.UnitKind(c.Query("kind")),
		ParentID: c.Query("parent_id"), Name: c.Query("name"), Page: page,
	})
	if err != nil {
		fail(c, err)
		return
	}
	out := make([]unitResponse, len(units))
	for i, u := range units {
		out[i] = unitFrom(u)
	}
	c.JSON(http.StatusOK, list(out, next))
}

type changeUnitRequest struct {
	Name      *string `json:"name"`
	ParentID  *string `json:"parent_id"`
	DocPrefix *string `json:"doc_prefix"`
}

// changeUnit renames or moves a unit; a region unit's old name stays as an alias.
func (s *Server) changeUnit(c *gin.Context) {
	var req changeUnitRequest
	if !bindJSON(c, &req) {
		return
	}
	if req.Name == nil && req.ParentID == nil && req.DocPrefix == nil {
		fail(c, domain.Invalid("没有要修改的内容", domain.FieldFailed("name", domain.CodeNothingToChange)))
		return
	}
	u, err := s.Store.ChangeUnit(c.Request.Context(), principal(c), c.Param("id"), store.UnitChange{Name: req.Name, ParentID: req.ParentID,
		DocPrefix: req.DocPrefix})
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, unitFrom(u))
}

type mergeUnitRequest struct {
	Into string `json:"into"`
}

// mergeUnit merges a unit into another (townships merge): everything follows, the old name
// stays as an alias.
func (s *Server) mergeUnit(c *gin.Context) {
	var req mergeUnitRequest
	if !bindJSON(c, &req) {
		return
	}
	u, err := s.Store.MergeUnit(c.Request.Context(), principal(c), c.Param("id"), req.Into)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, unitFrom(u))
}
