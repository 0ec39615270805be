package workflows_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/mock"

	"tandem/activities"
	"tandem/calendar"
	"tandem/workflows"
)

// TestBulletinAndAnalysisWaitForWindowClose: every delivery is in on the first day, yet the
// bulletins are made when the window closes (the month's figures are the state at the close), and
// a quarter's figures too are made at its window close, not when the period opens.
func TestBulletinAndAnalysisWaitForWindowClose(t *testing.T) {
	t.Run("Bulletin", func(t *testing.T) {
		env, _ := formationEnv(t)
		var a *activities.Activities
		closes := start.Add(7 * day)
		env.OnActivity(a.DeliverySources, mock.Anything).Return([]activities.SourceDelivery{{Source: "tax", Label: "税务", UnitID: "tax"}}, nil).Once()
		env.OnActivity(a.RecordDelivery, mock.Anything, mock.Anything).Return(nil).Once()
		env.OnActivity(a.PeriodSummary, mock.Anything, "p1").Return(map[string]int{"deliveries": 1}, nil).Once()
		env.OnActivity(a.ChangedRounds, mock.Anything, mock.Anything).Return([]activities.RoundInfo{}, nil).Once()
		env.OnActivity(a.MakeBulletins, mock.Anything, mock.Anything).Return(func(context.Context, activities.BulletinInput) ([]string, error) {
			if env.Now().Before(closes) {
				t.Errorf("bulletins made at %s, before the window closed at %s", env.Now(), closes)
			}
			return []string{countyUnit}, nil
		}).Once()
		env.OnActivity(a.FinishPeriod, mock.Anything, mock.Anything).Return(nil).Once()
		answer(t, env, h, "delivery/tax/tax/1", "liaison-tax", `{"import_id":"imp-1"}`, nil)
		answer(t, env, 8*day, "bulletin/"+countyUnit, "off-county", `{"acknowledged":true}`, nil)
		p, _ := calendar.ParsePeriod(calendar.Monthly, "2026-10")
		env.ExecuteWorkflow(workflows.PeriodWorkflow, workflows.PeriodInput{PeriodID: "p1", Kind: calendar.Monthly, Period: "2026-10",
			Start: p.Start, ClosesAt: closes, DeliveryDays: 3})
		if err := env.GetWorkflowError(); err != nil {
			t.Fatal(err)
		}
		env.AssertExpectations(t)
	})
	t.Run("Analysis", func(t *testing.T) {
		env, _ := formationEnv(t)
		var a *activities.Activities
		closes := start.Add(5 * day)
		env.OnActivity(a.MakeAnalyses, mock.Anything, "p3", "2026-Q3").Return(func(context.Context, string, string) ([]activities.AnalysisInfo, error) {
			if env.Now().Before(closes) {
				t.Errorf("analysis figures made at %s, before the window closed at %s", env.Now(), closes)
			}
			return []activities.AnalysisInfo{{CountyID: countyUnit, ReviewerUnitID: "unit-city"}}, nil
		}).Once()
		env.OnActivity(a.PublishAnalysis, mock.Anything, mock.Anything).Return(nil).Once()
		env.OnActivity(a.FinishPeriod, mock.Anything, mock.Anything).Return(nil).Once()
		answer(t, env, 6*day, "analysis/"+countyUnit+"/1", "off-county", `{"text":"第一稿"}`, nil)
		answer(t, env, 6*day+h, "analysis-review/"+countyUnit+"/1", "off-city", `{"decision":"approve"}`, nil)
		env.ExecuteWorkflow(workflows.PeriodWorkflow, workflows.PeriodInput{PeriodID: "p3", Kind: calendar.Quarterly, Period: "2026-Q3", ClosesAt: closes})
		if err := env.GetWorkflowError(); err != nil {
			t.Fatal(err)
		}
		env.AssertExpectations(t)
	})
}
