package store

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm/clause"

	"tandem/calendar"
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

// BulletinRow is one township, park or industry committee of a county's bulletin. A township
// with parks has a row of its own (without the parks), a row per park, then its subtotal.
type BulletinRow struct {
	UnitID            string       `json:"unit_id"`
	Name              string       `json:"name"`
	Net               string       `json:"net"`
	Kind              string       `json:"kind,omitempty"`     // the unit's kind: township, park, committee, …
	Subtotal          bool         `json:"subtotal,omitempty"` // a township with its parks
	Organizations     int          `json:"organizations"`
	Verified          int          `json:"verified"`
	Operating         int          `json:"operating"`
	Single            int          `json:"single"`
	Joint             int          `json:"joint"`
	Regional          int          `json:"regional"`
	Work              int          `json:"work"`
	Temporary         int          `json:"temporary"`                      // of the regional: covered by a temporary branch 临时党支部
	CoverageRate      float64      `json:"organization_coverage"`          // (single + joint) / operating
	Coverage          domain.Rate  `json:"organization_coverage_rate"`     // the same with numerator and denominator
	PreviousRate      *float64     `json:"previous_organization_coverage"` // as of last month's snapshot, when there is one
	Previous          *domain.Rate `json:"previous_organization_coverage_rate"`
	FormationsRunning int          `json:"formations_running"`
	FormationsOverdue int          `json:"formations_overdue"`
	OverdueTasks      int          `json:"overdue_tasks"`
}

// BulletinFigures is a county's bulletin.
type BulletinFigures struct {
	Period   string        `json:"period"`
	CountyID string        `json:"county_id"`
	County   string        `json:"county"`
	AsOf     domain.AsOf   `json:"as_of"`
	Rows     []BulletinRow `json:"rows"`
	Total    BulletinRow   `json:"total"`
}

// UnmarshalJSON reads stored bulletins, also those from before as_of said what it is (a bare
// time) and before the rates carried their counts.
func (f *BulletinFigures) UnmarshalJSON(b []byte) error {
	type plain BulletinFigures
	var raw struct {
		plain
		AsOf json.RawMessage `json:"as_of"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	*f = BulletinFigures(raw.plain)
	if len(raw.AsOf) > 0 && raw.AsOf[0] == '"' {
		var at time.Time
		if err := json.Unmarshal(raw.AsOf, &at); err != nil {
			return err
		}
		f.AsOf = domain.AsOf{At: at.In(calendar.Shanghai), Basis: domain.AsOfNow, Period: f.Period}
	} else if len(raw.AsOf) > 0 {
		if err := json.Unmarshal(raw.AsOf, &f.AsOf); err != nil {
			return err
		}
	}
	f.AsOf.At = f.AsOf.At.In(calendar.Shanghai)
	if f.AsOf.Label == "" {
		f.AsOf.Label = AsOfLabel(f.AsOf)
	}
	fill := func(r *BulletinRow) {
		r.Coverage = domain.RateOf(r.Single+r.Joint, r.Operating)
		if r.PreviousRate != nil && r.Previous == nil {
			v := domain.Rate{Value: *r.PreviousRate}
			r.Previous = &v
		}
	}
	for i := range f.Rows {
		fill(&f.Rows[i])
	}
	fill(&f.Total)
	return nil
}

func rateOf(n, d int) float64 { return domain.RateOf(n, d).Value }

// figureArea is where a figure counts: the organizations whose region path starts with Region
// and (when set) whose industry path starts with Industry, less those under any of Except.
type figureArea struct {
	Region, Industry string
	Except           []string
}

// areaFigures counts the organizations of an area.
func (s *Store) areaFigures(ctx context.Context, area figureArea, now time.Time) (BulletinRow, error) {
	var r BulletinRow
	where := `NOT o.missing AND o.region_path LIKE ? ESCAPE '\'`
	args := []any{escapeLike(area.Region) + "%"}
	if area.Industry != "" {
		where += ` AND o.industry_path LIKE ? ESCAPE '\'`
		args = append(args, escapeLike(area.Industry)+"%")
	}
	for _, x := range area.Except {
		where += ` AND o.region_path NOT LIKE ? ESCAPE '\'`
		args = append(args, escapeLike(x)+"%")
	}
	counted := s.CountedOperating("o")
	var c struct{ Organizations, Verified, Operating, Single, Joint, Regional, Work, Temporary int }
	if err := s.db.WithContext(ctx).Raw(`SELECT count(*) AS organizations,
		SUM(CASE WHEN o.visited_at IS NOT NULL THEN 1 ELSE 0 END) AS verified,
		SUM(CASE WHEN `+counted+` THEN 1 ELSE 0 END) AS operating,
		SUM(CASE WHEN `+counted+` AND o.coverage = 'single' THEN 1 ELSE 0 END) AS single,
		SUM(CASE WHEN `+counted+` AND o.coverage = 'joint' THEN 1 ELSE 0 END) AS joint,
		SUM(CASE WHEN `+counted+` AND o.coverage = 'regional' THEN 1 ELSE 0 END) AS regional,
		SUM(CASE WHEN `+counted+` AND o.coverage = 'work' THEN 1 ELSE 0 END) AS work,
		SUM(CASE WHEN `+counted+` AND o.coverage = 'regional' AND o.temporary_branch THEN 1 ELSE 0 END) AS temporary
		FROM organizations o WHERE `+where, args...).Scan(&c).Error; err != nil {
		return r, translate(err, "bulletin")
	}
	r.Organizations, r.Verified, r.Operating, r.Single, r.Joint, r.Regional, r.Work = c.Organizations, c.Verified, c.Operating, c.Single, c.Joint, c.Regional, c.Work
	r.Temporary = c.Temporary
	r.Coverage = domain.RateOf(r.Single+r.Joint, r.Operating)
	r.CoverageRate = r.Coverage.Value
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

// MakeBulletin computes and stores a county's bulletin for a monthly period: one row per
// township (its parks left out), per park and per industry committee, a subtotal for each
// township with parks; the previous month's rate comes from that month's coverage snapshot.
// The figures are the state now: the monthly workflow makes the bulletin when the month's data
// is in (the window closed, or every delivery came in before), which as_of says. Making it again returns the stored one.
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
	f := BulletinFigures{Period: month, CountyID: county.ID, County: county.Name, AsOf: asOfPeriod(now, month)}
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
	if err := s.db.WithContext(ctx).Model(&unitRow{}).Select("id, path, parent_id, kind, name, net, merged_into").Order("name").Find(&all).Error; err != nil {
		return f, translate(err, "units")
	}
	parksOf := map[string][]unitRow{}
	for _, u := range all {
		pathOf[u.ID] = u.Path
		if u.Kind == string(domain.KindPark) && u.ParentID != nil && u.MergedInto == nil {
			parksOf[*u.ParentID] = append(parksOf[*u.ParentID], u)
		}
	}
	previous := func(area figureArea) (*float64, *domain.Rate) {
		if len(snaps) == 0 {
			return nil, nil
		}
		var c CoverageCounts
		for _, sn := range snaps {
			p := pathOf[sn.UnitID]
			if !strings.HasPrefix(p, area.Region) || slices.ContainsFunc(area.Except, func(x string) bool { return strings.HasPrefix(p, x) }) {
				continue
			}
			c.add(sn.CoverageCounts)
		}
		r := domain.RateOf(c.Single+c.Joint, c.Operating)
		return &r.Value, &r
	}
	overdueTasks := func(area figureArea) (int, error) {
		q := s.db.WithContext(ctx).Table("tasks").Where(`unit_path LIKE ? ESCAPE '\' AND status IN ('open', 'claimed') AND due_at < ?`,
			escapeLike(area.Region)+"%", now)
		for _, x := range area.Except {
			q = q.Where(`unit_path NOT LIKE ? ESCAPE '\'`, escapeLike(x)+"%")
		}
		var n int64
		err := q.Count(&n).Error
		return int(n), translate(err, "tasks")
	}
	row := func(u unitRow, area figureArea) (BulletinRow, error) {
		r, err := s.areaFigures(ctx, area, now)
		if err != nil {
			return r, err
		}
		r.UnitID, r.Name, r.Net, r.Kind = u.ID, u.Name, u.Net, u.Kind
		if area.Industry == "" {
			r.PreviousRate, r.Previous = previous(area)
			if r.OverdueTasks, err = overdueTasks(area); err != nil {
				return r, err
			}
		}
		return r, nil
	}
	for _, t := range towns {
		parks := parksOf[t.ID]
		var except []string
		for _, pk := range parks {
			except = append(except, pk.Path)
		}
		own, err := row(t, figureArea{Region: t.Path, Except: except})
		if err != nil {
			return f, err
		}
		if len(parks) > 0 {
			own.Name = t.Name + "（不含园区）"
		}
		f.Rows = append(f.Rows, own)
		if len(parks) == 0 {
			continue
		}
		for _, pk := range parks {
			r, err := row(pk, figureArea{Region: pk.Path})
			if err != nil {
				return f, err
			}
			f.Rows = append(f.Rows, r)
		}
		sub, err := row(t, figureArea{Region: t.Path})
		if err != nil {
			return f, err
		}
		sub.Name, sub.Subtotal = t.Name+"小计", true
		f.Rows = append(f.Rows, sub)
	}
	var committees []unitRow
	if err := s.db.WithContext(ctx).Where(`net = ? AND kind = ? AND merged_into IS NULL AND EXISTS (SELECT 1 FROM organizations o
		WHERE o.industry_path LIKE units.path || '%' AND o.region_path LIKE ? ESCAPE '\')`,
		string(domain.NetIndustry), string(domain.KindCommittee), escapeLike(county.Path)+"%").Order("name").Find(&committees).Error; err != nil {
		return f, translate(err, "units")
	}
	for _, cm := range committees {
		r, err := row(cm, figureArea{Region: county.Path, Industry: cm.Path})
		if err != nil {
			return f, err
		}
		f.Rows = append(f.Rows, r)
	}
	total, err := row(county, figureArea{Region: county.Path})
	if err != nil {
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
