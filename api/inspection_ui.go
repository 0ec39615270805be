package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"tandem/domain"
)

// inspectionUIRoutes are the reads the web UI's forms for #19 need beyond the process's own
// routes: the methods a round may plan (the draft form's choices) and the demonstration points'
// self-assessment checklist (the nomination form's lines). Both are the configured lists the
// store checks a request against, so the form offers exactly what the server accepts.
func (s *Server) inspectionUIRoutes(a *gin.RouterGroup) {
	a.GET("/inspection-methods", s.inspectionMethods)
	a.GET("/demonstration-checklist", s.demonstrationChecklist)
	a.GET("/inspection-vocabulary", s.inspectionVocabulary)
}

// word is a vocabulary's code with its Chinese word.
type word struct {
	Code  string `json:"code"`
	Label string `json:"label"`
}

func words[T interface {
	~string
	Label() string
}](codes []T) []word {
	out := make([]word, len(codes))
	for i, c := range codes {
		out[i] = word{Code: string(c), Label: c.Label()}
	}
	return out
}

// inspectionVocabulary lists the statuses of rounds, rectification items and demonstration
// points and the team's posts, each with its Chinese word (domain's Label), in their order: the
// filters' choices, so that the UI keeps no words of its own.
func (s *Server) inspectionVocabulary(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"round_statuses": words(domain.InspectionStatuses), "item_statuses": words(domain.RectificationStatuses),
		"point_statuses": words(domain.DemonstrationStatuses), "posts": words(domain.TeamPosts)})
}

func (s *Server) inspectionMethods(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"items": s.App.Inspections.Methods()})
}

func (s *Server) demonstrationChecklist(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"items": s.App.Demonstrations.Checklist()})
}
