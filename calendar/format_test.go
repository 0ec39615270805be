package calendar_test

import (
	"testing"
	"time"

	"tandem/calendar"
)

func TestFormatCN(t *testing.T) {
	// 20:21 UTC on 1 December is 04:21 on 2 December in Shanghai: the Shanghai date is printed.
	at := time.Date(2026, 12, 1, 20, 21, 0, 0, time.UTC)
	if got := calendar.FormatDateCN(at); got != "2026年12月2日" {
		t.Errorf("FormatDateCN = %q", got)
	}
	if got := calendar.FormatTimeCN(at); got != "2026年12月2日 04:21" {
		t.Errorf("FormatTimeCN = %q", got)
	}
	for key, want := range map[string]string{"2026-11": "2026年11月", "2026-01": "2026年1月", "2026-Q3": "2026年第三季度",
		"2026-H1": "2026年上半年", "2026-H2": "2026年下半年", "2026-13": "2026-13", "x": "x"} {
		if got := calendar.PeriodLabelCN(key); got != want {
			t.Errorf("PeriodLabelCN(%q) = %q, want %q", key, got, want)
		}
	}
}
