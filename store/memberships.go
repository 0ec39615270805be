package store

import (
	"context"
	"errors"

	"gorm.io/gorm"

	"tandem/domain"
)

// principalOf loads an enabled user's memberships, to check what they may see.
func (s *Store) principalOf(ctx context.Context, username string) (domain.Principal, error) {
	var row userRow
	if err := s.db.WithContext(ctx).Where("username = ? AND disabled_at IS NULL", username).Take(&row).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return domain.Principal{}, domain.Invalid("用户不存在", domain.FieldFailed("assignee", domain.CodeNoSuchUser))
		}
		return domain.Principal{}, translate(err, "user")
	}
	ms, err := s.memberships(ctx, s.db, []string{row.ID})
	if err != nil {
		return domain.Principal{}, err
	}
	return domain.Principal{UserID: row.ID, Username: row.Username, Admin: row.IsAdmin, Memberships: ms[row.ID]}, nil
}

// UsersWithRole lists the enabled users holding role in exactly the unit.
func (s *Store) UsersWithRole(ctx context.Context, unitID string, role domain.Role) ([]string, error) {
	var names []string
	err := s.db.WithContext(ctx).Table("memberships m").Joins("JOIN users u ON u.id = m.user_id").
		Where("m.unit_id = ? AND m.role = ? AND u.disabled_at IS NULL", unitID, string(role)).
		Order("u.username").Pluck("u.username", &names).Error
	return names, translate(err, "users")
}
