package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"tandem/domain"
)

// viewRequest is a saved view as the client sends it.
type viewRequest struct {
	Name  string           `json:"name"`
	Query domain.TaskQuery `json:"query"`
}

type viewResponse struct {
	ID        string           `json:"id"`
	Name      string           `json:"name"`
	Query     domain.TaskQuery `json:"query"`
	CreatedAt time.Time        `json:"created_at"`
	UpdatedAt time.Time        `json:"updated_at"`
}

func viewFrom(v domain.SavedView) viewResponse {
	return viewResponse{ID: v.ID, Name: v.Name, Query: v.Query, CreatedAt: v.CreatedAt, UpdatedAt: v.UpdatedAt}
}

func (s *Server) viewRoutes(a *gin.RouterGroup) {
	a.GET("/me/views", s.listViews)
	a.POST("/me/views", s.createView)
	a.PUT("/me/views/:id", s.updateView)
	a.DELETE("/me/views/:id", s.deleteView)
}

// listViews answers the caller's own saved views (at most domain.MaxViewsPerUser, no paging).
func (s *Server) listViews(c *gin.Context) {
	views, err := s.Store.SavedViews(c.Request.Context(), principal(c))
	if err != nil {
		fail(c, err)
		return
	}
	out := make([]viewResponse, len(views))
	for i, v := range views {
		out[i] = viewFrom(v)
	}
	c.JSON(http.StatusOK, list(out, ""))
}

func (s *Server) createView(c *gin.Context) {
	var req viewRequest
	if !bindJSON(c, &req) {
		return
	}
	if !s.viewUnitVisible(c, req.Query) {
		return
	}
	v, err := s.Store.CreateSavedView(c.Request.Context(), principal(c), req.Name, req.Query)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, viewFrom(v))
}

func (s *Server) updateView(c *gin.Context) {
	var req viewRequest
	if !bindJSON(c, &req) {
		return
	}
	if !s.viewUnitVisible(c, req.Query) {
		return
	}
	v, err := s.Store.UpdateSavedView(c.Request.Context(), principal(c), c.Param("id"), req.Name, req.Query)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, viewFrom(v))
}

func (s *Server) deleteView(c *gin.Context) {
	if err := s.Store.DeleteSavedView(c.Request.Context(), principal(c), c.Param("id")); err != nil {
		fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// viewUnitVisible answers 422 on query.unit when the view names a unit the caller cannot see.
func (s *Server) viewUnitVisible(c *gin.Context, q domain.TaskQuery) bool {
	if q.Unit == "" || len(q.Unit) > 64 {
		return true // the store's check names a long one
	}
	if _, err := s.Store.GetUnit(c.Request.Context(), principal(c), q.Unit); err != nil {
		if domain.ErrorCode(err) == domain.ENOTFOUND {
			err = domain.Invalid("视图设置不正确", domain.FieldFailed("query.unit", domain.CodeNotFound))
		}
		fail(c, err)
		return false
	}
	return true
}
