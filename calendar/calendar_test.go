package calendar_test

import (
	"fmt"
	"testing"
	"time"

	"tandem/calendar"
)

// day parses a civil date in Shanghai; tests pass hours separately so that the
// "which civil day is this instant" question stays explicit.
func day(t testing.TB, s string) time.Time {
	t.Helper()
	d, err := time.ParseInLocation(time.DateOnly, s, calendar.Shanghai)
	if err != nil {
		t.Fatalf("bad test date %q: %v", s, err)
	}
	return d
}

func newCal(t testing.TB, ov ...calendar.Override) *calendar.Calendar {
	t.Helper()
	c, err := calendar.New(ov)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

func civil(t time.Time) string { return t.In(calendar.Shanghai).Format(time.DateOnly) }

func TestLastOfficialYear(t *testing.T) {
	if got := newCal(t).LastOfficialYear(); got != 2027 {
		t.Fatalf("LastOfficialYear = %d, want 2027 (lunar-go v1.4.7)", got)
	}
}

// The official arrangements below were checked against lunar-go's records and,
// for 2025 and 2026, against the State Council notices (国办发明电〔2024〕12号,
// 〔2025〕7号). Each span lists every day whose answer differs from the plain
// weekend rule plus neighbours that must stay ordinary.
func TestIsWorkdayOfficial(t *testing.T) {
	c := newCal(t)
	cases := []struct {
		from, to string // inclusive
		work     bool
		why      string
	}{
		// 2025
		{"2025-01-01", "2025-01-01", false, "元旦"},
		{"2025-01-26", "2025-01-26", true, "春节调休 (Sun)"},
		{"2025-01-27", "2025-01-27", true, "ordinary Monday before 春节"},
		{"2025-01-28", "2025-02-04", false, "春节 8 days"},
		{"2025-02-05", "2025-02-07", true, "back to work"},
		{"2025-02-08", "2025-02-08", true, "春节调休 (Sat)"},
		{"2025-02-09", "2025-02-09", false, "ordinary Sunday"},
		{"2025-04-04", "2025-04-06", false, "清明"},
		{"2025-04-27", "2025-04-27", true, "劳动节调休 (Sun)"},
		{"2025-05-01", "2025-05-05", false, "劳动节"},
		{"2025-05-31", "2025-06-02", false, "端午"},
		{"2025-09-28", "2025-09-28", true, "国庆中秋调休 (Sun)"},
		{"2025-09-29", "2025-09-30", true, "ordinary"},
		{"2025-10-01", "2025-10-08", false, "国庆中秋 8 days"},
		{"2025-10-09", "2025-10-10", true, "back to work"},
		{"2025-10-11", "2025-10-11", true, "国庆中秋调休 (Sat)"},
		{"2025-10-12", "2025-10-12", false, "ordinary Sunday"},
		// 2026
		{"2026-01-01", "2026-01-03", false, "元旦"},
		{"2026-01-04", "2026-01-04", true, "元旦调休 (Sun)"},
		{"2026-02-13", "2026-02-13", true, "ordinary Friday"},
		{"2026-02-14", "2026-02-14", true, "春节调休 (Sat)"},
		{"2026-02-15", "2026-02-23", false, "春节 9 days"},
		{"2026-02-24", "2026-02-27", true, "back to work"},
		{"2026-02-28", "2026-02-28", true, "春节调休 (Sat)"},
		{"2026-03-01", "2026-03-01", false, "ordinary Sunday"},
		{"2026-04-04", "2026-04-06", false, "清明"},
		{"2026-05-01", "2026-05-05", false, "劳动节"},
		{"2026-05-09", "2026-05-09", true, "劳动节调休 (Sat)"},
		{"2026-06-19", "2026-06-21", false, "端午"},
		{"2026-09-20", "2026-09-20", true, "国庆调休 (Sun)"},
		{"2026-09-25", "2026-09-27", false, "中秋"},
		{"2026-10-01", "2026-10-07", false, "国庆"},
		{"2026-10-08", "2026-10-09", true, "back to work"},
		{"2026-10-10", "2026-10-10", true, "国庆调休 (Sat)"},
		// 2027 (lunar-go data)
		{"2027-01-01", "2027-01-03", false, "元旦"},
		{"2027-01-31", "2027-01-31", true, "春节调休 (Sun)"},
		{"2027-02-05", "2027-02-13", false, "春节 9 days"},
		{"2027-02-14", "2027-02-14", true, "春节调休 (Sun)"},
		{"2027-02-15", "2027-02-15", true, "back to work"},
		{"2027-04-03", "2027-04-05", false, "清明"},
		{"2027-05-01", "2027-05-05", false, "劳动节"},
		{"2027-05-08", "2027-05-08", true, "劳动节调休 (Sat)"},
		{"2027-06-09", "2027-06-09", false, "端午 (Wed)"},
		{"2027-09-15", "2027-09-15", false, "中秋 (Wed)"},
		{"2027-09-26", "2027-09-26", true, "国庆调休 (Sun)"},
		{"2027-10-01", "2027-10-07", false, "国庆"},
		{"2027-10-09", "2027-10-09", true, "国庆调休 (Sat)"},
		{"2027-12-31", "2027-12-31", true, "ordinary Friday, last official day"},
	}
	for _, tc := range cases {
		end := day(t, tc.to)
		for d := day(t, tc.from); !d.After(end); d = d.AddDate(0, 0, 1) {
			// Probe at 23:59 to make sure the whole civil day is covered.
			w, p := c.IsWorkday(d.Add(23*time.Hour + 59*time.Minute))
			if w != tc.work || p {
				t.Errorf("%s (%s, %s): IsWorkday = (%v, %v), want (%v, false)",
					civil(d), d.Weekday(), tc.why, w, p, tc.work)
			}
		}
	}
}

func TestYearTotals(t *testing.T) {
	c := newCal(t)
	for _, tc := range []struct {
		year, want int
	}{
		{2025, 248}, // 261 weekdays − 18 weekday holidays + 5 调休 days
		{2026, 248}, // 261 − 19 + 6
	} {
		from := day(t, fmt.Sprintf("%d-12-31", tc.year-1))
		to := day(t, fmt.Sprintf("%d-12-31", tc.year))
		got, prov := c.WorkingDaysBetween(from, to)
		if got != tc.want || prov {
			t.Errorf("working days in %d = (%d, %v), want (%d, false)", tc.year, got, prov, tc.want)
		}
	}
}

func TestProvisional(t *testing.T) {
	c := newCal(t)
	cases := []struct {
		date       string
		work, prov bool
	}{
		{"2027-12-31", true, false},
		{"2028-01-01", false, true}, // Saturday; also 元旦, but only the weekend rule knows nothing of it
		{"2028-01-03", true, true},
		{"2028-10-02", true, true}, // surely 国庆 in reality: exactly why the answer is flagged
		{"2035-06-15", true, true},
		{"2000-01-03", true, false}, // before the data: weekend rule, but not "past official data"
	}
	for _, tc := range cases {
		w, p := c.IsWorkday(day(t, tc.date).Add(12 * time.Hour))
		if w != tc.work || p != tc.prov {
			t.Errorf("IsWorkday(%s) = (%v, %v), want (%v, %v)", tc.date, w, p, tc.work, tc.prov)
		}
	}
}

func TestAddWorkingDays(t *testing.T) {
	c := newCal(t)
	cases := []struct {
		from string
		n    int
		want string
		prov bool
	}{
		{"2026-02-13", 1, "2026-02-14", false}, // 调休 Saturday counts
		{"2026-02-13", 2, "2026-02-24", false}, // jumps the 9-day 春节
		{"2026-02-13", 5, "2026-02-27", false},
		{"2026-02-13", 6, "2026-02-28", false}, // second 调休 Saturday
		{"2026-02-13", 7, "2026-03-02", false},
		{"2025-01-24", 1, "2025-01-26", false},
		{"2025-01-24", 3, "2025-02-05", false},
		{"2025-09-30", 1, "2025-10-09", false},
		{"2025-09-30", 3, "2025-10-11", false},
		{"2025-09-30", 4, "2025-10-13", false},
		{"2025-12-31", 1, "2026-01-04", false}, // 元旦 off, then Sunday 调休
		{"2026-10-10", 1, "2026-10-12", false}, // the day of t never counts, even a working one
		{"2027-12-29", 2, "2027-12-31", false},
		{"2027-12-29", 3, "2028-01-03", true},
		{"2028-03-01", 10, "2028-03-15", true},
		{"2026-02-13", 0, "2026-02-13", false},
		{"2026-02-15", -4, "2026-02-15", false},
		{"2026-02-15", 0, "2026-02-15", false}, // n <= 0 is t's own day even if it is a holiday
	}
	for _, tc := range cases {
		got, prov := c.AddWorkingDays(day(t, tc.from).Add(15*time.Hour), tc.n)
		want := day(t, tc.want)
		if !got.Equal(want) || prov != tc.prov {
			t.Errorf("AddWorkingDays(%s, %d) = (%s, %v), want (%s 00:00 CST, %v)",
				tc.from, tc.n, got.In(calendar.Shanghai), prov, tc.want, tc.prov)
		}
	}
}

func TestAddWorkingDaysHugeNIsBounded(t *testing.T) {
	c := newCal(t)
	start := day(t, "2026-01-01")
	for _, n := range []int{10_000, 1 << 30, 1<<62 + 12345} {
		got, prov := c.AddWorkingDays(start, n)
		if !got.After(start) || !prov {
			t.Errorf("AddWorkingDays(2026-01-01, %d) = (%s, %v), want a later provisional day", n, got, prov)
		}
	}
	got, _ := c.AddWorkingDays(start, 10_000)
	if n, _ := c.WorkingDaysBetween(start, got); n != 10_000 {
		t.Errorf("WorkingDaysBetween after 10000 working days = %d", n)
	}
}

func TestDueAfterWorkingDays(t *testing.T) {
	c := newCal(t)
	cases := []struct {
		name    string
		created time.Time
		n       int
		want    time.Time
		prov    bool
	}{
		{
			name:    "5 working days across 春节 2026",
			created: day(t, "2026-02-13").Add(9*time.Hour + 30*time.Minute),
			n:       5,
			want:    day(t, "2026-02-28"), // end of 02-27 = 00:00 of 02-28
		},
		{
			// 16:30 UTC on the 13th is 00:30 on the 14th in Shanghai: the 14th is
			// the creation day and does not count, so the first working day is 02-24.
			// Using the UTC date would wrongly make the answer end of 02-14.
			name:    "late evening UTC is already the next civil day",
			created: time.Date(2026, 2, 13, 16, 30, 0, 0, time.UTC),
			n:       1,
			want:    day(t, "2026-02-25"),
		},
		{
			name:    "just before midnight in Shanghai",
			created: time.Date(2026, 2, 13, 15, 59, 59, 0, time.UTC),
			n:       1,
			want:    day(t, "2026-02-15"),
		},
		{
			name:    "last consulted day is official",
			created: day(t, "2027-12-30").Add(10 * time.Hour),
			n:       1,
			want:    day(t, "2028-01-01"),
		},
		{
			name:    "runs into 2028",
			created: day(t, "2027-12-30").Add(10 * time.Hour),
			n:       2,
			want:    day(t, "2028-01-04"),
			prov:    true,
		},
		{
			name:    "n = 0 ends the creation day",
			created: day(t, "2026-02-16").Add(10 * time.Hour),
			n:       0,
			want:    day(t, "2026-02-17"),
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := c.DueAfterWorkingDays(tc.created, tc.n)
			if !got.At.Equal(tc.want) || got.Provisional != tc.prov {
				t.Fatalf("DueAfterWorkingDays = (%s, %v), want (%s, %v)",
					got.At.In(calendar.Shanghai), got.Provisional, tc.want, tc.prov)
			}
			if h, m, s := got.At.In(calendar.Shanghai).Clock(); h+m+s != 0 {
				t.Fatalf("deadline %s is not midnight in Shanghai", got.At)
			}
		})
	}
	// Pin the absolute instant too, so a zone mistake cannot cancel out.
	got := c.DueAfterWorkingDays(day(t, "2026-02-13"), 5)
	if want := time.Date(2026, 2, 27, 16, 0, 0, 0, time.UTC); !got.At.Equal(want) {
		t.Errorf("deadline = %s, want %s", got.At.UTC(), want)
	}
}

func TestWorkingDaysBetween(t *testing.T) {
	c := newCal(t)
	cases := []struct {
		from, to string
		want     int
		prov     bool
	}{
		{"2026-02-13", "2026-02-27", 5, false},
		{"2026-02-27", "2026-02-13", -5, false}, // counts 02-14 .. 02-27, negated
		{"2026-02-14", "2026-02-23", 0, false},
		{"2026-02-13", "2026-02-13", 0, false},
		{"2025-09-30", "2025-10-31", 18, false},
		{"2027-12-01", "2027-12-31", 22, false},
		{"2027-12-01", "2028-01-03", 23, true},
		{"2028-01-03", "2027-12-01", -23, true},
		{"2024-12-31", "2025-01-01", 0, false},
	}
	for _, tc := range cases {
		got, prov := c.WorkingDaysBetween(day(t, tc.from).Add(20*time.Hour), day(t, tc.to).Add(time.Hour))
		if got != tc.want || prov != tc.prov {
			t.Errorf("WorkingDaysBetween(%s, %s) = (%d, %v), want (%d, %v)",
				tc.from, tc.to, got, prov, tc.want, tc.prov)
		}
	}
	// Uses the Shanghai civil date, not the instant's own zone.
	from := time.Date(2026, 2, 13, 16, 30, 0, 0, time.UTC) // 2026-02-14 00:30 CST
	to := time.Date(2026, 2, 24, 1, 0, 0, 0, time.UTC)     // 2026-02-24 09:00 CST
	if got, _ := c.WorkingDaysBetween(from, to); got != 1 {
		t.Errorf("WorkingDaysBetween across UTC/CST midnight = %d, want 1", got)
	}
}

func TestDueAfterMonths(t *testing.T) {
	c := newCal(t)
	cases := []struct {
		name    string
		created string
		n       int
		want    string // civil date of the deadline instant (end of the due day)
		prov    bool
	}{
		{"Jan 31 clamps to Feb 28, a Friday", "2025-01-31", 1, "2025-03-01", false},
		{"Jan 31 clamps to Feb 29 in a leap year", "2024-01-31", 1, "2024-03-01", false},
		{"clamped day is a 调休 Saturday, which is a working day", "2026-01-31", 1, "2026-03-01", false},
		{"across the year end and clamped", "2025-12-31", 2, "2026-03-01", false},
		{"lands on 国庆中秋, moves to 10-09", "2025-09-01", 1, "2025-10-10", false},
		{"lands on 春节, moves to 02-24", "2025-12-15", 2, "2026-02-25", false},
		{"lands on an ordinary Saturday", "2025-08-13", 1, "2025-09-16", false},
		{"plain weekday", "2025-03-10", 3, "2025-06-11", false},
		{"n = 0 on a holiday still moves to a working day", "2025-10-01", 0, "2025-10-10", false},
		{"negative n is treated as 0", "2025-03-10", -2, "2025-03-11", false},
		{"official target", "2027-11-15", 1, "2027-12-16", false},
		{"target past official data", "2027-11-15", 2, "2028-01-18", true},
		{"leap day after official data", "2028-01-31", 1, "2028-03-01", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := c.DueAfterMonths(day(t, tc.created).Add(14*time.Hour), tc.n)
			if !got.At.Equal(day(t, tc.want)) || got.Provisional != tc.prov {
				t.Fatalf("DueAfterMonths(%s, %d) = (%s, %v), want (%s 00:00 CST, %v)",
					tc.created, tc.n, got.At.In(calendar.Shanghai), got.Provisional, tc.want, tc.prov)
			}
		})
	}
}

func TestOverrides(t *testing.T) {
	c := newCal(t,
		calendar.Override{Date: "2026-03-11", Workday: false, Name: "市级地方假日"},      // a Wednesday
		calendar.Override{Date: "2026-03-14", Workday: true, Name: "补班"},           // a Saturday
		calendar.Override{Date: "2026-10-10", Workday: false, Name: "更正通知"},        // official 调休 Saturday
		calendar.Override{Date: "2028-01-03", Workday: false, Name: "元旦（预告）"},      // past official data
		calendar.Override{Date: "2026-05-06", Workday: false, Name: "first entry"}, // superseded below
		calendar.Override{Date: "2026-05-06", Workday: true, Name: "later entry wins"},
	)
	isWork := []struct {
		date       string
		work, prov bool
	}{
		{"2026-03-11", false, false},
		{"2026-03-14", true, false},
		{"2026-10-10", false, false},
		{"2028-01-03", false, false}, // an override pins the answer, so not provisional
		{"2028-01-04", true, true},
		{"2026-05-06", true, false},
	}
	for _, tc := range isWork {
		w, p := c.IsWorkday(day(t, tc.date))
		if w != tc.work || p != tc.prov {
			t.Errorf("IsWorkday(%s) = (%v, %v), want (%v, %v)", tc.date, w, p, tc.work, tc.prov)
		}
	}

	add := []struct {
		from string
		n    int
		want string
		prov bool
	}{
		{"2026-03-10", 1, "2026-03-12", false}, // skips the local holiday
		{"2026-03-13", 1, "2026-03-14", false}, // counts the extra working Saturday
		{"2026-03-10", 4, "2026-03-16", false}, // 12, 13, 14, 16
		{"2026-10-09", 1, "2026-10-12", false},
		{"2028-01-02", 1, "2028-01-04", true},
	}
	for _, tc := range add {
		got, prov := c.AddWorkingDays(day(t, tc.from), tc.n)
		if !got.Equal(day(t, tc.want)) || prov != tc.prov {
			t.Errorf("AddWorkingDays(%s, %d) = (%s, %v), want (%s, %v)",
				tc.from, tc.n, civil(got), prov, tc.want, tc.prov)
		}
	}

	// A calendar built without overrides must not see another calendar's.
	plain := newCal(t)
	if w, _ := plain.IsWorkday(day(t, "2026-03-11")); !w {
		t.Error("override leaked into a calendar built without it")
	}
	if got, _ := plain.AddWorkingDays(day(t, "2026-03-10"), 1); civil(got) != "2026-03-11" {
		t.Errorf("plain AddWorkingDays(2026-03-10, 1) = %s", civil(got))
	}
}

func TestOverridesCoveringEveryConsultedDayAreNotProvisional(t *testing.T) {
	c := newCal(t,
		calendar.Override{Date: "2028-01-01", Workday: false},
		calendar.Override{Date: "2028-01-02", Workday: false},
		calendar.Override{Date: "2028-01-03", Workday: true},
	)
	got, prov := c.AddWorkingDays(day(t, "2027-12-31"), 1)
	if civil(got) != "2028-01-03" || prov {
		t.Errorf("AddWorkingDays = (%s, %v), want (2028-01-03, false)", civil(got), prov)
	}
	if _, prov := c.WorkingDaysBetween(day(t, "2027-12-31"), day(t, "2028-01-04")); !prov {
		t.Error("2028-01-04 has no override, so the count must be provisional")
	}

	// t's own day is never consulted, so its lack of an override must not matter.
	got, prov = c.AddWorkingDays(day(t, "2028-01-01").Add(-time.Hour), 2) // 2027-12-31 23:00
	if civil(got) != "2028-01-04" || !prov {
		t.Errorf("AddWorkingDays = (%s, %v), want (2028-01-04, true)", civil(got), prov)
	}
	only := newCal(t, calendar.Override{Date: "2028-01-03", Workday: true})
	got, prov = only.AddWorkingDays(day(t, "2028-01-02"), 1) // a Sunday without override
	if civil(got) != "2028-01-03" || prov {
		t.Errorf("AddWorkingDays(2028-01-02, 1) = (%s, %v), want (2028-01-03, false)", civil(got), prov)
	}
	if n, prov := only.WorkingDaysBetween(day(t, "2028-01-02"), day(t, "2028-01-03")); n != 1 || prov {
		t.Errorf("WorkingDaysBetween(2028-01-02, 2028-01-03) = (%d, %v), want (1, false)", n, prov)
	}
	if due := only.DueAfterWorkingDays(day(t, "2028-01-02"), 1); due.Provisional {
		t.Error("DueAfterWorkingDays consulted only an overridden day but is provisional")
	}
}

func TestInvalidOverride(t *testing.T) {
	for _, bad := range []string{"", "2026-02-30", "2026/03/01", "2026-3-1", " 2026-03-01", "2026-03-01T00:00:00Z"} {
		c, err := calendar.New([]calendar.Override{
			{Date: "2026-03-02", Workday: false, Name: "fine"},
			{Date: bad, Workday: false, Name: "bad"},
		})
		if err == nil || c != nil {
			t.Errorf("New with override date %q: got (%v, %v), want an error", bad, c, err)
		}
	}
}

// naiveAddWorkingDays walks day by day with calendar arithmetic from the time
// package, independent of the implementation's day numbering and prefix sums.
func naiveAddWorkingDays(c *calendar.Calendar, t time.Time, n int) (time.Time, bool) {
	y, m, d := t.In(calendar.Shanghai).Date()
	cur := time.Date(y, m, d, 0, 0, 0, 0, calendar.Shanghai)
	prov := false
	for n > 0 {
		cur = cur.AddDate(0, 0, 1)
		w, p := c.IsWorkday(cur)
		prov = prov || p
		if w {
			n--
		}
	}
	return cur, prov
}

func FuzzAddWorkingDays(f *testing.F) {
	plain, err := calendar.New(nil)
	if err != nil {
		f.Fatal(err)
	}
	local, err := calendar.New([]calendar.Override{
		{Date: "2026-03-11", Workday: false},
		{Date: "2026-03-14", Workday: true},
		{Date: "2026-02-14", Workday: false},
		{Date: "2028-01-03", Workday: false},
		{Date: "2028-01-08", Workday: true},
		{Date: "2035-12-31", Workday: false},
	})
	if err != nil {
		f.Fatal(err)
	}
	base := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	spanSeconds := uint64(time.Date(2036, 1, 1, 0, 0, 0, 0, time.UTC).Sub(base) / time.Second)

	f.Add(uint64(0), uint16(0), false)
	f.Add(uint64(time.Date(2026, 2, 13, 16, 30, 0, 0, time.UTC).Sub(base)/time.Second), uint16(5), false)
	f.Add(uint64(time.Date(2027, 12, 29, 2, 0, 0, 0, time.UTC).Sub(base)/time.Second), uint16(3), true)
	f.Add(uint64(time.Date(2025, 9, 30, 20, 0, 0, 0, time.UTC).Sub(base)/time.Second), uint16(400), true)
	f.Add(uint64(time.Date(2035, 12, 30, 0, 0, 0, 0, time.UTC).Sub(base)/time.Second), uint16(1), true)

	f.Fuzz(func(t *testing.T, offset uint64, n16 uint16, withOverrides bool) {
		c := plain
		if withOverrides {
			c = local
		}
		at := base.Add(time.Duration(offset%spanSeconds) * time.Second)
		n := int(n16 % 401)

		got, prov := c.AddWorkingDays(at, n)
		if h, m, s := got.In(calendar.Shanghai).Clock(); h+m+s != 0 {
			t.Fatalf("result %s is not 00:00 in Shanghai", got)
		}
		y, mo, d := at.In(calendar.Shanghai).Date()
		startOfT := time.Date(y, mo, d, 0, 0, 0, 0, calendar.Shanghai)
		if n == 0 {
			if !got.Equal(startOfT) || prov {
				t.Fatalf("AddWorkingDays(%s, 0) = (%s, %v), want start of own day", at, got, prov)
			}
			return
		}
		if !got.After(at) || !got.After(startOfT) {
			t.Fatalf("AddWorkingDays(%s, %d) = %s, not after t's day", at, n, got)
		}
		if w, _ := c.IsWorkday(got); !w {
			t.Fatalf("AddWorkingDays(%s, %d) = %s, not a working day", at, n, got)
		}
		if between, bp := c.WorkingDaysBetween(at, got); between != n || bp != prov {
			t.Fatalf("WorkingDaysBetween(%s, %s) = (%d, %v), want (%d, %v)", at, got, between, bp, n, prov)
		}
		if back, bp := c.WorkingDaysBetween(got, at); back != -n || bp != prov {
			t.Fatalf("WorkingDaysBetween(%s, %s) = (%d, %v), want (%d, %v)", got, at, back, bp, -n, prov)
		}
		if want, wp := naiveAddWorkingDays(c, at, n); !got.Equal(want) || prov != wp {
			t.Fatalf("AddWorkingDays(%s, %d) = (%s, %v), day-by-day walk says (%s, %v)", at, n, got, prov, want, wp)
		}
		due := c.DueAfterWorkingDays(at, n)
		if !due.At.Equal(got.AddDate(0, 0, 1)) || due.Provisional != prov {
			t.Fatalf("DueAfterWorkingDays(%s, %d) = %+v, want end of %s", at, n, due, got)
		}
	})
}

func BenchmarkDueAfterWorkingDays(b *testing.B) {
	c := newCal(b)
	created := time.Date(2026, 2, 13, 9, 0, 0, 0, calendar.Shanghai)
	for b.Loop() {
		c.DueAfterWorkingDays(created, 5)
	}
}

func ExampleCalendar_DueAfterWorkingDays() {
	c, err := calendar.New(nil)
	if err != nil {
		panic(err)
	}
	// Friday before 春节 2026: Saturday 02-14 is a 调休 working day, 02-15..02-23 are off.
	created := time.Date(2026, 2, 13, 9, 0, 0, 0, calendar.Shanghai)
	due := c.DueAfterWorkingDays(created, 5)
	fmt.Println(due.At.Format("2006-01-02 15:04 MST"), due.Provisional)
	// Output: 2026-02-28 00:00 CST false
}
