package api

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
	"go.temporal.io/sdk/client"

	"tandem/domain"
	"tandem/store"
	"tandem/workflows"
)

type drillRequest struct {
	UnitID         string `json:"unit_id"`
	Role           string `json:"role"`
	Assignee       string `json:"assignee,omitempty"`
	DueWorkingDays int    `json:"due_in_working_days,omitempty"`
	Note           string `json:"note,omitempty"`
}

// startDrill sends a test task to a unit's role: an officer over the unit (or an admin)
// checks that its people receive and complete tasks.
func (s *Server) startDrill(c *gin.Context) {
	var req drillRequest
	if !bindJSON(c, &req) {
		return
	}
	p := principal(c)
	ctx := c.Request.Context()
	var v domain.Validation
	if !domain.ValidRole(domain.Role(req.Role)) {
		v.Add("role", "officer, secretary, inspector or liaison")
	}
	if req.DueWorkingDays < 0 || req.DueWorkingDays > 30 {
		v.Add("due_in_working_days", "from 1 to 30 (default 5)")
	}
	if len([]rune(req.Note)) > 200 {
		v.Add("note", "at most 200 characters")
	}
	if err := v.Err("the drill is not valid"); err != nil {
		fail(c, err)
		return
	}
	unit, err := s.Store.GetUnit(ctx, p, req.UnitID)
	if err != nil {
		fail(c, err)
		return
	}
	if !p.Admin && !p.HoldsRoleOver(domain.RoleOfficer, unit.Path) {
		fail(c, domain.Errorf(domain.EFORBIDDEN, "only an officer over the unit may start a drill"))
		return
	}
	id := uuid.NewString()
	_, err = s.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID: workflows.DrillWorkflowID(id), TaskQueue: workflows.TaskQueue,
		TypedSearchAttributes: temporalSearch(unit.ID, unit.ID),
	}, workflows.DrillWorkflowName, workflows.DrillInput{UnitID: unit.ID, Role: domain.Role(req.Role), Assignee: req.Assignee,
		DueWorkingDays: req.DueWorkingDays, Note: strings.TrimSpace(req.Note)})
	if err != nil {
		fail(c, domain.Errorf(domain.EUNAVAILABLE, "could not start the drill workflow"))
		return
	}
	c.Header("Location", "/api/v1/drills/"+id)
	c.JSON(http.StatusAccepted, gin.H{"id": id, "workflow_id": workflows.DrillWorkflowID(id)})
}

// getDrill shows a drill's tasks (those the caller may view).
func (s *Server) getDrill(c *gin.Context) {
	tasks, _, err := s.Store.ListTasks(c.Request.Context(), principal(c), store.TaskFilter{
		Visible: true, WorkflowID: workflows.DrillWorkflowID(c.Param("id")), Page: store.Page{Limit: 200},
		Statuses: []domain.TaskStatus{domain.TaskOpen, domain.TaskClaimed, domain.TaskCompleted, domain.TaskCancelled},
	})
	if err != nil {
		fail(c, err)
		return
	}
	if len(tasks) == 0 {
		fail(c, domain.Errorf(domain.ENOTFOUND, "drill not found"))
		return
	}
	status := "running"
	now := s.now()
	out := make([]taskResponse, len(tasks))
	for i, t := range tasks {
		out[i] = taskFrom(t, now)
		if t.Kind == "drill.acknowledge" && t.Status == domain.TaskCompleted {
			status = "done"
		}
		if t.Kind == "drill.acknowledge" && t.Status == domain.TaskCancelled {
			status = "cancelled"
		}
	}
	c.JSON(http.StatusOK, gin.H{"id": c.Param("id"), "status": status, "tasks": out})
}
