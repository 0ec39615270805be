// Package calendar is the Chinese working-day calendar (工作日) behind Tandem's
// deadlines such as "within 5 working days".
//
// A civil date is a working day by this precedence: an admin override for the
// date, else lunar-go's official record (放假 or 调休上班), else the weekend rule
// (Saturday and Sunday off). Official data ends at LastOfficialYear; answers for
// later dates that rest on the weekend rule alone are flagged provisional so a
// caller can show "subject to the State Council notice" instead of being
// silently wrong once the real 放假安排 is published.
package calendar

import (
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/6tail/lunar-go/HolidayUtil"
)

// Shanghai is China Standard Time. China has had no DST since 1991, so a fixed zone is exact
// and needs no tzdata in the binary.
var Shanghai = time.FixedZone("CST", 8*3600)

// Override is a local correction of one civil date.
type Override struct {
	Date    string // "2006-01-02"
	Workday bool   // true: a working day (e.g. a make-up day), false: a day off
	Name    string // e.g. "市级地方假日"
}

// Deadline is a moment with a flag saying whether it was computed past the last year with official data.
type Deadline struct {
	At          time.Time
	Provisional bool
}

// Calendar is immutable after New, so one value can be shared by all goroutines.
//
// Days are numbered from 1970-01-01 (day 0) in Shanghai civil time. Only dates
// that differ from "no information" are stored (official records and
// overrides); everything else follows the weekend rule, which can be counted
// arithmetically. That keeps every operation O(log entries) however far apart
// the dates are, instead of walking day by day.
type Calendar struct {
	// days is sorted; work[i] is the answer for days[i].
	days []int64
	work []bool
	// adjust[i] is the sum, over days[:i], of (+1 if a weekend day is made a
	// working day, -1 if a weekday is made a day off), so the working days in
	// any range are the range's weekdays plus one prefix-sum difference.
	adjust []int64
	// overridden is sorted; only these days escape the provisional flag.
	overridden []int64
	lastYear   int
	// provisionalFrom is 1 January of the first year without official data.
	provisionalFrom int64
}

const (
	secondsPerDay = 86400
	shanghaiShift = 8 * 3600

	// lunar-go's table starts in 2001; probing from 1949 (the first year the
	// PRC could have issued a notice) to 2199 finds the data's real extent
	// without hard-coding it, at the cost of ~250 string searches once.
	firstProbeYear = 1949
	lastProbeYear  = 2199

	// Larger counts would push day*secondsPerDay past int64 and time.Time's
	// range. 2^40 working days is ~4 billion years, so clamping there changes
	// no real deadline and lets callers pass any int without a panic.
	maxWorkingDays = 1 << 40
	maxMonths      = maxWorkingDays / 31
)

type officialData struct {
	days     []int64
	work     []bool
	lastYear int
}

// official reads lunar-go once per process: its table is a package-level
// string too slow to re-scan per lookup, and after this copy a later
// HolidayUtil.Fix (which rewrites that string without locking) cannot race
// with our lookups.
var official = sync.OnceValues(func() (officialData, error) {
	var o officialData
	byDay := make(map[int64]bool)
	for y := firstProbeYear; y <= lastProbeYear; y++ {
		l := HolidayUtil.GetHolidaysByYear(y)
		for e := l.Front(); e != nil; e = e.Next() {
			h, ok := e.Value.(*HolidayUtil.Holiday)
			if !ok || h == nil {
				continue
			}
			d, err := parseDay(h.GetDay())
			if err != nil {
				return officialData{}, fmt.Errorf("calendar: lunar-go record %q: %w", h.String(), err)
			}
			// GetHoliday answers with the first record for a date, so keep the first too.
			if _, dup := byDay[d]; !dup {
				byDay[d] = h.IsWork()
			}
			o.lastYear = y
		}
	}
	for d := range byDay {
		o.days = append(o.days, d)
	}
	slices.Sort(o.days)
	o.work = make([]bool, len(o.days))
	for i, d := range o.days {
		o.work[i] = byDay[d]
	}
	return o, nil
})

// New returns a calendar over lunar-go's official data and the given overrides (overrides win).
// It returns an error for an override whose Date does not parse.
// When two overrides name the same date, the later one wins, matching how an
// admin would read a list of corrections top to bottom.
func New(overrides []Override) (*Calendar, error) {
	o, err := official()
	if err != nil {
		return nil, err
	}
	merged := make(map[int64]bool, len(o.days)+len(overrides))
	for i, d := range o.days {
		merged[d] = o.work[i]
	}
	isOverride := make(map[int64]bool, len(overrides))
	for _, ov := range overrides {
		d, err := parseDay(ov.Date)
		if err != nil {
			return nil, fmt.Errorf("calendar: override %q (%s): %w", ov.Date, ov.Name, err)
		}
		merged[d] = ov.Workday
		isOverride[d] = true
	}

	c := &Calendar{
		days:            make([]int64, 0, len(merged)),
		lastYear:        o.lastYear,
		provisionalFrom: civilDay(o.lastYear+1, time.January, 1),
	}
	for d := range merged {
		c.days = append(c.days, d)
	}
	slices.Sort(c.days)
	c.work = make([]bool, len(c.days))
	c.adjust = make([]int64, len(c.days)+1)
	for i, d := range c.days {
		w := merged[d]
		c.work[i] = w
		var a int64
		switch {
		case w && !isWeekday(d):
			a = 1
		case !w && isWeekday(d):
			a = -1
		}
		c.adjust[i+1] = c.adjust[i] + a
	}
	c.overridden = make([]int64, 0, len(isOverride))
	for d := range isOverride {
		c.overridden = append(c.overridden, d)
	}
	slices.Sort(c.overridden)
	return c, nil
}

// LastOfficialYear is the last year for which official holiday data exists.
func (c *Calendar) LastOfficialYear() int { return c.lastYear }

// IsWorkday reports whether the civil date of t (in Shanghai) is a working day, and whether
// that answer is provisional (year > LastOfficialYear and no override for that date).
func (c *Calendar) IsWorkday(t time.Time) (workday, provisional bool) {
	d := dayOf(t)
	return c.isWorkday(d), c.provisional(d, d)
}

// AddWorkingDays returns the start (00:00 Shanghai) of the n-th working day after the civil
// date of t. The day of t itself never counts, because a task created at 17:59 must not
// have its first day already used up; n <= 0 returns the start of t's own day.
// The result is provisional if any day consulted was provisional.
func (c *Calendar) AddWorkingDays(t time.Time, n int) (time.Time, bool) {
	a := dayOf(t)
	if n <= 0 {
		return startOf(a), false
	}
	d := c.nthWorkingDayAfter(a, min(int64(n), maxWorkingDays))
	return startOf(d), c.provisional(a+1, d)
}

// WorkingDaysBetween counts working days d with from < d <= to (civil dates in Shanghai);
// negative if to is before from (count of working days in to < d <= from, negated).
// The count is provisional if any day in the counted range is.
func (c *Calendar) WorkingDaysBetween(from, to time.Time) (int, bool) {
	a, b := dayOf(from), dayOf(to)
	if b >= a {
		return int(c.count(a, b)), c.provisional(a+1, b)
	}
	return -int(c.count(b, a)), c.provisional(b+1, a)
}

// DueAfterWorkingDays is the deadline "within n working days" of created: the end
// (24:00 Shanghai, i.e. 00:00 of the next civil day) of the n-th working day after
// created's civil date. n <= 0 gives the end of created's own day.
func (c *Calendar) DueAfterWorkingDays(created time.Time, n int) Deadline {
	a := dayOf(created)
	if n <= 0 {
		return Deadline{At: startOf(a + 1)}
	}
	d := c.nthWorkingDayAfter(a, min(int64(n), maxWorkingDays))
	return Deadline{At: startOf(d + 1), Provisional: c.provisional(a+1, d)}
}

// DueAfterMonths is the deadline "within n calendar months" of created: the end (24:00
// Shanghai) of the same day-of-month n months later (clamped to the month's last day,
// e.g. Jan 31 + 1 month → Feb 28/29), moved forward to the next working day's end when
// that day is not a working day. n <= 0 is treated as 0 (created's own day), since a
// deadline before creation has no meaning. Provisional if any day consulted was.
func (c *Calendar) DueAfterMonths(created time.Time, n int) Deadline {
	k := max(0, min(int64(n), maxMonths))
	y, m, dom := created.In(Shanghai).Date()
	months := int64(y)*12 + int64(m-1) + k
	ty, tm := int(floorDiv(months, 12)), time.Month(floorMod(months, 12)+1)
	// Day 0 of the following month is this month's last day.
	last := time.Date(ty, tm+1, 0, 0, 0, 0, 0, time.UTC).Day()
	target := civilDay(ty, tm, min(dom, last))

	due := target
	if !c.isWorkday(target) {
		due = c.nthWorkingDayAfter(target, 1)
	}
	return Deadline{At: startOf(due + 1), Provisional: c.provisional(target, due)}
}

// isWorkday applies the precedence override → official → weekend rule; the first
// two are already merged into days/work by New.
func (c *Calendar) isWorkday(d int64) bool {
	if i, ok := slices.BinarySearch(c.days, d); ok {
		return c.work[i]
	}
	return isWeekday(d)
}

// count returns the number of working days in (a, b], for a <= b.
func (c *Calendar) count(a, b int64) int64 {
	lo, _ := slices.BinarySearch(c.days, a+1)
	hi, _ := slices.BinarySearch(c.days, b+1)
	return weekdaysThrough(b) - weekdaysThrough(a) + c.adjust[hi] - c.adjust[lo]
}

// nthWorkingDayAfter returns the smallest d > a with count(a, d) == n, for n >= 1.
// count(a, ·) rises by one exactly on working days, so the smallest d reaching n
// is itself the n-th working day and a binary search finds it.
func (c *Calendar) nthWorkingDayAfter(a, n int64) int64 {
	// Past the last stored day only the weekend rule applies, giving five working
	// days per seven, so this bound always holds at least n working days even if
	// overrides turned every earlier day into a day off.
	from := a
	if k := len(c.days); k > 0 {
		from = max(from, c.days[k-1])
	}
	lo, hi := a, from+7*((n+4)/5) // count(a, lo) < n <= count(a, hi)
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		if c.count(a, mid) >= n {
			hi = mid
		} else {
			lo = mid
		}
	}
	return hi
}

// provisional reports whether any day in [lo, hi] lies past the official data
// without an override pinning it down.
func (c *Calendar) provisional(lo, hi int64) bool {
	lo = max(lo, c.provisionalFrom)
	if hi < lo {
		return false
	}
	i, _ := slices.BinarySearch(c.overridden, lo)
	j, _ := slices.BinarySearch(c.overridden, hi+1)
	return int64(j-i) < hi-lo+1
}

// dayOf returns t's Shanghai civil date as a day number. Working on Unix seconds
// avoids a zone conversion per call and is exact because the offset is fixed.
func dayOf(t time.Time) int64 {
	return floorDiv(t.Unix()+shanghaiShift, secondsPerDay)
}

// startOf returns 00:00 Shanghai of day d, in the Shanghai location so that
// callers printing it see the civil date the calendar reasoned about.
func startOf(d int64) time.Time {
	return time.Unix(d*secondsPerDay-shanghaiShift, 0).In(Shanghai)
}

func civilDay(y int, m time.Month, d int) int64 {
	return floorDiv(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix(), secondsPerDay)
}

func parseDay(s string) (int64, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return 0, err
	}
	return civilDay(t.Date()), nil
}

// isWeekday is the weekend rule: Monday to Friday work. Day 0 (1970-01-01) was a
// Thursday, so shifting by 3 puts Monday at residue 0.
func isWeekday(d int64) bool { return floorMod(d+3, 7) < 5 }

// weekdaysThrough counts Monday–Friday days in (-∞, d] relative to a fixed
// Monday origin; only differences of it are meaningful.
func weekdaysThrough(d int64) int64 {
	s := d + 4 // days before d+1, counted from the Monday 1969-12-29
	return 5*floorDiv(s, 7) + min(floorMod(s, 7), 5)
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func floorMod(a, b int64) int64 { return a - floorDiv(a, b)*b }
