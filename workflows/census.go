package workflows

import (
	"encoding/json"
	"errors"
	"strconv"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"tandem/activities"
	"tandem/domain"
	"tandem/forms"
)

// Registered names of the census workflows.
const (
	CensusRoundWorkflowName  = "CensusRoundWorkflow"
	CensusVerifyWorkflowName = activities.CensusVerifyWorkflowName // started in bulk by an activity
)

// CensusWorkflowID names a round's workflow.
func CensusWorkflowID(roundID string) string { return "census/" + roundID }

// VerifyWorkflowID names the verification of one organization: one at a time per organization,
// whichever round asks (defined in activities, which starts and cancels verifications).
func VerifyWorkflowID(uscc string) string { return activities.VerifyWorkflowID(uscc) }

// CensusVerifyInput is one organization's verification; the StartVerifications activity starts
// the workflows, so the type is defined there.
type CensusVerifyInput = activities.VerifyInput

// SignalCancelRound cancels a census round.
const SignalCancelRound = "cancel"

// Fan-out bounds: verifications are started in batches, a few at a time, and the round's own
// history is renewed (continue-as-new) every few batches and polls, so that a round over
// 100,000 organizations floods neither Temporal nor the database.
const (
	fanOutBatch       = 500
	fanOutParallel    = 8
	batchesPerRun     = 20
	roundPollInterval = 15 * time.Minute
	pollsPerRun       = 100
	verifyWorkingDays = 10
)

// CensusRoundInput is a round's state across continue-as-new.
type CensusRoundInput struct {
	RoundID     string
	ScopeUnitID string
	After       string
	Started     int
	Skipped     int
	FannedOut   bool
}

// CensusRoundWorkflow starts one verification per organization of a round, in bounded
// batches, tells each unit's inspectors once, then waits until every verification is done
// (or the round is cancelled).
func CensusRoundWorkflow(ctx workflow.Context, in CensusRoundInput) error {
	var a *activities.Activities
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 10 * time.Minute, HeartbeatTimeout: time.Minute,
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: time.Minute},
	})
	cancelled := false
	ch := workflow.GetSignalChannel(ctx, SignalCancelRound)
	workflow.Go(ctx, func(gctx workflow.Context) {
		ch.Receive(gctx, nil)
		cancelled = true
	})
	finish := func(status string) error {
		if status == string(domain.RoundCancelled) {
			if err := workflow.ExecuteActivity(ctx, a.CancelVerifications, in.RoundID).Get(ctx, nil); err != nil {
				return err
			}
		}
		return workflow.ExecuteActivity(ctx, a.EndRound, in.RoundID, status).Get(ctx, nil)
	}
	for batch := 0; !in.FannedOut; batch++ {
		if cancelled {
			return finish(string(domain.RoundCancelled))
		}
		if batch == batchesPerRun {
			return workflow.NewContinueAsNewError(ctx, CensusRoundWorkflowName, in)
		}
		var out activities.FanOutResult
		if err := workflow.ExecuteActivity(ctx, a.StartVerifications, activities.FanOutInput{RoundID: in.RoundID,
			ScopeUnitID: in.ScopeUnitID, After: in.After, Batch: fanOutBatch, Parallel: fanOutParallel, Started: in.Started,
			Skipped: in.Skipped}).Get(ctx, &out); err != nil {
			return err
		}
		in.After, in.Started, in.Skipped, in.FannedOut = out.Next, out.Started, out.Skipped, out.Done
		if in.FannedOut {
			if err := workflow.ExecuteActivity(ctx, a.NotifyRound, in.RoundID).Get(ctx, nil); err != nil {
				workflow.GetLogger(ctx).Warn("round notification failed", "error", err)
			}
		}
	}
	for poll := 0; ; poll++ {
		if poll == pollsPerRun {
			return workflow.NewContinueAsNewError(ctx, CensusRoundWorkflowName, in)
		}
		var done bool
		if err := workflow.ExecuteActivity(ctx, a.RoundFinished, in.RoundID).Get(ctx, &done); err != nil {
			return err
		}
		if done {
			return finish(string(domain.RoundDone))
		}
		if _, err := workflow.AwaitWithTimeout(ctx, roundPollInterval, func() bool { return cancelled }); err != nil {
			return err
		}
		if cancelled {
			return finish(string(domain.RoundCancelled))
		}
	}
}

// CensusVerifyWorkflow verifies one organization: the round's unit assigns a responsible
// township first when it has none; the township's inspectors visit; the result updates the
// roster and decides the coverage: a formation for ≥3 formal members, an attachment to a
// joint or regional organization for 1–2, work coverage through an instructor for none.
func CensusVerifyWorkflow(ctx workflow.Context, in CensusVerifyInput) error {
	tasks, err := NewTasks(ctx)
	if err != nil {
		return err
	}
	ctx = workflow.WithActivityOptions(ctx, formationActivity)
	var a *activities.Activities
	unit := in.UnitID
	var refused *domain.TaskRefusal // why the previous answer was refused
	for round := 1; unit == ""; round++ {
		out, err := tasks.Ask(ctx, TaskRequest{
			Step: "assign/" + in.RoundID + "/" + strconv.Itoa(round), Kind: "census.assign", Subject: in.USCC,
			SubjectType: domain.SubjectOrganization, Context: domain.TaskContext{Why: "尚无属地责任单位", Refused: refused},
			Title: "摸排指定属地责任单位", UnitID: in.ScopeUnitID, Role: domain.RoleOfficer, DueWorkingDays: 5,
		})
		if err != nil {
			return err
		}
		var r forms.AssignResult
		if err := decodeResult(out, &r); err != nil {
			return err
		}
		err = workflow.ExecuteActivity(ctx, a.AssignRegion, activities.AssignInput{USCC: in.USCC, UnitID: r.UnitID,
			ScopeUnitID: in.ScopeUnitID, Actor: out.CompletedBy, Reason: r.Reason}).Get(ctx, &unit)
		if err != nil && !isRefused(err) {
			return err
		}
		refused = refusalOf(err, "unit_id", out.Result)
	}
	out, err := tasks.Ask(ctx, TaskRequest{
		Step: "verify/" + in.RoundID, Kind: "census.verify", Subject: in.USCC, Title: "摸排实地走访复核",
		SubjectType: domain.SubjectOrganization, Context: domain.TaskContext{Why: in.Why},
		UnitID: unit, Role: domain.RoleInspector, DueWorkingDays: verifyWorkingDays, Quiet: true,
	})
	if err != nil {
		return err
	}
	var visit activities.VisitOutcome
	if err := workflow.ExecuteActivity(ctx, a.ApplyVisit, activities.VisitInput{TaskID: out.TaskID, RoundID: in.RoundID,
		USCC: in.USCC, Inspector: out.CompletedBy, Result: out.Result}).Get(ctx, &visit); err != nil {
		return err
	}
	decision := visit.Decision
	switch decision {
	case domain.DecideFormation:
		var f activities.FormationStarted
		if err := workflow.ExecuteActivity(ctx, a.RecordCensusFormation, in.USCC).Get(ctx, &f); err != nil {
			return err
		}
		if f.ID != "" {
			cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
				WorkflowID: f.WorkflowID, ParentClosePolicy: enumspb.PARENT_CLOSE_POLICY_ABANDON,
				TypedSearchAttributes: temporal.NewSearchAttributes(SearchUnit.ValueSet(f.UnitID), SearchSubject.ValueSet(in.USCC)),
			})
			child := workflow.ExecuteChildWorkflow(cctx, FormationWorkflowName, FormationInput{FormationID: f.ID, Kind: f.Kind,
				Organizations: f.Organizations, UnitID: f.UnitID, ParentUnitID: f.ParentUnitID})
			if err := child.GetChildWorkflowExecution().Get(ctx, nil); err != nil && !temporal.IsWorkflowExecutionAlreadyStartedError(err) {
				return err
			}
		}
	case domain.DecideAttach, domain.DecideWork:
		if err := coverage(ctx, tasks, in, unit, decision, ""); err != nil {
			return err
		}
	}
	// A large enterprise must reach both coverages: work coverage through an instructor too.
	if visit.BothCoverages {
		if err := coverage(ctx, tasks, in, unit, domain.DecideWork, "五类大型企业，须同时实现工作覆盖"); err != nil {
			return err
		}
	}
	return tasks.Finish(ctx)
}

// coverage asks the township's officer to cover an organization without its own branch, until
// the answer can be recorded. The title states the members the visit found (CreateTask reads
// them), never an assumed count; why says what else made the task necessary.
func coverage(ctx workflow.Context, tasks *Tasks, in CensusVerifyInput, unit, decision, why string) error {
	var a *activities.Activities
	kind, title := "coverage.attach", "纳入联合党支部或区域党组织"
	if decision == domain.DecideWork {
		kind, title = "coverage.instructor", "选派党建指导员（工作覆盖）"
	}
	var refused *domain.TaskRefusal
	for round := 1; ; round++ {
		out, err := tasks.Ask(ctx, TaskRequest{
			Step: kind + "/" + in.RoundID + "/" + strconv.Itoa(round), Kind: kind, Subject: in.USCC, Title: title,
			SubjectType: domain.SubjectOrganization, Context: domain.TaskContext{Why: why, Refused: refused},
			UnitID: unit, Role: domain.RoleOfficer, DueWorkingDays: 10,
		})
		if err != nil {
			return err
		}
		cin := activities.CoverageInput{USCC: in.USCC, Actor: out.CompletedBy}
		if decision == domain.DecideWork {
			cin.Work = &forms.WorkCoverageResult{}
			err = decodeResult(out, cin.Work)
		} else {
			cin.Attach = &forms.AttachResult{}
			err = decodeResult(out, cin.Attach)
		}
		if err != nil {
			return err
		}
		err = workflow.ExecuteActivity(ctx, a.ApplyCoverage, cin).Get(ctx, nil)
		if err == nil {
			return nil
		}
		if !isRefused(err) {
			return err
		}
		refused = refusalOf(err, "", out.Result)
	}
}

// refusalOf is what the next task of a loop shows when the process refused the answer: the
// refusal's text, the field and the refused answer (nil when err is not a refusal).
func refusalOf(err error, field string, answer json.RawMessage) *domain.TaskRefusal {
	var app *temporal.ApplicationError
	if !errors.As(err, &app) || app.Type() != activities.ErrTypeRefused {
		return nil
	}
	return &domain.TaskRefusal{Reason: app.Message(), Field: field, Answer: answer}
}

func isRefused(err error) bool {
	var app *temporal.ApplicationError
	return errors.As(err, &app) && app.Type() == activities.ErrTypeRefused
}
