package store

import (
	"context"
	"encoding/json"
	"time"

	"gorm.io/gorm/clause"

	"tandem/domain"
)

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
	if err := s.db.WithContext(ctx).Model(&unitRow{}).Select("id, path").Find(&all).Error; err != nil {
		return f, translate(err, "units")
	}
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
