package store

import (
	"context"
	"time"

	"tandem/calendar"
	"tandem/domain"
)

// MaxTrendMonths bounds a coverage trend.
const MaxTrendMonths = 36

// CoveragePoint is one month-end of a coverage trend: the unit's counts from that month's
// snapshot (the organizations its subtree is responsible for on its net), or Taken false when
// Tandem took no snapshot that month (it had not run through that month-end).
type CoveragePoint struct {
	Month string // YYYY-MM
	Taken bool
	AsOf  domain.AsOf // the instant the figures describe (Taken only)
	CoverageCounts
}

// CoverageTrend returns the month-end figures of unit (which the caller must view: the API
// reads it with GetUnit) for the months months that ended last before now, oldest first, in
// two queries.
func (s *Store) CoverageTrend(ctx context.Context, unit domain.Unit, months int) ([]CoveragePoint, error) {
	months = max(1, min(months, MaxTrendMonths))
	last, err := time.ParseInLocation("2006-01", CoverageMonthEnd(s.Now()), calendar.Shanghai)
	if err != nil {
		return nil, err
	}
	out := make([]CoveragePoint, months)
	keys := make([]string, months)
	for i := range out {
		out[i].Month = last.AddDate(0, i-months+1, 0).Format("2006-01")
		keys[i] = out[i].Month
	}
	var taken []struct {
		Month   string
		TakenAt time.Time
	}
	// One month's rows share the instant TakeCoverageSnapshot took them (DISTINCT, not MIN: SQLite
	// hands an aggregate of a DATETIME back as text).
	if err := s.db.WithContext(ctx).Model(&snapshotRow{}).Distinct("month", "taken_at").
		Where("month IN ?", keys).Scan(&taken).Error; err != nil {
		return nil, translate(err, "coverage snapshots")
	}
	var sums []struct {
		Month string
		CoverageCounts
	}
	if err := s.db.WithContext(ctx).Table("coverage_snapshots cs").Joins("JOIN units u ON u.id = cs.unit_id").
		Select(`cs.month, SUM(cs.operating) AS operating, SUM(cs.single) AS single, SUM(cs.joint) AS joint,
			SUM(cs.regional) AS regional, SUM(cs.work) AS work, SUM(cs.temporary) AS temporary`).
		Where(`cs.month IN ? AND cs.net = ? AND u.path LIKE ? ESCAPE '\'`, keys, string(unit.Net), escapeLike(unit.Path)+"%").
		Group("cs.month").Scan(&sums).Error; err != nil {
		return nil, translate(err, "coverage snapshots")
	}
	for i := range out {
		for _, t := range taken {
			if t.Month == out[i].Month && (!out[i].Taken || t.TakenAt.Before(out[i].AsOf.At)) {
				out[i].Taken, out[i].AsOf = true, asOfPeriod(t.TakenAt, t.Month)
			}
		}
		for _, sum := range sums {
			if sum.Month == out[i].Month {
				out[i].CoverageCounts = sum.CoverageCounts
			}
		}
	}
	return out, nil
}
