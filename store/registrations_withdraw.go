package store

import (
	"context"

	"gorm.io/gorm"
)

// WithdrawSurvey expires an unanswered registration's survey link now: the compensation when
// the workflow that follows the survey could not start, so that no enterprise answers a survey
// nobody follows. The registration (and the organization it put on the roster) stays recorded.
func (s *Store) WithdrawSurvey(ctx context.Context, registrationID, actor string) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var reg Registration
		if err := tx.Where("id = ?", registrationID).Take(&reg).Error; err != nil {
			return translate(err, "registration")
		}
		now := s.Now()
		res := tx.Model(&Registration{}).Where("id = ? AND answered_at IS NULL", reg.ID).Update("expires_at", now)
		if res.Error != nil {
			return translate(res.Error, "registration")
		}
		if res.RowsAffected == 0 {
			return nil // answered meanwhile: nothing to withdraw
		}
		var path string
		if err := tx.Table("organizations").Where("uscc = ?", reg.USCC).Pluck("region_path", &path).Error; err != nil {
			return translate(err, "organization")
		}
		return s.audit(ctx, tx, actor, "registration.withdraw", "organization", reg.USCC, path,
			map[string]any{"registration_id": reg.ID, "expires_at": reg.ExpiresAt},
			map[string]any{"registration_id": reg.ID, "expires_at": now, "reason": "the survey's follow-up could not start"})
	})
}
