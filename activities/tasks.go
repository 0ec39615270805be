package activities

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"tandem/calendar"
	"tandem/domain"
	"tandem/forms"
	"tandem/store"
	"tandem/taskcheck"
)

// ErrTypeTaskClosed marks an activity error about a task that is no longer active; retrying
// cannot help.
const ErrTypeTaskClosed = "TaskClosed"

// CalendarCache serves the working-day calendar with the admins' overrides, reloaded at most
// every TTL so that an edit made through any API process reaches every worker soon.
type CalendarCache struct {
	Store *store.Store
	TTL   time.Duration

	mu       sync.RWMutex
	cal      *calendar.Calendar
	loadedAt time.Time
}

// Calendar returns the current calendar. Readers share a read lock (every inbox page asks for it
// to count working days left); a reload takes the write lock.
func (c *CalendarCache) Calendar(ctx context.Context) (*calendar.Calendar, error) {
	c.mu.RLock()
	cal, fresh := c.cal, c.cal != nil && time.Since(c.loadedAt) < c.TTL
	c.mu.RUnlock()
	if fresh {
		return cal, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cal != nil && time.Since(c.loadedAt) < c.TTL {
		return c.cal, nil
	}
	rows, err := c.Store.CalendarOverrides(ctx)
	if err != nil {
		return nil, err
	}
	overrides := make([]calendar.Override, len(rows))
	for i, r := range rows {
		overrides[i] = calendar.Override{Date: r.Date, Workday: r.Workday, Name: r.Name}
	}
	cal, err = calendar.New(overrides)
	if err != nil {
		return nil, err
	}
	c.cal, c.loadedAt = cal, time.Now()
	return cal, nil
}

// Invalidate makes the next call reload the overrides.
func (c *CalendarCache) Invalidate() {
	c.mu.Lock()
	c.cal = nil
	c.mu.Unlock()
}

// CreateTaskInput asks for a human task.
type CreateTaskInput struct {
	Key               string // workflow ID + step
	WorkflowID        string
	Kind              string
	Subject           string
	SubjectType       domain.SubjectType // what Subject names; CreateTask turns it into a name
	Context           domain.TaskContext // why, what was returned or refused, what is under review
	Title             string             // what to do ("实地走访复核"); the subject's name is added
	UnitID            string
	Role              domain.Role
	Assignee          string
	Priority          int
	DueWorkingDays    int       // due at the end of the Nth working day after today (default 5)
	DueAt             time.Time `json:",omitzero"` // a deadline fixed already (a rectification's), instead of the two above
	DueMonths         int       // or: within N calendar months (wins when set)
	RemindWorkingDays int       // remind N working days before the due day (0 = no reminder)
	EscalatesTaskID   string
	Quiet             bool     // no notification per task (a census round notifies once per unit)
	NotBy             []string // may not take it though their role would let them (four eyes)
}

// TaskInfo is what a workflow needs to know of a task.
type TaskInfo struct {
	ID          string
	Kind        string
	Status      domain.TaskStatus
	UnitID      string
	DueAt       time.Time
	RemindAt    *time.Time
	Result      json.RawMessage
	CompletedBy string
}

func infoOf(t domain.Task) TaskInfo {
	i := TaskInfo{ID: t.ID, Kind: t.Kind, Status: t.Status, UnitID: t.UnitID, DueAt: t.DueAt, RemindAt: t.RemindAt, Result: t.Result}
	if t.CompletedBy != nil {
		i.CompletedBy = *t.CompletedBy
	}
	return i
}

// CreateTask creates the task (or finds the one a previous attempt created) with its due date
// on the working-day calendar, and tells the people who may act on it.
func (a *Activities) CreateTask(ctx context.Context, in CreateTaskInput) (TaskInfo, error) {
	cal, err := a.Calendar.Calendar(ctx)
	if err != nil {
		return TaskInfo{}, err
	}
	now := a.Store.Now()
	var due calendar.Deadline
	switch {
	case !in.DueAt.IsZero():
		due = calendar.Deadline{At: in.DueAt}
	case in.DueMonths > 0:
		due = cal.DueAfterMonths(now, in.DueMonths)
	case in.DueWorkingDays > 0:
		due = cal.DueAfterWorkingDays(now, in.DueWorkingDays)
	default:
		due = cal.DueAfterWorkingDays(now, domain.DefaultTaskWorkingDays)
	}
	if in.Kind == "assessment.review" && len(in.Context.UnderReview) > 0 {
		if in.Context.UnderReview, err = a.previewAssessment(ctx, in.Subject, in.Context.UnderReview); err != nil {
			return TaskInfo{}, err
		}
	}
	subjectType := in.SubjectType
	if subjectType == domain.SubjectNone {
		subjectType = subjectTypeOfKind[in.Kind] // inputs recorded before subjects were typed
	}
	title := in.Title
	if subjectType != domain.SubjectNone {
		card, err := a.Store.DescribeSubject(ctx, subjectType, in.Subject)
		if err != nil {
			return TaskInfo{}, err
		}
		if membersShown[in.Kind] && in.Context.FormalMembers == nil {
			in.Context.FormalMembers = card.FormalMembers // the title states the facts as recorded
		}
		title = domain.TaskTitle(in.Title, card.Name, in.Context)
	}
	candidates, err := a.taskCandidates(ctx, in)
	if err != nil {
		return TaskInfo{}, err
	}
	t, created, err := a.Store.CreateTask(ctx, store.NewTask{
		Key: in.Key, Kind: in.Kind, Subject: in.Subject, SubjectType: subjectType, Context: in.Context, Title: title, WorkflowID: in.WorkflowID,
		UnitID: in.UnitID, Role: in.Role, Assignee: in.Assignee, Priority: in.Priority,
		DueAt: due.At, DueProvisional: due.Provisional, RemindAt: remindAt(cal, due.At, in.RemindWorkingDays, now),
		EscalatesTaskID: in.EscalatesTaskID, NotBy: in.NotBy, Candidates: candidates,
	})
	if err != nil {
		return TaskInfo{}, nonRetryable(err)
	}
	if created && !in.Quiet {
		if err := a.notify(ctx, t, "created/"+t.ID, "task.created", "新任务："+titleOf(t), "请在截止日前办理"); err != nil {
			return TaskInfo{}, err
		}
	}
	if err := a.routeUnstaffed(ctx, cal, t, in.Quiet); err != nil {
		return TaskInfo{}, err
	}
	return infoOf(t), nil
}

// UnstaffedAssignmentWorkingDays is how long the officers of the unit above have to assign a
// task of a unit where nobody may take it.
const UnstaffedAssignmentWorkingDays = 2

// routeUnstaffed: a task of a unit where nobody holds its role (a park with no staff of its
// own) goes at once to the officers of the unit above as a task.assignment task, so that it
// does not stall until someone notices (#17 §3). Who may act on the task is unchanged. It runs
// on every attempt (the store's key makes it idempotent), so a retried activity still routes.
// A quiet task (a census round's, notified once per unit) routes without a notice per task.
func (a *Activities) routeUnstaffed(ctx context.Context, cal *calendar.Calendar, t domain.Task, quiet bool) error {
	as, ok, err := a.Store.RouteUnstaffed(ctx, t, cal.DueAfterWorkingDays(a.Store.Now(), UnstaffedAssignmentWorkingDays).At)
	if err != nil || !ok || quiet {
		return err
	}
	return a.notify(ctx, as, "created/"+as.ID, "task.created", "新任务："+titleOf(as), "本单位下级单位无人承办，请指派承办人")
}

// remindAt is 09:00 Shanghai on the working day n working days before the due day, or nil
// when that is not after now.
func remindAt(cal *calendar.Calendar, due time.Time, n int, now time.Time) *time.Time {
	if n <= 0 {
		return nil
	}
	day := due.Add(-time.Nanosecond).In(calendar.Shanghai)
	day = time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, calendar.Shanghai)
	for counted := 0; counted < n; {
		day = day.AddDate(0, 0, -1)
		if w, _ := cal.IsWorkday(day); w {
			counted++
		}
	}
	at := day.Add(9 * time.Hour).UTC()
	if !at.After(now) {
		return nil
	}
	return &at
}

// subjectTypeOfKind says what the Subject of a task kind names, for task inputs recorded
// before workflows said so themselves.
var subjectTypeOfKind = map[string]domain.SubjectType{
	"census.verify": domain.SubjectOrganization, "coverage.attach": domain.SubjectOrganization,
	"coverage.instructor": domain.SubjectOrganization, "survey.followup": domain.SubjectOrganization,
	"formation.application": domain.SubjectOrganization, "formation.approval": domain.SubjectOrganization,
	"formation.election": domain.SubjectOrganization, "formation.report": domain.SubjectOrganization,
	"formation.confirmation": domain.SubjectOrganization, "formation.filing": domain.SubjectOrganization,
	"census.assign": domain.SubjectOrganization, "roster.confirm_missing": domain.SubjectImport,
	"drill.acknowledge": domain.SubjectUnit,
}

// membersShown lists the kinds whose title states the organization's formal party members.
var membersShown = map[string]bool{"coverage.attach": true, "coverage.instructor": true}

// titleOf is a task's title; a task always has one (CreateTask composes it), this names the
// kind only for rows written before.
func titleOf(t domain.Task) string {
	if t.Title != "" {
		return t.Title
	}
	if f, ok := forms.Lookup(t.Kind); ok {
		return f.Title
	}
	return "待办任务"
}

// TaskLink is the path of a task, which notifications link to (never in their body).
func TaskLink(taskID string) string { return "/api/v1/tasks/" + taskID }

// notify tells the assignee, or else everyone holding the task's role in its unit; the body
// says what the task is about and when it is due (Asia/Shanghai).
func (a *Activities) notify(ctx context.Context, t domain.Task, key, kind, title, what string) error {
	recipients, err := a.recipients(ctx, t)
	if err != nil {
		return err
	}
	body := fmt.Sprintf("%s：%s，截止 %s（北京时间）", titleOf(t), what,
		t.DueAt.In(calendar.Shanghai).Add(-time.Second).Format("2006年1月2日"))
	return a.Notifier.Notify(ctx, recipients, domain.Notice{Key: key, Kind: kind, Title: title, Body: body, TaskID: t.ID,
		Link: TaskLink(t.ID), SubjectType: t.SubjectType, Subject: t.Subject})
}

func (a *Activities) recipients(ctx context.Context, t domain.Task) ([]string, error) {
	if t.Assignee != nil {
		return []string{*t.Assignee}, nil
	}
	return a.Store.UsersWithRole(ctx, t.UnitID, t.Role)
}

// CompleteTaskInput carries an accepted result to the database.
type CompleteTaskInput struct {
	TaskID string
	Actor  string
	Result json.RawMessage
}

// ErrTypeInvalidResult marks a result refused by a check: the API answers 422 with the fields.
const ErrTypeInvalidResult = "InvalidResult"

// CompleteTask marks the task completed with its result (idempotent). It first makes the task
// kind's data checks again (taskcheck), as the API made them before sending the result: what
// changed in between (the joint branch filled meanwhile) refuses the result, leaves the task
// open and records the refusal, with its reason, in the task's history.
func (a *Activities) CompleteTask(ctx context.Context, in CompleteTaskInput) (TaskInfo, error) {
	cur, err := a.Store.TaskByID(ctx, in.TaskID)
	if err != nil {
		return TaskInfo{}, nonRetryable(err)
	}
	if cur.Status.Active() {
		if err := (taskcheck.Checks{Store: a.Store}).Check(ctx, cur, in.Actor, in.Result); err != nil {
			return TaskInfo{}, a.refuse(ctx, cur, in, err)
		}
	}
	t, err := a.Store.CompleteTask(ctx, in.TaskID, in.Actor, in.Result)
	if err != nil {
		return TaskInfo{}, nonRetryable(err)
	}
	if activity.IsActivity(ctx) { // the SDK's logger adds WorkflowID, RunID, ActivityID
		activity.GetLogger(ctx).Info("task completion recorded", "task", t.ID, "kind", t.Kind)
	}
	return infoOf(t), nil
}

// refuse records a refused result on the task and answers the workflow with the fields; an
// error that is not a refusal (the database down) is returned for a retry.
func (a *Activities) refuse(ctx context.Context, t domain.Task, in CompleteTaskInput, err error) error {
	var de *domain.Error
	if !errors.As(err, &de) || de.Code != domain.EINVALID {
		return nonRetryable(err)
	}
	reason := refusalReason(t, de)
	if rerr := a.Store.RecordTaskRefusal(ctx, t.ID, in.Actor, store.TaskRefusal{Reason: reason, Fields: de.Fields, Result: in.Result}); rerr != nil {
		return rerr
	}
	return temporal.NewNonRetryableApplicationError(reason, ErrTypeInvalidResult, nil, de.Fields)
}

// refusalReason says in Chinese which task's answer was refused and why (each field's reason).
func refusalReason(t domain.Task, de *domain.Error) string {
	parts := make([]string, 0, len(de.Fields))
	for _, f := range de.Fields {
		parts = append(parts, f.Field+"："+f.Reason)
	}
	if len(parts) == 0 {
		parts = append(parts, de.Message)
	}
	return fmt.Sprintf("任务“%s”提交的结果未被接受，任务仍待办理：%s", titleOf(t), strings.Join(parts, "；"))
}

// RemindTask reminds the people of an active task once per due date.
func (a *Activities) RemindTask(ctx context.Context, taskID string) error {
	t, err := a.Store.TaskByID(ctx, taskID)
	if err != nil || !t.Status.Active() {
		return nonRetryable(err)
	}
	key := "remind/" + t.ID + "/" + t.DueAt.Format(time.RFC3339)
	if err := a.notify(ctx, t, key, "task.reminder", "任务即将到期："+titleOf(t), "即将到期，请尽快办理"); err != nil {
		return err
	}
	recipients, err := a.recipients(ctx, t)
	if err != nil {
		return err
	}
	return a.Store.MarkTaskReminded(ctx, t.ID, recipients)
}

// EscalateTaskInput names an overdue task and which escalation of it this is.
type EscalateTaskInput struct {
	TaskID string
	Round  int
}

// EscalateTask gives the officers of the superior unit an escalation task naming the overdue
// one, records it in both tasks' history and notifies them.
func (a *Activities) EscalateTask(ctx context.Context, in EscalateTaskInput) (TaskInfo, error) {
	t, err := a.Store.TaskByID(ctx, in.TaskID)
	if err != nil {
		return TaskInfo{}, nonRetryable(err)
	}
	superior, err := a.Store.ParentUnit(ctx, t.UnitID)
	if err != nil {
		return TaskInfo{}, nonRetryable(err)
	}
	esc, err := a.CreateTask(ctx, CreateTaskInput{
		Key: fmt.Sprintf("%s/escalation/%d", t.Key, in.Round), WorkflowID: t.WorkflowID, Kind: domain.TaskKindEscalation,
		Subject: t.Subject, Title: "逾期督办：" + titleOf(t), UnitID: superior.ID, Role: domain.RoleOfficer,
		SubjectType: t.SubjectType, // the title names the subject already; TaskTitle adds it once
		Priority:    t.Priority + 10, DueWorkingDays: 3, EscalatesTaskID: t.ID,
	})
	if err != nil {
		return TaskInfo{}, err
	}
	if err := a.Store.RecordEscalation(ctx, t.ID, esc.ID, superior.ID); err != nil {
		return TaskInfo{}, err
	}
	return esc, nil
}

// ExtendDeadlineInput grants an active task more working days after its current due day.
type ExtendDeadlineInput struct {
	TaskID            string
	WorkingDays       int
	RemindWorkingDays int
	Actor             string
	Reason            string
	// Key is the extension's key in the workflow: an escalation's ("escalation/…") is recorded
	// in deadline_extensions here; one granted through the API has its row already.
	Key string
}

// ExtendDeadline moves the task's due date by the given working days.
func (a *Activities) ExtendDeadline(ctx context.Context, in ExtendDeadlineInput) (TaskInfo, error) {
	cal, err := a.Calendar.Calendar(ctx)
	if err != nil {
		return TaskInfo{}, err
	}
	t, err := a.Store.TaskByID(ctx, in.TaskID)
	if err != nil {
		return TaskInfo{}, nonRetryable(err)
	}
	if strings.HasPrefix(in.Key, "escalation/") {
		if err := a.Store.RecordGrantedExtension(ctx, in.Key, t.ID, in.WorkingDays, in.Reason, in.Actor); err != nil {
			return TaskInfo{}, err
		}
	}
	due := cal.DueAfterWorkingDays(t.DueAt.Add(-time.Nanosecond), in.WorkingDays)
	t, err = a.Store.ExtendTaskDeadline(ctx, t.ID, due.At, due.Provisional,
		remindAt(cal, due.At, in.RemindWorkingDays, a.Store.Now()), in.Actor, in.Reason)
	if err != nil {
		return TaskInfo{}, nonRetryable(err)
	}
	if err := a.moveRectificationDue(ctx, t, in.Actor, in.Reason); err != nil {
		return TaskInfo{}, err
	}
	return infoOf(t), nil
}

// CancelTasksInput names a workflow whose active tasks are no longer needed.
type CancelTasksInput struct {
	WorkflowID string
	TaskIDs    []string // only these; empty = every active task of the workflow
	Reason     string
}

// CancelTasks cancels active tasks of a workflow.
func (a *Activities) CancelTasks(ctx context.Context, in CancelTasksInput) error {
	if len(in.TaskIDs) == 0 {
		_, err := a.Store.CancelTasks(ctx, in.WorkflowID, in.Reason)
		return err
	}
	return a.Store.CancelTasksByID(ctx, in.TaskIDs, in.Reason)
}

// nonRetryable marks domain errors (not found, conflict, invalid) as final for Temporal.
func nonRetryable(err error) error {
	switch domain.ErrorCode(err) {
	case "", domain.EINTERNAL, domain.EUNAVAILABLE:
		return err
	case domain.ECONFLICT:
		return temporal.NewNonRetryableApplicationError(domain.ErrorMessage(err), ErrTypeTaskClosed, err)
	}
	return temporal.NewNonRetryableApplicationError(domain.ErrorMessage(err), domain.ErrorCode(err), err)
}
