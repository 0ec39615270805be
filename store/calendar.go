package store

import (
	"context"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"tandem/domain"
)

type calendarOverrideRow struct {
	Date      string `gorm:"primaryKey"`
	Workday   bool
	Name      string
	UpdatedBy string
	UpdatedAt time.Time
}

func (calendarOverrideRow) TableName() string { return "calendar_overrides" }

// CalendarOverride is a local correction of the working-day calendar for one date.
type CalendarOverride struct {
	Date      string
	Workday   bool
	Name      string
	UpdatedBy string
	UpdatedAt time.Time
}

// CalendarOverrides lists every override, by date.
func (s *Store) CalendarOverrides(ctx context.Context) ([]CalendarOverride, error) {
	var rows []calendarOverrideRow
	if err := s.db.WithContext(ctx).Order("date").Find(&rows).Error; err != nil {
		return nil, translate(err, "calendar overrides")
	}
	out := make([]CalendarOverride, len(rows))
	for i, r := range rows {
		out[i] = CalendarOverride(r)
	}
	return out, nil
}

// PutCalendarOverride sets the override of a date (admins only).
func (s *Store) PutCalendarOverride(ctx context.Context, p domain.Principal, o CalendarOverride) (CalendarOverride, error) {
	if !p.Admin {
		return CalendarOverride{}, domain.Errorf(domain.EFORBIDDEN, "只有管理员可以修改工作日历")
	}
	row := calendarOverrideRow{Date: o.Date, Workday: o.Workday, Name: o.Name, UpdatedBy: p.Username, UpdatedAt: s.Now()}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var old *calendarOverrideRow
		var cur calendarOverrideRow
		if err := tx.Where("date = ?", o.Date).Take(&cur).Error; err == nil {
			old = &cur
		}
		if err := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "date"}}, UpdateAll: true}).Create(&row).Error; err != nil {
			return translate(err, "calendar override")
		}
		var oldV any
		if old != nil {
			oldV = map[string]any{"workday": old.Workday, "name": old.Name}
		}
		return s.audit(ctx, tx, p.Username, "calendar.override", "calendar", o.Date, "", oldV, map[string]any{"workday": row.Workday, "name": row.Name})
	})
	return CalendarOverride(row), err
}

// DeleteCalendarOverride removes the override of a date (admins only).
func (s *Store) DeleteCalendarOverride(ctx context.Context, p domain.Principal, date string) error {
	if !p.Admin {
		return domain.Errorf(domain.EFORBIDDEN, "只有管理员可以修改工作日历")
	}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var cur calendarOverrideRow
		if err := tx.Where("date = ?", date).Take(&cur).Error; err != nil {
			return translate(err, "calendar override")
		}
		if err := tx.Where("date = ?", date).Delete(&calendarOverrideRow{}).Error; err != nil {
			return translate(err, "calendar override")
		}
		return s.audit(ctx, tx, p.Username, "calendar.override_delete", "calendar", date, "", map[string]any{"workday": cur.Workday, "name": cur.Name}, nil)
	})
}
