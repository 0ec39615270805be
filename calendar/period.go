package calendar

import (
	"fmt"
	"strconv"
	"time"
)

// Cycle kinds of the joint meeting.
const (
	Monthly   = "monthly"
	Quarterly = "quarterly"
	HalfYear  = "half-year"
)

// Period is one period of a cycle: 2026-10, 2026-Q3 or 2026-H1, spanning [Start, End) in
// Shanghai time.
type Period struct {
	Kind  string
	Key   string
	Start time.Time
	End   time.Time
}

// months is how many months a period of each kind spans.
var months = map[string]int{Monthly: 1, Quarterly: 3, HalfYear: 6}

// ParsePeriod reads a period key of a kind.
func ParsePeriod(kind, key string) (Period, error) {
	n, ok := months[kind]
	if !ok {
		return Period{}, fmt.Errorf("kind must be monthly, quarterly or half-year")
	}
	bad := fmt.Errorf("a %s period looks like %s", kind, map[string]string{Monthly: "2026-10", Quarterly: "2026-Q3", HalfYear: "2026-H1"}[kind])
	if len(key) < 6 || key[4] != '-' {
		return Period{}, bad
	}
	year, err := strconv.Atoi(key[:4])
	if err != nil || !digits(key[:4]) || year < 2000 || year > 2100 {
		return Period{}, bad
	}
	var month int
	switch kind {
	case Monthly:
		m, err := strconv.Atoi(key[5:])
		if err != nil || len(key) != 7 || !digits(key[5:]) || m < 1 || m > 12 {
			return Period{}, bad
		}
		month = m
	case Quarterly:
		if len(key) != 7 || key[5] != 'Q' || key[6] < '1' || key[6] > '4' {
			return Period{}, bad
		}
		month = int(key[6]-'1')*3 + 1
	case HalfYear:
		if len(key) != 7 || key[5] != 'H' || (key[6] != '1' && key[6] != '2') {
			return Period{}, bad
		}
		month = int(key[6]-'1')*6 + 1
	}
	start := time.Date(year, time.Month(month), 1, 0, 0, 0, 0, Shanghai)
	return Period{Kind: kind, Key: key, Start: start, End: start.AddDate(0, n, 0)}, nil
}

// PeriodEndedBy returns the period of a kind that ended last at or before t: a run on
// 1 November is for 2026-10, on 1 October for 2026-Q3, on 1 July for 2026-H1.
func PeriodEndedBy(kind string, t time.Time) (Period, error) {
	n, ok := months[kind]
	if !ok {
		return Period{}, fmt.Errorf("kind must be monthly, quarterly or half-year")
	}
	local := t.In(Shanghai)
	// The start of the period t falls in, then the one before it.
	m := (int(local.Month())-1)/n*n + 1
	start := time.Date(local.Year(), time.Month(m), 1, 0, 0, 0, 0, Shanghai).AddDate(0, -n, 0)
	var key string
	switch kind {
	case Monthly:
		key = start.Format("2006-01")
	case Quarterly:
		key = fmt.Sprintf("%d-Q%d", start.Year(), (int(start.Month())-1)/3+1)
	case HalfYear:
		key = fmt.Sprintf("%d-H%d", start.Year(), (int(start.Month())-1)/6+1)
	}
	return Period{Kind: kind, Key: key, Start: start, End: start.AddDate(0, n, 0)}, nil
}

func digits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
