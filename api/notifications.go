package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

type notificationResponse struct {
	ID          string     `json:"id"`
	Kind        string     `json:"kind"`
	Title       string     `json:"title"`
	Body        string     `json:"body"`
	TaskID      *string    `json:"task_id"`
	Link        string     `json:"link"`
	SubjectType string     `json:"subject_type"`
	Subject     string     `json:"subject"`
	ReadAt      *time.Time `json:"read_at"`
	CreatedAt   time.Time  `json:"created_at"`
}

func (s *Server) listNotifications(c *gin.Context) {
	page, err := pageFrom(c)
	if err != nil {
		fail(c, err)
		return
	}
	ns, next, err := s.Store.ListNotifications(c.Request.Context(), principal(c), c.Query("unread") == "true", page)
	if err != nil {
		fail(c, err)
		return
	}
	out := make([]notificationResponse, len(ns))
	for i, n := range ns {
		out[i] = notificationResponse{ID: n.ID, Kind: n.Kind, Title: n.Title, Body: n.Body, TaskID: n.TaskID, Link: n.Link,
			SubjectType: string(n.SubjectType), Subject: n.Subject, ReadAt: n.ReadAt, CreatedAt: n.CreatedAt}
	}
	c.JSON(http.StatusOK, list(out, next))
}

func (s *Server) readNotification(c *gin.Context) {
	if err := s.Store.MarkNotificationRead(c.Request.Context(), principal(c), c.Param("id")); err != nil {
		fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
