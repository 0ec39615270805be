package activities

import (
	"context"
	"encoding/json"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"tandem/calendar"
	"tandem/domain"
	"tandem/forms"
)

// DefaultDeliveryDays is how many working days the departments have to deliver each month
// unless configured otherwise.
const DefaultDeliveryDays = 5

// OpenPeriodInput opens a period of a cycle.
type OpenPeriodInput struct {
	Kind    string
	Period  string
	Trigger string // schedule | manual
	Actor   string
	OpensAt time.Time // the scheduled time, or the manual run's start
}

// PeriodInfo is a recorded period.
type PeriodInfo struct {
	ID           string
	Created      bool
	Status       string
	ClosesAt     time.Time
	DeliveryDays int // the working days each delivery task is due in
}

// OpenPeriod records a period once, its window on the working-day calendar opening at OpensAt.
func (a *Activities) OpenPeriod(ctx context.Context, in OpenPeriodInput) (PeriodInfo, error) {
	if _, err := calendar.ParsePeriod(in.Kind, in.Period); err != nil {
		return PeriodInfo{}, temporal.NewNonRetryableApplicationError(err.Error(), domain.EINVALID, nil)
	}
	cal, err := a.Calendar.Calendar(ctx)
	if err != nil {
		return PeriodInfo{}, err
	}
	days := a.DeliveryDays
	if days <= 0 {
		days = DefaultDeliveryDays
	}
	closes := cal.DueAfterWorkingDays(in.OpensAt, days).At
	p, created, err := a.Store.OpenPeriod(ctx, in.Kind, in.Period, in.Trigger, in.Actor, in.OpensAt, closes)
	return PeriodInfo{ID: p.ID, Created: created, Status: p.Status, ClosesAt: p.WindowClosesAt, DeliveryDays: days}, err
}

// DeliveryUnits lists the departments that deliver every month: those a source is mapped to.
// (The monthly workflow of histories before each task named its source; new runs use
// DeliverySources.)
func (a *Activities) DeliveryUnits(ctx context.Context) ([]string, error) {
	sources, err := a.DeliverySources(ctx)
	if err != nil {
		return nil, err
	}
	var ids []string
	seen := map[string]bool{}
	for _, s := range sources {
		if !seen[s.UnitID] {
			seen[s.UnitID] = true
			ids = append(ids, s.UnitID)
		}
	}
	return ids, nil
}

// SourceDelivery is one source a department delivers each month.
type SourceDelivery struct {
	Source   string
	Label    string // Chinese, e.g. 市场监管
	UnitID   string
	UnitName string
}

// DeliverySources lists the file sources that have a department, each with it, by source: each
// gets a delivery.upload task. A source without a department gets none (logged), and a
// department without a source none.
func (a *Activities) DeliverySources(ctx context.Context) ([]SourceDelivery, error) {
	all, err := a.Store.Sources(ctx)
	if err != nil {
		return nil, err
	}
	var out []SourceDelivery
	var unmapped []string
	for _, d := range all {
		if d.UnitID == "" {
			unmapped = append(unmapped, d.Source)
			continue
		}
		out = append(out, SourceDelivery{Source: d.Source, Label: d.Label, UnitID: d.UnitID, UnitName: d.UnitName})
	}
	if len(unmapped) > 0 && activity.IsActivity(ctx) {
		activity.GetLogger(ctx).Warn("no department delivers these sources: no delivery task for them (PUT /api/v1/sources/{source})",
			"sources", unmapped)
	}
	return out, nil
}

// DeliveryInput links a liaison's import to the period.
type DeliveryInput struct {
	PeriodID, UnitID, ImportID, Actor string
	Source                            string // the source the task expects ("" in histories from before)
}

// RecordDelivery links the import to the period; an import that is not the liaison's, not of
// the task's source or department, or not done, is refused and the liaison is asked again.
func (a *Activities) RecordDelivery(ctx context.Context, in DeliveryInput) error {
	err := a.Store.RecordDelivery(ctx, in.PeriodID, in.UnitID, in.Source, in.ImportID, in.Actor)
	if domain.ErrorCode(err) == domain.EINVALID {
		return temporal.NewNonRetryableApplicationError(domain.ErrorMessage(err), ErrTypeRefused, err)
	}
	return err
}

// ChangedRounds records census rounds for the organizations new or changed since the period
// began.
func (a *Activities) ChangedRounds(ctx context.Context, since time.Time) ([]RoundInfo, error) {
	rounds, err := a.Store.ChangedRounds(ctx, since, "system")
	return roundInfos(rounds), err
}

// BulletinInput makes the monthly bulletins of a period.
type BulletinInput struct {
	PeriodID string
	Period   string // YYYY-MM
}

// MakeBulletins takes the period's coverage snapshot (when it has none yet) and makes each
// county's bulletin; it returns the counties.
func (a *Activities) MakeBulletins(ctx context.Context, in BulletinInput) ([]string, error) {
	p, err := calendar.ParsePeriod(calendar.Monthly, in.Period)
	if err != nil {
		return nil, temporal.NewNonRetryableApplicationError(err.Error(), domain.EINVALID, nil)
	}
	if _, err := a.Store.TakeCoverageSnapshot(ctx, in.Period); err != nil {
		return nil, err
	}
	previous := p.Start.AddDate(0, -1, 0).Format("2006-01")
	counties, err := a.Store.Counties(ctx)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(counties))
	for i, c := range counties {
		if _, err := a.Store.MakeBulletin(ctx, in.PeriodID, c.ID, in.Period, previous); err != nil {
			return nil, err
		}
		ids[i] = c.ID
	}
	return ids, nil
}

// FinishPeriodInput closes a period.
type FinishPeriodInput struct {
	PeriodID string
	Status   string
	Summary  map[string]any
}

// FinishPeriod records the end of a period with its summary.
func (a *Activities) FinishPeriod(ctx context.Context, in FinishPeriodInput) error {
	return a.Store.FinishPeriod(ctx, in.PeriodID, in.Status, in.Summary)
}

// PeriodSummary sums the period's deliveries.
func (a *Activities) PeriodSummary(ctx context.Context, periodID string) (map[string]int, error) {
	return a.Store.ImportsOfPeriod(ctx, periodID)
}

// Assessed is a unit to assess, with who scores and who reviews (a workflow payload: the
// store's Assessed is converted, not passed).
type Assessed struct {
	AssessmentID   string
	UnitID         string
	ScorerUnitID   string // the parent unit
	ReviewerUnitID string // the unit above the scorer, or the scorer when it is the top (the city)
}

// AssessmentUnderReview is what the review task of an assessment shows its reviewer (its
// context's under_review): the marks and note of the score under review, the unit's own marks
// and evidence, and the total those marks give on the figures (Preview, added by CreateTask).
type AssessmentUnderReview struct {
	AssessmentID string          `json:"assessment_id"`
	Marks        domain.Marks    `json:"marks"`
	Note         string          `json:"note,omitempty"`
	ScoredBy     string          `json:"scored_by,omitempty"`
	SelfMarks    domain.Marks    `json:"self_marks"`
	Evidence     string          `json:"evidence"`
	From         time.Time       `json:"from"`
	To           time.Time       `json:"to"`
	Preview      *domain.Outcome `json:"preview,omitempty"`
}

// previewAssessment adds to an assessment review's context the outcome its marks would give.
func (a *Activities) previewAssessment(ctx context.Context, unitID string, raw json.RawMessage) (json.RawMessage, error) {
	var r AssessmentUnderReview
	if err := json.Unmarshal(raw, &r); err != nil || r.AssessmentID == "" {
		return raw, nil
	}
	as, err := a.Store.AssessmentByID(ctx, r.AssessmentID)
	if err != nil {
		return nil, nonRetryable(err)
	}
	scheme, err := a.Store.SchemeByVersion(ctx, as.SchemeVersion)
	if err != nil {
		return nil, err
	}
	// The same figures the lock scores: the half-year's close (store.Metrics says which).
	metrics, _, err := a.Store.Metrics(ctx, unitID, r.From, r.To)
	if err != nil {
		return nil, err
	}
	out := scheme.Score(metrics, r.Marks)
	r.Preview = &out
	return json.Marshal(r)
}

// AssessmentPlan is what a half-year period assesses.
type AssessmentPlan struct {
	SchemeVersion int
	Scheme        domain.Scheme
	Units         []Assessed
}

// OpenAssessments records the period's assessments under the current scheme.
func (a *Activities) OpenAssessments(ctx context.Context, periodID string) (AssessmentPlan, error) {
	version, scheme, err := a.Store.CurrentScheme(ctx)
	if err != nil {
		return AssessmentPlan{}, err
	}
	units, err := a.Store.OpenAssessments(ctx, periodID, version)
	if err != nil {
		return AssessmentPlan{}, err
	}
	plan := AssessmentPlan{SchemeVersion: version, Scheme: scheme}
	for _, u := range units { // nil stays nil: the same JSON as before
		plan.Units = append(plan.Units, Assessed{AssessmentID: u.AssessmentID, UnitID: u.UnitID, ScorerUnitID: u.ScorerUnitID, ReviewerUnitID: u.ReviewerUnitID})
	}
	return plan, nil
}

// SelfInput stores a self-assessment.
type SelfInput struct {
	AssessmentID string
	Actor        string
	Self         forms.SelfResult
}

// SaveSelfAssessment stores the unit's self-assessment.
func (a *Activities) SaveSelfAssessment(ctx context.Context, in SelfInput) error {
	return a.Store.SaveSelfAssessment(ctx, in.AssessmentID, in.Self, in.Actor)
}

// LockInput scores and locks an assessment.
type LockInput struct {
	AssessmentID string
	UnitID       string
	Marks        domain.Marks
	From, To     time.Time
	Actor        string // the reviewer who locks it
	ScoredBy     string // the officer who scored it: after a reopen they neither adjust nor re-lock it
}

// LockAssessment computes the data metrics (as of the half year's close), scores the marks under the assessment's scheme
// version and locks the outcome.
func (a *Activities) LockAssessment(ctx context.Context, in LockInput) (domain.Outcome, error) {
	as, err := a.Store.AssessmentByID(ctx, in.AssessmentID)
	if err != nil {
		return domain.Outcome{}, nonRetryable(err)
	}
	scheme, err := a.Store.SchemeByVersion(ctx, as.SchemeVersion)
	if err != nil {
		return domain.Outcome{}, err
	}
	metrics, asOf, err := a.Store.Metrics(ctx, in.UnitID, in.From, in.To)
	if err != nil {
		return domain.Outcome{}, err
	}
	out := scheme.Score(metrics, in.Marks)
	return out, nonRetryable(a.Store.LockAssessment(ctx, in.AssessmentID, in.Marks, metrics, asOf, out, in.Actor, in.ScoredBy))
}

// NotifyLedgers sends the compiled basic roster down: each county's and industry committee's
// officers are told their ledger is ready.
func (a *Activities) NotifyLedgers(ctx context.Context, period string) error {
	counties, err := a.Store.Counties(ctx)
	if err != nil {
		return err
	}
	committees, err := a.Store.Committees(ctx)
	if err != nil {
		return err
	}
	for _, u := range append(counties, committees...) {
		users, err := a.Store.UsersWithRole(ctx, u.ID, domain.RoleOfficer)
		if err != nil {
			return err
		}
		label := domain.PeriodLabel(period)
		if err := a.Notifier.Notify(ctx, users, domain.Notice{Key: "ledger/" + period + "/" + u.ID, Kind: "roster.ledger",
			Title: label + "基础名册已汇编下发：" + u.Name,
			Body:  label + "的两新组织基础名册已汇编完成，" + u.Name + "的台账可以查看和下载。",
			Link:  "/api/v1/ledgers/" + u.ID, SubjectType: domain.SubjectUnit, Subject: u.ID}); err != nil {
			return err
		}
	}
	return nil
}

// MonthDataIn reports whether the figures of a quarter's last month are fixed
// (store.LastMonthDataIn), so the quarter's analysis can use them.
func (a *Activities) MonthDataIn(ctx context.Context, quarter string) (bool, error) {
	in, err := a.Store.LastMonthDataIn(ctx, calendar.Quarterly, quarter)
	return in, nonRetryable(err)
}

// AnalysisInfo is one quarterly analysis to write and review.
type AnalysisInfo struct {
	CountyID       string // the county or industry committee (the name is kept for recorded histories)
	ReviewerUnitID string // the parent unit, or the unit itself at the top
}

// MakeAnalyses stores the figures and problem list of each county and each industry committee
// for a quarter.
func (a *Activities) MakeAnalyses(ctx context.Context, periodID, quarter string) ([]AnalysisInfo, error) {
	p, err := calendar.ParsePeriod(calendar.Quarterly, quarter)
	if err != nil {
		return nil, temporal.NewNonRetryableApplicationError(err.Error(), domain.EINVALID, nil)
	}
	prev, _ := calendar.PeriodEndedBy(calendar.Quarterly, p.Start)
	counties, err := a.Store.Counties(ctx)
	if err != nil {
		return nil, err
	}
	committees, err := a.Store.Committees(ctx)
	if err != nil {
		return nil, err
	}
	units := append(counties, committees...)
	out := make([]AnalysisInfo, len(units))
	for i, c := range units {
		if _, err := a.Store.MakeAnalysis(ctx, periodID, quarter, prev.Key, c.ID); err != nil {
			return nil, err
		}
		reviewer := c.ID
		if c.ParentID != nil {
			reviewer = *c.ParentID
		}
		out[i] = AnalysisInfo{CountyID: c.ID, ReviewerUnitID: reviewer}
	}
	return out, nil
}

// PublishInput publishes an approved analysis.
type PublishInput struct {
	PeriodID, CountyID, Text, Actor string
}

// PublishAnalysis publishes a county's approved analysis.
func (a *Activities) PublishAnalysis(ctx context.Context, in PublishInput) error {
	return a.Store.PublishAnalysis(ctx, in.PeriodID, in.CountyID, in.Text, in.Actor)
}
