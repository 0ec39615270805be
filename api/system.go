package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"tandem/activities"
)

type selfCheckResponse struct {
	WorkflowID string `json:"workflow_id"`
	activities.SelfCheckResult
	TookMS int64 `json:"took_ms"`
}

// selfCheck runs SelfCheckWorkflow and waits for it: proof that workflows run end to end.
func (s *Server) selfCheck(c *gin.Context) {
	r, err := s.App.System.SelfCheck(c.Request.Context())
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, selfCheckResponse{WorkflowID: r.WorkflowID, SelfCheckResult: r.SelfCheckResult, TookMS: r.Took.Milliseconds()})
}
