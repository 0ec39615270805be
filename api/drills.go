package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"tandem/app"
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
	d, err := s.App.Drills.Start(c.Request.Context(), principal(c), app.StartDrill{UnitID: req.UnitID, Role: req.Role,
		Assignee: req.Assignee, DueWorkingDays: req.DueWorkingDays, Note: req.Note})
	if err != nil {
		fail(c, err)
		return
	}
	c.Header("Location", "/api/v1/drills/"+d.ID)
	c.JSON(http.StatusAccepted, gin.H{"id": d.ID, "workflow_id": d.WorkflowID})
}

// getDrill shows a drill's tasks (those the caller may view).
func (s *Server) getDrill(c *gin.Context) {
	tasks, _, err := s.Store.ListTasks(c.Request.Context(), principal(c), store.TaskFilter{
		Visible: true, WorkflowID: workflows.DrillWorkflowID(c.Param("id")), Page: store.Page{Limit: domain.MaxPageSize},
		Statuses: []domain.TaskStatus{domain.TaskOpen, domain.TaskClaimed, domain.TaskCompleted, domain.TaskCancelled},
	})
	if err != nil {
		fail(c, err)
		return
	}
	if len(tasks) == 0 {
		fail(c, domain.Errorf(domain.ENOTFOUND, "演练不存在或无权查看"))
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
