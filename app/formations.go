package app

import (
	"context"
	"strings"
	"time"

	"github.com/google/uuid"

	"tandem/calendar"
	"tandem/domain"
	"tandem/store"
	"tandem/workflows"
)

// Formations are the operations on party-organization formations 组建.
type Formations struct{ *deps }

// StartFormation names the organizations of a formation: one (Organization) or several
// (Organizations, the first leads), not both.
type StartFormation struct {
	Organization  string
	Organizations []string
	Kind          string
}

// Start records a formation and starts its workflow: an officer or secretary over the
// organization's township or park (or an admin) starts it. If the workflow cannot start, the
// formation is marked failed so that its organizations are free again.
func (o *Formations) Start(ctx context.Context, p domain.Principal, in StartFormation) (store.Formation, error) {
	orgs := in.Organizations
	if in.Organization != "" {
		if len(orgs) > 0 {
			return store.Formation{}, domain.Invalid("organization 与 organizations 只能给出其一",
				domain.FieldFailed("organizations", domain.CodeEitherOr, "organization 或 organizations"))
		}
		orgs = []string{in.Organization}
	}
	for i := range orgs {
		orgs[i] = domain.NormalizeUSCC(orgs[i])
	}
	f, err := o.Store.StartFormation(ctx, p, store.FormationStart{Kind: domain.PartyOrgKind(in.Kind), Organizations: orgs,
		WorkflowID: workflows.FormationWorkflowID})
	if err != nil {
		return f, err
	}
	refused := domain.Errorf(domain.EUNAVAILABLE, "无法启动组建流程，请稍后重试")
	undo := func(ctx context.Context) error {
		return o.Store.EndFormation(ctx, f.ID, string(domain.FormationFailed), p.Username, "the workflow could not start")
	}
	parent, err := o.Store.ParentUnit(ctx, f.UnitID)
	if err != nil {
		return f, o.compensate(ctx, f.WorkflowID, err, refused, undo)
	}
	return f, o.startRecorded(ctx, startOptions(f.WorkflowID, f.UnitID, f.LeadUSCC), refused, undo,
		workflows.FormationWorkflowName, workflows.FormationInput{FormationID: f.ID, Kind: f.Kind, Organizations: f.Organizations,
			UnitID: f.UnitID, ParentUnitID: parent.ID})
}

// Cancel stops a running formation: an officer over its unit, or an admin. The workflow ends
// the formation when it hears the cancellation.
func (o *Formations) Cancel(ctx context.Context, p domain.Principal, id string) (store.Formation, error) {
	f, err := o.Store.GetFormation(ctx, p, id)
	if err != nil {
		return f, err
	}
	if !p.Admin && !p.HoldsRoleOver(domain.RoleOfficer, f.UnitPath) {
		return f, domain.Errorf(domain.EFORBIDDEN, "只有组建所在单位的上级组织员可以取消组建")
	}
	if f.Status != string(domain.FormationRunning) {
		return f, domain.Errorf(domain.ECONFLICT, "组建状态为 %s，不能执行此操作", f.Status)
	}
	if err := o.Engine.CancelWorkflow(ctx, f.WorkflowID, ""); err != nil {
		o.Log.WarnContext(ctx, "cancelling a formation", "workflow_id", f.WorkflowID, "error", err)
		return f, domain.Errorf(domain.EUNAVAILABLE, "无法取消组建流程，请稍后重试")
	}
	return f, nil
}

// PartyOrgs are the changes to a party organization that its workflow carries out:
// dissolution, adjustment, a moved re-election date.
type PartyOrgs struct{ *deps }

// PartyOrgRequest is what every change request names.
type PartyOrgRequest struct {
	PartyOrgID string
	Reason     string
	// Decided: the superior decides (no approval step); only an officer over it may.
	Decided bool
	// IdempotencyKey (the request's Idempotency-Key) makes a resent request a no-op in the workflow.
	IdempotencyKey string
}

// Dissolution asks to dissolve a party organization.
type Dissolution struct{ PartyOrgRequest }

// Adjustment asks for another kind, or organizations joining or leaving.
type Adjustment struct {
	PartyOrgRequest
	Kind        string
	Add, Remove []string
}

// Reschedule asks for an early or late re-election (换届) on DueOn (YYYY-MM-DD).
type Reschedule struct {
	PartyOrgRequest
	DueOn string
}

// Accepted says who asks for a change: "superior" when an officer over the party organization
// decides, "organization" when its secretary (or an officer) requests and the superior approves.
type Accepted struct {
	PartyOrg store.PartyOrg
	Source   string
}

// longestReason is the longest reason a change request may give, in characters.
const longestReason = domain.MaxDecisionReason

// requestCN names a party organization's request in Chinese (the messages people read).
var requestCN = map[string]string{"dissolution": "撤销", "adjustment": "调整"}

// Dissolve asks to dissolve a party organization: its secretary requests (the superior's officer
// approves through a task), or an officer over it decides.
func (o *PartyOrgs) Dissolve(ctx context.Context, p domain.Principal, in Dissolution) (Accepted, error) {
	acc, err := o.request(ctx, p, &in.PartyOrgRequest, "dissolution", true)
	if err != nil {
		return acc, err
	}
	return acc, o.signal(ctx, acc.PartyOrg, workflows.SignalDissolve,
		workflows.DissolveRequest{Key: signalKey(p, in.IdempotencyKey), Source: acc.Source, Actor: p.Username, Reason: in.Reason})
}

// Adjust asks to adjust a party organization: its secretary requests (an officer approves
// through a task), or an officer over it decides. The change is checked now, and again when it
// is applied.
func (o *PartyOrgs) Adjust(ctx context.Context, p domain.Principal, in Adjustment) (Accepted, error) {
	acc, err := o.request(ctx, p, &in.PartyOrgRequest, "adjustment", false)
	if err != nil {
		return acc, err
	}
	upper := func(in []string) []string {
		for i := range in {
			in[i] = strings.ToUpper(strings.TrimSpace(in[i]))
		}
		return in
	}
	change := store.PartyOrgChange{Kind: domain.PartyOrgKind(in.Kind), Add: upper(in.Add), Remove: upper(in.Remove)}
	if err := o.Store.CheckAdjustment(ctx, p, acc.PartyOrg.ID, change); err != nil {
		return acc, err
	}
	return acc, o.signal(ctx, acc.PartyOrg, workflows.SignalAdjust,
		workflows.AdjustRequest{Key: signalKey(p, in.IdempotencyKey), Source: acc.Source, Actor: p.Username, Reason: in.Reason,
			Change: workflows.PartyOrgChange{Kind: change.Kind, Add: change.Add, Remove: change.Remove}})
}

// Reschedule asks for an early or late re-election, moved by at most one year (rule 换届); the
// superior's officer approves it through a task.
func (o *PartyOrgs) Reschedule(ctx context.Context, p domain.Principal, in Reschedule) (store.PartyOrg, error) {
	po, err := o.Store.GetPartyOrg(ctx, p, in.PartyOrgID)
	if err != nil {
		return po, err
	}
	if !p.Admin && !p.HoldsRoleOver(domain.RoleSecretary, po.UnitPath) && !p.HoldsRoleOver(domain.RoleOfficer, po.UnitPath) {
		return po, domain.Errorf(domain.EFORBIDDEN, "申请换届日期需要该党组织的书记或上级组织员身份")
	}
	var v domain.Validation
	due, perr := time.ParseInLocation(time.DateOnly, in.DueOn, calendar.Shanghai)
	switch {
	case perr != nil:
		v.AddCode("due_on", domain.CodeBadDate)
	case po.TermDueAt == nil || po.Status != string(domain.PartyOrgActive) || !po.Kind.Elected():
		return po, domain.Errorf(domain.ECONFLICT, "该党组织没有可调整的任期")
	case due.Before(po.TermDueAt.AddDate(-1, 0, 0)) || due.After(po.TermDueAt.AddDate(1, 0, 0)):
		v.Add("due_on", "rule 换届: early or late re-election moves the date by at most one year from "+
			po.TermDueAt.In(calendar.Shanghai).Format(time.DateOnly))
	}
	reason := strings.TrimSpace(in.Reason)
	if n := len([]rune(reason)); n == 0 || n > longestReason {
		v.AddCode("reason", domain.CodeRequiredMaxLength, longestReason)
	}
	if err := v.Err("请求不正确"); err != nil {
		return po, err
	}
	return po, o.signal(ctx, po, workflows.SignalReschedule,
		workflows.RescheduleRequest{Key: signalKey(p, in.IdempotencyKey), Actor: p.Username, Reason: reason, DueAt: due})
}

// request does what a dissolution and an adjustment request share: it finds the party
// organization the caller views, requires a reason (trimmed in place), and says who asks. With
// active, a party organization that is not active is a conflict.
func (o *PartyOrgs) request(ctx context.Context, p domain.Principal, in *PartyOrgRequest, what string, active bool) (Accepted, error) {
	po, err := o.Store.GetPartyOrg(ctx, p, in.PartyOrgID)
	acc := Accepted{PartyOrg: po}
	if err != nil {
		return acc, err
	}
	in.Reason = strings.TrimSpace(in.Reason)
	if n := len([]rune(in.Reason)); n == 0 || n > longestReason {
		return acc, domain.Invalid("请求不正确", domain.FieldFailed("reason", domain.CodeRequiredMaxLength, longestReason))
	}
	switch {
	case active && po.Status != string(domain.PartyOrgActive):
		return acc, domain.Errorf(domain.ECONFLICT, "该党组织状态为 %s，不能执行此操作", po.Status)
	case in.Decided && (p.Admin || p.HoldsRoleOver(domain.RoleOfficer, po.UnitPath)):
		acc.Source = "superior"
	case in.Decided:
		return acc, domain.Errorf(domain.EFORBIDDEN, "只有该党组织的上级组织员可以决定其%s", requestCN[what])
	case !p.Admin && !p.HoldsRoleOver(domain.RoleSecretary, po.UnitPath) && !p.HoldsRoleOver(domain.RoleOfficer, po.UnitPath):
		return acc, domain.Errorf(domain.EFORBIDDEN, "申请%s需要该党组织的书记或上级组织员身份", requestCN[what])
	default:
		acc.Source = "organization"
	}
	return acc, nil
}

// signal signals a party organization's workflow, starting it from the record when it is not
// running (the formation hands over to it a moment after the record turns active).
func (o *PartyOrgs) signal(ctx context.Context, po store.PartyOrg, signal string, arg any) error {
	id := workflows.PartyOrgWorkflowID(po.ID)
	register, err := o.Store.PartyOrgMembers(ctx, po.ID)
	if err == nil {
		lead := ""
		if f, err := o.Store.FormationByID(ctx, po.FormationID); err == nil && len(f.Organizations) > 0 {
			lead = f.LeadUSCC
		}
		_, err = o.Engine.SignalWithStartWorkflow(ctx, id, signal, arg, startOptions(id, po.UnitID, lead),
			workflows.PartyOrgWorkflowName, workflows.PartyOrgInput{PartyOrgID: po.ID, Kind: po.Kind, Lead: lead, UnitID: po.UnitID,
				Committee: po.Committee, FormalMembers: store.FormalMembers(register), TermDueAt: po.TermDueAt, EndsOn: po.EndsOn})
	}
	if err != nil {
		o.Log.WarnContext(ctx, "signalling a party organization", "workflow_id", id, "error", err)
		return domain.Errorf(domain.EUNAVAILABLE, "无法联系该党组织的流程，请稍后重试")
	}
	return nil
}

// signalKey makes a resent request (the same Idempotency-Key) a no-op in the workflow.
func signalKey(p domain.Principal, idempotencyKey string) string {
	if idempotencyKey != "" {
		return "api/" + p.Username + "/" + idempotencyKey
	}
	return "api/" + uuid.NewString()
}
