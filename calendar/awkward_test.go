package calendar_test

import (
	"os"
	"testing"
	"time"

	"tandem/calendar"
)

// awkwardDays are the days the hardening issue names (the eve of the Spring Festival 2027,
// the eve of National Day 2026, a 31 January that is a 调休 Sunday, a leap day past the
// official data), plus TANDEM_TEST_DATE when `make test-dates` sets it.
func awkwardDays(t *testing.T) []string {
	days := []string{"2027-02-05", "2026-09-30", "2027-01-31", "2028-02-29"}
	if d := os.Getenv("TANDEM_TEST_DATE"); d != "" {
		days = append(days, d)
	}
	return days
}

// TestDeadlinesOnAwkwardDays checks, for each awkward day and every n up to 40, what any
// deadline must satisfy: it ends a working day, exactly n working days follow the created
// day up to it, and a month's deadline is the first working day on or after the same day of
// the month (clamped to the month's end).
func TestDeadlinesOnAwkwardDays(t *testing.T) {
	c := newCal(t)
	for _, d := range awkwardDays(t) {
		for _, hour := range []int{0, 9, 23} { // Shanghai hours: the civil day must not slip
			created := day(t, d).Add(time.Duration(hour)*time.Hour + 30*time.Minute)
			for n := 1; n <= 40; n++ {
				due := c.DueAfterWorkingDays(created, n)
				last := due.At.Add(-time.Nanosecond)
				if w, _ := c.IsWorkday(last); !w {
					t.Fatalf("%s +%d working days: due %s ends a day that is not a working day", d, n, civil(last))
				}
				if got, _ := c.WorkingDaysBetween(created, last); got != n {
					t.Fatalf("%s +%d working days: due %s is %d working days on", d, n, civil(last), got)
				}
			}
			for n := 1; n <= 13; n++ {
				due := c.DueAfterMonths(created, n).At.Add(-time.Nanosecond)
				y, m, dom := created.In(calendar.Shanghai).Date()
				first := time.Date(y, m+time.Month(n), 1, 0, 0, 0, 0, calendar.Shanghai)
				lastDom := first.AddDate(0, 1, -1).Day()
				target := time.Date(first.Year(), first.Month(), min(dom, lastDom), 0, 0, 0, 0, calendar.Shanghai)
				want := target
				for w, _ := c.IsWorkday(want); !w; w, _ = c.IsWorkday(want) {
					want = want.AddDate(0, 0, 1)
				}
				if civil(due) != civil(want) {
					t.Fatalf("%s + %d months: due %s, want %s (target %s)", d, n, civil(due), civil(want), civil(target))
				}
			}
		}
	}
}

// TestKnownDeadlinesOnAwkwardDays pins the answers for the awkward days from the official
// arrangement (lunar-go data: 春节 2027 is 5–13 February with Sunday 14 February worked,
// Sunday 31 January 2027 is worked) and the plain weekend rule after it.
func TestKnownDeadlinesOnAwkwardDays(t *testing.T) {
	c := newCal(t)
	cases := []struct {
		created string
		days    int // working days, or
		months  int // calendar months
		want    string
		prov    bool
	}{
		{"2027-02-05", 1, 0, "2027-02-14", false}, // the eve is a holiday; the 调休 Sunday is the first working day
		{"2027-02-05", 5, 0, "2027-02-18", false},
		{"2027-02-05", 0, 1, "2027-03-05", false},
		{"2027-01-31", 1, 0, "2027-02-01", false}, // a worked Sunday; the next day is Monday
		{"2027-01-31", 0, 1, "2027-03-01", false}, // clamps to Sunday 28 February, moves to Monday
		{"2028-02-29", 0, 1, "2028-03-29", true},  // past the official data: the weekend rule, provisional
		{"2028-02-29", 0, 12, "2029-02-28", true}, // no 29 February in 2029
	}
	for _, tc := range cases {
		created := day(t, tc.created).Add(10 * time.Hour)
		got := c.DueAfterWorkingDays(created, tc.days)
		if tc.months > 0 {
			got = c.DueAfterMonths(created, tc.months)
		}
		if civil(got.At.Add(-time.Nanosecond)) != tc.want || got.Provisional != tc.prov {
			t.Errorf("from %s (+%d working days, +%d months): due at the end of %s (provisional %v), want %s (%v)",
				tc.created, tc.days, tc.months, civil(got.At.Add(-time.Nanosecond)), got.Provisional, tc.want, tc.prov)
		}
	}
}
