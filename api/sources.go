package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"tandem/domain"
	"tandem/roster"
	"tandem/store"
)

type sourceDeptResponse struct {
	Source    string     `json:"source"`
	Label     string     `json:"label"`
	UnitID    string     `json:"unit_id,omitempty"`
	UnitName  string     `json:"unit_name,omitempty"`
	UpdatedBy string     `json:"updated_by,omitempty"`
	UpdatedAt *time.Time `json:"updated_at,omitempty"`
}

func sourceDeptFrom(d store.SourceDepartment) sourceDeptResponse {
	return sourceDeptResponse{Source: d.Source, Label: d.Label, UnitID: d.UnitID, UnitName: d.UnitName, UpdatedBy: d.UpdatedBy, UpdatedAt: d.UpdatedAt}
}

// listSources lists each file source with its label and the department that delivers it.
func (s *Server) listSources(c *gin.Context) {
	all, err := s.Store.Sources(c.Request.Context())
	if err != nil {
		fail(c, err)
		return
	}
	out := make([]sourceDeptResponse, len(all))
	for i, d := range all {
		out[i] = sourceDeptFrom(d)
	}
	c.JSON(http.StatusOK, list(out, ""))
}

type sourceRequest struct {
	UnitID string `json:"unit_id"`
}

// putSource names the department unit that delivers a source (admin only).
func (s *Server) putSource(c *gin.Context) {
	source := c.Param("source")
	if !roster.FileSource(source) {
		writeProblem(c, http.StatusBadRequest, "source 应为以下之一："+strings.Join(store.FileSources(), ", "))
		return
	}
	var req sourceRequest
	if !bindJSON(c, &req) {
		return
	}
	req.UnitID = strings.TrimSpace(req.UnitID)
	if req.UnitID == "" || len(req.UnitID) > 64 {
		fail(c, domain.Invalid("对应关系不正确", domain.FieldFailed("unit_id", domain.CodeRequired)))
		return
	}
	d, err := s.Store.SetSourceDepartment(c.Request.Context(), principal(c), source, req.UnitID)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, sourceDeptFrom(d))
}
