package activities

import (
	"context"
	"strings"

	"tandem/domain"
	"tandem/store"
)

// InspectionWorkflowID names a round's workflow (workflows.InspectionWorkflowID).
func InspectionWorkflowID(roundID string) string { return "inspection/" + roundID }

// taskCandidates names who may act on a new task beside the holders of its role (the task's
// Candidates): the target's team members, as the round's team assigns them at the time of the
// task, on the target's visit (inspection.visit) and on each verification of its items
// (rectification.verify). The task's NotBy still wins over them. Decided here, from the task's
// kind and workflow, so the workflows (and their histories) are unchanged.
func (a *Activities) taskCandidates(ctx context.Context, in CreateTaskInput) ([]string, error) {
	var roundID, target string
	switch in.Kind {
	case "inspection.visit":
		id, ok := strings.CutPrefix(in.WorkflowID, "inspection/")
		if !ok {
			return nil, nil
		}
		roundID, target = id, in.Subject
	case "rectification.verify":
		id, ok := store.RectificationItemOf(in.WorkflowID)
		if !ok {
			return nil, nil
		}
		it, err := a.Store.RectificationItemByID(ctx, id)
		if err != nil {
			return nil, nonRetryable(err)
		}
		roundID, target = it.RoundID, it.UnitID
	default:
		return nil, nil
	}
	names, err := a.Store.TargetTeam(ctx, roundID, target)
	return names, nonRetryable(err)
}

// InspectionStatusInput records where a round is.
type InspectionStatusInput struct {
	RoundID string
	Status  domain.InspectionStatus
	Actor   string
	Detail  map[string]any
}

// SetInspectionStatus records a round's status and the decision that led there.
func (a *Activities) SetInspectionStatus(ctx context.Context, in InspectionStatusInput) error {
	return nonRetryable(a.Store.SetInspectionStatus(ctx, in.RoundID, in.Status, in.Actor, in.Detail))
}

// InspectionFinding is one finding of a visit, as the workflow passes it on.
type InspectionFinding struct {
	Category       string
	Severity       string
	Description    string
	Evidence       string
	FixedOnTheSpot bool
}

// InspectionVisitInput records a target's visit.
type InspectionVisitInput struct {
	RoundID        string
	Target         string
	Actor          string
	MethodsDone    []string
	Notes          string
	Evidence       []string
	Findings       []InspectionFinding
	DueWorkingDays int // of each rectification item, from the visit
}

// InspectionVisitOutput says how many rectification items the visit opened.
type InspectionVisitOutput struct {
	Items int
}

// RecordInspectionVisit records a visit's findings; those not fixed on the spot become
// rectification items due DueWorkingDays working days after today.
func (a *Activities) RecordInspectionVisit(ctx context.Context, in InspectionVisitInput) (InspectionVisitOutput, error) {
	cal, err := a.Calendar.Calendar(ctx)
	if err != nil {
		return InspectionVisitOutput{}, err
	}
	due := cal.DueAfterWorkingDays(a.Store.Now(), in.DueWorkingDays)
	rec := store.VisitRecord{MethodsDone: in.MethodsDone, Notes: in.Notes, Evidence: in.Evidence}
	for _, f := range in.Findings {
		rec.Findings = append(rec.Findings, store.FindingInput{Category: f.Category, Severity: f.Severity, Description: f.Description,
			Evidence: f.Evidence, FixedOnTheSpot: f.FixedOnTheSpot})
	}
	items, err := a.Store.RecordInspectionVisit(ctx, in.RoundID, in.Target, in.Actor, rec, in.DueWorkingDays, due.At)
	if err != nil {
		return InspectionVisitOutput{}, nonRetryable(err)
	}
	return InspectionVisitOutput{Items: len(items)}, nil
}

// InspectionFeedbackInput sends a target its feedback.
type InspectionFeedbackInput struct {
	RoundID  string
	Target   string
	Actor    string
	Feedback string
}

// SendInspectionFeedback records a target's feedback and notifies its officers, copying 抄告
// the officers of the unit above.
func (a *Activities) SendInspectionFeedback(ctx context.Context, in InspectionFeedbackInput) error {
	to, err := a.Store.RecordFeedback(ctx, in.RoundID, in.Target, in.Actor, in.Feedback)
	if err != nil {
		return nonRetryable(err)
	}
	r, err := a.Store.InspectionRoundByID(ctx, in.RoundID)
	if err != nil {
		return nonRetryable(err)
	}
	name := in.Target
	for _, t := range r.Targets {
		if t.UnitID == in.Target {
			name = t.UnitName
		}
	}
	link := "/inspection-rounds/" + in.RoundID
	key := "inspection-feedback/" + in.RoundID + "/" + in.Target
	if err := a.Notifier.Notify(ctx, to.To, domain.Notice{Key: key, Kind: "inspection.feedback", Title: "督查反馈意见：" + r.Title,
		Body: in.Feedback, Link: link, SubjectType: domain.SubjectUnit, Subject: in.Target}); err != nil {
		return err
	}
	return a.Notifier.Notify(ctx, to.CC, domain.Notice{Key: key + "/cc", Kind: "inspection.feedback_cc",
		Title: "抄告：" + r.Title + "（" + name + "）", Body: in.Feedback, Link: link, SubjectType: domain.SubjectUnit, Subject: in.Target})
}

// InspectionObjectionInput applies the round officer's decision on an objection.
type InspectionObjectionInput struct {
	ObjectionID string
	Actor       string
	Decision    string // replace | overrule
	Replacement string
	Reason      string
	// WorkflowID is the round's: a replacement who takes over as leader gets the target's open
	// tasks of it.
	WorkflowID string
}

// InspectionObjectionOutput says who leads the target's group after the decision ("" =
// unchanged).
type InspectionObjectionOutput struct {
	Target    string
	NewLeader string
}

// DecideInspectionObjection applies the decision, handing the target's open tasks to a
// replacement leader.
func (a *Activities) DecideInspectionObjection(ctx context.Context, in InspectionObjectionInput) (InspectionObjectionOutput, error) {
	out, err := a.Store.DecideObjection(ctx, in.ObjectionID, in.Actor,
		store.ObjectionDecision{Decision: in.Decision, Replacement: in.Replacement, Reason: in.Reason})
	if err != nil {
		return InspectionObjectionOutput{}, nonRetryable(err)
	}
	if out.NewLeader != "" {
		if err := a.Store.HandOverInspectionTasks(ctx, in.WorkflowID, out.Objection.TargetUnitID, out.Objection.Username, out.NewLeader); err != nil {
			return InspectionObjectionOutput{}, nonRetryable(err)
		}
	}
	return InspectionObjectionOutput{Target: out.Objection.TargetUnitID, NewLeader: out.NewLeader}, nil
}
