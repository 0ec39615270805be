package api

import (
	"testing"
	"time"
)

func TestMonthEndOf(t *testing.T) {
	for in, want := range map[string]string{"2026-10": "2026-10", "2026-10-31": "2026-10", "2026-02-28": "2026-02", "2024-02-29": "2024-02",
		"2026-10-30": "", "2026-13": "", "x": "", "2026-02-30": ""} {
		got, ok := monthEndOf(in)
		if got != want || ok != (want != "") {
			t.Errorf("%q: %q %v, want %q", in, got, ok, want)
		}
	}
}

// FuzzMonthEndOf: whatever comes in, an accepted as_of names a month whose last day parses back
// to the same month.
func FuzzMonthEndOf(f *testing.F) {
	for _, s := range []string{"2026-10", "2026-10-31", "2026-1", "", "2026-10-31T00:00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, ok := monthEndOf(s)
		if !ok {
			return
		}
		start, err := time.Parse("2006-01", m)
		if err != nil {
			t.Fatalf("%q gave %q", s, m)
		}
		if again, ok := monthEndOf(start.AddDate(0, 1, -1).Format(time.DateOnly)); !ok || again != m {
			t.Fatalf("%q: month end of %s is %q", s, m, again)
		}
	})
}
