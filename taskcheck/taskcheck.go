// Package taskcheck makes, before a task's result is accepted, every check that the task's
// workflow would apply to it afterwards with data (units, party organizations, imports,
// periods). One checker per task kind, each calling the store's Check… function that the
// writing store method calls too, so the check made before and the write made after cannot
// drift. The application layer runs Check before it sends the Update (422 naming the field,
// task unchanged, nothing in workflow history); the CompleteTask activity runs it again just
// before the row is completed, for what changed in between.
package taskcheck

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"tandem/domain"
	"tandem/forms"
	"tandem/store"
)

// checker checks a result that has passed the kind's form against the data.
type checker func(ctx context.Context, st *store.Store, t domain.Task, actor string, result json.RawMessage) error

// checkers names every task kind with a form: a checker, or nil where the workflow applies no
// data check after completion (its rules are the form's, or the workflow's own Check in the
// Update validator). TestEveryKindRefusesBeforeWhatItsWorkflowRefusesAfter fails for a kind
// missing here.
var checkers = map[string]checker{
	"census.assign":       checkAssign,
	"coverage.attach":     checkAttach,
	"coverage.instructor": checkWork,
	"delivery.upload":     checkDelivery,
	"survey.followup":     checkFollowUp,

	"census.verify":               nil, // ApplyVisit records what was found; the form decides
	"analysis.draft":              nil,
	"analysis.review":             nil,
	"assessment.self":             nil,
	"assessment.score":            nil, // marks: the workflow's Check (scheme) in the validator
	"assessment.review":           nil,
	"formation.application":       nil, // the workflow's Check (formation rules) in the validator
	"formation.approval":          nil,
	"formation.election":          nil, // the election rules: the workflow's Check in the validator
	"formation.report":            nil,
	"formation.confirmation":      nil,
	"formation.filing":            nil,
	"party_org.reelection":        nil,
	"party_org.reelection_review": nil,
	"party_org.adjustment":        nil,
	"party_org.dissolution":       nil,
	"party_org.reschedule":        nil,
	"roster.confirm_missing":      nil,
	domain.TaskKindEscalation:     nil,
	domain.TaskKindAssignment:     nil, // an engine task: app completes it with its effect in one transaction
	domain.TaskKindExtension:      nil, // an engine task: app completes it with its effect in one transaction
	"drill.acknowledge":           nil,
	"bulletin.acknowledge":        nil,

	"inspection.plan_review": nil, // a decision; never the drafter (NotBy)
	"inspection.objection":   checkObjection,
	"inspection.visit":       checkVisitEvidence, // the round's methods: the workflow's Check in the validator
	"inspection.feedback":    nil,

	"rectification.plan":        nil,                 // the round's deadline limit: the workflow's Check in the validator
	"rectification.plan_review": nil,                 // a decision (a return needs its reason: the form)
	"rectification.report":      checkReportEvidence, // the statement: the form
	"rectification.self_check":  nil,                 // never the reporter (NotBy)
	"rectification.verify":      nil,                 // never a member of the rectifying unit (NotBy)
	"rectification.recheck":     nil,                 // never a member of the rectifying unit (NotBy)

	"demonstration.review":    nil, // never the nominator (NotBy); a rejection's reason: the form
	"demonstration.visit":     nil, // the score's range: the form
	"demonstration.decision":  nil, // never the nominator (NotBy)
	"demonstration.objection": nil, // never the objector (NotBy); the answer: the form
	"demonstration.recheck":   nil, // never the nominator (NotBy); the decision: the form
}

// Kinds lists the task kinds the registry names (with or without a data check).
func Kinds() []string {
	out := make([]string, 0, len(checkers))
	for k := range checkers {
		out = append(out, k)
	}
	return out
}

// Checks runs the data checks of task kinds against one store.
type Checks struct{ Store *store.Store }

// Check refuses, with the *domain.Error (EINVALID, fields named) the workflow's store write
// would give, a result that the task's workflow would refuse after completion. result must
// have passed the kind's form (forms.Validate). A kind without a form is an internal error.
func (c Checks) Check(ctx context.Context, t domain.Task, actor string, result json.RawMessage) error {
	check, ok := checkers[t.Kind]
	if !ok {
		if _, hasForm := forms.Lookup(t.Kind); hasForm {
			return fmt.Errorf("taskcheck: task kind %q has a form but no entry in the registry", t.Kind)
		}
		return fmt.Errorf("taskcheck: no form for task kind %q", t.Kind)
	}
	if check == nil {
		return nil
	}
	return check(ctx, c.Store, t, actor, result)
}

func decode(result json.RawMessage, dst any) error {
	if err := json.Unmarshal(result, dst); err != nil {
		return fmt.Errorf("taskcheck: decode a validated result: %w", err)
	}
	return nil
}

// census.assign is created in the round's scope unit, for the organization as its subject.
func checkAssign(ctx context.Context, st *store.Store, t domain.Task, _ string, result json.RawMessage) error {
	var r forms.AssignResult
	if err := decode(result, &r); err != nil {
		return err
	}
	_, err := st.CheckAssignRegion(ctx, r.UnitID, t.UnitID)
	return err
}

func checkAttach(ctx context.Context, st *store.Store, t domain.Task, _ string, result json.RawMessage) error {
	var r forms.AttachResult
	if err := decode(result, &r); err != nil {
		return err
	}
	return st.CheckAttachCoverage(ctx, t.Subject, r.Method, r.PartyOrgID)
}

func checkWork(ctx context.Context, st *store.Store, t domain.Task, _ string, _ json.RawMessage) error {
	return st.CheckWorkCoverage(ctx, t.Subject)
}

func checkFollowUp(ctx context.Context, st *store.Store, t domain.Task, _ string, _ json.RawMessage) error {
	return st.CheckDeclareMembers(ctx, t.Subject)
}

// delivery.upload belongs to the period's workflow (period/<kind>/<key>) and names the source
// after the period in its subject (<key>/<source>; only <key> in tasks from before sources).
func checkDelivery(ctx context.Context, st *store.Store, t domain.Task, actor string, result json.RawMessage) error {
	var r forms.DeliveryResult
	if err := decode(result, &r); err != nil {
		return err
	}
	kind, key, ok := periodOf(t.WorkflowID)
	if !ok {
		return fmt.Errorf("taskcheck: delivery task %s belongs to workflow %q, not a period's", t.ID, t.WorkflowID)
	}
	p, err := st.FindPeriod(ctx, kind, key)
	if err != nil {
		return err
	}
	source := ""
	if rest, found := strings.CutPrefix(t.Subject, key+"/"); found {
		source = rest
	}
	return st.CheckDelivery(ctx, p.ID, t.UnitID, source, r.ImportID, actor)
}

// periodOf reads a period workflow's ID (workflows.PeriodWorkflowID).
func periodOf(workflowID string) (kind, key string, ok bool) {
	rest, found := strings.CutPrefix(workflowID, "period/")
	if !found {
		return "", "", false
	}
	kind, key, ok = strings.Cut(rest, "/")
	return kind, key, ok && kind != "" && key != ""
}

// inspection.objection is asked as step objection/<objection id> of the round's workflow: a
// replacement must be free of conflicts with the target (回避), as DecideObjection requires.
func checkObjection(ctx context.Context, st *store.Store, t domain.Task, _ string, result json.RawMessage) error {
	var r forms.ObjectionResult
	if err := decode(result, &r); err != nil {
		return err
	}
	_, id, ok := strings.Cut(t.Key, "/objection/")
	if !ok {
		return fmt.Errorf("taskcheck: objection task %s has key %q, not a round's objection step", t.ID, t.Key)
	}
	return st.CheckObjectionDecision(ctx, id, store.ObjectionDecision{Decision: r.Decision, Replacement: r.Replacement, Reason: r.Reason})
}

// inspection.visit: the visit's evidence and each finding's are attachment IDs the visitor may
// read (uploaded to a task they may view, as the visit task itself).
func checkVisitEvidence(ctx context.Context, st *store.Store, _ domain.Task, actor string, result json.RawMessage) error {
	var r forms.VisitResult
	if err := decode(result, &r); err != nil {
		return err
	}
	var ev []store.Evidence
	for i, id := range r.Evidence {
		ev = append(ev, store.Evidence{Field: fmt.Sprintf("evidence[%d]", i), ID: id})
	}
	for i, f := range r.Findings {
		if f.Evidence != "" {
			ev = append(ev, store.Evidence{Field: fmt.Sprintf("findings[%d].evidence", i), ID: f.Evidence})
		}
	}
	return st.CheckEvidence(ctx, actor, ev)
}

// rectification.report: its evidence (at least one: the form) are attachment IDs the reporter
// may read.
func checkReportEvidence(ctx context.Context, st *store.Store, _ domain.Task, actor string, result json.RawMessage) error {
	var r forms.RectificationReportResult
	if err := decode(result, &r); err != nil {
		return err
	}
	ev := make([]store.Evidence, len(r.Evidence))
	for i, id := range r.Evidence {
		ev[i] = store.Evidence{Field: fmt.Sprintf("evidence[%d]", i), ID: id}
	}
	return st.CheckEvidence(ctx, actor, ev)
}
