package workflows_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/temporal"

	"tandem/activities"
	"tandem/calendar"
	"tandem/domain"
	"tandem/workflows"
)

// TestMonthlyDockingWithALiaisonWhoNeverDelivers: tax delivers (after one refused import),
// social security never does; when the window closes the bulletins go out anyway, the missing
// delivery is named, and the period ends once the county has read its bulletin. Each task goes
// to the department mapped to its source and names the source.
func TestMonthlyDockingWithALiaisonWhoNeverDelivers(t *testing.T) {
	env, f := formationEnv(t)
	var a *activities.Activities
	env.OnActivity(a.DeliverySources, mock.Anything).Return([]activities.SourceDelivery{
		{Source: "tax", Label: "税务", UnitID: "tax"}, {Source: "social", Label: "社保", UnitID: "social"}}, nil).Once()
	refused := false
	env.OnActivity(a.RecordDelivery, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.DeliveryInput) error {
		if in.UnitID != "tax" || in.Source != "tax" {
			t.Errorf("delivery from %s of %s", in.UnitID, in.Source)
		}
		if !refused {
			refused = true
			return temporal.NewNonRetryableApplicationError("not yours", activities.ErrTypeRefused, nil)
		}
		return nil
	}).Times(2)
	env.OnActivity(a.PeriodSummary, mock.Anything, "p1").Return(map[string]int{"deliveries": 1}, nil).Once()
	env.OnActivity(a.ChangedRounds, mock.Anything, mock.Anything).Return([]activities.RoundInfo{}, nil).Once()
	env.OnActivity(a.MakeBulletins, mock.Anything, activities.BulletinInput{PeriodID: "p1", Period: "2026-10"}).Return([]string{countyUnit}, nil).Once()
	var finished map[string]any
	env.OnActivity(a.FinishPeriod, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.FinishPeriodInput) error {
		if in.Status != "done" {
			t.Errorf("period %s: %v", in.Status, in.Summary)
		}
		finished = in.Summary
		if env.Now().Before(start.Add(7 * day)) {
			t.Error("the bulletins went out before the window closed")
		}
		return nil
	}).Once()
	answer(t, env, h, "delivery/tax/tax/1", "liaison-tax", `{"import_id":"someone-elses"}`, nil)
	answer(t, env, 2*h, "delivery/tax/tax/2", "liaison-tax", `{"import_id":"imp-1"}`, nil)
	answer(t, env, 8*day, "bulletin/"+countyUnit, "off-county", `{"acknowledged":true}`, nil)
	p, _ := calendar.ParsePeriod(calendar.Monthly, "2026-10")
	env.ExecuteWorkflow(workflows.PeriodWorkflow, workflows.PeriodInput{PeriodID: "p1", Kind: calendar.Monthly, Period: "2026-10",
		Start: p.Start, ClosesAt: start.Add(7 * day), DeliveryDays: 3})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if f.dueDays["delivery/tax/tax/1"] != 3 || f.dueDays["delivery/social/social/1"] != 3 {
		t.Fatalf("delivery tasks due in %v working days, want the configured 3", f.dueDays)
	}
	// The deliveries are asked for side by side: their order is not fixed.
	created := append([]string(nil), f.created...)
	sort.Strings(created)
	if got := strings.Join(created, " "); got != "bulletin/"+countyUnit+" delivery/social/social/1 delivery/tax/tax/1 delivery/tax/tax/2" {
		t.Fatalf("tasks %q", got)
	}
	if in := f.inputs["delivery/social/social/1"]; in.UnitID != "social" || in.Subject != "2026-10/social" || !strings.Contains(in.Title, "社保名册") {
		t.Fatalf("the social security task %+v does not name its source", in)
	}
	if fmt.Sprint(finished["missing_deliveries"]) != "[social]" {
		t.Fatalf("summary %v", finished)
	}
	if f.cancelled == 0 {
		t.Fatal("the undelivered task was not cancelled when the period ended")
	}
	env.AssertExpectations(t)
}

func TestPeriodOfAnUnknownCycleFailsSayingSo(t *testing.T) {
	env, _ := formationEnv(t)
	var a *activities.Activities
	env.OnActivity(a.FinishPeriod, mock.Anything, mock.MatchedBy(func(in activities.FinishPeriodInput) bool {
		return in.Status == "failed" && strings.Contains(in.Summary["error"].(string), "no weekly cycle")
	})).Return(nil).Once()
	env.ExecuteWorkflow(workflows.PeriodWorkflow, workflows.PeriodInput{PeriodID: "p2", Kind: "weekly", Period: "2026-W40"})
	if err := env.GetWorkflowError(); err == nil || !strings.Contains(err.Error(), "no weekly cycle") {
		t.Fatalf("error %v", err)
	}
	env.AssertExpectations(t)
}

func TestScheduledCycleCoversThePeriodJustEnded(t *testing.T) {
	for _, tt := range []struct {
		kind, want string
		at         time.Time
		created    bool
	}{
		{calendar.Monthly, "2026-10", time.Date(2026, 10, 31, 17, 0, 0, 0, time.UTC), true}, // 1 Nov 01:00 Shanghai
		{calendar.Quarterly, "2026-Q3", time.Date(2026, 9, 30, 17, 0, 0, 0, time.UTC), true},
		{calendar.HalfYear, "2026-H1", time.Date(2026, 6, 30, 17, 0, 0, 0, time.UTC), false}, // already run: nothing starts
	} {
		env, _ := formationEnv(t)
		env.SetStartTime(tt.at)
		var a *activities.Activities
		env.OnActivity(a.OpenPeriod, mock.Anything, mock.MatchedBy(func(in activities.OpenPeriodInput) bool {
			return in.Kind == tt.kind && in.Period == tt.want && in.Trigger == "schedule"
		})).Return(activities.PeriodInfo{ID: "p", Created: tt.created}, nil).Once()
		if tt.created {
			env.OnWorkflow(workflows.PeriodWorkflow, mock.Anything, mock.MatchedBy(func(in workflows.PeriodInput) bool {
				return in.Period == tt.want && in.Kind == tt.kind
			})).Return(nil).Once()
		}
		env.ExecuteWorkflow(workflows.ScheduledCycleWorkflow, tt.kind)
		if err := env.GetWorkflowError(); err != nil {
			t.Fatal(err)
		}
		env.AssertExpectations(t)
	}
}

// TestAssessmentReturnedThenAdjusted: the unit self-assesses, the county scores, the reviewer
// returns it once, then adjusts one score with a reason and approves: the adjusted marks are
// locked. The officer who scored may not review the score as well.
func TestAssessmentReturnedThenAdjusted(t *testing.T) {
	env, f := formationEnv(t)
	var a *activities.Activities
	env.OnActivity(a.SaveSelfAssessment, mock.Anything, mock.Anything).Return(nil).Once()
	env.OnActivity(a.LockAssessment, mock.Anything, mock.MatchedBy(func(in activities.LockInput) bool {
		return in.Marks.Scores["census"] == 95 && in.Marks.Scores["meetings"] == 80 && in.Actor == "off-city" && in.AssessmentID == "as-1"
	})).Return(domain.Outcome{Total: 91, Grade: "好"}, nil).Once()
	answer(t, env, h, "self", "off-town", `{"scores":{"census":90},"evidence":"走访台账、会议纪要"}`, nil)
	answer(t, env, 2*h, "score/1", "off-county", `{"scores":{"census":85}}`, refused(t, "scores.meetings", "required"))
	answer(t, env, 3*h, "score/1", "off-county", `{"scores":{"census":85,"meetings":80},"deductions":{"late_delivery":2}}`, nil)
	answer(t, env, 3*h+time.Minute, "review/1", "off-county", `{"decision":"approve"}`, refused(t, "须由他人完成"))
	answer(t, env, 4*h, "review/1", "off-city", `{"decision":"return","reason":"扣分依据不足"}`, nil)
	answer(t, env, 5*h, "score/2", "off-county", `{"scores":{"census":85,"meetings":80}}`, nil)
	answer(t, env, 6*h, "review/2", "off-city", `{"decision":"adjust","adjustments":[{"code":"nope","value":1,"reason":"x"}]}`, refused(t, "adjustments[0].code"))
	answer(t, env, 7*h, "review/2", "off-city", `{"decision":"adjust","adjustments":[{"code":"census","value":95,"reason":"核实新增走访记录"}]}`, nil)
	env.ExecuteWorkflow(workflows.AssessmentWorkflow, workflows.AssessmentInput{Period: "2026-H1", Scheme: domain.DefaultScheme,
		Unit: activities.Assessed{AssessmentID: "as-1", UnitID: townshipA, ScorerUnitID: countyUnit, ReviewerUnitID: "unit-city"}})
	var out domain.Outcome
	if err := env.GetWorkflowResult(&out); err != nil || out.Grade != "好" {
		t.Fatalf("%+v %v", out, err)
	}
	if got := strings.Join(f.created, " "); got != "self score/1 review/1 score/2 review/2" {
		t.Fatalf("tasks %q", got)
	}
	// Every task is about the unit assessed, the period in its context (B3); the review shows
	// what it reviews (B2); the second score says why the first was returned (A6).
	for _, step := range f.created {
		if in := f.inputs[step]; in.Subject != townshipA || in.SubjectType != domain.SubjectUnit || in.Context.Period != "2026-H1" ||
			!strings.Contains(in.Title, "2026年上半年") {
			t.Errorf("%s: subject %s %q, context %+v, title %q", step, in.SubjectType, in.Subject, in.Context, in.Title)
		}
	}
	assertReturned(t, f, "score/2", "扣分依据不足", "off-city")
	if ur := string(f.inputs["review/1"].Context.UnderReview); !strings.Contains(ur, `"census":85`) || !strings.Contains(ur, "走访台账") {
		t.Errorf("review/1 under review: %s", ur)
	}
	env.AssertExpectations(t)
}

// TestQuarterlyAnalysisReturnedOnce: the county drafts, the city returns it, the county
// redrafts, the city approves, and the second text is published.
func TestQuarterlyAnalysisReturnedOnce(t *testing.T) {
	env, f := formationEnv(t)
	var a *activities.Activities
	env.OnActivity(a.MonthDataIn, mock.Anything, "2026-Q3").Return(true, nil).Once()
	env.OnActivity(a.MakeAnalyses, mock.Anything, "p3", "2026-Q3").Return([]activities.AnalysisInfo{{CountyID: countyUnit, ReviewerUnitID: "unit-city"}}, nil).Once()
	env.OnActivity(a.PublishAnalysis, mock.Anything, activities.PublishInput{PeriodID: "p3", CountyID: countyUnit, Text: "第二稿", Actor: "off-city"}).Return(nil).Once()
	env.OnActivity(a.FinishPeriod, mock.Anything, mock.MatchedBy(func(in activities.FinishPeriodInput) bool { return in.Status == "done" })).Return(nil).Once()
	answer(t, env, h, "analysis/"+countyUnit+"/1", "off-county", `{"text":"第一稿"}`, nil)
	answer(t, env, 2*h, "analysis-review/"+countyUnit+"/1", "off-city", `{"decision":"return","reason":"问题分析不够具体"}`, nil)
	answer(t, env, 3*h, "analysis/"+countyUnit+"/2", "off-county", `{"text":"第二稿"}`, nil)
	answer(t, env, 4*h, "analysis-review/"+countyUnit+"/2", "off-city", `{"decision":"approve"}`, nil)
	env.ExecuteWorkflow(workflows.PeriodWorkflow, workflows.PeriodInput{PeriodID: "p3", Kind: calendar.Quarterly, Period: "2026-Q3"})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if len(f.created) != 4 {
		t.Fatalf("tasks %v", f.created)
	}
	assertReturned(t, f, "analysis/"+countyUnit+"/2", "问题分析不够具体", "off-city")
	if in := f.inputs["analysis/"+countyUnit+"/1"]; in.Subject != countyUnit || in.SubjectType != domain.SubjectUnit || in.Context.Returned != nil {
		t.Errorf("first draft: %+v", in)
	}
	env.AssertExpectations(t)
}
