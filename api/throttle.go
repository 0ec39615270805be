package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"tandem/domain"
)

// unlockUser lets an admin end a user's lock after failed sign-ins (before it runs out).
func (s *Server) unlockUser(c *gin.Context) {
	if err := s.Store.UnlockUser(c.Request.Context(), principal(c), c.Param("username")); err != nil {
		fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// surveyAllowed answers 429 and reports false while the client's address is locked for
// opening too many unknown survey links (guessing tokens).
func (s *Server) surveyAllowed(c *gin.Context) bool {
	if err := s.Auth.CheckSurveyAddress(c.Request.Context(), c.ClientIP()); err != nil {
		fail(c, err)
		return false
	}
	return true
}

// failSurvey renders err of a survey lookup, counting a token that matched nothing.
func (s *Server) failSurvey(c *gin.Context, err error) {
	if domain.ErrorCode(err) == domain.ENOTFOUND {
		if err := s.Auth.SurveyMiss(c.Request.Context(), c.ClientIP()); err != nil {
			fail(c, err)
			return
		}
	}
	fail(c, err)
}
