package workflows

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"tandem/activities"
	"tandem/domain"
	"tandem/forms"
)

// InspectionWorkflowName is the registered name of InspectionWorkflow.
const InspectionWorkflowName = "InspectionWorkflow"

// InspectionWorkflowID names a round's workflow.
func InspectionWorkflowID(roundID string) string { return activities.InspectionWorkflowID(roundID) }

// Messages a round's workflow handles besides the tasks'.
const (
	// SignalPlanResubmitted: the drafter edited a returned plan (PlanResubmitted).
	SignalPlanResubmitted = "plan-resubmitted"
	// SignalTeamSet: the round's officer named the team (TeamSet).
	SignalTeamSet = "team-set"
	// SignalObjection: a target objected to a member (ObjectionLodged).
	SignalObjection = "objection"
	// QueryInspectionState answers where the round is (InspectionState).
	QueryInspectionState = "inspection-state"
)

// InspectionInput starts a round; the API records it first (status plan_review).
type InspectionInput struct {
	RoundID       string
	Title         string
	SponsorUnitID string
	DraftedBy     string
	Targets       []string // unit IDs, in the plan's order
	Methods       []string
	// RectificationWorkingDays is each rectification item's deadline after its visit.
	RectificationWorkingDays int
	// RectificationLadder escalates an overdue item (empty: domain.DefaultLadder).
	RectificationLadder []domain.LadderStep
	// RectificationRecheck samples signed-off items for a re-check 回头看.
	RectificationRecheck RecheckPolicy
	// RectificationDemoDay, for a demonstration run: one working day of a plan's deadline and of
	// the ladder lasts this long (0: the calendar; TANDEM_RECTIFICATION_DEMO_DAY).
	RectificationDemoDay time.Duration
}

// PlanResubmitted carries the edited plan's targets and methods.
type PlanResubmitted struct {
	Key     string
	Actor   string
	Title   string
	Targets []string
	Methods []string
}

// TargetTeam is one target's group: its leader and all its members (leader first).
type TargetTeam struct {
	Target  string
	Leader  string
	Members []string
}

// TeamSet carries the team as the store accepted it.
type TeamSet struct {
	Key   string
	Actor string
	Teams []TargetTeam
}

// ObjectionLodged is a target's objection to a member, recorded by the API.
type ObjectionLodged struct {
	Key         string
	ObjectionID string
	Target      string
	Username    string
	Actor       string
}

// InspectionState is the answer of the inspection-state query.
type InspectionState struct {
	Status   domain.InspectionStatus `json:"status"`
	Round    int                     `json:"round"` // the plan's review round
	Visited  int                     `json:"visited"`
	Answered int                     `json:"answered"` // targets whose feedback was sent
	Items    int                     `json:"items"`    // rectification items opened
	// SignedOff counts the items signed off 销号 (the round is done when all are).
	SignedOff int `json:"signed_off"`
}

// Working days each step is given.
const (
	planReviewWorkingDays = 5
	visitWorkingDays      = 20
	feedbackWorkingDays   = 10
	objectionWorkingDays  = 3
)

// InspectionWorkflow drives a special inspection round 专项督查 (#19): the plan is reviewed
// by another officer of the sponsor (returned → the drafter edits and resubmits) → the team is
// named (回避 checked by the API) → one visit per target, assigned to the target's leader, and
// its findings recorded (those not fixed on the spot become rectification items) → the leader's
// feedback to the target, copied 抄告 to the unit above → the round waits for rectification.
// Objections of targets against members are decided by the sponsor's officers meanwhile.
func InspectionWorkflow(ctx workflow.Context, in InspectionInput) (InspectionState, error) {
	tasks, err := NewTasks(ctx)
	if err != nil {
		return InspectionState{}, err
	}
	state := &InspectionState{Status: domain.InspectionPlanReview, Round: 1}
	if err := workflow.SetQueryHandler(ctx, QueryInspectionState, func() (InspectionState, error) { return *state, nil }); err != nil {
		return InspectionState{}, err
	}
	ctx = workflow.WithActivityOptions(ctx, formationActivity)
	err = inspection(ctx, tasks, &in, state)
	if err != nil {
		status := domain.InspectionFailed
		if temporal.IsCanceledError(err) {
			status = domain.InspectionCancelled
		}
		var a *activities.Activities
		dctx, _ := workflow.NewDisconnectedContext(ctx)
		_ = workflow.ExecuteActivity(dctx, a.SetInspectionStatus, activities.InspectionStatusInput{
			RoundID: in.RoundID, Status: status, Actor: domain.SystemActor, Detail: map[string]any{"reason": err.Error()}}).Get(dctx, nil)
		return *state, err
	}
	return *state, tasks.Finish(ctx)
}

func inspection(ctx workflow.Context, tasks *Tasks, in *InspectionInput, state *InspectionState) error {
	var a *activities.Activities
	setStatus := func(status domain.InspectionStatus, actor string, detail map[string]any) error {
		state.Status = status
		return workflow.ExecuteActivity(ctx, a.SetInspectionStatus, activities.InspectionStatusInput{
			RoundID: in.RoundID, Status: status, Actor: actor, Detail: detail}).Get(ctx, nil)
	}
	unit := domain.SubjectUnit

	// The plan, until approved by an officer of the sponsor who did not draft it.
	resubmitted := workflow.GetSignalChannel(ctx, SignalPlanResubmitted)
	var returned *domain.TaskReturn
	for round := 1; ; round++ {
		state.Round = round
		out, err := tasks.Ask(ctx, TaskRequest{
			Step: fmt.Sprintf("plan_review/%d", round), Kind: "inspection.plan_review", Subject: in.SponsorUnitID, SubjectType: unit,
			Title: "督查方案审核（" + in.Title + "）", Context: domain.TaskContext{Returned: returned},
			UnitID: in.SponsorUnitID, Role: domain.RoleOfficer, DueWorkingDays: planReviewWorkingDays, NotBy: []string{in.DraftedBy},
		})
		if err != nil {
			return err
		}
		var d forms.DecisionResult
		if err := decodeResult(out, &d); err != nil {
			return err
		}
		if d.Approved() {
			if err := setStatus(domain.InspectionTeam, out.CompletedBy, map[string]any{"round": round, "reference": d.Reference}); err != nil {
				return err
			}
			break
		}
		if err := setStatus(domain.InspectionReturned, out.CompletedBy, map[string]any{"round": round, "reason": d.Reason}); err != nil {
			return err
		}
		returned = &domain.TaskReturn{Reason: d.Reason, By: out.CompletedBy, At: workflow.Now(ctx)}
		var edit PlanResubmitted
		resubmitted.Receive(ctx, &edit)
		in.Title, in.Targets, in.Methods = edit.Title, edit.Targets, edit.Methods
		state.Status = domain.InspectionPlanReview
	}

	// The team, as the store accepted it (the conflict rules are checked there).
	var team TeamSet
	workflow.GetSignalChannel(ctx, SignalTeamSet).Receive(ctx, &team)
	leaders := map[string]string{}
	for _, t := range team.Teams {
		leaders[t.Target] = t.Leader
	}
	if err := setStatus(domain.InspectionField, team.Actor, map[string]any{"teams": len(team.Teams)}); err != nil {
		return err
	}

	// Objections, each decided by an officer of the sponsor, while the round runs.
	pending := 0
	var failed error
	objections := workflow.GetSignalChannel(ctx, SignalObjection)
	seen := map[string]bool{}
	workflow.Go(ctx, func(gctx workflow.Context) {
		for {
			var o ObjectionLodged
			if !objections.Receive(gctx, &o) {
				return
			}
			if seen[o.Key] {
				continue
			}
			seen[o.Key] = true
			pending++
			workflow.Go(gctx, func(gctx workflow.Context) {
				defer func() { pending-- }()
				if err := objection(gctx, tasks, in, o, leaders); err != nil && failed == nil {
					failed = err
				}
			})
		}
	})

	// Field work: one visit per target, then its feedback, all targets at once.
	visited, answered := 0, 0
	for _, target := range in.Targets {
		workflow.Go(ctx, func(gctx workflow.Context) {
			if err := fieldWork(gctx, tasks, in, target, leaders, state, &visited); err != nil && failed == nil {
				failed = err
			}
			answered++
			state.Answered = answered
		})
	}
	n := len(in.Targets)
	if err := workflow.Await(ctx, func() bool { return visited == n || failed != nil }); err != nil {
		return err
	}
	if failed != nil {
		return failed
	}
	if err := setStatus(domain.InspectionFeedback, domain.SystemActor, map[string]any{"visited": visited, "items": state.Items}); err != nil {
		return err
	}
	if err := workflow.Await(ctx, func() bool { return answered == n && pending == 0 || failed != nil }); err != nil {
		return err
	}
	if failed != nil {
		return failed
	}
	final := domain.InspectionDone
	if state.Items > 0 {
		final = domain.InspectionRectification
	}
	if err := setStatus(final, domain.SystemActor, map[string]any{"items": state.Items}); err != nil {
		return err
	}
	// Rounds recorded before the chain existed end waiting in status rectification.
	if final == domain.InspectionDone || workflow.GetVersion(ctx, "rectification-chain", workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		return nil
	}
	return rectifications(ctx, in, state)
}

// rectifications runs one RectificationWorkflow per item, all at once, and closes the round
// 办结 when every item is signed off.
func rectifications(ctx workflow.Context, in *InspectionInput, state *InspectionState) error {
	var a *activities.Activities
	var items []activities.RectificationItemInfo
	if err := workflow.ExecuteActivity(ctx, a.RoundRectificationItems, in.RoundID).Get(ctx, &items); err != nil {
		return err
	}
	futures := make([]workflow.ChildWorkflowFuture, len(items))
	for i, it := range items {
		cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
			WorkflowID: RectificationWorkflowID(it.ID), ParentClosePolicy: enumspb.PARENT_CLOSE_POLICY_REQUEST_CANCEL,
			TypedSearchAttributes: temporalSearchAttrs(it.UnitID, in.RoundID),
		})
		futures[i] = workflow.ExecuteChildWorkflow(cctx, RectificationWorkflowName, RectificationInput{ItemID: it.ID, RoundID: in.RoundID,
			RoundTitle: in.Title, SponsorUnitID: in.SponsorUnitID, UnitID: it.UnitID, Finding: it.Finding,
			LimitWorkingDays: it.DueWorkingDays, From: it.CreatedAt, Ladder: in.RectificationLadder,
			Recheck: in.RectificationRecheck, DemoDay: in.RectificationDemoDay})
	}
	for _, f := range futures {
		var out RectificationState
		if err := f.Get(ctx, &out); err != nil {
			return err
		}
		state.SignedOff++
	}
	state.Status = domain.InspectionDone
	return workflow.ExecuteActivity(ctx, a.SetInspectionStatus, activities.InspectionStatusInput{RoundID: in.RoundID,
		Status: domain.InspectionDone, Actor: domain.SystemActor, Detail: map[string]any{"signed_off": state.SignedOff}}).Get(ctx, nil)
}

// fieldWork asks for a target's visit (its leader) and then its feedback (the leader at that
// time: an objection may have replaced them).
func fieldWork(ctx workflow.Context, tasks *Tasks, in *InspectionInput, target string, leaders map[string]string,
	state *InspectionState, visited *int) error {
	var a *activities.Activities
	methods := slices.Clone(in.Methods)
	out, err := tasks.Ask(ctx, TaskRequest{
		Step: "visit/" + target, Kind: "inspection.visit", Subject: target, SubjectType: domain.SubjectUnit,
		Title: "专项督查实地督查（" + in.Title + "）", UnitID: in.SponsorUnitID, Role: domain.RoleInspector, Assignee: leaders[target],
		DueWorkingDays: visitWorkingDays,
		Check:          func(raw json.RawMessage) error { return checkVisit(methods, raw) },
	})
	if err != nil {
		return err
	}
	var v forms.VisitResult
	if err := decodeResult(out, &v); err != nil {
		return err
	}
	rec := activities.InspectionVisitInput{RoundID: in.RoundID, Target: target, Actor: out.CompletedBy, MethodsDone: v.MethodsDone,
		Notes: v.Notes, Evidence: v.Evidence, DueWorkingDays: in.RectificationWorkingDays}
	for _, f := range v.Findings {
		rec.Findings = append(rec.Findings, activities.InspectionFinding{Category: f.Category, Severity: f.Severity,
			Description: f.Description, Evidence: f.Evidence, FixedOnTheSpot: f.FixedOnTheSpot})
	}
	var recorded activities.InspectionVisitOutput
	if err := workflow.ExecuteActivity(ctx, a.RecordInspectionVisit, rec).Get(ctx, &recorded); err != nil {
		return err
	}
	state.Items += recorded.Items
	*visited++
	state.Visited = *visited

	out, err = tasks.Ask(ctx, TaskRequest{
		Step: "feedback/" + target, Kind: "inspection.feedback", Subject: target, SubjectType: domain.SubjectUnit,
		Title: "督查反馈意见（" + in.Title + "）", UnitID: in.SponsorUnitID, Role: domain.RoleInspector, Assignee: leaders[target],
		DueWorkingDays: feedbackWorkingDays,
	})
	if err != nil {
		return err
	}
	var fb forms.FeedbackResult
	if err := decodeResult(out, &fb); err != nil {
		return err
	}
	return workflow.ExecuteActivity(ctx, a.SendInspectionFeedback, activities.InspectionFeedbackInput{
		RoundID: in.RoundID, Target: target, Actor: out.CompletedBy, Feedback: fb.Feedback}).Get(ctx, nil)
}

// objection asks the sponsor's officers to decide a target's objection and applies it.
func objection(ctx workflow.Context, tasks *Tasks, in *InspectionInput, o ObjectionLodged, leaders map[string]string) error {
	var a *activities.Activities
	out, err := tasks.Ask(ctx, TaskRequest{
		Step: "objection/" + o.ObjectionID, Kind: "inspection.objection", Subject: o.Target, SubjectType: domain.SubjectUnit,
		Title: "回避申请处理（" + o.Username + "）", UnitID: in.SponsorUnitID, Role: domain.RoleOfficer,
		DueWorkingDays: objectionWorkingDays, Context: domain.TaskContext{Why: "被督查单位申请 " + o.Username + " 回避"},
	})
	if err != nil {
		return err
	}
	var d forms.ObjectionResult
	if err := decodeResult(out, &d); err != nil {
		return err
	}
	var res activities.InspectionObjectionOutput
	if err := workflow.ExecuteActivity(ctx, a.DecideInspectionObjection, activities.InspectionObjectionInput{
		ObjectionID: o.ObjectionID, Actor: out.CompletedBy, Decision: d.Decision, Replacement: d.Replacement, Reason: d.Reason,
		WorkflowID: workflow.GetInfo(ctx).WorkflowExecution.ID}).Get(ctx, &res); err != nil {
		return err
	}
	if res.NewLeader != "" {
		leaders[o.Target] = res.NewLeader
	}
	return nil
}

// checkVisit holds a visit to the round's methods (in the Update validator).
func checkVisit(methods []string, raw json.RawMessage) error {
	var r forms.VisitResult
	//workflowcheck:ignore
	if err := json.Unmarshal(raw, &r); err != nil {
		return err
	}
	var v domain.Validation
	for i, m := range r.MethodsDone {
		if !slices.Contains(methods, m) {
			v.AddCode(fmt.Sprintf("methods_done[%d]", i), domain.CodeNotAllowed, fmt.Sprint(methods))
		}
	}
	return v.Err("督查方式不在本轮方案之内")
}
