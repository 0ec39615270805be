package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"tandem/domain"
)

type savedViewRow struct {
	ID        string `gorm:"primaryKey"`
	UserID    string
	Name      string
	Query     string // domain.TaskQuery as JSON
	CreatedAt time.Time
	UpdatedAt time.Time
}

func (savedViewRow) TableName() string { return "saved_views" }

func (r savedViewRow) domain() domain.SavedView {
	v := domain.SavedView{ID: r.ID, Name: r.Name, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
	_ = json.Unmarshal([]byte(r.Query), &v.Query) // written by saveView from the same type
	return v
}

// viewAudit is what the audit trail records of a view.
type viewAudit struct {
	Name  string           `json:"name"`
	Query domain.TaskQuery `json:"query"`
}

// SavedViews lists the caller's own views by name (at most domain.MaxViewsPerUser).
func (s *Store) SavedViews(ctx context.Context, p domain.Principal) ([]domain.SavedView, error) {
	var rows []savedViewRow
	if err := s.db.WithContext(ctx).Where("user_id = ?", p.UserID).Order("name, id").
		Limit(domain.MaxViewsPerUser).Find(&rows).Error; err != nil {
		return nil, translate(err, "saved views")
	}
	out := make([]domain.SavedView, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}

// CreateSavedView saves a view for the caller: the name trimmed and unique among theirs
// (ECONFLICT), the query checked, at most domain.MaxViewsPerUser (ECONFLICT past it).
func (s *Store) CreateSavedView(ctx context.Context, p domain.Principal, name string, q domain.TaskQuery) (domain.SavedView, error) {
	name, err := checkView(name, q)
	if err != nil {
		return domain.SavedView{}, err
	}
	now := s.Now()
	row := savedViewRow{ID: newID(), UserID: p.UserID, Name: name, Query: jsonText(q), CreatedAt: now, UpdatedAt: now}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// The user's row serializes their creates (PostgreSQL takes its lock; SQLite has one writer),
		// so that two at once cannot pass the bound together.
		if err := tx.Exec("UPDATE users SET updated_at = updated_at WHERE id = ?", p.UserID).Error; err != nil {
			return translate(err, "user")
		}
		var n int64
		if err := tx.Model(&savedViewRow{}).Where("user_id = ?", p.UserID).Count(&n).Error; err != nil {
			return translate(err, "saved views")
		}
		if n >= domain.MaxViewsPerUser {
			return domain.Errorf(domain.ECONFLICT, "最多保存 %d 个视图，请先删除不用的视图", domain.MaxViewsPerUser)
		}
		if err := tx.Create(&row).Error; err != nil {
			return viewConflict(translate(err, "saved view"), name)
		}
		return s.audit(ctx, tx, p.Username, "view.create", "saved_view", row.ID, "", nil, viewAudit{Name: name, Query: q})
	})
	return row.domain(), err
}

// UpdateSavedView replaces the name and query of one of the caller's views; another user's view
// is ENOTFOUND.
func (s *Store) UpdateSavedView(ctx context.Context, p domain.Principal, id, name string, q domain.TaskQuery) (domain.SavedView, error) {
	name, err := checkView(name, q)
	if err != nil {
		return domain.SavedView{}, err
	}
	var row savedViewRow
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("id = ? AND user_id = ?", id, p.UserID).Take(&row).Error; err != nil {
			return translate(err, "saved view")
		}
		old := viewAudit{Name: row.Name}
		_ = json.Unmarshal([]byte(row.Query), &old.Query)
		row.Name, row.Query, row.UpdatedAt = name, jsonText(q), s.Now()
		if err := tx.Model(&savedViewRow{}).Where("id = ?", id).
			Updates(map[string]any{"name": row.Name, "query": row.Query, "updated_at": row.UpdatedAt}).Error; err != nil {
			return viewConflict(translate(err, "saved view"), name)
		}
		return s.audit(ctx, tx, p.Username, "view.update", "saved_view", id, "", old, viewAudit{Name: name, Query: q})
	})
	return row.domain(), err
}

// DeleteSavedView deletes one of the caller's views; another user's view is ENOTFOUND.
func (s *Store) DeleteSavedView(ctx context.Context, p domain.Principal, id string) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var row savedViewRow
		if err := tx.Where("id = ? AND user_id = ?", id, p.UserID).Take(&row).Error; err != nil {
			return translate(err, "saved view")
		}
		if err := tx.Delete(&savedViewRow{}, "id = ?", id).Error; err != nil {
			return translate(err, "saved view")
		}
		old := viewAudit{Name: row.Name}
		_ = json.Unmarshal([]byte(row.Query), &old.Query)
		return s.audit(ctx, tx, p.Username, "view.delete", "saved_view", id, "", old, nil)
	})
}

// checkView checks a view to save and returns its trimmed name.
func checkView(name string, q domain.TaskQuery) (string, error) {
	var v domain.Validation
	domain.CheckView(name, q, &v)
	if err := v.Err("视图设置不正确"); err != nil {
		return "", err
	}
	return strings.TrimSpace(name), nil
}

// viewConflict says which name is taken when err is the unique index's conflict.
func viewConflict(err error, name string) error {
	if domain.ErrorCode(err) == domain.ECONFLICT {
		return domain.Invalid(fmt.Sprintf("a view named %q exists", name), domain.FieldFailed("name", domain.CodeDuplicate))
	}
	return err
}
