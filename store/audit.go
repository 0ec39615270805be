package store

import (
	"context"
	"encoding/json"
	"strconv"
	"time"

	"gorm.io/gorm"

	"tandem/domain"
)

type auditRow struct {
	ID          int64 `gorm:"primaryKey"`
	At          time.Time
	Actor       string
	Action      string
	SubjectType string
	SubjectID   string
	UnitPath    string
	OldValue    string
	NewValue    string
	RequestID   string
}

func (auditRow) TableName() string { return "audit_events" }

// audit appends one record within tx. old and new are marshalled to JSON (nil → "").
func (s *Store) audit(ctx context.Context, tx *gorm.DB, actor, action, subjectType, subjectID, unitPath string, old, new any) error {
	row := auditRow{
		At: s.Now(), Actor: actor, Action: action, SubjectType: subjectType, SubjectID: subjectID,
		UnitPath: unitPath, OldValue: jsonText(old), NewValue: jsonText(new), RequestID: domain.RequestID(ctx),
	}
	return tx.WithContext(ctx).Create(&row).Error
}

func jsonText(v any) string {
	if v == nil {
		return ""
	}
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(b)
}

// AuditFilter narrows the audit trail.
type AuditFilter struct {
	SubjectType string
	SubjectID   string
	Actor       string
	Page        Page
}

// ListAudit returns audit records, newest first, that concern units the caller may view
// (admins see everything, including records tied to no unit).
func (s *Store) ListAudit(ctx context.Context, p domain.Principal, f AuditFilter) ([]domain.AuditEvent, string, error) {
	q := scoped(s.db.WithContext(ctx).Model(&auditRow{}), "unit_path", p)
	if !p.Admin {
		q = q.Where("unit_path <> ''")
	}
	if f.SubjectType != "" {
		q = q.Where("subject_type = ?", f.SubjectType)
	}
	if f.SubjectID != "" {
		q = q.Where("subject_id = ?", f.SubjectID)
	}
	if f.Actor != "" {
		q = q.Where("actor = ?", f.Actor)
	}
	if f.Page.Cursor != "" {
		c, err := decodeCursor(f.Page.Cursor)
		if err != nil {
			return nil, "", err
		}
		before, err := strconv.ParseInt(c, 10, 64)
		if err != nil {
			return nil, "", domain.Invalid("分页游标不正确", domain.FieldFailed("cursor", domain.CodeBadCursor))
		}
		q = q.Where("id < ?", before)
	}
	var rows []auditRow
	if err := q.Order("id DESC").Limit(f.Page.limit() + 1).Find(&rows).Error; err != nil {
		return nil, "", translate(err, "audit events")
	}
	rows, next := nextCursor(rows, f.Page, func(r auditRow) string { return strconv.FormatInt(r.ID, 10) })
	out := make([]domain.AuditEvent, len(rows))
	for i, r := range rows {
		out[i] = domain.AuditEvent{
			ID: r.ID, At: r.At, Actor: r.Actor, Action: r.Action, SubjectType: r.SubjectType,
			SubjectID: r.SubjectID, UnitPath: r.UnitPath, Old: r.OldValue, New: r.NewValue, RequestID: r.RequestID,
		}
	}
	return out, next, nil
}
