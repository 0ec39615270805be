package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"tandem/domain"
	"tandem/forms"
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
		return t, err
	}
	if err := o.complete(ctx, p, t, in.Result, in.IdempotencyKey); err != nil {
		return t, err
	}
	return o.Store.GetTask(ctx, p, t.ID)
}

func (o *Tasks) complete(ctx context.Context, p domain.Principal, t domain.Task, result json.RawMessage, key string) error {
	if !t.Status.Active() {
		return domain.Errorf(domain.ECONFLICT, "the task is %s", t.Status)
	}
	if !p.CanAct(t) {
		if t.Excludes(p.Username) {
			return domain.NotYours(t, p.Username)
		}
		if t.Assignee != nil {
			return domain.Errorf(domain.EFORBIDDEN, "the task is claimed by %s", *t.Assignee)
		}
		return domain.Errorf(domain.EFORBIDDEN, "completing this task needs the %s role in its unit", t.Role)
	}
	if t.Delegation == string(domain.DelegationPending) {
		return domain.Errorf(domain.ECONFLICT, "the task is delegated to you: resolve it back to %s, who completes it", deref(t.Owner))
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
			return domain.Errorf(domain.EUNAVAILABLE, "the workflow has not taken up the task yet; retry")
		case <-time.After(wait):
		}
	}
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
			return domain.Errorf(domain.ECONFLICT, "the task is not open")
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
		return domain.Errorf(domain.ECONFLICT, "the process that owns this task has ended")
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return domain.Errorf(domain.EUNAVAILABLE, "the workflow did not answer in time; retry with the same Idempotency-Key")
	}
	return domain.Errorf(domain.EUNAVAILABLE, "the workflow engine could not take the result: %v", err)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// ExtendDeadline grants an open task more working days.
type ExtendDeadline struct {
	TaskID         string
	WorkingDays    int
	Reason         string
	IdempotencyKey string
}

// ExtendDeadline lets an officer over the task's unit grant an open task more working days; the
// owning workflow hears it as a signal and moves its timers. It returns the task as it was.
func (o *Tasks) ExtendDeadline(ctx context.Context, p domain.Principal, in ExtendDeadline) (domain.Task, error) {
	var v domain.Validation
	if in.WorkingDays < domain.MinExtensionWorkingDays || in.WorkingDays > domain.MaxExtensionWorkingDays {
		v.Add("working_days", fmt.Sprintf("from %d to %d", domain.MinExtensionWorkingDays, domain.MaxExtensionWorkingDays))
	}
	if strings.TrimSpace(in.Reason) == "" {
		v.Add("reason", "required")
	}
	if err := v.Err("the extension is not valid"); err != nil {
		return domain.Task{}, err
	}
	t, err := o.Store.GetTask(ctx, p, in.TaskID)
	if err != nil {
		return t, err
	}
	if !p.CanManage(t) {
		return t, domain.Errorf(domain.EFORBIDDEN, "only an officer over the task's unit may extend its deadline")
	}
	if !t.Status.Active() {
		return t, domain.Errorf(domain.ECONFLICT, "the task is %s", t.Status)
	}
	key := in.IdempotencyKey
	if key == "" {
		key = uuid.NewString()
	}
	err = o.Engine.SignalWorkflow(ctx, t.WorkflowID, "", workflows.SignalDeadlineExtended, workflows.DeadlineExtension{
		Key: "api/" + p.UserID + "/" + key, TaskID: t.ID, WorkingDays: in.WorkingDays, Actor: p.Username, Reason: in.Reason,
	})
	return t, updateError(err)
}
