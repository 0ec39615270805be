package store

import (
	"context"
	"strings"
	"time"

	"gorm.io/gorm/clause"

	"tandem/calendar"
	"tandem/domain"
)

// CoverageCounts are an area's organizations by coverage. Operating organizations are those
// in the roster (not missing) that neither the last visit nor the registration status says
// have stopped: the denominator of every rate.
type CoverageCounts struct {
	Operating int `json:"operating"`
	Single    int `json:"single"`
	Joint     int `json:"joint"`
	Regional  int `json:"regional"`
	Work      int `json:"work"`
	// Temporary: of the regional ones, those covered by a temporary branch 临时党支部 (its own
	// column: a temporary branch is never 单建 and counts only as regional coverage).
	Temporary int `json:"temporary"`
}

func (c *CoverageCounts) add(o CoverageCounts) {
	c.Operating += o.Operating
	c.Single += o.Single
	c.Joint += o.Joint
	c.Regional += o.Regional
	c.Work += o.Work
	c.Temporary += o.Temporary
}

// CoverageRow is one county or industry committee of the coverage report.
type CoverageRow struct {
	Unit domain.Unit
	CoverageCounts
}

type unitCounts struct {
	UnitID string
	CoverageCounts
}

// coverageSelect groups the operating organizations by their responsible unit on a net, from
// organizations (now) or, with at, from organization_history's rows valid at that instant.
func (s *Store) coverageSelect(unitCol string, at bool) string {
	from := `organizations o WHERE `
	if at {
		from = historyAt + ` AND `
	}
	return `SELECT ` + unitCol + ` AS unit_id, count(*) AS operating,
		SUM(CASE WHEN coverage = 'single' THEN 1 ELSE 0 END) AS single,
		SUM(CASE WHEN coverage = 'joint' THEN 1 ELSE 0 END) AS joint,
		SUM(CASE WHEN coverage = 'regional' THEN 1 ELSE 0 END) AS regional,
		SUM(CASE WHEN coverage = 'work' THEN 1 ELSE 0 END) AS work,
		SUM(CASE WHEN coverage = 'regional' AND temporary_branch THEN 1 ELSE 0 END) AS temporary
		FROM ` + from + unitCol + ` IS NOT NULL AND ` + s.CountedOperating("o") + ` GROUP BY ` + unitCol
}

// historyAt is each organization's state valid at the instant @at, from organization_states (the
// ended states of organization_history and the current ones of organizations; 00022, 00028).
const historyAt = `organization_states o WHERE o.valid_from <= @at AND (o.valid_to IS NULL OR o.valid_to > @at)`

// liveCounts counts now, per responsible unit on each net.
func (s *Store) liveCounts(ctx context.Context) (region, industry []unitCounts, err error) {
	if err = s.db.WithContext(ctx).Raw(s.coverageSelect("region_unit_id", false)).Scan(&region).Error; err != nil {
		return nil, nil, translate(err, "coverage")
	}
	if err = s.db.WithContext(ctx).Raw(s.coverageSelect("industry_unit_id", false)).Scan(&industry).Error; err != nil {
		return nil, nil, translate(err, "coverage")
	}
	return region, industry, nil
}

// countsAt counts as of an instant from the history, per responsible unit on each net, and how
// many of the organizations counted have a state at that instant not known from the history
// (rows backfilled by 00022, whose state is known only from known_from).
func (s *Store) countsAt(ctx context.Context, at time.Time) (region, industry []unitCounts, approximate int, err error) {
	arg := map[string]any{"at": at.UTC()}
	if err = s.db.WithContext(ctx).Raw(s.coverageSelect("region_unit_id", true), arg).Scan(&region).Error; err != nil {
		return nil, nil, 0, translate(err, "organization history")
	}
	if err = s.db.WithContext(ctx).Raw(s.coverageSelect("industry_unit_id", true), arg).Scan(&industry).Error; err != nil {
		return nil, nil, 0, translate(err, "organization history")
	}
	var n int64
	if err = s.db.WithContext(ctx).Raw(`SELECT count(*) FROM `+historyAt+` AND o.known_from > @at`, arg).Scan(&n).Error; err != nil {
		return nil, nil, 0, translate(err, "organization history")
	}
	return region, industry, int(n), nil
}

type snapshotRow struct {
	Month   string
	UnitID  string
	Net     string
	TakenAt time.Time
	CoverageCounts
}

func (snapshotRow) TableName() string { return "coverage_snapshots" }

// TakeCoverageSnapshot stores the counts per responsible unit as the figures of a month
// (YYYY-MM); a month already taken is kept as it was. It reports whether it took one.
func (s *Store) TakeCoverageSnapshot(ctx context.Context, month string) (bool, error) {
	var n int64
	if err := s.db.WithContext(ctx).Model(&snapshotRow{}).Where("month = ?", month).Count(&n).Error; err != nil {
		return false, translate(err, "coverage snapshot")
	}
	if n > 0 {
		return false, nil
	}
	region, industry, err := s.liveCounts(ctx)
	if err != nil {
		return false, err
	}
	now := s.Now()
	rows := make([]snapshotRow, 0, len(region)+len(industry))
	for _, c := range region {
		rows = append(rows, snapshotRow{Month: month, UnitID: c.UnitID, Net: string(domain.NetRegion), TakenAt: now, CoverageCounts: c.CoverageCounts})
	}
	for _, c := range industry {
		rows = append(rows, snapshotRow{Month: month, UnitID: c.UnitID, Net: string(domain.NetIndustry), TakenAt: now, CoverageCounts: c.CoverageCounts})
	}
	if len(rows) == 0 {
		// An empty roster still marks the month as taken (with a row of zeros on a root unit).
		return true, translate(s.db.WithContext(ctx).Exec(`INSERT INTO coverage_snapshots (month, unit_id, net, operating, single, joint, regional, work, taken_at)
			SELECT ?, id, 'none', 0, 0, 0, 0, 0, ? FROM units WHERE parent_id IS NULL LIMIT 1`, month, now).Error, "coverage snapshot")
	}
	err = s.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).CreateInBatches(&rows, 500).Error
	return true, translate(err, "coverage snapshot")
}

// CoverageMonthEnd returns the month (YYYY-MM) that ended last before t, in Shanghai time.
func CoverageMonthEnd(t time.Time) string {
	local := t.In(calendar.Shanghai)
	return time.Date(local.Year(), local.Month(), 1, 0, 0, 0, 0, calendar.Shanghai).AddDate(0, -1, 0).Format("2006-01")
}

// CoverageReport returns the coverage of every county and industry committee the caller views,
// now (month "") or as of a month-end from the stored snapshot. With a unit, the rows are the
// counties and committees within or above it; a unit below them (a township, a park) gets its
// own row. Without a unit, an admin gets every county and committee and anyone else the rows of
// each unit they belong to.
func (s *Store) CoverageReport(ctx context.Context, p domain.Principal, unit *domain.Unit, month string) ([]CoverageRow, error) {
	var region, industry []unitCounts
	if month == "" {
		var err error
		if region, industry, err = s.liveCounts(ctx); err != nil {
			return nil, err
		}
	} else {
		var snaps []snapshotRow
		if err := s.db.WithContext(ctx).Where("month = ?", month).Find(&snaps).Error; err != nil {
			return nil, translate(err, "coverage snapshot")
		}
		if len(snaps) == 0 {
			return nil, domain.Errorf(domain.ENOTFOUND, "%s没有月末覆盖快照：只保存了Tandem运行过的月份数据（可按具体日期或时刻查询）", month)
		}
		for _, r := range snaps {
			switch domain.Net(r.Net) {
			case domain.NetRegion:
				region = append(region, unitCounts{UnitID: r.UnitID, CoverageCounts: r.CoverageCounts})
			case domain.NetIndustry:
				industry = append(industry, unitCounts{UnitID: r.UnitID, CoverageCounts: r.CoverageCounts})
			}
		}
	}
	return s.coverageReport(ctx, p, unit, region, industry)
}

// CoverageReportAt is the coverage report as of an instant, from the history: each
// organization's responsible units, coverage and operating state as they were then (the
// current unit tree sums them). The AsOf says so, and how many organizations' state at that
// instant predates the history.
func (s *Store) CoverageReportAt(ctx context.Context, p domain.Principal, unit *domain.Unit, at time.Time) ([]CoverageRow, domain.AsOf, error) {
	region, industry, approximate, err := s.countsAt(ctx, at)
	if err != nil {
		return nil, domain.AsOf{}, err
	}
	rows, err := s.coverageReport(ctx, p, unit, region, industry)
	if err != nil {
		return nil, domain.AsOf{}, err
	}
	a := domain.AsOf{At: at.In(calendar.Shanghai), Basis: domain.AsOfInstant, Approximate: approximate}
	a.Label = AsOfLabel(a)
	return rows, a, nil
}

func (s *Store) coverageReport(ctx context.Context, p domain.Principal, unit *domain.Unit, region, industry []unitCounts) ([]CoverageRow, error) {
	if unit != nil || p.Admin {
		return s.coverageRows(ctx, p, unit, region, industry)
	}
	// Without a unit, a user who is not an admin gets the rows unit=<their unit> gives, for each
	// unit they belong to on the two nets: a township officer their township, a county officer
	// their county.
	var out []CoverageRow
	seen := map[string]bool{}
	for _, m := range p.Memberships {
		if seen[m.UnitID] {
			continue
		}
		seen[m.UnitID] = true
		u, err := s.GetUnit(ctx, p, m.UnitID)
		if err != nil {
			return nil, err
		}
		if u.Net != domain.NetRegion && u.Net != domain.NetIndustry {
			continue
		}
		rows, err := s.coverageRows(ctx, p, &u, region, industry)
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			if !seen["row:"+r.Unit.ID] {
				seen["row:"+r.Unit.ID] = true
				out = append(out, r)
			}
		}
	}
	return out, nil
}

// coverageRows sums the counts per responsible unit into the rows of the coverage report: the
// counties and committees the caller views within or above unit (all of them without one), or
// unit itself when it is below them.
func (s *Store) coverageRows(ctx context.Context, p domain.Principal, unit *domain.Unit, region, industry []unitCounts) ([]CoverageRow, error) {
	var units []unitRow
	if unit != nil && unit.Kind != domain.KindCounty && unit.Kind != domain.KindCommittee && unit.Kind != domain.KindCity {
		units = []unitRow{{ID: unit.ID, Name: unit.Name, Net: string(unit.Net), Kind: string(unit.Kind), ParentID: unit.ParentID, Path: unit.Path}}
	} else if err := scoped(s.db.WithContext(ctx).Model(&unitRow{}), "path", p).
		Where("merged_into IS NULL AND (kind = ? OR kind = ?)", string(domain.KindCounty), string(domain.KindCommittee)).
		Order("net, path").Find(&units).Error; err != nil {
		return nil, translate(err, "units")
	}
	var all []unitRow
	if err := s.db.WithContext(ctx).Model(&unitRow{}).Select("id, path").Find(&all).Error; err != nil {
		return nil, translate(err, "units")
	}
	pathOf := make(map[string]string, len(all))
	for _, u := range all {
		pathOf[u.ID] = u.Path
	}
	var out []CoverageRow
	for _, u := range units {
		if unit != nil && !strings.HasPrefix(u.Path, unit.Path) && !strings.HasPrefix(unit.Path, u.Path) {
			continue
		}
		counts := region
		if u.Net == string(domain.NetIndustry) {
			counts = industry
		}
		row := CoverageRow{Unit: u.domain()}
		for _, c := range counts {
			if strings.HasPrefix(pathOf[c.UnitID], u.Path) {
				row.add(c.CoverageCounts)
			}
		}
		out = append(out, row)
	}
	return out, nil
}
