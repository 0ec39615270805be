package workflows

import (
	"encoding/json"
	"errors"
	"slices"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"tandem/activities"
	"tandem/domain"
	"tandem/forms"
)

// Names of the messages every task-bearing workflow handles.
const (
	// UpdateCompleteTask completes one of the workflow's open tasks.
	UpdateCompleteTask = "complete-task"
	// SignalDeadlineExtended grants an open task more working days.
	SignalDeadlineExtended = "deadline-extended"
	// QueryOpenTasks lists the workflow's open task IDs (for operators).
	QueryOpenTasks = "open-tasks"
)

// Error types of a rejected completion; the API maps them to 409, 422 and 403.
const (
	// ErrTypeTaskClosed: the task is not open (the validator here, or the activities' store
	// check: one error type, defined with the activities).
	ErrTypeTaskClosed = activities.ErrTypeTaskClosed
	// ErrTypeInvalidResult: the result breaks a rule (the validator's, or the data checks the
	// CompleteTask activity makes again; one error type, defined with the activities).
	ErrTypeInvalidResult = activities.ErrTypeInvalidResult
	ErrTypeNotYours      = "NotYours" // the actor may not complete this task (NotBy)
	// ErrTypeTaskNotReady: the task's row exists but the workflow has not yet taken in the
	// activity that created it (a person was faster than the workflow task); retry shortly.
	ErrTypeTaskNotReady = "TaskNotReady"
)

// CompleteTaskRequest is the argument of the complete-task Update.
type CompleteTaskRequest struct {
	TaskID string          `json:"task_id"`
	Actor  string          `json:"actor"`
	Result json.RawMessage `json:"result"`
}

// DeadlineExtension is the payload of the deadline-extended signal. Key makes a resent signal
// a no-op.
type DeadlineExtension struct {
	Key         string `json:"key"`
	TaskID      string `json:"task_id"`
	WorkingDays int    `json:"working_days"`
	Actor       string `json:"actor"`
	Reason      string `json:"reason"`
}

// TaskRequest asks a person for one step.
type TaskRequest struct {
	Step              string // unique within the workflow, e.g. "application/2"
	Kind              string // has a form in package forms
	Subject           string
	SubjectType       domain.SubjectType // what Subject names; the title gets its name from it
	Context           domain.TaskContext // why it is asked; returned/refused reasons; what is under review
	Title             string             // what to do, without the subject ("实地走访复核")
	UnitID            string
	Role              domain.Role
	Assignee          string
	Priority          int
	DueWorkingDays    int       // default 5
	DueMonths         int       // "within N calendar months" instead
	DueAt             time.Time // a deadline fixed already (a rectification plan's) instead
	RemindWorkingDays int       // default 1; negative = no reminder
	Quiet             bool      // no notification when created (the caller notifies in bulk)
	// Check, when set, applies the process's own rules to a result that passed the form (the
	// election rules against the application, say). It runs in the Update validator, so a
	// failing result is refused with 422 before anything enters history; it must be
	// deterministic and return a *domain.Error (EINVALID) listing the fields.
	Check func(result json.RawMessage) error
	// NotBy names people who may not complete the task, though their role would let them: the
	// officer who scored an outcome does not review it too (four eyes).
	NotBy []string
	// Ladder, when set, takes the place of the single escalation of an overdue task: its rungs
	// (notifications, or escalation tasks for the unit above) one after the other, each its
	// working days after the previous; an extension moves the next rung to the new due date.
	Ladder []domain.LadderStep
	// LadderDay, for a demonstration run: the ladder's working days are spans of this length on
	// the workflow's clock instead of days on the calendar (0: the calendar).
	LadderDay time.Duration
}

// TaskOutcome is what a completed task gives back to its workflow.
type TaskOutcome struct {
	TaskID      string          `json:"task_id"`
	Kind        string          `json:"kind"`
	CompletedBy string          `json:"completed_by"`
	Result      json.RawMessage `json:"result"`
}

type taskState struct {
	info          activities.TaskInfo
	remindWorking int
	completing    bool
	done          bool
	outcome       TaskOutcome
	dueChanged    bool
	escalationOf  string // for an escalation task: the overdue task's ID
	check         func(json.RawMessage) error
	notBy         []string
}

// Tasks lets a workflow ask people for steps. Create it with NewTasks at the very top of the
// workflow, before anything blocks: it registers the handlers that complete tasks, and an
// Update that arrives before its handler exists is rejected.
type Tasks struct {
	open       map[string]*taskState
	order      []string // task IDs in creation order, for deterministic iteration
	signalKeys map[string]bool
}

var taskActivity = workflow.ActivityOptions{
	StartToCloseTimeout: 30 * time.Second,
	RetryPolicy: &temporal.RetryPolicy{
		InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: time.Minute,
		NonRetryableErrorTypes: []string{activities.ErrTypeTaskClosed},
	},
}

// NewTasks registers the complete-task Update, the deadline-extended signal and the
// open-tasks query.
func NewTasks(ctx workflow.Context) (*Tasks, error) {
	h := &Tasks{open: map[string]*taskState{}, signalKeys: map[string]bool{}}
	err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateCompleteTask, h.complete,
		workflow.UpdateHandlerOptions{Validator: h.validate})
	if err != nil {
		return nil, err
	}
	if err := workflow.SetQueryHandler(ctx, QueryOpenTasks, func() ([]string, error) {
		var ids []string
		for _, id := range h.order {
			if t := h.open[id]; !t.done {
				ids = append(ids, id)
			}
		}
		return ids, nil
	}); err != nil {
		return nil, err
	}
	ch := workflow.GetSignalChannel(ctx, SignalDeadlineExtended)
	workflow.Go(ctx, func(ctx workflow.Context) {
		for {
			var ext DeadlineExtension
			if !ch.Receive(ctx, &ext) {
				return
			}
			h.extend(ctx, ext)
		}
	})
	return h, nil
}

// validate runs before anything enters history: it refuses a task that is not open here and a
// result that fails the task's form.
func (h *Tasks) validate(ctx workflow.Context, req CompleteTaskRequest) error {
	t, ok := h.open[req.TaskID]
	if !ok {
		return temporal.NewApplicationError("流程尚未接收此任务，请稍后重试", ErrTypeTaskNotReady)
	}
	if t.done || t.completing {
		return temporal.NewApplicationError("任务不是待办状态", ErrTypeTaskClosed)
	}
	if slices.Contains(t.notBy, req.Actor) {
		return temporal.NewApplicationError("此任务须由他人完成：它审核的正是你完成的那一步（四眼原则）", ErrTypeNotYours)
	}
	// Forms decode into structs and encode structs: deterministic, though workflowcheck
	// cannot tell encoding/json's map paths from ours.
	//workflowcheck:ignore
	result, err := forms.Validate(t.info.Kind, req.Result)
	if err == nil && t.check != nil {
		err = t.check(result)
	}
	if err != nil {
		var de *domain.Error
		if errors.As(err, &de) {
			return temporal.NewApplicationError(de.Message, ErrTypeInvalidResult, de.Fields)
		}
		return temporal.NewApplicationError(err.Error(), ErrTypeInvalidResult)
	}
	return nil
}

// complete stores the accepted result through an activity, so the inbox shows a completion
// only once the workflow has taken it, and answers with the outcome.
func (h *Tasks) complete(ctx workflow.Context, req CompleteTaskRequest) (TaskOutcome, error) {
	t := h.open[req.TaskID]
	t.completing = true
	//workflowcheck:ignore
	result, _ := forms.Validate(t.info.Kind, req.Result) // canonical form; validated already
	var info activities.TaskInfo
	var a *activities.Activities
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, taskActivity), a.CompleteTask,
		activities.CompleteTaskInput{TaskID: req.TaskID, Actor: req.Actor, Result: result}).Get(ctx, &info)
	if err != nil {
		t.completing = false
		return TaskOutcome{}, err
	}
	t.done, t.info = true, info
	t.outcome = TaskOutcome{TaskID: info.ID, Kind: info.Kind, CompletedBy: info.CompletedBy, Result: info.Result}
	// The SDK's logger adds WorkflowID and RunID (and, while tracing, TraceID); not on replay.
	workflow.GetLogger(ctx).Info("task completed", "task", info.ID, "kind", info.Kind, "by", info.CompletedBy)
	if t.escalationOf != "" {
		h.answerEscalation(ctx, t, req.Actor)
	}
	return t.outcome, nil
}

// answerEscalation applies an officer's answer to an escalation: an extension moves the
// overdue task's deadline.
func (h *Tasks) answerEscalation(ctx workflow.Context, esc *taskState, actor string) {
	var r forms.EscalationResult
	//workflowcheck:ignore
	if err := json.Unmarshal(esc.outcome.Result, &r); err != nil || r.Action != "extend" {
		return
	}
	h.extend(ctx, DeadlineExtension{Key: "escalation/" + esc.info.ID, TaskID: esc.escalationOf,
		WorkingDays: r.ExtendWorkingDays, Actor: actor, Reason: r.Note})
}

// extend grants more working days to an open task, once per key.
func (h *Tasks) extend(ctx workflow.Context, ext DeadlineExtension) {
	t, ok := h.open[ext.TaskID]
	if !ok || t.done || h.signalKeys[ext.Key] || ext.WorkingDays <= 0 {
		return
	}
	h.signalKeys[ext.Key] = true
	var a *activities.Activities
	var info activities.TaskInfo
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, taskActivity), a.ExtendDeadline,
		activities.ExtendDeadlineInput{TaskID: ext.TaskID, WorkingDays: ext.WorkingDays, RemindWorkingDays: t.remindWorking,
			Actor: ext.Actor, Reason: ext.Reason, Key: ext.Key}).Get(ctx, &info)
	if err != nil {
		workflow.GetLogger(ctx).Warn("deadline extension failed", "task", ext.TaskID, "error", err)
		return
	}
	t.info.DueAt, t.info.RemindAt, t.dueChanged = info.DueAt, info.RemindAt, true
}

// Ask creates a task, waits for its completion, reminds before the due date and escalates to
// the superior unit's officers when it is overdue. Cancelling the workflow cancels the task.
func (h *Tasks) Ask(ctx workflow.Context, req TaskRequest) (TaskOutcome, error) {
	if _, ok := forms.Lookup(req.Kind); !ok {
		return TaskOutcome{}, temporal.NewNonRetryableApplicationError("no form for task kind "+req.Kind, "NoForm", nil)
	}
	remind := req.RemindWorkingDays
	switch {
	case remind == 0:
		remind = 1
	case remind < 0:
		remind = 0
	}
	wfID := workflow.GetInfo(ctx).WorkflowExecution.ID
	var a *activities.Activities
	var info activities.TaskInfo
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, taskActivity), a.CreateTask, activities.CreateTaskInput{
		Key: wfID + "/" + req.Step, WorkflowID: wfID, Kind: req.Kind, Subject: req.Subject, Title: req.Title,
		SubjectType: req.SubjectType, Context: req.Context,
		UnitID: req.UnitID, Role: req.Role, Assignee: req.Assignee, Priority: req.Priority,
		DueWorkingDays: req.DueWorkingDays, DueMonths: req.DueMonths, DueAt: req.DueAt, RemindWorkingDays: remind, Quiet: req.Quiet,
		NotBy: req.NotBy,
	}).Get(ctx, &info)
	if err != nil {
		if temporal.IsCanceledError(err) {
			h.cancelOpen(ctx, "the process was cancelled")
		}
		return TaskOutcome{}, err
	}
	t := h.track(info, remind)
	t.check, t.notBy = req.Check, req.NotBy
	if info.Status == domain.TaskCompleted { // the row was completed before a reset of this workflow
		t.done = true
		t.outcome = TaskOutcome{TaskID: info.ID, Kind: info.Kind, CompletedBy: info.CompletedBy, Result: info.Result}
	}

	reminded, escalated, round := false, false, 0
	level, nextRung := 0, time.Time{} // the ladder's rungs taken, and when the next is due
	for !t.done {
		var wake time.Time
		if !reminded && t.info.RemindAt != nil {
			wake = *t.info.RemindAt
		} else if !escalated {
			wake = t.info.DueAt
		} else if level > 0 && level < len(req.Ladder) {
			wake = nextRung
		}
		cond := func() bool { return t.done || t.dueChanged }
		var err error
		if wake.IsZero() {
			err = workflow.Await(ctx, cond)
		} else if d := wake.Sub(workflow.Now(ctx)); d > 0 {
			_, err = workflow.AwaitWithTimeout(ctx, d, cond)
		}
		if err != nil { // cancelled
			h.cancelOpen(ctx, "the process was cancelled")
			return TaskOutcome{}, err
		}
		switch {
		case t.done:
		case t.dueChanged:
			t.dueChanged, reminded, escalated = false, false, false
		case !reminded && t.info.RemindAt != nil:
			reminded = true
			if err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, taskActivity), a.RemindTask, t.info.ID).Get(ctx, nil); err != nil {
				workflow.GetLogger(ctx).Warn("reminder failed", "task", t.info.ID, "error", err)
			}
		case !escalated && len(req.Ladder) > 0 && level < len(req.Ladder):
			reminded, escalated = true, true
			level++
			nextRung = h.climb(ctx, t, req, level)
		case escalated && level > 0 && level < len(req.Ladder):
			level++
			nextRung = h.climb(ctx, t, req, level)
		case !escalated && len(req.Ladder) > 0:
			reminded, escalated = true, true // the ladder's top was reached before an extension
		case !escalated:
			reminded, escalated = true, true
			round++
			var esc activities.TaskInfo
			if err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, taskActivity), a.EscalateTask,
				activities.EscalateTaskInput{TaskID: t.info.ID, Round: round}).Get(ctx, &esc); err != nil {
				workflow.GetLogger(ctx).Warn("escalation failed", "task", t.info.ID, "error", err)
				break
			}
			h.track(esc, 0).escalationOf = t.info.ID
		}
	}
	// Escalations of a task that is done have nothing left to decide.
	h.cancelEscalationsOf(ctx, t.info.ID)
	return t.outcome, nil
}

// climb takes rung level (1-based) of an overdue task's ladder and returns when the next is due.
func (h *Tasks) climb(ctx workflow.Context, t *taskState, req TaskRequest, level int) time.Time {
	ladder := req.Ladder
	next := -1
	if level < len(ladder) && req.LadderDay <= 0 {
		next = ladder[level].AfterWorkingDays
	}
	var a *activities.Activities
	var out activities.LadderOutput
	if err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, taskActivity), a.ClimbLadder,
		activities.LadderInput{TaskID: t.info.ID, Level: level, Step: ladder[level-1], NextWorkingDays: next}).Get(ctx, &out); err != nil {
		workflow.GetLogger(ctx).Warn("escalation ladder failed", "task", t.info.ID, "level", level, "error", err)
		return workflow.Now(ctx)
	}
	if out.Escalation != nil {
		h.track(*out.Escalation, 0).escalationOf = t.info.ID
	}
	if req.LadderDay > 0 && level < len(ladder) { // a demonstration run: spans on the workflow's clock
		return workflow.Now(ctx).Add(time.Duration(ladder[level].AfterWorkingDays) * req.LadderDay)
	}
	return out.NextAt
}

func (h *Tasks) track(info activities.TaskInfo, remind int) *taskState {
	if t, ok := h.open[info.ID]; ok {
		return t
	}
	t := &taskState{info: info, remindWorking: remind}
	h.open[info.ID] = t
	h.order = append(h.order, info.ID)
	return t
}

func (h *Tasks) cancelEscalationsOf(ctx workflow.Context, taskID string) {
	var ids []string
	for _, id := range h.order {
		if e := h.open[id]; e.escalationOf == taskID && !e.done && !e.completing {
			e.done = true
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return
	}
	var a *activities.Activities
	_ = workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, taskActivity), a.CancelTasks,
		activities.CancelTasksInput{WorkflowID: workflow.GetInfo(ctx).WorkflowExecution.ID, TaskIDs: ids,
			Reason: "the overdue task was completed"}).Get(ctx, nil)
}

// cancelOpen cancels every open task of the workflow in the database, even though ctx is
// cancelled.
func (h *Tasks) cancelOpen(ctx workflow.Context, reason string) {
	dctx, _ := workflow.NewDisconnectedContext(ctx)
	var a *activities.Activities
	for _, id := range h.order {
		h.open[id].done = true
	}
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(dctx, taskActivity), a.CancelTasks,
		activities.CancelTasksInput{WorkflowID: workflow.GetInfo(ctx).WorkflowExecution.ID, Reason: reason}).Get(dctx, nil)
	if err != nil {
		workflow.GetLogger(ctx).Error("could not cancel open tasks", "error", err)
	}
}

// Finish waits for running handlers, so that no caller of complete-task is left without an
// answer, and cancels tasks the workflow no longer needs. Call it before returning.
func (h *Tasks) Finish(ctx workflow.Context) error {
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
		return err
	}
	var ids []string
	for _, id := range h.order {
		if t := h.open[id]; !t.done {
			t.done = true
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	var a *activities.Activities
	return workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, taskActivity), a.CancelTasks,
		activities.CancelTasksInput{WorkflowID: workflow.GetInfo(ctx).WorkflowExecution.ID, TaskIDs: ids,
			Reason: "the process finished"}).Get(ctx, nil)
}
