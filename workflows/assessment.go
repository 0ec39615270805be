package workflows

import (
	"encoding/json"
	"strconv"
	"time"

	"go.temporal.io/sdk/workflow"

	"tandem/activities"
	"tandem/calendar"
	"tandem/domain"
	"tandem/forms"
)

// AssessmentWorkflowName is the registered name of AssessmentWorkflow.
const AssessmentWorkflowName = "AssessmentWorkflow"

// AssessmentWorkflowID names one unit's assessment of a half year.
func AssessmentWorkflowID(assessmentID string) string { return "assessment/" + assessmentID }

// AssessmentInput is one unit's half-year assessment.
type AssessmentInput struct {
	Period   string
	Unit     activities.Assessed
	Scheme   domain.Scheme
	From, To time.Time // the half year: tasks due in it count for timeliness
}

// AssessmentWorkflow runs one unit's assessment 半年一考核: self-assessment with evidence by the
// unit's officer → scoring by the parent unit's officers → the officer's review of the
// appraisal outcome (an officer of the unit above the scorer): approve, adjust a mark with a
// written reason, or return to the scorer → the outcome is scored and locked.
func AssessmentWorkflow(ctx workflow.Context, in AssessmentInput) (domain.Outcome, error) {
	tasks, err := NewTasks(ctx)
	if err != nil {
		return domain.Outcome{}, err
	}
	ctx = workflow.WithActivityOptions(ctx, formationActivity)
	var a *activities.Activities
	u := in.Unit
	// Each unit's tasks name the unit assessed (Subject), the period in their context.
	period := domain.TaskContext{Period: in.Period}
	half := domain.PeriodLabel(in.Period)
	out, err := tasks.Ask(ctx, TaskRequest{
		Step: "self", Kind: "assessment.self", Subject: u.UnitID, SubjectType: domain.SubjectUnit, Context: period,
		Title:  half + "考核自评（附佐证材料）",
		UnitID: u.UnitID, Role: domain.RoleOfficer, DueWorkingDays: 10,
		Check: func(raw json.RawMessage) error { return checkMarks(in.Scheme, raw, false) },
	})
	if err != nil {
		return domain.Outcome{}, err
	}
	var self forms.SelfResult
	if err := decodeResult(out, &self); err != nil {
		return domain.Outcome{}, err
	}
	if err := workflow.ExecuteActivity(ctx, a.SaveSelfAssessment, activities.SelfInput{AssessmentID: u.AssessmentID,
		Actor: out.CompletedBy, Self: self}).Get(ctx, nil); err != nil {
		return domain.Outcome{}, err
	}
	var returned *domain.TaskReturn // why the reviewer sent the previous score back
	for round := 1; ; round++ {
		scoreCtx := period
		scoreCtx.Returned = returned
		out, err := tasks.Ask(ctx, TaskRequest{
			Step: "score/" + strconv.Itoa(round), Kind: "assessment.score", Subject: u.UnitID, SubjectType: domain.SubjectUnit,
			Context: scoreCtx, Title: half + "考核评分",
			UnitID: u.ScorerUnitID, Role: domain.RoleOfficer, DueWorkingDays: 10,
			Check: func(raw json.RawMessage) error { return checkMarks(in.Scheme, raw, true) },
		})
		if err != nil {
			return domain.Outcome{}, err
		}
		var score forms.ScoreResult
		if err := decodeResult(out, &score); err != nil {
			return domain.Outcome{}, err
		}
		reviewCtx := period
		//workflowcheck:ignore
		reviewCtx.UnderReview, _ = json.Marshal(activities.AssessmentUnderReview{AssessmentID: u.AssessmentID,
			Marks: score.Marks, Note: score.Note, SelfMarks: self.Marks, Evidence: self.Evidence, ScoredBy: out.CompletedBy,
			From: in.From, To: in.To})
		review, err := tasks.Ask(ctx, TaskRequest{
			Step: "review/" + strconv.Itoa(round), Kind: "assessment.review", Subject: u.UnitID, SubjectType: domain.SubjectUnit,
			Context: reviewCtx, Title: half + "考核结果审核",
			UnitID: u.ReviewerUnitID, Role: domain.RoleOfficer, DueWorkingDays: 10,
			Check: func(raw json.RawMessage) error { return checkReview(in.Scheme, score.Marks, raw) },
			NotBy: []string{out.CompletedBy}, // whoever scored does not review the score too
		})
		if err != nil {
			return domain.Outcome{}, err
		}
		var r forms.ReviewResult
		if err := decodeResult(review, &r); err != nil {
			return domain.Outcome{}, err
		}
		if r.Decision == "return" {
			returned = &domain.TaskReturn{Reason: r.Reason, By: review.CompletedBy, At: workflow.Now(ctx)}
			continue
		}
		var v domain.Validation
		// Copies maps: the same marks in any order, and their JSON sorts the keys.
		//workflowcheck:ignore
		marks := forms.Apply(in.Scheme, score.Marks, r.Adjustments, &v)
		var outcome domain.Outcome
		if err := workflow.ExecuteActivity(ctx, a.LockAssessment, activities.LockInput{AssessmentID: u.AssessmentID, UnitID: u.UnitID,
			Marks: marks, From: in.From, To: in.To, Actor: review.CompletedBy, ScoredBy: out.CompletedBy}).Get(ctx, &outcome); err != nil {
			return domain.Outcome{}, err
		}
		return outcome, tasks.Finish(ctx)
	}
}

func checkMarks(s domain.Scheme, raw json.RawMessage, complete bool) error {
	var m domain.Marks
	//workflowcheck:ignore
	if err := json.Unmarshal(raw, &m); err != nil {
		return err
	}
	var v domain.Validation
	//workflowcheck:ignore
	s.CheckMarks(m, complete, &v)
	return v.Err("the marks do not fit the scheme")
}

func checkReview(s domain.Scheme, scored domain.Marks, raw json.RawMessage) error {
	var r forms.ReviewResult
	//workflowcheck:ignore
	if err := json.Unmarshal(raw, &r); err != nil {
		return err
	}
	var v domain.Validation
	//workflowcheck:ignore
	forms.Apply(s, scored, r.Adjustments, &v)
	return v.Err("the adjustments do not fit the scheme")
}

// halfYearAssessment is the half-year cycle: every county, township and industry committee is
// assessed (each its own child workflow), and the basic roster is compiled and sent down.
func halfYearAssessment(ctx workflow.Context, in PeriodInput, finish func(string, map[string]any) error) error {
	var a *activities.Activities
	var plan activities.AssessmentPlan
	if err := workflow.ExecuteActivity(ctx, a.OpenAssessments, in.PeriodID).Get(ctx, &plan); err != nil {
		return err
	}
	if err := workflow.ExecuteActivity(ctx, a.NotifyLedgers, in.Period).Get(ctx, nil); err != nil {
		workflow.GetLogger(ctx).Warn("ledger notification failed", "error", err)
	}
	p, err := calendar.ParsePeriod(calendar.HalfYear, in.Period)
	if err != nil {
		return err
	}
	var futures []workflow.ChildWorkflowFuture
	for _, u := range plan.Units {
		cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
			WorkflowID:            AssessmentWorkflowID(u.AssessmentID),
			TypedSearchAttributes: temporalSearchAttrs(u.UnitID, in.Period),
		})
		futures = append(futures, workflow.ExecuteChildWorkflow(cctx, AssessmentWorkflowName, AssessmentInput{Period: in.Period, Unit: u,
			Scheme: plan.Scheme, From: p.Start, To: p.End}))
	}
	grades := map[string]int{}
	for _, f := range futures {
		var out domain.Outcome
		if err := f.Get(ctx, &out); err != nil {
			return err
		}
		grades[out.Grade]++
	}
	return finish(string(domain.PeriodDone), map[string]any{"assessed": len(plan.Units), "scheme_version": plan.SchemeVersion, "grades": grades})
}
