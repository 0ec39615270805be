package store

import (
	"context"
	"time"

	"gorm.io/gorm/clause"
)

type idempotencyRow struct {
	UserID      string `gorm:"primaryKey"`
	Key         string `gorm:"primaryKey"`
	Method      string
	Path        string
	RequestHash string
	Status      int
	Body        string
	CreatedAt   time.Time
}

func (idempotencyRow) TableName() string { return "idempotency_keys" }

// IdempotentResponse is the first answer to a request with an Idempotency-Key.
type IdempotentResponse struct {
	Method      string
	Path        string
	RequestHash string
	Status      int // 0 while the first request is still being served
	Body        string
}

// ReserveIdempotencyKey claims key for a user's request. It reports reserved=true when this
// request is the first with the key; otherwise it returns what is stored for the key.
func (s *Store) ReserveIdempotencyKey(ctx context.Context, userID, key, method, path, requestHash string) (IdempotentResponse, bool, error) {
	res := s.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&idempotencyRow{
		UserID: userID, Key: key, Method: method, Path: path, RequestHash: requestHash, CreatedAt: s.Now(),
	})
	if res.Error != nil {
		return IdempotentResponse{}, false, translate(res.Error, "idempotency key")
	}
	if res.RowsAffected == 1 {
		return IdempotentResponse{}, true, nil
	}
	var row idempotencyRow
	if err := s.db.WithContext(ctx).Where("user_id = ? AND key = ?", userID, key).Take(&row).Error; err != nil {
		return IdempotentResponse{}, false, translate(err, "idempotency key")
	}
	return IdempotentResponse{Method: row.Method, Path: row.Path, RequestHash: row.RequestHash, Status: row.Status, Body: row.Body}, false, nil
}

// FinishIdempotencyKey stores the answer given to the first request with key.
func (s *Store) FinishIdempotencyKey(ctx context.Context, userID, key string, status int, body string) error {
	return translate(s.db.WithContext(ctx).Model(&idempotencyRow{}).Where("user_id = ? AND key = ?", userID, key).
		Updates(map[string]any{"status": status, "body": body}).Error, "idempotency key")
}

// ReleaseIdempotencyKey forgets a key whose first request failed for a reason worth retrying.
func (s *Store) ReleaseIdempotencyKey(ctx context.Context, userID, key string) error {
	return translate(s.db.WithContext(ctx).Where("user_id = ? AND key = ?", userID, key).Delete(&idempotencyRow{}).Error, "idempotency key")
}

// DeleteIdempotencyKeysBefore removes keys older than t; it returns how many.
func (s *Store) DeleteIdempotencyKeysBefore(ctx context.Context, t time.Time) (int64, error) {
	res := s.db.WithContext(ctx).Where("created_at < ?", t).Delete(&idempotencyRow{})
	return res.RowsAffected, translate(res.Error, "idempotency keys")
}
