package store

import (
	"context"
	"strings"
	"time"

	"gorm.io/gorm"

	"tandem/domain"
)

type commentRow struct {
	ID        string `gorm:"primaryKey"`
	TaskID    string
	Author    string
	Body      string
	CreatedAt time.Time
}

func (commentRow) TableName() string { return "task_comments" }

// AddComment adds a remark to a task the caller may view.
func (s *Store) AddComment(ctx context.Context, p domain.Principal, taskID, body string) (domain.TaskComment, error) {
	if err := domain.ValidateComment(body); err != nil {
		return domain.TaskComment{}, err
	}
	t, err := s.GetTask(ctx, p, taskID)
	if err != nil {
		return domain.TaskComment{}, err
	}
	row := commentRow{ID: newID(), TaskID: t.ID, Author: p.Username, Body: strings.TrimSpace(body), CreatedAt: s.Now()}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&row).Error; err != nil {
			return translate(err, "comment")
		}
		if err := s.taskEvent(ctx, tx, t.ID, p.Username, "commented", map[string]string{"comment_id": row.ID}); err != nil {
			return err
		}
		return s.audit(ctx, tx, p.Username, "task.comment", "task", t.ID, t.UnitPath, nil, map[string]string{"comment_id": row.ID, "body": row.Body})
	})
	return domain.TaskComment{ID: row.ID, TaskID: row.TaskID, Author: row.Author, Body: row.Body, CreatedAt: row.CreatedAt}, err
}

// TaskComments returns a task's comments, oldest first.
func (s *Store) TaskComments(ctx context.Context, taskID string) ([]domain.TaskComment, error) {
	var rows []commentRow
	if err := s.db.WithContext(ctx).Where("task_id = ?", taskID).Order("id").Find(&rows).Error; err != nil {
		return nil, translate(err, "comments")
	}
	out := make([]domain.TaskComment, len(rows))
	for i, r := range rows {
		out[i] = domain.TaskComment{ID: r.ID, TaskID: r.TaskID, Author: r.Author, Body: r.Body, CreatedAt: r.CreatedAt}
	}
	return out, nil
}
