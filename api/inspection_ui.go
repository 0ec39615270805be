package api

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// inspectionUIRoutes are the reads the web UI's forms for #19 need beyond the process's own
// routes: the methods a round may plan (the draft form's choices) and the demonstration points'
// self-assessment checklist (the nomination form's lines). Both are the configured lists the
// store checks a request against, so the form offers exactly what the server accepts.
func (s *Server) inspectionUIRoutes(a *gin.RouterGroup) {
	a.GET("/inspection-methods", s.inspectionMethods)
	a.GET("/demonstration-checklist", s.demonstrationChecklist)
}

func (s *Server) inspectionMethods(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"items": s.App.Inspections.Methods()})
}

func (s *Server) demonstrationChecklist(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"items": s.App.Demonstrations.Checklist()})
}
