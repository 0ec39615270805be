package api

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"tandem/activities"
	"tandem/domain"
	"tandem/workflows"
)

type selfCheckResponse struct {
	WorkflowID string `json:"workflow_id"`
	activities.SelfCheckResult
	TookMS int64 `json:"took_ms"`
}

// selfCheck runs SelfCheckWorkflow and waits for it: proof that workflows run end to end.
func (s *Server) selfCheck(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 30*time.Second)
	defer cancel()
	start := time.Now()
	id := workflows.SelfCheckWorkflowID(uuid.NewString())
	run, err := s.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: workflows.TaskQueue}, workflows.SelfCheckWorkflowName)
	if err != nil {
		fail(c, domain.Errorf(domain.EUNAVAILABLE, "could not start the self-check workflow"))
		return
	}
	var res activities.SelfCheckResult
	if err := run.Get(ctx, &res); err != nil {
		fail(c, domain.Errorf(domain.EUNAVAILABLE, "the self-check workflow did not finish: is a worker running?"))
		return
	}
	c.JSON(http.StatusOK, selfCheckResponse{WorkflowID: id, SelfCheckResult: res, TookMS: time.Since(start).Milliseconds()})
}

// temporalSearch sets Tandem's search attributes on a workflow, so operators can find it.
func temporalSearch(unitID, subject string) temporal.SearchAttributes {
	return temporal.NewSearchAttributes(workflows.SearchUnit.ValueSet(unitID), workflows.SearchSubject.ValueSet(subject))
}
