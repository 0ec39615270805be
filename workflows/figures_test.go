package workflows_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/mock"

	"tandem/activities"
	"tandem/calendar"
	"tandem/workflows"
)

// TestAnalysisWaitsForItsLastMonth: a quarter's figures are its last month's, so the analysis is
// made once that month's data is in (here after two hours), not when the period opens; and at the
// latest when the quarter's own window closes.
func TestAnalysisWaitsForItsLastMonth(t *testing.T) {
	t.Run("Analysis", func(t *testing.T) {
		env, _ := formationEnv(t)
		var a *activities.Activities
		closes := start.Add(5 * day)
		env.OnActivity(a.MonthDataIn, mock.Anything, "2026-Q3").Return(func(context.Context, string) (bool, error) {
			return !env.Now().Before(start.Add(2 * h)), nil
		})
		env.OnActivity(a.MakeAnalyses, mock.Anything, "p3", "2026-Q3").Return(func(context.Context, string, string) ([]activities.AnalysisInfo, error) {
			if env.Now().Before(start.Add(2 * h)) {
				t.Errorf("analysis figures made at %s, before September's data was in", env.Now())
			}
			return []activities.AnalysisInfo{{CountyID: countyUnit, ReviewerUnitID: "unit-city"}}, nil
		}).Once()
		env.OnActivity(a.PublishAnalysis, mock.Anything, mock.Anything).Return(nil).Once()
		env.OnActivity(a.FinishPeriod, mock.Anything, mock.Anything).Return(nil).Once()
		answer(t, env, 3*h, "analysis/"+countyUnit+"/1", "off-county", `{"text":"第一稿"}`, nil)
		answer(t, env, 4*h, "analysis-review/"+countyUnit+"/1", "off-city", `{"decision":"approve"}`, nil)
		env.ExecuteWorkflow(workflows.PeriodWorkflow, workflows.PeriodInput{PeriodID: "p3", Kind: calendar.Quarterly, Period: "2026-Q3", ClosesAt: closes})
		if err := env.GetWorkflowError(); err != nil {
			t.Fatal(err)
		}
		env.AssertExpectations(t)
	})
}

// TestAnalysisStopsWaitingAtWindowClose: a month whose data never comes in holds the analysis no
// longer than the quarter's window.
func TestAnalysisStopsWaitingAtWindowClose(t *testing.T) {
	env, _ := formationEnv(t)
	var a *activities.Activities
	closes := start.Add(5 * day)
	env.OnActivity(a.MonthDataIn, mock.Anything, "2026-Q3").Return(false, nil)
	env.OnActivity(a.MakeAnalyses, mock.Anything, "p3", "2026-Q3").Return(func(context.Context, string, string) ([]activities.AnalysisInfo, error) {
		if env.Now().Before(closes) || env.Now().After(closes.Add(h)) {
			t.Errorf("analysis figures made at %s, want at the window close %s", env.Now(), closes)
		}
		return nil, nil
	}).Once()
	env.OnActivity(a.FinishPeriod, mock.Anything, mock.Anything).Return(nil).Once()
	env.ExecuteWorkflow(workflows.PeriodWorkflow, workflows.PeriodInput{PeriodID: "p3", Kind: calendar.Quarterly, Period: "2026-Q3", ClosesAt: closes})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	env.AssertExpectations(t)
}
