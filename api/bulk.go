package api

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"tandem/domain"
)

type bulkRequest struct {
	TaskIDs  []string `json:"task_ids"`
	Assignee string   `json:"assignee,omitempty"`
}

type bulkItem struct {
	TaskID string        `json:"task_id"`
	Status int           `json:"status"`
	Task   *taskResponse `json:"task,omitempty"`
	Error  *Problem      `json:"error,omitempty"`
}

// bulkClaim claims many tasks; each gets its own result, and one failure stops nothing.
func (s *Server) bulkClaim(c *gin.Context) {
	s.bulk(c, false, func(ctx context.Context, p domain.Principal, id, _ string) (domain.Task, error) {
		return s.Store.ClaimTask(ctx, p, id)
	})
}

// bulkAssign assigns many tasks to one user.
func (s *Server) bulkAssign(c *gin.Context) {
	s.bulk(c, true, func(ctx context.Context, p domain.Principal, id, assignee string) (domain.Task, error) {
		return s.Store.AssignTask(ctx, p, id, assignee)
	})
}

func (s *Server) bulk(c *gin.Context, needAssignee bool, act func(context.Context, domain.Principal, string, string) (domain.Task, error)) {
	var req bulkRequest
	if !bindJSON(c, &req) {
		return
	}
	var v domain.Validation
	if len(req.TaskIDs) == 0 || len(req.TaskIDs) > domain.MaxBulkTasks {
		v.AddCode("task_ids", domain.CodeOutOfRange, 1, domain.MaxBulkTasks)
	}
	if needAssignee && req.Assignee == "" {
		v.Add("assignee", "required")
	}
	if err := v.Err("批量请求不正确"); err != nil {
		fail(c, err)
		return
	}
	p := principal(c)
	now := s.now()
	results := make([]bulkItem, len(req.TaskIDs))
	for i, id := range req.TaskIDs {
		t, err := act(c.Request.Context(), p, id, req.Assignee)
		if err != nil {
			status := statusOf[domain.ErrorCode(err)]
			if status == 0 {
				status = http.StatusInternalServerError
			}
			results[i] = bulkItem{TaskID: id, Status: status, Error: &Problem{Type: "about:blank", Title: http.StatusText(status),
				Status: status, Detail: domain.ErrorMessage(err), Code: domain.ErrorCode(err)}}
			continue
		}
		tr := taskFrom(t, now)
		results[i] = bulkItem{TaskID: id, Status: http.StatusOK, Task: &tr}
	}
	c.JSON(http.StatusOK, gin.H{"results": results})
}
