package store

import (
	"context"
	"fmt"
	"time"

	"tandem/calendar"
	"tandem/domain"
)

// How organizations are counted, defined once (docs/figures.md). Every figure (coverage report,
// bulletin, quarterly analysis, assessment metrics) counts through Store.CountedOperating (operating.go), so the rule
// saying which organizations form the denominator has one home.

// asOfPeriod describes figures of a period taken at at, when its month's data was in: the
// delivery window closed, or every delivery came in before (the monthly workflow makes the
// bulletin and the month's snapshot then).
func asOfPeriod(at time.Time, period string) domain.AsOf {
	a := domain.AsOf{At: at.In(calendar.Shanghai), Basis: domain.AsOfPeriodClose, Period: period}
	a.Label = AsOfLabel(a)
	return a
}

// asOfNow describes figures read at now.
func asOfNow(now time.Time) domain.AsOf {
	a := domain.AsOf{At: now.In(calendar.Shanghai), Basis: domain.AsOfNow}
	a.Label = AsOfLabel(a)
	return a
}

// LastMonthDataIn reports whether the figures of a period's last month are fixed, so that the
// period's figures can be read from them: the month's snapshot is taken, or its monthly period
// has ended without one. With no monthly period of it yet, a scheduled period waits (the monthly
// schedule starts it at the same hour) and one run by hand does not (none may ever come).
func (s *Store) LastMonthDataIn(ctx context.Context, kind, key string) (bool, error) {
	p, err := calendar.ParsePeriod(kind, key)
	if err != nil {
		return false, domain.Errorf(domain.EINVALID, "%v", err)
	}
	month := p.LastMonth()
	var snaps int64
	if err := s.db.WithContext(ctx).Model(&snapshotRow{}).Where("month = ?", month).Count(&snaps).Error; err != nil {
		return false, translate(err, "coverage snapshot")
	}
	if snaps > 0 {
		return true, nil
	}
	var periods []PeriodRow
	if err := s.db.WithContext(ctx).Where("(kind = ? AND period = ?) OR (kind = ? AND period = ?)", calendar.Monthly, month, kind, key).
		Find(&periods).Error; err != nil {
		return false, translate(err, "periods")
	}
	scheduled := false
	for _, r := range periods {
		if r.Kind == calendar.Monthly {
			return r.Status != string(domain.PeriodRunning), nil
		}
		scheduled = r.Trigger == "schedule"
	}
	return !scheduled, nil
}

// monthFigures sums a month's snapshot over the responsible units under path on a net: the
// state when the month's data was in. It returns nil when the month has no snapshot.
func (s *Store) monthFigures(ctx context.Context, month string, net domain.Net, path string) (*CoverageCounts, *domain.AsOf, error) {
	var snaps []snapshotRow
	if err := s.db.WithContext(ctx).Table("coverage_snapshots s").Joins("JOIN units u ON u.id = s.unit_id").
		Where(`s.month = ? AND s.net = ? AND u.path LIKE ? ESCAPE '\'`, month, string(net), escapeLike(path)+"%").
		Select("s.*").Find(&snaps).Error; err != nil {
		return nil, nil, translate(err, "coverage snapshot")
	}
	if len(snaps) == 0 {
		// A month whose snapshot holds only the marker row of an empty roster counts as taken.
		var n int64
		if err := s.db.WithContext(ctx).Model(&snapshotRow{}).Where("month = ?", month).Count(&n).Error; err != nil || n == 0 {
			return nil, nil, translate(err, "coverage snapshot")
		}
		var first snapshotRow
		if err := s.db.WithContext(ctx).Where("month = ?", month).Take(&first).Error; err != nil {
			return nil, nil, translate(err, "coverage snapshot")
		}
		a := asOfPeriod(first.TakenAt, month)
		return &CoverageCounts{}, &a, nil
	}
	var c CoverageCounts
	for _, sn := range snaps {
		c.add(sn.CoverageCounts)
	}
	a := asOfPeriod(snaps[0].TakenAt, month)
	return &c, &a, nil
}

// AsOfLabel is what a document prints beside its figures: the instant in Shanghai and what it is.
func AsOfLabel(a domain.AsOf) string {
	label := "数据截至" + calendar.FormatTimeCN(a.At)
	switch {
	case a.Basis == domain.AsOfPeriodClose && a.Period != "":
		label += "（" + calendar.PeriodLabelCN(a.Period) + "数据报送结束时的状态）"
	case a.Basis == domain.AsOfInstant && a.Approximate > 0:
		label += fmt.Sprintf("（该时刻的状态，据组织变更记录；其中%d个组织在记录开始前的状态按记录开始时计）", a.Approximate)
	case a.Basis == domain.AsOfInstant:
		label += "（该时刻的状态，据组织变更记录）"
	default:
		label += "（查询时的状态）"
	}
	return label
}

// CoverageAsOf says which instant the coverage report of a month describes: the month's snapshot,
// taken when its data was in; month "" is now.
func (s *Store) CoverageAsOf(ctx context.Context, month string) (domain.AsOf, error) {
	if month == "" {
		return asOfNow(s.Now()), nil
	}
	var first snapshotRow
	if err := s.db.WithContext(ctx).Where("month = ?", month).Order("taken_at").Limit(1).Take(&first).Error; err != nil {
		return domain.AsOf{}, translate(err, "coverage snapshot")
	}
	return asOfPeriod(first.TakenAt, month), nil
}
