package store

import (
	"context"
	"encoding/json"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

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

// PeriodWorkflowID names the one workflow of a period.
func PeriodWorkflowID(kind, period string) string { return "period/" + kind + "/" + period }

// OpenPeriod records a period once: a second call for the same kind and period returns the
// first record and created = false.
func (s *Store) OpenPeriod(ctx context.Context, kind, period, trigger, actor string, opens, closes time.Time) (PeriodRow, bool, error) {
	row := PeriodRow{ID: newID(), Kind: kind, Period: period, Status: "running", Trigger: trigger, WindowOpensAt: opens,
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

// DepartmentUnits lists the member departments of the joint meeting (units of the department
// net), which deliver an extract every month.
func (s *Store) DepartmentUnits(ctx context.Context) ([]domain.Unit, error) {
	var rows []unitRow
	if err := s.db.WithContext(ctx).Where("net = ? AND merged_into IS NULL", string(domain.NetDepartment)).Order("name").Find(&rows).Error; err != nil {
		return nil, translate(err, "units")
	}
	out := make([]domain.Unit, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
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

// RecordDelivery links a finished roster import, uploaded by the liaison completing the task,
// to the period as the department's delivery.
func (s *Store) RecordDelivery(ctx context.Context, periodID, unitID, source, importID, actor string) error {
	imp, err := s.ImportByID(ctx, importID)
	switch {
	case err != nil:
		return domain.Invalid("no such roster import", domain.FieldError{Field: "import_id", Reason: "upload the extract first (POST /roster-imports)"})
	case imp.CreatedBy != actor:
		return domain.Invalid("not your import", domain.FieldError{Field: "import_id", Reason: "the extract must be uploaded by the liaison who delivers it"})
	case source != "" && imp.Source != source:
		return domain.Invalid("an import of another source", domain.FieldError{Field: "import_id",
			Reason: "this task expects the " + source + " extract; the import is of " + imp.Source})
	case source != "" && imp.UnitID != unitID:
		return domain.Invalid("not delivered for this department", domain.FieldError{Field: "import_id",
			Reason: "the import was not delivered for the department this task belongs to"})
	case imp.Status != ImportDone:
		return domain.Invalid("the import is not done", domain.FieldError{Field: "import_id", Reason: "the import is " + imp.Status})
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

// ChangedRounds records census rounds (one per root region unit) over the organizations new or
// changed since a time: the monthly docking sends them to the townships.
func (s *Store) ChangedRounds(ctx context.Context, since time.Time, actor string) ([]CensusRound, error) {
	var roots []unitRow
	if err := s.db.WithContext(ctx).Where("net = ? AND parent_id IS NULL AND merged_into IS NULL", string(domain.NetRegion)).Order("path").Find(&roots).Error; err != nil {
		return nil, translate(err, "units")
	}
	var out []CensusRound
	for _, u := range roots {
		r, err := s.CreateRound(ctx, domain.Principal{Username: actor, Admin: true}, RoundStart{UnitID: u.ID, Selection: "changed", Since: &since})
		if err != nil {
			return nil, err
		}
		if r.Total > 0 {
			out = append(out, r)
		} else if err := s.EndRound(ctx, r.ID, "done", actor); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Bulletin is a county's monthly bulletin 通报.
type Bulletin struct {
	PeriodID  string
	CountyID  string
	Figures   string
	CreatedAt time.Time
}

func (Bulletin) TableName() string { return "bulletins" }

// BulletinRow is one township or industry committee of a county's bulletin.
type BulletinRow struct {
	UnitID            string   `json:"unit_id"`
	Name              string   `json:"name"`
	Net               string   `json:"net"`
	Organizations     int      `json:"organizations"`
	Verified          int      `json:"verified"`
	Operating         int      `json:"operating"`
	Single            int      `json:"single"`
	Joint             int      `json:"joint"`
	Regional          int      `json:"regional"`
	Work              int      `json:"work"`
	CoverageRate      float64  `json:"organization_coverage"`          // (single + joint) / operating
	PreviousRate      *float64 `json:"previous_organization_coverage"` // as of last month's snapshot, when there is one
	FormationsRunning int      `json:"formations_running"`
	FormationsOverdue int      `json:"formations_overdue"`
	OverdueTasks      int      `json:"overdue_tasks"`
}

// BulletinFigures is a county's bulletin.
type BulletinFigures struct {
	Period   string        `json:"period"`
	CountyID string        `json:"county_id"`
	County   string        `json:"county"`
	AsOf     time.Time     `json:"as_of"`
	Rows     []BulletinRow `json:"rows"`
	Total    BulletinRow   `json:"total"`
}

func rateOf(n, d int) float64 {
	if d == 0 {
		return 0
	}
	return float64(n*10000/d) / 10000
}

// areaFigures counts the organizations whose region path starts with regionPrefix and (when
// set) whose industry path starts with industryPrefix.
func (s *Store) areaFigures(ctx context.Context, regionPrefix, industryPrefix string, now time.Time) (BulletinRow, error) {
	var r BulletinRow
	where := `NOT o.missing AND o.region_path LIKE ? ESCAPE '\'`
	args := []any{escapeLike(regionPrefix) + "%"}
	if industryPrefix != "" {
		where += ` AND o.industry_path LIKE ? ESCAPE '\'`
		args = append(args, escapeLike(industryPrefix)+"%")
	}
	var c struct{ Organizations, Verified, Operating, Single, Joint, Regional, Work int }
	if err := s.db.WithContext(ctx).Raw(`SELECT count(*) AS organizations,
		SUM(CASE WHEN o.visited_at IS NOT NULL THEN 1 ELSE 0 END) AS verified,
		SUM(CASE WHEN COALESCE(o.visited_operating, o.operating, TRUE) THEN 1 ELSE 0 END) AS operating,
		SUM(CASE WHEN COALESCE(o.visited_operating, o.operating, TRUE) AND o.coverage = 'single' THEN 1 ELSE 0 END) AS single,
		SUM(CASE WHEN COALESCE(o.visited_operating, o.operating, TRUE) AND o.coverage = 'joint' THEN 1 ELSE 0 END) AS joint,
		SUM(CASE WHEN COALESCE(o.visited_operating, o.operating, TRUE) AND o.coverage = 'regional' THEN 1 ELSE 0 END) AS regional,
		SUM(CASE WHEN COALESCE(o.visited_operating, o.operating, TRUE) AND o.coverage = 'work' THEN 1 ELSE 0 END) AS work
		FROM organizations o WHERE `+where, args...).Scan(&c).Error; err != nil {
		return r, translate(err, "bulletin")
	}
	r.Organizations, r.Verified, r.Operating, r.Single, r.Joint, r.Regional, r.Work = c.Organizations, c.Verified, c.Operating, c.Single, c.Joint, c.Regional, c.Work
	r.CoverageRate = rateOf(r.Single+r.Joint, r.Operating)
	fwhere := `f.status = 'running' AND EXISTS (SELECT 1 FROM formation_organizations x JOIN organizations o ON o.uscc = x.uscc
		WHERE x.formation_id = f.id AND ` + where + `)`
	var running, overdue int64
	if err := s.db.WithContext(ctx).Table("formations f").Where(fwhere, args...).Count(&running).Error; err != nil {
		return r, translate(err, "bulletin")
	}
	if err := s.db.WithContext(ctx).Table("formations f").Where(fwhere+` AND EXISTS (SELECT 1 FROM tasks t
		WHERE t.workflow_id = f.workflow_id AND t.status IN ('open', 'claimed') AND t.due_at < ?)`, append(args, now)...).Count(&overdue).Error; err != nil {
		return r, translate(err, "bulletin")
	}
	r.FormationsRunning, r.FormationsOverdue = int(running), int(overdue)
	return r, nil
}

// MakeBulletin computes and stores a county's bulletin for a monthly period; the previous
// month's rate comes from that month's coverage snapshot. Making it again returns the stored
// one.
func (s *Store) MakeBulletin(ctx context.Context, periodID, countyID, month, previousMonth string) (BulletinFigures, error) {
	var b Bulletin
	if err := s.db.WithContext(ctx).Where("period_id = ? AND county_id = ?", periodID, countyID).Take(&b).Error; err == nil {
		var f BulletinFigures
		return f, json.Unmarshal([]byte(b.Figures), &f)
	}
	var county unitRow
	if err := s.db.WithContext(ctx).Where("id = ?", countyID).Take(&county).Error; err != nil {
		return BulletinFigures{}, translate(err, "unit")
	}
	now := s.Now()
	f := BulletinFigures{Period: month, CountyID: county.ID, County: county.Name, AsOf: now}
	var towns []unitRow
	if err := s.db.WithContext(ctx).Where("parent_id = ? AND net = ? AND merged_into IS NULL", county.ID, string(domain.NetRegion)).
		Order("name").Find(&towns).Error; err != nil {
		return f, translate(err, "units")
	}
	var snaps []snapshotRow
	if err := s.db.WithContext(ctx).Where("month = ? AND net = ?", previousMonth, string(domain.NetRegion)).Find(&snaps).Error; err != nil {
		return f, translate(err, "coverage snapshot")
	}
	pathOf := map[string]string{}
	var all []unitRow
	s.db.WithContext(ctx).Model(&unitRow{}).Select("id, path").Find(&all)
	for _, u := range all {
		pathOf[u.ID] = u.Path
	}
	previous := func(prefix string) *float64 {
		if len(snaps) == 0 {
			return nil
		}
		var c CoverageCounts
		for _, sn := range snaps {
			if len(pathOf[sn.UnitID]) >= len(prefix) && pathOf[sn.UnitID][:len(prefix)] == prefix {
				c.add(sn.CoverageCounts)
			}
		}
		v := rateOf(c.Single+c.Joint, c.Operating)
		return &v
	}
	overdueTasks := func(prefix string) (int, error) {
		var n int64
		err := s.db.WithContext(ctx).Table("tasks").Where(`unit_path LIKE ? ESCAPE '\' AND status IN ('open', 'claimed') AND due_at < ?`,
			escapeLike(prefix)+"%", now).Count(&n).Error
		return int(n), translate(err, "tasks")
	}
	for _, t := range towns {
		row, err := s.areaFigures(ctx, t.Path, "", now)
		if err != nil {
			return f, err
		}
		row.UnitID, row.Name, row.Net, row.PreviousRate = t.ID, t.Name, t.Net, previous(t.Path)
		if row.OverdueTasks, err = overdueTasks(t.Path); err != nil {
			return f, err
		}
		f.Rows = append(f.Rows, row)
	}
	var committees []unitRow
	if err := s.db.WithContext(ctx).Where(`net = ? AND kind = ? AND merged_into IS NULL AND EXISTS (SELECT 1 FROM organizations o
		WHERE o.industry_path LIKE units.path || '%' AND o.region_path LIKE ? ESCAPE '\')`,
		string(domain.NetIndustry), string(domain.KindCommittee), escapeLike(county.Path)+"%").Order("name").Find(&committees).Error; err != nil {
		return f, translate(err, "units")
	}
	for _, cm := range committees {
		row, err := s.areaFigures(ctx, county.Path, cm.Path, now)
		if err != nil {
			return f, err
		}
		row.UnitID, row.Name, row.Net = cm.ID, cm.Name, cm.Net
		f.Rows = append(f.Rows, row)
	}
	total, err := s.areaFigures(ctx, county.Path, "", now)
	if err != nil {
		return f, err
	}
	total.UnitID, total.Name, total.Net, total.PreviousRate = county.ID, county.Name, county.Net, previous(county.Path)
	if total.OverdueTasks, err = overdueTasks(county.Path); err != nil {
		return f, err
	}
	f.Total = total
	b = Bulletin{PeriodID: periodID, CountyID: county.ID, Figures: jsonText(f), CreatedAt: now}
	err = s.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&b).Error
	return f, translate(err, "bulletin")
}

// Counties lists the county units (the bulletins go to each).
func (s *Store) Counties(ctx context.Context) ([]domain.Unit, error) {
	return s.unitsOfKind(ctx, domain.KindCounty)
}

// Committees lists the industry committees.
func (s *Store) Committees(ctx context.Context) ([]domain.Unit, error) {
	return s.unitsOfKind(ctx, domain.KindCommittee)
}

func (s *Store) unitsOfKind(ctx context.Context, kind domain.UnitKind) ([]domain.Unit, error) {
	var rows []unitRow
	if err := s.db.WithContext(ctx).Where("kind = ? AND merged_into IS NULL", string(kind)).Order("path").Find(&rows).Error; err != nil {
		return nil, translate(err, "units")
	}
	out := make([]domain.Unit, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}

// GetBulletin returns a county's bulletin of a period, for those who view the county.
func (s *Store) GetBulletin(ctx context.Context, p domain.Principal, periodID, countyID string) (BulletinFigures, error) {
	var f BulletinFigures
	if _, err := s.GetUnit(ctx, p, countyID); err != nil {
		return f, err
	}
	var b Bulletin
	if err := s.db.WithContext(ctx).Where("period_id = ? AND county_id = ?", periodID, countyID).Take(&b).Error; err != nil {
		return f, translate(err, "bulletin")
	}
	err := json.Unmarshal([]byte(b.Figures), &f)
	return f, err
}

// BulletinCounties lists the counties a period has bulletins for.
func (s *Store) BulletinCounties(ctx context.Context, periodID string) ([]string, error) {
	var ids []string
	err := s.db.WithContext(ctx).Model(&Bulletin{}).Where("period_id = ?", periodID).Order("county_id").Pluck("county_id", &ids).Error
	return ids, translate(err, "bulletins")
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
