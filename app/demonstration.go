package app

import (
	"context"

	"tandem/domain"
	"tandem/store"
	"tandem/workflows"
)

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
			NoticeWorkingDays: o.DemonstrationNoticeDays, NoticeFor: o.DemonstrationNoticeFor})
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
// answers it through a demonstration.objection task.
func (o *Demonstrations) Object(ctx context.Context, p domain.Principal, id, reason string) (store.DemonstrationObjection, error) {
	ob, err := o.Store.ObjectToDemonstration(ctx, p, id, reason)
	if err != nil {
		return ob, err
	}
	pt, err := o.Store.DemonstrationByID(ctx, id)
	if err != nil {
		return ob, err
	}
	if err := o.Engine.SignalWorkflow(ctx, pt.WorkflowID, "", workflows.SignalDemonstrationObjection,
		workflows.DemonstrationObjectionLodged{ObjectionID: ob.ID, LodgedBy: p.Username}); err != nil {
		o.Log.WarnContext(ctx, "signalling a demonstration point", "workflow_id", pt.WorkflowID, "error", err)
		return ob, domain.Errorf(domain.EUNAVAILABLE, "无法联系示范点评选流程，请稍后重试")
	}
	return ob, nil
}
