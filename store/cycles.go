package store

import (
	"context"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"tandem/calendar"
	"tandem/domain"
)

// PeriodRow is one period of a joint-meeting cycle.
type PeriodRow struct {
	ID             string
	Kind           string
	Period         string
	Status         string // running | done | failed
	Trigger        string // schedule | manual
	WindowOpensAt  time.Time
	WindowClosesAt time.Time
	Summary        string
	CreatedBy      string
	CreatedAt      time.Time
	FinishedAt     *time.Time
}

func (PeriodRow) TableName() string { return "periods" }

// OpenPeriod records a period once: a second call for the same kind and period returns the
// first record and created = false.
func (s *Store) OpenPeriod(ctx context.Context, kind, period, trigger, actor string, opens, closes time.Time) (PeriodRow, bool, error) {
	row := PeriodRow{ID: newID(), Kind: kind, Period: period, Status: string(domain.PeriodRunning), Trigger: trigger, WindowOpensAt: opens,
		WindowClosesAt: closes, CreatedBy: actor, CreatedAt: s.Now()}
	var created bool
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "kind"}, {Name: "period"}}, DoNothing: true}).Create(&row)
		if res.Error != nil {
			return translate(res.Error, "period")
		}
		created = res.RowsAffected == 1
		if !created {
			var existing PeriodRow
			err := tx.Where("kind = ? AND period = ?", kind, period).Take(&existing).Error
			row = existing
			return translate(err, "period")
		}
		return s.audit(ctx, tx, actor, "period.open", "period", row.ID, "", nil,
			map[string]any{"kind": kind, "period": period, "trigger": trigger, "window_closes_at": closes})
	})
	return row, created, err
}

// FinishPeriod records how a period ended, with its summary.
func (s *Store) FinishPeriod(ctx context.Context, id, status string, summary any) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Model(&PeriodRow{}).Where("id = ?", id).Updates(map[string]any{"status": status, "summary": jsonText(summary),
			"finished_at": s.Now()}).Error; err != nil {
			return translate(err, "period")
		}
		return s.audit(ctx, tx, "system", "period."+status, "period", id, "", nil, summary)
	})
}

// FindPeriod returns the period of a kind and key (2026-11, 2026-Q4, …).
func (s *Store) FindPeriod(ctx context.Context, kind, period string) (PeriodRow, error) {
	var p PeriodRow
	err := s.db.WithContext(ctx).Where("kind = ? AND period = ?", kind, period).Take(&p).Error
	return p, translate(err, "period")
}

// GetPeriod returns a period.
func (s *Store) GetPeriod(ctx context.Context, id string) (PeriodRow, error) {
	var p PeriodRow
	err := s.db.WithContext(ctx).Where("id = ?", id).Take(&p).Error
	return p, translate(err, "period")
}

// ListPeriods lists periods, newest first.
func (s *Store) ListPeriods(ctx context.Context, kind string, page Page) ([]PeriodRow, string, error) {
	q := s.db.WithContext(ctx).Model(&PeriodRow{})
	if kind != "" {
		q = q.Where("kind = ?", kind)
	}
	if page.Cursor != "" {
		c, err := decodeCursor(page.Cursor)
		if err != nil {
			return nil, "", err
		}
		q = q.Where("id < ?", c)
	}
	var rows []PeriodRow
	if err := q.Order("id DESC").Limit(page.limit() + 1).Find(&rows).Error; err != nil {
		return nil, "", translate(err, "periods")
	}
	rows, next := nextCursor(rows, page, func(p PeriodRow) string { return p.ID })
	return rows, next, nil
}

// Delivery is a department's extract for a period.
type Delivery struct {
	PeriodID    string
	UnitID      string
	Source      string // "" for deliveries recorded before each task named its source
	ImportID    string
	DeliveredBy string
	DeliveredAt time.Time
}

func (Delivery) TableName() string { return "deliveries" }

// CheckDelivery is RecordDelivery's rule, made before the liaison's answer is accepted: the
// import exists, was uploaded by the liaison delivering it, is of the task's source and
// department, is done, and was uploaded once the period's delivery window had opened (an
// extract from before is not this period's delivery).
func (s *Store) CheckDelivery(ctx context.Context, periodID, unitID, source, importID, actor string) error {
	imp, err := s.ImportByID(ctx, importID)
	switch {
	case err != nil:
		return domain.Invalid("没有该名册导入", domain.FieldFailed("import_id", domain.CodeImportMissing))
	case imp.CreatedBy != actor:
		return domain.Invalid("不是你上传的名册", domain.FieldFailed("import_id", domain.CodeImportNotYours))
	case source != "" && imp.Source != source:
		return domain.Invalid("该导入属于其他来源", domain.FieldFailed("import_id", domain.CodeImportOtherSource, source, imp.Source))
	case source != "" && imp.UnitID != unitID:
		return domain.Invalid("该导入不是为本部门报送的", domain.FieldFailed("import_id", domain.CodeImportOtherUnit))
	case imp.Status != domain.ImportDone:
		return domain.Invalid("该导入尚未完成", domain.FieldFailed("import_id", domain.CodeImportNotDone, string(imp.Status)))
	}
	p, err := s.GetPeriod(ctx, periodID)
	if err != nil {
		return err
	}
	if imp.CreatedAt.Before(p.WindowOpensAt) {
		return domain.Invalid("该名册上传于报送窗口开启之前", domain.FieldFailed("import_id", domain.CodeImportBeforeWindow,
			imp.Filename, shanghaiMinute(imp.CreatedAt), p.Period, shanghaiMinute(p.WindowOpensAt)))
	}
	return nil
}

// shanghaiMinute is a time as people read it: Asia/Shanghai, to the minute.
func shanghaiMinute(t time.Time) string { return t.In(calendar.Shanghai).Format("2006-01-02 15:04") }

// RecordDelivery links a finished roster import, uploaded by the liaison completing the task,
// to the period as the department's delivery.
func (s *Store) RecordDelivery(ctx context.Context, periodID, unitID, source, importID, actor string) error {
	if err := s.CheckDelivery(ctx, periodID, unitID, source, importID, actor); err != nil {
		return err
	}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		d := Delivery{PeriodID: periodID, UnitID: unitID, Source: source, ImportID: importID, DeliveredBy: actor, DeliveredAt: s.Now()}
		res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&d)
		if res.Error != nil || res.RowsAffected == 0 {
			return translate(res.Error, "delivery")
		}
		return s.audit(ctx, tx, actor, "period.delivery", "period", periodID, "", nil, map[string]string{"unit_id": unitID, "source": source, "import_id": importID})
	})
}

// Deliveries lists a period's deliveries.
func (s *Store) Deliveries(ctx context.Context, periodID string) ([]Delivery, error) {
	var out []Delivery
	err := s.db.WithContext(ctx).Where("period_id = ?", periodID).Order("unit_id, source").Find(&out).Error
	return out, translate(err, "deliveries")
}

// ImportsOfPeriod sums the counts of a period's delivered imports.
func (s *Store) ImportsOfPeriod(ctx context.Context, periodID string) (map[string]int, error) {
	var rows []struct {
		Rows, Accepted, Rejected, NewOrgs, Changed, Unchanged, Conflicts, Missing int
	}
	err := s.db.WithContext(ctx).Raw(`SELECT i.rows, i.accepted, i.rejected, i.new_orgs, i.changed, i.unchanged, i.conflicts, i.missing
		FROM deliveries d JOIN roster_imports i ON i.id = d.import_id WHERE d.period_id = ?`, periodID).Scan(&rows).Error
	if err != nil {
		return nil, translate(err, "deliveries")
	}
	sum := map[string]int{"deliveries": len(rows)}
	for _, r := range rows {
		sum["rows"] += r.Rows
		sum["accepted"] += r.Accepted
		sum["rejected"] += r.Rejected
		sum["new"] += r.NewOrgs
		sum["changed"] += r.Changed
		sum["unchanged"] += r.Unchanged
		sum["conflicts"] += r.Conflicts
		sum["missing"] += r.Missing
	}
	return sum, nil
}

// LedgerRows lists the organizations of a unit's subtree on its net for the ledger 台账.
func (s *Store) LedgerRows(ctx context.Context, p domain.Principal, unitID string) (domain.Unit, []OrganizationRow, error) {
	u, err := s.GetUnit(ctx, p, unitID)
	if err != nil {
		return u, nil, err
	}
	col := "region_path"
	if u.Net == domain.NetIndustry {
		col = "industry_path"
	}
	var rows []OrganizationRow
	err = s.db.WithContext(ctx).Where(col+` LIKE ? ESCAPE '\' AND NOT missing`, escapeLike(u.Path)+"%").Order("uscc").Find(&rows).Error
	return u, rows, translate(err, "organizations")
}
