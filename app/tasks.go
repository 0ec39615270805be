package app

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"reflect"
	"strings"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"tandem/domain"
	"tandem/forms"
	"tandem/store"
	"tandem/taskcheck"
	"tandem/workflows"
)

// Tasks are the operations on human tasks that go through their owning workflow.
type Tasks struct{ *deps }

// CompleteTask is a task's result as its assignee submits it.
type CompleteTask struct {
	TaskID string
	Result json.RawMessage
	// IdempotencyKey (the request's Idempotency-Key) makes a resent completion the same Update.
	IdempotencyKey string
}

// Complete sends the result to the owning workflow as an Update and returns the task once the
// workflow has accepted it and the task row is completed.
func (o *Tasks) Complete(ctx context.Context, p domain.Principal, in CompleteTask) (domain.Task, error) {
	t, err := o.Store.GetTask(ctx, p, in.TaskID)
	if err != nil {
		return t, o.Store.NotYoursOr(ctx, p, in.TaskID, err)
	}
	if err := o.complete(ctx, p, t, in.Result, in.IdempotencyKey); err != nil {
		return t, err
	}
	return o.Store.GetTask(ctx, p, t.ID)
}

func (o *Tasks) complete(ctx context.Context, p domain.Principal, t domain.Task, result json.RawMessage, key string) error {
	if !t.Status.Active() {
		if key != "" && replayedCompletion(t, p.Username, result) {
			return nil
		}
		return domain.Errorf(domain.ECONFLICT, "任务状态为 %s，不能执行此操作", t.Status)
	}
	if !p.CanAct(t) {
		if t.Excludes(p.Username) {
			return domain.NotYours(t, p.Username)
		}
		if t.Assignee != nil {
			return domain.Errorf(domain.EFORBIDDEN, "任务已由 %s 认领", *t.Assignee)
		}
		return domain.Errorf(domain.EFORBIDDEN, "完成此任务需要任务所在单位的 %s 角色", t.Role)
	}
	if t.Delegation == string(domain.DelegationPending) {
		return domain.Errorf(domain.ECONFLICT, "此任务是委托给你的：请处理后交回 %s，由其完成", deref(t.Owner))
	}
	if domain.EngineTask(t.Kind) {
		return o.completeEngine(ctx, p, t, result)
	}
	canonical, err := forms.Validate(t.Kind, result)
	if err != nil {
		return err
	}
	// What the workflow would refuse after completion is refused now, before the Update.
	if err := (taskcheck.Checks{Store: o.Store}).Check(ctx, t, p.Username, canonical); err != nil {
		return err
	}
	updateID := "complete/" + t.ID + "/"
	if key != "" {
		updateID += "key/" + key
	} else {
		updateID += uuid.NewString()
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	// A task that was just created may reach the inbox a moment before its workflow has taken
	// in the activity that created it; the validator says so, and the Update is sent again.
	for wait := 50 * time.Millisecond; ; wait = min(2*wait, time.Second) {
		handle, err := o.Engine.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
			WorkflowID: t.WorkflowID, UpdateID: updateID, UpdateName: workflows.UpdateCompleteTask,
			WaitForStage: client.WorkflowUpdateStageCompleted,
			Args:         []any{workflows.CompleteTaskRequest{TaskID: t.ID, Actor: p.Username, Result: result}},
		})
		if err == nil {
			var out workflows.TaskOutcome
			err = handle.Get(ctx, &out)
		}
		var app *temporal.ApplicationError
		if !errors.As(err, &app) || app.Type() != workflows.ErrTypeTaskNotReady {
			return updateError(err)
		}
		select {
		case <-ctx.Done():
			return domain.Errorf(domain.EUNAVAILABLE, "流程尚未接收此任务，请稍后重试")
		case <-time.After(wait):
		}
	}
}

// replayedCompletion reports whether a completed task was completed by this very request: the
// same person and the same result, sent again under an Idempotency-Key because its first answer
// was lost (a 503 while Temporal restarted, after the engine had taken the Update). Its answer
// is the first one's, success, not 409.
func replayedCompletion(t domain.Task, actor string, result json.RawMessage) bool {
	if t.Status != domain.TaskCompleted || t.CompletedBy == nil || *t.CompletedBy != actor || domain.EngineTask(t.Kind) {
		return false
	}
	canonical, err := forms.Validate(t.Kind, result)
	if err != nil {
		return false
	}
	var sent, stored any
	if json.Unmarshal(canonical, &sent) != nil || json.Unmarshal(t.Result, &stored) != nil {
		return false
	}
	return reflect.DeepEqual(sent, stored)
}

// updateError maps what Temporal answers to a task's Update or signal onto domain errors.
func updateError(err error) error {
	if err == nil {
		return nil
	}
	var app *temporal.ApplicationError
	if errors.As(err, &app) {
		switch app.Type() {
		case workflows.ErrTypeTaskClosed:
			return domain.Errorf(domain.ECONFLICT, "任务不是待办状态")
		case workflows.ErrTypeNotYours:
			return domain.Errorf(domain.EFORBIDDEN, "%s", app.Message())
		case workflows.ErrTypeInvalidResult:
			var fields []domain.FieldError
			_ = app.Details(&fields)
			return &domain.Error{Code: domain.EINVALID, Message: app.Message(), Fields: fields}
		}
	}
	var nf *serviceerror.NotFound
	if errors.As(err, &nf) {
		return domain.Errorf(domain.ECONFLICT, "此任务所属的流程已结束")
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return domain.Errorf(domain.EUNAVAILABLE, "流程未及时响应，请用同一个 Idempotency-Key 重试")
	}
	// The engine's own message (English, with addresses and IDs) is for the log, not the user.
	slog.Warn("task update not delivered", "error", err)
	return domain.Errorf(domain.EUNAVAILABLE, "流程引擎暂时未能接收结果，请稍后用同一个 Idempotency-Key 重试")
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// ExtendDeadline asks for more working days on an active task.
type ExtendDeadline struct {
	TaskID         string
	WorkingDays    int
	Reason         string
	IdempotencyKey string
}

// ExtensionDecisionWorkingDays is how long the approver has to decide a requested extension.
const ExtensionDecisionWorkingDays = 2

// ExtendDeadline is the one home for deadline extensions: whoever could act on the task
// requests one (an officer of the unit above decides through a task.extension task); an
// officer over the task's unit who cannot act on it grants it at once, and the owning
// workflow hears it as a signal and moves its timers. It returns the extension.
func (o *Tasks) ExtendDeadline(ctx context.Context, p domain.Principal, in ExtendDeadline) (store.DeadlineExtension, error) {
	in.Reason = strings.TrimSpace(in.Reason)
	if err := store.ValidateExtension(in.WorkingDays, in.Reason); err != nil {
		return store.DeadlineExtension{}, err
	}
	cal, err := o.Calendar.Calendar(ctx)
	if err != nil {
		return store.DeadlineExtension{}, err
	}
	ext, err := o.Store.RequestDeadlineExtension(ctx, p, store.RequestExtension{TaskID: in.TaskID, WorkingDays: in.WorkingDays,
		Reason: in.Reason, DecisionDueAt: cal.DueAfterWorkingDays(o.Store.Now(), ExtensionDecisionWorkingDays).At})
	if err != nil || ext.Status != domain.ExtensionGranted {
		return ext, err
	}
	return ext, o.signalExtension(ctx, ext)
}

// DecideExtension is the approver's answer to a requested extension.
type DecideExtension struct {
	TaskID      string
	ExtensionID string
	Grant       bool
	Reason      string
}

// DecideExtension grants or refuses a requested extension (not the requester's to decide); a
// grant moves the deadline through the owning workflow.
func (o *Tasks) DecideExtension(ctx context.Context, p domain.Principal, in DecideExtension) (store.DeadlineExtension, error) {
	ext, err := o.Store.DecideDeadlineExtension(ctx, p, in.TaskID, in.ExtensionID, in.Grant, strings.TrimSpace(in.Reason))
	if err != nil {
		return ext, err
	}
	if ext.Status != domain.ExtensionGranted {
		return ext, nil
	}
	return ext, o.signalExtension(ctx, ext)
}

// signalExtension sends a granted extension to the owning workflow; its key makes a resent
// signal (a retried decision) move the deadline once.
func (o *Tasks) signalExtension(ctx context.Context, ext store.DeadlineExtension) error {
	t, err := o.Store.TaskByID(ctx, ext.TaskID)
	if err != nil {
		return err
	}
	reason := ext.Reason
	if ext.DecisionReason != "" {
		reason += "（审批意见：" + ext.DecisionReason + "）"
	}
	err = o.Engine.SignalWorkflow(ctx, t.WorkflowID, "", workflows.SignalDeadlineExtended, workflows.DeadlineExtension{
		Key: "extension/" + ext.ID, TaskID: t.ID, WorkingDays: ext.WorkingDays, Actor: ext.DecidedBy, Reason: reason,
	})
	return updateError(err)
}

// completeEngine completes a task Tandem decides itself (domain.EngineTask): never an Update.
func (o *Tasks) completeEngine(ctx context.Context, p domain.Principal, t domain.Task, result json.RawMessage) error {
	raw, err := forms.Validate(t.Kind, result)
	if err != nil {
		return err
	}
	switch t.Kind {
	case domain.TaskKindAssignment:
		var r forms.AssignmentResult
		if err := json.Unmarshal(raw, &r); err != nil {
			return err
		}
		_, err := o.Store.ResolveAssignment(ctx, p, t.ID, strings.TrimSpace(r.Assignee), raw)
		return err
	case domain.TaskKindExtension:
		var r forms.ExtensionDecision
		if err := json.Unmarshal(raw, &r); err != nil {
			return err
		}
		ext, err := o.Store.ExtensionByDecisionTask(ctx, t.ID)
		if err != nil {
			return err
		}
		_, err = o.DecideExtension(ctx, p, DecideExtension{ExtensionID: ext.ID, Grant: r.Decision == "grant", Reason: r.Reason})
		return err
	}
	return domain.Errorf(domain.EINTERNAL, "任务类型 %s 没有对应的流程处理", t.Kind)
}
