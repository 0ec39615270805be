package store

import (
	"context"
	"time"

	"gorm.io/gorm"

	"tandem/calendar"
	"tandem/domain"
)

// TaskCounts are the inbox's numbers for one filter: totals, and a count per value of the
// kind, status and unit filters (each of those leaves out its own filter, so that the UI can
// print "普查核查 (12)" beside every choice it offers).
type TaskCounts struct {
	Total       int
	Overdue     int // active and past due
	DueThisWeek int // active, not yet overdue, due by the end of this week (Sunday 24:00 Shanghai)
	ByKind      []TaskCount
	ByStatus    []TaskCount
	ByUnit      []UnitTaskCount // most tasks first, at most MaxCountedUnits
	// UnitsTruncated: more units hold tasks than ByUnit lists.
	UnitsTruncated bool
}

// TaskCount is the number of tasks with one value (a kind or a status).
type TaskCount struct {
	Value string
	Count int
}

// UnitTaskCount is the number of tasks of one unit.
type UnitTaskCount struct {
	UnitID, UnitName string
	Count            int
}

// MaxCountedUnits bounds TaskCounts.ByUnit.
const MaxCountedUnits = 100

// WeekEnd is the end of the week (00:00 of the next Monday, Asia/Shanghai) that holds now.
func WeekEnd(now time.Time) time.Time {
	local := now.In(calendar.Shanghai)
	y, m, d := local.Date()
	days := (7 - (int(local.Weekday())+6)%7) // Monday: 7 … Sunday: 1
	return time.Date(y, m, d+days, 0, 0, 0, 0, calendar.Shanghai).UTC()
}

// CountTasks counts the tasks f selects (its page and sort ignored) within the caller's scope,
// in four queries: the totals, and one per dimension.
func (s *Store) CountTasks(ctx context.Context, p domain.Principal, f TaskFilter) (TaskCounts, error) {
	var out TaskCounts
	now := s.Now()
	base := func(skip taskDimension) *gorm.DB {
		return s.filterTasks(s.db.WithContext(ctx).Table("tasks t"), p, f, skip)
	}
	var totals struct {
		Total, Overdue, DueThisWeek int
	}
	active := "t.status IN ('open', 'claimed')"
	if err := base(dimNone).Select(`COUNT(*) AS total,
		COALESCE(SUM(CASE WHEN `+active+` AND t.due_at < ? THEN 1 ELSE 0 END), 0) AS overdue,
		COALESCE(SUM(CASE WHEN `+active+` AND t.due_at >= ? AND t.due_at <= ? THEN 1 ELSE 0 END), 0) AS due_this_week`,
		now, now, WeekEnd(now)).Scan(&totals).Error; err != nil {
		return out, translate(err, "task counts")
	}
	out.Total, out.Overdue, out.DueThisWeek = totals.Total, totals.Overdue, totals.DueThisWeek
	var err error
	if out.ByKind, err = countBy(base(dimKind), "t.kind"); err != nil {
		return out, err
	}
	if out.ByStatus, err = countBy(base(dimStatus), "t.status"); err != nil {
		return out, err
	}
	var units []struct {
		UnitID, Name string
		N            int
	}
	// Counted per unit first, then named: joining every task to its unit before grouping cost
	// a hash join over all of them (800,000 active tasks for an admin: docs/performance.md).
	perUnit := base(dimUnit).Select("t.unit_id, COUNT(*) AS n").Group("t.unit_id")
	if err := s.db.WithContext(ctx).Table("(?) c", perUnit).Joins("JOIN units u ON u.id = c.unit_id").
		Select("c.unit_id, u.name, c.n").Order("c.n DESC, c.unit_id").Limit(MaxCountedUnits + 1).Scan(&units).Error; err != nil {
		return out, translate(err, "task counts")
	}
	if len(units) > MaxCountedUnits {
		units, out.UnitsTruncated = units[:MaxCountedUnits], true
	}
	out.ByUnit = make([]UnitTaskCount, len(units))
	for i, u := range units {
		out.ByUnit[i] = UnitTaskCount{UnitID: u.UnitID, UnitName: u.Name, Count: u.N}
	}
	return out, nil
}

// countBy counts q's tasks per value of column (a bounded vocabulary: kinds, statuses).
func countBy(q *gorm.DB, column string) ([]TaskCount, error) {
	var rows []struct {
		V string
		N int
	}
	if err := q.Select(column + " AS v, COUNT(*) AS n").Group(column).Order(column).Scan(&rows).Error; err != nil {
		return nil, translate(err, "task counts")
	}
	out := make([]TaskCount, len(rows))
	for i, r := range rows {
		out[i] = TaskCount{Value: r.V, Count: r.N}
	}
	return out, nil
}
