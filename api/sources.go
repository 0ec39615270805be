package api

import (
	"net/http"
	"slices"
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

// sourceConflict is an organization with the disputed fields where source's value is one of
// the differing ones.
type sourceConflict struct {
	USCC      string             `json:"uscc"`
	Name      string             `json:"name"`
	Conflicts []conflictResponse `json:"conflicts"`
}

// listSourceConflicts shows a source's department liaisons (and admins) the conflicts their
// extract is part of: per organization, only the fields where the source says something.
func (s *Server) listSourceConflicts(c *gin.Context) {
	source := c.Param("source")
	if !roster.FileSource(source) {
		fail(c, domain.Errorf(domain.ENOTFOUND, "没有名为 %q 的名册来源", source))
		return
	}
	page, err := pageFrom(c)
	if err != nil {
		fail(c, err)
		return
	}
	ctx := c.Request.Context()
	rows, next, err := s.Store.SourceConflicts(ctx, principal(c), source, page)
	if err != nil {
		fail(c, err)
		return
	}
	usccs := make([]string, len(rows))
	for i, o := range rows {
		usccs[i] = o.USCC
	}
	sources, err := s.Store.SourcesOf(ctx, usccs)
	if err != nil {
		fail(c, err)
		return
	}
	out := []sourceConflict{}
	for _, o := range rows {
		var mine []conflictResponse
		for _, cf := range conflictsOf(o.ConflictFields, sources[o.USCC]) {
			if slices.ContainsFunc(cf.Values, func(v sourcedValue) bool { return v.Source == source }) {
				mine = append(mine, cf)
			}
		}
		if len(mine) > 0 {
			out = append(out, sourceConflict{USCC: o.USCC, Name: o.Name, Conflicts: mine})
		}
	}
	c.JSON(http.StatusOK, list(out, next))
}
