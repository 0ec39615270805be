package workflows

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"tandem/activities"
	"tandem/domain"
	"tandem/forms"
)

// RectificationWorkflowName is the registered name of RectificationWorkflow.
const RectificationWorkflowName = "RectificationWorkflow"

// RectificationWorkflowID names an item's workflow (rectification/<item id>).
func RectificationWorkflowID(itemID string) string { return activities.RectificationWorkflowID(itemID) }

// QueryRectificationState answers where an item is (RectificationState).
const QueryRectificationState = "rectification-state"

// RectificationInput starts an item's chain; its round's workflow starts it after the feedback.
type RectificationInput struct {
	ItemID        string
	RoundID       string
	RoundTitle    string
	SponsorUnitID string
	UnitID        string // the rectifying unit (the target)
	Finding       string
	// LimitWorkingDays is the round's limit on a plan's deadline (TANDEM_RECTIFICATION_WORKING_DAYS).
	LimitWorkingDays int
	// From is when the first rectification's working days start counting (the visit).
	From time.Time
	// Ladder is the escalation ladder of an overdue report (empty: domain.DefaultLadder).
	Ladder []domain.LadderStep
	// Recheck: a re-check 回头看 of the signed-off item, for a sample of items.
	Recheck RecheckPolicy
	// Reopened: a re-check found the problem again; the chain starts at rectification
	// Rectification with the re-check's finding as the plan's return reason.
	Reopened      *domain.TaskReturn
	Rectification int
	// DemoDay, for a demonstration run (TANDEM_RECTIFICATION_DEMO_DAY): one working day of the
	// plan's deadline and of the ladder's spacing lasts this long (0: a day on the calendar).
	DemoDay time.Duration
}

// RecheckPolicy says which signed-off items are looked at again, and when.
type RecheckPolicy struct {
	WorkingDays int // after the sign-off; 0: no re-check
	Percent     int // the share of items sampled, 0–100 (by the item's ID, so reproducible)
}

// Sampled reports whether an item is re-checked: its ID's FNV hash falls within the share.
func (p RecheckPolicy) Sampled(itemID string) bool {
	if p.WorkingDays <= 0 || p.Percent <= 0 {
		return false
	}
	h := fnv.New32a()
	_, _ = h.Write([]byte(itemID))
	return int(h.Sum32()%100) < p.Percent
}

// RectificationState is the answer of the rectification-state query and the workflow's result.
type RectificationState struct {
	Status         domain.RectificationStatus `json:"status"`
	Rectifications int                        `json:"rectifications"`
	SignedOffBy    string                     `json:"signed_off_by,omitempty"`
}

// Working days each step of the chain is given (the report's deadline is the plan's).
const (
	rectPlanWorkingDays      = 10
	rectReviewWorkingDays    = 5
	rectSelfCheckWorkingDays = 5
	rectVerifyWorkingDays    = 10
	maxTitleFinding          = 30 // characters of the finding in a task's title
)

// RectificationWorkflow drives one item 整改销号 (#19): the target's officer plans it (measures,
// responsible person, deadline within the round's limit) → an officer of the round's sponsor
// accepts the plan or returns it with a reason → the target reports it done (evidence, a signed
// statement), due at the plan's deadline (extensions through the tasks' one mechanism, the
// sponsor deciding) → another officer of the target checks it (never the reporter; a failed
// check sends the report back) → the sponsor's officers verify it, never a member of the
// rectifying unit → signed off 已销号, or returned: a second rectification starts again from the
// plan, its working days counted from the return.
func RectificationWorkflow(ctx workflow.Context, in RectificationInput) (RectificationState, error) {
	tasks, err := NewTasks(ctx)
	if err != nil {
		return RectificationState{}, err
	}
	state := &RectificationState{Status: domain.RectPlanning, Rectifications: max(in.Rectification, 1)}
	if err := workflow.SetQueryHandler(ctx, QueryRectificationState, func() (RectificationState, error) { return *state, nil }); err != nil {
		return RectificationState{}, err
	}
	ctx = workflow.WithActivityOptions(ctx, formationActivity)
	if err := rectify(ctx, tasks, in, state); err != nil {
		return *state, err
	}
	if err := tasks.Finish(ctx); err != nil {
		return *state, err
	}
	// Items signed off before the re-check existed end here.
	if workflow.GetVersion(ctx, "rectification-recheck", workflow.DefaultVersion, 1) == workflow.DefaultVersion || !in.Recheck.Sampled(in.ItemID) {
		return *state, nil
	}
	// The re-check outlives the item's chain (the round is done when its items are signed off).
	cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
		WorkflowID:        RectificationRecheckWorkflowID(in.ItemID, state.Rectifications),
		ParentClosePolicy: enumspb.PARENT_CLOSE_POLICY_ABANDON, TypedSearchAttributes: temporalSearchAttrs(in.UnitID, in.RoundID),
	})
	in.Rectification = state.Rectifications
	child := workflow.ExecuteChildWorkflow(cctx, RectificationRecheckWorkflowName, in)
	if err := child.GetChildWorkflowExecution().Get(ctx, nil); err != nil && !temporal.IsWorkflowExecutionAlreadyStartedError(err) {
		return *state, err
	}
	return *state, nil
}

// RectificationRecheckWorkflowName is the registered name of RectificationRecheckWorkflow.
const RectificationRecheckWorkflowName = "RectificationRecheckWorkflow"

// RectificationRecheckWorkflowID names the re-check after an item's nth rectification.
func RectificationRecheckWorkflowID(itemID string, n int) string {
	return fmt.Sprintf("rectification-recheck/%s/%d", itemID, n)
}

// RectificationRecheckWorkflow looks again 回头看 at a signed-off item after the policy's working
// days: an officer of the sponsor (never anyone of the rectifying unit) records what was found
// (rectification.recheck); a recurrence reopens the item (status reopened, one more
// rectification) and starts its chain again from the plan.
func RectificationRecheckWorkflow(ctx workflow.Context, in RectificationInput) (RectificationState, error) {
	tasks, err := NewTasks(ctx)
	if err != nil {
		return RectificationState{}, err
	}
	ctx = workflow.WithActivityOptions(ctx, formationActivity)
	var a *activities.Activities
	state := RectificationState{Status: domain.RectSignedOff, Rectifications: in.Rectification}
	var at time.Time
	if err := workflow.ExecuteActivity(ctx, a.WorkingDaysLater, in.Recheck.WorkingDays).Get(ctx, &at); err != nil {
		return state, err
	}
	if d := at.Sub(workflow.Now(ctx)); d > 0 {
		if err := workflow.Sleep(ctx, d); err != nil {
			return state, err
		}
	}
	var members []string
	if err := workflow.ExecuteActivity(ctx, a.RectifyingUnitMembers, in.UnitID).Get(ctx, &members); err != nil {
		return state, err
	}
	out, err := tasks.Ask(ctx, TaskRequest{
		Step: fmt.Sprintf("recheck/%d", in.Rectification), Kind: "rectification.recheck", Subject: in.UnitID, SubjectType: domain.SubjectUnit,
		Title: "整改回头看（" + in.RoundTitle + "）", Context: domain.TaskContext{Why: "问题：" + clip(in.Finding, maxTitleFinding)},
		UnitID: in.SponsorUnitID, Role: domain.RoleOfficer, DueWorkingDays: rectVerifyWorkingDays, NotBy: members,
	})
	if err != nil {
		return state, err
	}
	var r forms.RectificationRecheckResult
	if err := decodeResult(out, &r); err != nil {
		return state, err
	}
	step := activities.AdvanceRectificationInput{ItemID: in.ItemID, Action: "rectification.recheck", Actor: out.CompletedBy,
		To: domain.RectSignedOff, Rectifications: in.Rectification, Rechecked: true, Detail: map[string]any{"recurred": r.Recurred, "notes": r.Notes}}
	if r.Recurred {
		step.To, step.Rectifications = domain.RectReopened, in.Rectification+1
	}
	if err := workflow.ExecuteActivity(ctx, a.AdvanceRectification, step).Get(ctx, nil); err != nil {
		return state, err
	}
	state.Status, state.Rectifications = step.To, step.Rectifications
	if err := tasks.Finish(ctx); err != nil || !r.Recurred {
		return state, err
	}
	again := in
	again.Rectification, again.From = step.Rectifications, workflow.Now(ctx)
	again.Reopened = &domain.TaskReturn{Reason: "回头看发现问题反弹：" + r.Notes, By: out.CompletedBy, At: workflow.Now(ctx)}
	cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
		WorkflowID: RectificationWorkflowID(in.ItemID), ParentClosePolicy: enumspb.PARENT_CLOSE_POLICY_ABANDON,
		TypedSearchAttributes: temporalSearchAttrs(in.UnitID, in.RoundID),
	})
	child := workflow.ExecuteChildWorkflow(cctx, RectificationWorkflowName, again)
	if err := child.GetChildWorkflowExecution().Get(ctx, nil); err != nil && !temporal.IsWorkflowExecutionAlreadyStartedError(err) {
		return state, err
	}
	return state, nil
}

func rectify(ctx workflow.Context, tasks *Tasks, in RectificationInput, state *RectificationState) error {
	var a *activities.Activities
	advance := func(action, actor string, to domain.RectificationStatus, detail map[string]any, plan *forms.RectificationPlanResult,
		from time.Time) (activities.RectificationItemInfo, error) {
		step := activities.AdvanceRectificationInput{ItemID: in.ItemID, Action: action, Actor: actor, To: to,
			Rectifications: state.Rectifications, Detail: detail}
		if plan != nil {
			step.Measures, step.Responsible, step.DeadlineWorkingDays, step.From = plan.Measures, plan.Responsible, plan.DeadlineWorkingDays, from
			step.DemoDay = in.DemoDay
		}
		var info activities.RectificationItemInfo
		err := workflow.ExecuteActivity(ctx, a.AdvanceRectification, step).Get(ctx, &info)
		if err == nil {
			state.Status = to
		}
		return info, err
	}
	unit := domain.SubjectUnit
	why := "问题：" + clip(in.Finding, maxTitleFinding)
	title := func(step string) string { return step + "（" + in.RoundTitle + "）" }
	limit := in.LimitWorkingDays
	ladder := in.Ladder
	if len(ladder) == 0 {
		ladder = domain.DefaultLadder
	}
	from := in.From
	returned := in.Reopened // the reason the plan is asked again
	for n := max(in.Rectification, 1); ; n++ {
		state.Rectifications = n
		// The plan, until an officer of the sponsor accepts it.
		var info activities.RectificationItemInfo
		for round := 1; ; round++ {
			out, err := tasks.Ask(ctx, TaskRequest{
				Step: fmt.Sprintf("plan/%d.%d", n, round), Kind: "rectification.plan", Subject: in.UnitID, SubjectType: unit,
				Title: title("制定整改方案"), Context: domain.TaskContext{Why: why, Returned: returned},
				UnitID: in.UnitID, Role: domain.RoleOfficer, DueWorkingDays: rectPlanWorkingDays,
				Check: func(raw json.RawMessage) error { return checkPlanDeadline(limit, raw) },
			})
			if err != nil {
				return err
			}
			var plan forms.RectificationPlanResult
			if err := decodeResult(out, &plan); err != nil {
				return err
			}
			if info, err = advance("rectification.plan", out.CompletedBy, domain.RectPlanReview, map[string]any{"measures": plan.Measures,
				"responsible": plan.Responsible, "deadline_working_days": plan.DeadlineWorkingDays}, &plan, from); err != nil {
				return err
			}
			out, err = tasks.Ask(ctx, TaskRequest{
				Step: fmt.Sprintf("plan_review/%d.%d", n, round), Kind: "rectification.plan_review", Subject: in.UnitID, SubjectType: unit,
				Title: title("整改方案审核"), Context: domain.TaskContext{Why: why},
				UnitID: in.SponsorUnitID, Role: domain.RoleOfficer, DueWorkingDays: rectReviewWorkingDays, NotBy: []string{out.CompletedBy},
			})
			if err != nil {
				return err
			}
			var d forms.DecisionResult
			if err := decodeResult(out, &d); err != nil {
				return err
			}
			if d.Approved() {
				if _, err := advance("rectification.plan_review", out.CompletedBy, domain.RectInProgress,
					map[string]any{"decision": d.Decision, "reason": d.Reason}, nil, from); err != nil {
					return err
				}
				break
			}
			if _, err := advance("rectification.plan_review", out.CompletedBy, domain.RectPlanning,
				map[string]any{"decision": d.Decision, "reason": d.Reason}, nil, from); err != nil {
				return err
			}
			returned = &domain.TaskReturn{Reason: d.Reason, By: out.CompletedBy, At: workflow.Now(ctx)}
		}
		returned = nil

		// The report, until another officer of the unit passes it on.
		var reportReturned *domain.TaskReturn
		for round := 1; ; round++ {
			out, err := tasks.Ask(ctx, TaskRequest{
				Step: fmt.Sprintf("report/%d.%d", n, round), Kind: "rectification.report", Subject: in.UnitID, SubjectType: unit,
				Title: title("整改完成情况报告"), Context: domain.TaskContext{Why: why, Returned: reportReturned},
				UnitID: in.UnitID, Role: domain.RoleOfficer, DueAt: info.DueAt, Ladder: ladder, LadderDay: in.DemoDay,
			})
			if err != nil {
				return err
			}
			var r forms.RectificationReportResult
			if err := decodeResult(out, &r); err != nil {
				return err
			}
			reporter := out.CompletedBy
			if _, err := advance("rectification.report", reporter, domain.RectSelfCheck, map[string]any{"summary": r.Summary,
				"evidence": r.Evidence, "statement": r.Statement}, nil, from); err != nil {
				return err
			}
			out, err = tasks.Ask(ctx, TaskRequest{
				Step: fmt.Sprintf("self_check/%d.%d", n, round), Kind: "rectification.self_check", Subject: in.UnitID, SubjectType: unit,
				Title: title("整改自查"), Context: domain.TaskContext{Why: why},
				UnitID: in.UnitID, Role: domain.RoleOfficer, DueWorkingDays: rectSelfCheckWorkingDays, NotBy: []string{reporter},
			})
			if err != nil {
				return err
			}
			var d forms.DecisionResult
			if err := decodeResult(out, &d); err != nil {
				return err
			}
			detail := map[string]any{"decision": d.Decision, "reason": d.Reason}
			if d.Approved() {
				if _, err := advance("rectification.self_check", out.CompletedBy, domain.RectVerifying, detail, nil, from); err != nil {
					return err
				}
				break
			}
			if _, err := advance("rectification.self_check", out.CompletedBy, domain.RectInProgress, detail, nil, from); err != nil {
				return err
			}
			reportReturned = &domain.TaskReturn{Reason: d.Reason, By: out.CompletedBy, At: workflow.Now(ctx)}
		}

		// Verification by the inspection side, never by anyone of the rectifying unit.
		var members []string
		if err := workflow.ExecuteActivity(ctx, a.RectifyingUnitMembers, in.UnitID).Get(ctx, &members); err != nil {
			return err
		}
		out, err := tasks.Ask(ctx, TaskRequest{
			Step: fmt.Sprintf("verify/%d", n), Kind: "rectification.verify", Subject: in.UnitID, SubjectType: unit,
			Title: title("整改验收销号"), Context: domain.TaskContext{Why: why},
			UnitID: in.SponsorUnitID, Role: domain.RoleOfficer, DueWorkingDays: rectVerifyWorkingDays, NotBy: members,
		})
		if err != nil {
			return err
		}
		var d forms.DecisionResult
		if err := decodeResult(out, &d); err != nil {
			return err
		}
		detail := map[string]any{"decision": d.Decision, "reason": d.Reason}
		if d.Approved() {
			if _, err := advance("rectification.verify", out.CompletedBy, domain.RectSignedOff, detail, nil, from); err != nil {
				return err
			}
			state.SignedOffBy = out.CompletedBy
			return nil
		}
		// Returned for a second rectification: a new plan, counted from now.
		state.Rectifications = n + 1
		if _, err := advance("rectification.verify", out.CompletedBy, domain.RectReturned, detail, nil, from); err != nil {
			return err
		}
		returned = &domain.TaskReturn{Reason: d.Reason, By: out.CompletedBy, At: workflow.Now(ctx)}
		from = workflow.Now(ctx)
	}
}

// checkPlanDeadline holds a plan's deadline to the round's limit (in the Update validator).
func checkPlanDeadline(limit int, raw json.RawMessage) error {
	var r forms.RectificationPlanResult
	//workflowcheck:ignore
	if err := json.Unmarshal(raw, &r); err != nil {
		return err
	}
	var v domain.Validation
	if limit > 0 && r.DeadlineWorkingDays > limit {
		v.AddCode("deadline_working_days", domain.CodeMaxValue, limit)
	}
	return v.Err("整改时限超出本轮督查规定的期限")
}

// clip shortens s to at most n characters, marking the cut.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
