package workflows

import (
	"encoding/json"
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"tandem/activities"
	"tandem/calendar"
	"tandem/domain"
	"tandem/forms"
)

// PartyOrgWorkflowName is the registered name of PartyOrgWorkflow.
const PartyOrgWorkflowName = "PartyOrgWorkflow"

// Messages of a party organization's workflow.
const (
	SignalAdjust     = "adjust"
	SignalDissolve   = "dissolve"
	SignalReschedule = "reschedule"
	QueryPartyOrg    = "party-org"
)

// ReelectionLeadMonths is how long before the term's end the re-election task opens.
const ReelectionLeadMonths = 2

// PartyOrgWorkflowID names a party organization's workflow.
func PartyOrgWorkflowID(id string) string { return "party-org/" + id }

// PartyOrgInput is an active party organization.
type PartyOrgInput struct {
	PartyOrgID    string
	Kind          domain.PartyOrgKind
	Lead          string // the credit code tasks are about
	UnitID        string // the township or park party committee above it
	Committee     bool
	FormalMembers int // at formation: the bound for voting members when the register is empty
	TermDueAt     *time.Time
	EndsOn        string // temporary branch: the day its parent body ends (YYYY-MM-DD), if known
}

// DissolveRequest asks to dissolve a party organization. Source says who: the organization
// itself (its superior approves), the superior (decided, no approval), or the roster (the
// organization was deregistered or left the roster: the superior decides; a temporary branch
// dissolves at once with its parent body).
type DissolveRequest struct {
	Key    string `json:"key"`
	Source string `json:"source"` // organization | superior | roster
	Actor  string `json:"actor"`
	Reason string `json:"reason"`
}

// AdjustRequest asks to adjust a party organization 调整 (another kind, organizations joining
// or leaving): requested by the organization (its superior approves) or decided by the superior.
type AdjustRequest struct {
	Key    string         `json:"key"`
	Source string         `json:"source"` // organization | superior
	Actor  string         `json:"actor"`
	Reason string         `json:"reason"`
	Change PartyOrgChange `json:"change"`
}

// PartyOrgChange is what an adjustment changes (another kind, organizations joining or
// leaving); the AdjustPartyOrg activity applies it.
type PartyOrgChange = activities.PartyOrgChange

// RescheduleRequest asks for an early or late re-election (moved by at most a year; the API
// checks the bound).
type RescheduleRequest struct {
	Key    string    `json:"key"`
	Actor  string    `json:"actor"`
	Reason string    `json:"reason"`
	DueAt  time.Time `json:"due_at"`
}

// PartyOrgState answers the party-org query.
type PartyOrgState struct {
	Status      string     `json:"status"`
	TermDueAt   *time.Time `json:"term_due_at,omitempty"`
	Reelections int        `json:"reelections"`
}

// PartyOrgWorkflow is a party organization's life once active: the term clock opens a
// re-election task ahead of the due date, early or late re-election waits for approval, and
// dissolution comes by request (approved), by the superior's decision, or from the roster.
func PartyOrgWorkflow(ctx workflow.Context, in PartyOrgInput) error {
	tasks, err := NewTasks(ctx)
	if err != nil {
		return err
	}
	st := &PartyOrgState{Status: string(domain.PartyOrgActive), TermDueAt: in.TermDueAt}
	if err := workflow.SetQueryHandler(ctx, QueryPartyOrg, func() (PartyOrgState, error) { return *st, nil }); err != nil {
		return err
	}
	ctx = workflow.WithActivityOptions(ctx, formationActivity)
	var a *activities.Activities
	mainCtx, cancelMain := workflow.WithCancel(ctx)
	keys := map[string]bool{}
	dueChanged := false
	dissolve := func(ctx workflow.Context, actor, reason string) error {
		if st.Status == string(domain.PartyOrgDissolved) {
			return nil
		}
		if err := workflow.ExecuteActivity(ctx, a.DissolvePartyOrg, activities.DissolveInput{
			PartyOrgID: in.PartyOrgID, Actor: actor, Reason: reason}).Get(ctx, nil); err != nil {
			return err
		}
		st.Status = string(domain.PartyOrgDissolved)
		cancelMain()
		return nil
	}

	// Dissolution requests.
	workflow.Go(ctx, func(gctx workflow.Context) {
		ch := workflow.GetSignalChannel(gctx, SignalDissolve)
		for n := 1; st.Status != string(domain.PartyOrgDissolved); {
			var req DissolveRequest
			ch.Receive(gctx, &req)
			if keys[req.Key] || st.Status == string(domain.PartyOrgDissolved) {
				continue
			}
			keys[req.Key] = true
			if req.Source == "superior" || (req.Source == "roster" && in.Kind == domain.KindTemporary) {
				if err := dissolve(gctx, req.Actor, req.Reason); err != nil {
					workflow.GetLogger(gctx).Error("dissolution failed", "error", err)
				}
				continue
			}
			title := "党组织撤销审批：" + req.Reason
			if req.Source == "roster" {
				title = "单位已注销或不在名册，是否撤销党组织：" + req.Reason
			}
			out, err := tasks.Ask(gctx, TaskRequest{
				Step: fmt.Sprintf("dissolution/%d", n), Kind: "party_org.dissolution", Subject: in.Lead, SubjectType: domain.SubjectOrganization, Title: title,
				UnitID: in.UnitID, Role: domain.RoleOfficer, DueWorkingDays: 10,
			})
			n++
			if err != nil {
				continue
			}
			var d forms.DecisionResult
			if decodeResult(out, &d) == nil && d.Approved() {
				if err := dissolve(gctx, out.CompletedBy, req.Reason); err != nil {
					workflow.GetLogger(gctx).Error("dissolution failed", "error", err)
				}
			}
		}
	})

	// Adjustments.
	workflow.Go(mainCtx, func(gctx workflow.Context) {
		ch := workflow.GetSignalChannel(gctx, SignalAdjust)
		for n := 1; ; n++ {
			var req AdjustRequest
			if !ch.Receive(gctx, &req) {
				return
			}
			if keys[req.Key] {
				continue
			}
			keys[req.Key] = true
			actor := req.Actor
			if req.Source != "superior" {
				out, err := tasks.Ask(gctx, TaskRequest{
					Step: fmt.Sprintf("adjustment/%d", n), Kind: "party_org.adjustment", Subject: in.Lead, SubjectType: domain.SubjectOrganization,
					Title: "党组织调整审批：" + req.Reason, UnitID: in.UnitID, Role: domain.RoleOfficer, DueWorkingDays: 10,
				})
				if err != nil {
					return
				}
				var d forms.DecisionResult
				if decodeResult(out, &d) != nil || !d.Approved() {
					continue
				}
				actor = out.CompletedBy
			}
			if err := workflow.ExecuteActivity(gctx, a.AdjustPartyOrg, activities.AdjustInput{PartyOrgID: in.PartyOrgID, Change: req.Change,
				Actor: actor, Reason: req.Reason}).Get(gctx, nil); err != nil {
				workflow.GetLogger(gctx).Error("adjustment failed", "error", err)
			}
		}
	})

	// Early or late re-election requests.
	workflow.Go(mainCtx, func(gctx workflow.Context) {
		ch := workflow.GetSignalChannel(gctx, SignalReschedule)
		for n := 1; ; n++ {
			var req RescheduleRequest
			if !ch.Receive(gctx, &req) {
				return
			}
			if keys[req.Key] {
				continue
			}
			keys[req.Key] = true
			out, err := tasks.Ask(gctx, TaskRequest{
				Step: fmt.Sprintf("reschedule/%d", n), Kind: "party_org.reschedule", Subject: in.Lead, SubjectType: domain.SubjectOrganization,
				Title:  "提前或延期换届审批：" + req.DueAt.In(calendar.Shanghai).Format(time.DateOnly) + "；" + req.Reason,
				UnitID: in.UnitID, Role: domain.RoleOfficer, DueWorkingDays: 10,
			})
			if err != nil {
				return
			}
			var d forms.DecisionResult
			if decodeResult(out, &d) != nil || !d.Approved() {
				continue
			}
			if err := workflow.ExecuteActivity(gctx, a.MoveTermDue, activities.MoveTermDueInput{
				PartyOrgID: in.PartyOrgID, DueAt: req.DueAt, Actor: out.CompletedBy, Reason: req.Reason}).Get(gctx, nil); err != nil {
				workflow.GetLogger(gctx).Error("moving the term failed", "error", err)
				continue
			}
			due := req.DueAt
			st.TermDueAt, dueChanged = &due, true
		}
	})

	err = partyOrgLife(mainCtx, tasks, in, st, &dueChanged, dissolve)
	if err != nil && !temporal.IsCanceledError(err) {
		return err
	}
	return tasks.Finish(ctx)
}

func partyOrgLife(ctx workflow.Context, tasks *Tasks, in PartyOrgInput, st *PartyOrgState, dueChanged *bool,
	dissolve func(ctx workflow.Context, actor, reason string) error) error {
	if !in.Kind.Elected() {
		// A temporary branch is never re-elected; it ends with its parent body.
		if in.EndsOn == "" {
			return workflow.Await(ctx, func() bool { return false })
		}
		end, err := time.ParseInLocation(time.DateOnly, in.EndsOn, calendar.Shanghai)
		if err != nil {
			return workflow.Await(ctx, func() bool { return false })
		}
		if d := end.AddDate(0, 0, 1).Sub(workflow.Now(ctx)); d > 0 {
			if err := workflow.Sleep(ctx, d); err != nil {
				return err
			}
		}
		return dissolve(ctx, "system", "临时党支部随上级组织（任务）结束自动撤销")
	}
	var a *activities.Activities
	for term := 1; ; term++ {
		if st.TermDueAt == nil {
			return workflow.Await(ctx, func() bool { return false })
		}
		open := st.TermDueAt.AddDate(0, -ReelectionLeadMonths, 0)
		if d := open.Sub(workflow.Now(ctx)); d > 0 {
			*dueChanged = false
			changed, err := workflow.AwaitWithTimeout(ctx, d, func() bool { return *dueChanged })
			if err != nil {
				return err
			}
			if changed {
				term--
				continue
			}
		}
		var returned *domain.TaskReturn // why the previous result was not approved
		for round := 1; ; round++ {
			var register map[string]bool
			if err := workflow.ExecuteActivity(ctx, a.RegisterOf, in.PartyOrgID).Get(ctx, &register); err != nil {
				return err
			}
			formal := 0
			// Counting is the same in any order.
			//workflowcheck:ignore
			for _, f := range register {
				if f {
					formal++
				}
			}
			if len(register) == 0 {
				formal = in.FormalMembers
			}
			ectx := domain.ElectionContext{FormalMembers: formal, Committee: in.Committee, Register: register}
			out, err := tasks.Ask(ctx, TaskRequest{
				Step: fmt.Sprintf("reelection/%d/%d", term, round), Kind: "party_org.reelection", Subject: in.Lead, SubjectType: domain.SubjectOrganization,
				Context: domain.TaskContext{Returned: returned},
				Title:   "换届选举（任期届满：" + st.TermDueAt.In(calendar.Shanghai).Format(time.DateOnly) + "）",
				UnitID:  in.UnitID, Role: domain.RoleSecretary, DueMonths: ReelectionLeadMonths, RemindWorkingDays: 10,
				Check: func(raw json.RawMessage) error { return checkElection(ctx, ectx, raw) },
			})
			if err != nil {
				return err
			}
			var el forms.ElectionResult
			if err := decodeResult(out, &el); err != nil {
				return err
			}
			review, err := tasks.Ask(ctx, TaskRequest{
				Step: fmt.Sprintf("reelection-review/%d/%d", term, round), Kind: "party_org.reelection_review", Subject: in.Lead, SubjectType: domain.SubjectOrganization,
				Title: "换届选举结果批准", UnitID: in.UnitID, Role: domain.RoleOfficer, DueWorkingDays: confirmWorkingDays,
			})
			if err != nil {
				return err
			}
			var d forms.DecisionResult
			if err := decodeResult(review, &d); err != nil {
				return err
			}
			if !d.Approved() {
				returned = &domain.TaskReturn{Reason: d.Reason, By: review.CompletedBy, At: workflow.Now(ctx)}
				continue
			}
			officers := make([]Officer, len(el.Elected))
			for i, e := range el.Elected {
				officers[i] = Officer{Name: e.Name, Post: e.Post}
			}
			var info activities.PartyOrgInfo
			if err := workflow.ExecuteActivity(ctx, a.StartTerm, activities.StartTermInput{
				PartyOrgID: in.PartyOrgID, Officers: officers, Actor: review.CompletedBy}).Get(ctx, &info); err != nil {
				return err
			}
			st.TermDueAt = info.TermDueAt
			st.Reelections++
			break
		}
	}
}
