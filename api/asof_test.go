package api

import (
	"errors"
	"testing"
	"time"

	"tandem/calendar"
	"tandem/domain"
)

func TestParseAsOf(t *testing.T) {
	now := time.Date(2026, 12, 2, 4, 21, 0, 0, calendar.Shanghai)
	for _, tt := range []struct {
		in    string
		month string
		at    time.Time
		code  string
	}{
		{in: ""},
		{in: "2026-10", month: "2026-10"},
		{in: "2026-10-17", at: time.Date(2026, 10, 18, 0, 0, 0, 0, calendar.Shanghai)},
		{in: "2026-10-31", at: time.Date(2026, 11, 1, 0, 0, 0, 0, calendar.Shanghai)},
		{in: "2026-12-01T09:30:00+08:00", at: time.Date(2026, 12, 1, 9, 30, 0, 0, calendar.Shanghai)},
		{in: "2026-12-01T20:21:00Z", at: time.Date(2026, 12, 2, 4, 21, 0, 0, calendar.Shanghai)},
		{in: "2026-12", code: domain.CodeAsOf},          // this month has no close yet
		{in: "2026-02-30", code: domain.CodeAsOf},       // no such day
		{in: "2026-13", code: domain.CodeAsOf},          // no such month
		{in: "2026-12-01T09:30", code: domain.CodeAsOf}, // no offset
		{in: "2026-12-02", code: domain.CodeAsOfFuture}, // ends at 24:00, after now
		{in: "2026-12-01T20:22:00Z", code: domain.CodeAsOfFuture},
	} {
		q, err := parseAsOf(tt.in, now)
		if tt.code != "" {
			var e *domain.Error
			if !errors.As(err, &e) || len(e.Fields) != 1 || e.Fields[0].Field != "as_of" || e.Fields[0].Code != tt.code {
				t.Errorf("%q: %v, want field as_of code %s", tt.in, err, tt.code)
			}
			continue
		}
		if err != nil || q.month != tt.month || !q.at.Equal(tt.at) {
			t.Errorf("%q: %+v %v, want month %q at %v", tt.in, q, err, tt.month, tt.at)
		}
	}
}

// FuzzParseAsOf: whatever comes in, an accepted as_of is a past month or an instant not after
// now, never both.
func FuzzParseAsOf(f *testing.F) {
	for _, s := range []string{"2026-10", "2026-10-31", "2026-1", "", "2026-10-31T00:00", "2026-10-31T00:00:00+08:00"} {
		f.Add(s)
	}
	now := time.Date(2026, 12, 2, 4, 21, 0, 0, calendar.Shanghai)
	f.Fuzz(func(t *testing.T, s string) {
		q, err := parseAsOf(s, now)
		if err != nil {
			return
		}
		switch {
		case q.month != "" && !q.at.IsZero():
			t.Fatalf("%q: both %+v", s, q)
		case q.month != "":
			m, err := time.Parse("2006-01", q.month)
			if err != nil || q.month >= "2026-12" || m.Format("2006-01") != q.month {
				t.Fatalf("%q gave month %q", s, q.month)
			}
		case !q.at.IsZero() && q.at.After(now):
			t.Fatalf("%q gave %v, after now", s, q.at)
		}
	})
}
