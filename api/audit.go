package api

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"tandem/store"
)

type auditResponse struct {
	ID          int64           `json:"id"`
	At          time.Time       `json:"at"`
	Actor       string          `json:"actor"`
	Action      string          `json:"action"`
	SubjectType string          `json:"subject_type"`
	SubjectID   string          `json:"subject_id"`
	Old         json.RawMessage `json:"old"`
	New         json.RawMessage `json:"new"`
	RequestID   string          `json:"request_id,omitempty"`
}

func rawJSON(s string) json.RawMessage {
	if s == "" {
		return json.RawMessage("null")
	}
	return json.RawMessage(s)
}

// listAudit lists audit records, newest first; `subject` is "type:id" or an ID, `actor` a username.
func (s *Server) listAudit(c *gin.Context) {
	page, err := pageFrom(c)
	if err != nil {
		fail(c, err)
		return
	}
	f := store.AuditFilter{Actor: c.Query("actor"), SubjectType: c.Query("subject_type"), SubjectID: c.Query("subject"), Page: page}
	events, next, err := s.Store.ListAudit(c.Request.Context(), principal(c), f)
	if err != nil {
		fail(c, err)
		return
	}
	out := make([]auditResponse, len(events))
	for i, e := range events {
		out[i] = auditResponse{ID: e.ID, At: e.At, Actor: e.Actor, Action: e.Action, SubjectType: e.SubjectType,
			SubjectID: e.SubjectID, Old: rawJSON(e.Old), New: rawJSON(e.New), RequestID: e.RequestID}
	}
	c.JSON(http.StatusOK, list(out, next))
}
