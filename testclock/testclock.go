// Package testclock is the day tests run on. By default it is the day they would use anyway
// (the wall clock, or the fixed start a workflow test chose); TANDEM_TEST_DATE=YYYY-MM-DD
// moves them to that day in Asia/Shanghai, so that `make test-dates` can run the same tests
// on awkward days (the eve of the Spring Festival, the last day of February in a leap year)
// and prove that their expectations are computed, not assumed.
package testclock

import (
	"fmt"
	"os"
	"time"

	"tandem/calendar"
)

// Env names the variable that moves tests to another day.
const Env = "TANDEM_TEST_DATE"

// Day returns def, or with TANDEM_TEST_DATE set the same Shanghai time of day on that date.
func Day(def time.Time) time.Time {
	v := os.Getenv(Env)
	if v == "" {
		return def
	}
	d, err := time.ParseInLocation(time.DateOnly, v, calendar.Shanghai)
	if err != nil {
		panic(fmt.Sprintf("%s=%q: want a date YYYY-MM-DD", Env, v))
	}
	local := def.In(calendar.Shanghai)
	return time.Date(d.Year(), d.Month(), d.Day(), local.Hour(), local.Minute(), local.Second(), local.Nanosecond(),
		calendar.Shanghai).In(def.Location())
}

// Clock returns a clock for a store or server under test: the wall clock, or with
// TANDEM_TEST_DATE set, that day at the wall clock's time of day, running on from there.
func Clock() func() time.Time {
	now := time.Now()
	offset := Day(now).Sub(now)
	return func() time.Time { return time.Now().Add(offset).UTC() }
}

// Shifted reports whether TANDEM_TEST_DATE moves the tests' day.
func Shifted() bool { return os.Getenv(Env) != "" }
