package calendar_test

import (
	"testing"
	"time"

	"tandem/calendar"
)

func TestPeriodEndedBy(t *testing.T) {
	sh := calendar.Shanghai
	for _, tt := range []struct {
		kind string
		at   time.Time
		want string
	}{
		{calendar.Monthly, time.Date(2026, 11, 1, 1, 0, 0, 0, sh), "2026-10"},
		{calendar.Monthly, time.Date(2026, 11, 30, 23, 0, 0, 0, sh), "2026-10"},
		{calendar.Monthly, time.Date(2027, 1, 1, 1, 0, 0, 0, sh), "2026-12"},
		// 1 November 01:00 in Shanghai is still 31 October in UTC: the Shanghai date decides.
		{calendar.Monthly, time.Date(2026, 10, 31, 17, 0, 0, 0, time.UTC), "2026-10"},
		{calendar.Quarterly, time.Date(2026, 10, 1, 1, 0, 0, 0, sh), "2026-Q3"},
		{calendar.Quarterly, time.Date(2026, 1, 1, 1, 0, 0, 0, sh), "2025-Q4"},
		{calendar.HalfYear, time.Date(2026, 7, 1, 1, 0, 0, 0, sh), "2026-H1"},
		{calendar.HalfYear, time.Date(2027, 1, 1, 1, 0, 0, 0, sh), "2026-H2"},
	} {
		p, err := calendar.PeriodEndedBy(tt.kind, tt.at)
		if err != nil || p.Key != tt.want {
			t.Errorf("%s at %v: %s %v, want %s", tt.kind, tt.at, p.Key, err, tt.want)
			continue
		}
		parsed, err := calendar.ParsePeriod(tt.kind, p.Key)
		if err != nil || !parsed.Start.Equal(p.Start) || !parsed.End.Equal(p.End) {
			t.Errorf("%s round trip: %+v %v vs %+v", p.Key, parsed, err, p)
		}
	}
}

func TestParsePeriod(t *testing.T) {
	for _, bad := range [][2]string{{"monthly", "2026-13"}, {"monthly", "2026-Q3"}, {"quarterly", "2026-Q5"}, {"half-year", "2026-H3"},
		{"weekly", "2026-10"}, {"monthly", "26-10"}, {"quarterly", "2026-10"}} {
		if _, err := calendar.ParsePeriod(bad[0], bad[1]); err == nil {
			t.Errorf("%s %s accepted", bad[0], bad[1])
		}
	}
	p, err := calendar.ParsePeriod("quarterly", "2026-Q3")
	if err != nil || p.Start.Month() != 7 || p.End.Month() != 10 {
		t.Fatalf("%+v %v", p, err)
	}
}

func FuzzParsePeriod(f *testing.F) {
	for _, s := range []string{"2026-10", "2026-Q3", "2026-H1", "x", "2026-", "2000-+1"} {
		f.Add("monthly", s)
		f.Add("quarterly", s)
	}
	f.Fuzz(func(t *testing.T, kind, key string) {
		p, err := calendar.ParsePeriod(kind, key)
		if err != nil {
			return
		}
		if !p.End.After(p.Start) {
			t.Fatalf("%q: empty period", key)
		}
		again, err := calendar.PeriodEndedBy(kind, p.End)
		if err != nil || again.Key != key {
			t.Fatalf("%q: the run at its end is for %q", key, again.Key)
		}
	})
}
