package api

import (
	"encoding/json"
	"testing"
	"time"

	"tandem/calendar"
	"tandem/domain"
)

// BenchmarkWorkingDaysLeftPage is what working_days_left adds to an inbox page of 50 census
// tasks, against the baseline of turning the same page into its response and encoding its
// fields in the same run (docs/performance.md).
func BenchmarkWorkingDaysLeftPage(b *testing.B) {
	cal, err := calendar.New(nil)
	if err != nil {
		b.Fatal(err)
	}
	now := time.Date(2026, 6, 10, 2, 0, 0, 0, time.UTC)
	tasks := make([]domain.Task, 50)
	for i := range tasks {
		tasks[i] = domain.Task{ID: "01a234d0-812e-7e43-9cfa-f3c7d3c6e302", Kind: "census.verify", Status: domain.TaskOpen,
			Title: "实地走访复核：某某科技有限公司", DueAt: now.AddDate(0, 0, i-10), CreatedAt: now}
	}
	b.Run("working-days", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for i := range tasks {
				_ = workingDaysLeft(cal, tasks[i], now)
			}
		}
	})
	b.Run("baseline-response-and-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for i := range tasks {
				r := taskFrom(tasks[i], now)
				if _, err := json.Marshal(&r.taskFields); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}
