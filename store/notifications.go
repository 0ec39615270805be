package store

import (
	"context"
	"time"

	"gorm.io/gorm/clause"

	"tandem/domain"
)

type notificationRow struct {
	ID          string `gorm:"primaryKey"`
	Username    string
	Key         string
	Kind        string
	Title       string
	Body        string
	TaskID      *string
	Link        string
	SubjectType string
	Subject     string
	ReadAt      *time.Time
	CreatedAt   time.Time
}

func (notificationRow) TableName() string { return "notifications" }

// Notification is a message in a user's in-app list.
type Notification struct {
	ID          string
	Kind        string
	Title       string
	Body        string
	TaskID      *string
	Link        string
	SubjectType domain.SubjectType
	Subject     string
	ReadAt      *time.Time
	CreatedAt   time.Time
}

// AddNotifications stores one notification per recipient; the notice's key makes a retry a
// no-op.
func (s *Store) AddNotifications(ctx context.Context, recipients []string, n domain.Notice) error {
	if len(recipients) == 0 {
		return nil
	}
	rows := make([]notificationRow, len(recipients))
	for i, u := range recipients {
		rows[i] = notificationRow{ID: newID(), Username: u, Key: n.Key, Kind: n.Kind, Title: domain.Truncate(n.Title, domain.MaxTaskTitle),
			Body: n.Body, Link: n.Link, SubjectType: string(n.SubjectType), Subject: n.Subject, CreatedAt: s.Now()}
		if n.TaskID != "" {
			rows[i].TaskID = &n.TaskID
		}
	}
	return translate(s.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&rows).Error, "notifications")
}

// ListNotifications returns the caller's notifications, newest first.
func (s *Store) ListNotifications(ctx context.Context, p domain.Principal, unreadOnly bool, page Page) ([]Notification, string, error) {
	q := s.db.WithContext(ctx).Model(&notificationRow{}).Where("username = ?", p.Username)
	if unreadOnly {
		q = q.Where("read_at IS NULL")
	}
	if page.Cursor != "" {
		c, err := decodeCursor(page.Cursor)
		if err != nil {
			return nil, "", err
		}
		q = q.Where("id < ?", c)
	}
	var rows []notificationRow
	if err := q.Order("id DESC").Limit(page.limit() + 1).Find(&rows).Error; err != nil {
		return nil, "", translate(err, "notifications")
	}
	rows, next := nextCursor(rows, page, func(r notificationRow) string { return r.ID })
	out := make([]Notification, len(rows))
	for i, r := range rows {
		out[i] = Notification{ID: r.ID, Kind: r.Kind, Title: r.Title, Body: r.Body, TaskID: r.TaskID, Link: r.Link,
			SubjectType: domain.SubjectType(r.SubjectType), Subject: r.Subject, ReadAt: r.ReadAt, CreatedAt: r.CreatedAt}
	}
	return out, next, nil
}

// MarkNotificationRead marks one of the caller's notifications read.
func (s *Store) MarkNotificationRead(ctx context.Context, p domain.Principal, id string) error {
	res := s.db.WithContext(ctx).Model(&notificationRow{}).Where("id = ? AND username = ?", id, p.Username).
		Update("read_at", s.Now())
	if res.Error != nil {
		return translate(res.Error, "notification")
	}
	if res.RowsAffected == 0 {
		return domain.Errorf(domain.ENOTFOUND, "通知不存在或无权查看")
	}
	return nil
}
