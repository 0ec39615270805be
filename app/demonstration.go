package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"tandem/domain"
	"tandem/store"
	"tandem/workflows"
)

// DemonstrationRecheck is when a named point is re-checked: Months after its naming or last
// keep, WarningMonths after a warning (0: 12 and 1); For and WarningFor, when set, replace them
// with durations (demonstration runs).
type DemonstrationRecheck struct {
	Months, WarningMonths int
	For, WarningFor       time.Duration
}

// Demonstrations are the operations on demonstration points 示范点 (#19).
type Demonstrations struct{ *deps }

// Checklist is the self-assessment's checklist: the configured one or the "six haves" and "five
// goods".
func (o *Demonstrations) Checklist() []string {
	if len(o.DemonstrationChecklist) > 0 {
		return o.DemonstrationChecklist
	}
	return domain.DefaultDemonstrationChecklist
}

// Nominate records a nomination and starts its workflow; if the workflow cannot start, the
// point is marked rejected with the reason.
func (o *Demonstrations) Nominate(ctx context.Context, p domain.Principal, n store.Nomination) (store.DemonstrationPoint, error) {
	rec, err := o.Store.Nominate(ctx, p, n, store.NominationRules{Checklist: o.Checklist(), WorkflowID: workflows.DemonstrationWorkflowID})
	if err != nil {
		return rec.Point, err
	}
	pt := rec.Point
	unit, err := o.Store.DemonstrationByID(ctx, pt.ID)
	if err != nil {
		return pt, err
	}
	undo := func(ctx context.Context) error {
		_, err := o.Store.AdvanceDemonstration(ctx, pt.ID, store.DemonstrationStep{Action: "demonstration.status", Actor: domain.SystemActor,
			To: domain.DemoRejected, Detail: map[string]any{"reason": "the workflow could not start"}})
		return err
	}
	return pt, o.startRecorded(ctx, startOptions(pt.WorkflowID, pt.UnitID, pt.PartyOrgID),
		domain.Errorf(domain.EUNAVAILABLE, "无法启动示范点评选流程，请稍后重试"), undo,
		workflows.DemonstrationWorkflowName, workflows.DemonstrationInput{PointID: pt.ID, PartyOrgID: pt.PartyOrgID,
			PartyOrgName: unit.PartyOrgName, UnitName: unit.UnitName, CityUnitID: rec.CityUnitID, NominatedBy: pt.NominatedBy,
			NoticeWorkingDays: o.DemonstrationNoticeDays, NoticeFor: o.DemonstrationNoticeFor,
			RecheckMonths: o.DemonstrationRecheck.Months, WarningMonths: o.DemonstrationRecheck.WarningMonths,
			RecheckFor: o.DemonstrationRecheck.For, WarningFor: o.DemonstrationRecheck.WarningFor})
}

// Demonstration is a point with its history and objections.
type Demonstration struct {
	Point      store.DemonstrationPoint
	History    []domain.AuditEvent
	Objections []store.DemonstrationObjection
}

// Get reads a point in the caller's scope with its history and objections.
func (o *Demonstrations) Get(ctx context.Context, p domain.Principal, id string) (Demonstration, error) {
	pt, err := o.Store.GetDemonstration(ctx, p, id)
	if err != nil {
		return Demonstration{}, err
	}
	h, err := o.Store.DemonstrationHistory(ctx, id)
	if err != nil {
		return Demonstration{}, err
	}
	obs, err := o.Store.DemonstrationObjections(ctx, id)
	if err != nil {
		return Demonstration{}, err
	}
	return Demonstration{Point: pt, History: h, Objections: obs}, nil
}

// List lists the points in the caller's scope.
func (o *Demonstrations) List(ctx context.Context, p domain.Principal, f store.DemonstrationFilter) ([]store.DemonstrationPoint, string, error) {
	return o.Store.ListDemonstrations(ctx, p, f)
}

// Notices lists the public notices 公示 running now, readable by anyone logged in; the caller
// shows only the notice's fields.
func (o *Demonstrations) Notices(ctx context.Context) ([]store.DemonstrationPoint, error) {
	return o.Store.DemonstrationNotices(ctx)
}

// Object lodges an objection during the notice (anyone logged in); an officer of the city
// answers it through a demonstration.objection task. The objection is recorded first; pending
// reports that the point's workflow could not be told now (the engine away): the objection is
// kept, and ReconcileObjections or the notice's end opens its task later.
func (o *Demonstrations) Object(ctx context.Context, p domain.Principal, id, reason string) (ob store.DemonstrationObjection, pending bool, err error) {
	ob, err = o.Store.ObjectToDemonstration(ctx, p, id, reason)
	if err != nil {
		return ob, false, err
	}
	pt, err := o.Store.DemonstrationByID(ctx, id)
	if err != nil {
		return ob, true, nil // recorded: the reconciler finds it
	}
	if err := o.signalObjection(ctx, pt.WorkflowID, ob.ID, ob.LodgedBy); err != nil {
		o.Log.WarnContext(ctx, "signalling a demonstration point: the objection waits for the reconciler", "workflow_id", pt.WorkflowID, "error", err)
		return ob, true, nil
	}
	return ob, false, nil
}

func (o *Demonstrations) signalObjection(ctx context.Context, workflowID, objectionID, lodgedBy string) error {
	return o.Engine.SignalWorkflow(ctx, workflowID, "", workflows.SignalDemonstrationObjection,
		workflows.DemonstrationObjectionLodged{ObjectionID: objectionID, LodgedBy: lodgedBy})
}

// ObjectionGrace is how long an objection may wait for its task before ReconcileObjections
// signals its workflow again (a task normally appears within a second of the signal).
const ObjectionGrace = time.Minute

// ReconcileObjections signals the point's workflow again for each open objection lodged more
// than ObjectionGrace ago whose task does not exist (its signal was lost: the engine was away).
// The workflow opens one task per objection however often it is signalled. It returns how many
// were signalled; a failure is returned after the others are tried.
func (o *Demonstrations) ReconcileObjections(ctx context.Context) (int, error) {
	pending, err := o.Store.PendingDemonstrationObjections(ctx, o.now().Add(-ObjectionGrace))
	if err != nil {
		return 0, err
	}
	n := 0
	var errs []error
	for _, p := range pending {
		if err := o.signalObjection(ctx, p.WorkflowID, p.ID, p.LodgedBy); err != nil {
			errs = append(errs, fmt.Errorf("objection %s: %w", p.ID, err))
			continue
		}
		n++
	}
	return n, errors.Join(errs...)
}

// Ranking is a city's ranking of the points visited in year (Asia/Shanghai) by their site-visit
// score, for the city's officers; unitID "" is the caller's one city.
func (o *Demonstrations) Ranking(ctx context.Context, p domain.Principal, unitID string, year int) (domain.Unit, []store.RankedPoint, error) {
	return o.Store.DemonstrationRanking(ctx, p, unitID, year)
}
