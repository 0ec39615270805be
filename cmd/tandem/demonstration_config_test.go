package main

import (
	"strings"
	"testing"
	"time"

	"tandem/app"
)

// TestDemonstrationRecheckSetting: TANDEM_DEMONSTRATION_RECHECK as months or, for a
// demonstration run, durations; bounded, and refused at start when malformed.
func TestDemonstrationRecheckSetting(t *testing.T) {
	for v, want := range map[string]app.DemonstrationRecheck{
		"":        {},
		"12/1":    {Months: 12, WarningMonths: 1},
		" 6 / 2 ": {Months: 6, WarningMonths: 2},
		"2m/30s":  {For: 2 * time.Minute, WarningFor: 30 * time.Second},
		"24h/1h":  {For: 24 * time.Hour, WarningFor: time.Hour},
	} {
		c, err := loadConfig(env(map[string]string{"TANDEM_DEMONSTRATION_RECHECK": v}))
		if err != nil || c.DemonstrationRecheck != want {
			t.Errorf("%q: %+v %v, want %+v", v, c.DemonstrationRecheck, err, want)
		}
	}
	for _, v := range []string{"12", "0/1", "37/1", "12/0", "12/13", "12m/1", "2m/1", "25h/1h", "1s/0s", "-1s/1s", "a/b", "12/1/1"} {
		if _, err := loadConfig(env(map[string]string{"TANDEM_DEMONSTRATION_RECHECK": v})); err == nil ||
			!strings.Contains(err.Error(), "TANDEM_DEMONSTRATION_RECHECK must be") {
			t.Errorf("%q: %v, want refused", v, err)
		}
	}
}
