package store

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"tandem/domain"
)

type taskRow struct {
	ID              string `gorm:"primaryKey"`
	Key             string
	Kind            string
	Subject         string
	Title           string
	WorkflowID      string
	UnitID          string
	UnitPath        string
	Role            string
	Assignee        *string
	Owner           *string
	Delegation      string
	Status          string
	Priority        int
	DueAt           time.Time
	DueProvisional  bool
	RemindAt        *time.Time
	RemindedAt      *time.Time
	EscalatedAt     *time.Time
	EscalatesTaskID *string
	Result          *string
	CompletedBy     *string
	CreatedAt       time.Time
	UpdatedAt       time.Time
	CompletedAt     *time.Time
}

func (taskRow) TableName() string { return "tasks" }

func (r taskRow) domain() domain.Task {
	t := domain.Task{
		ID: r.ID, Key: r.Key, Kind: r.Kind, Subject: r.Subject, Title: r.Title, WorkflowID: r.WorkflowID,
		UnitID: r.UnitID, UnitPath: r.UnitPath, Role: domain.Role(r.Role), Assignee: r.Assignee, Owner: r.Owner,
		Delegation: r.Delegation, Status: domain.TaskStatus(r.Status), Priority: r.Priority,
		DueAt: r.DueAt.UTC(), DueProvisional: r.DueProvisional, RemindAt: r.RemindAt, RemindedAt: r.RemindedAt,
		EscalatedAt: r.EscalatedAt, EscalatesTaskID: r.EscalatesTaskID, CompletedBy: r.CompletedBy,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, CompletedAt: r.CompletedAt,
	}
	if r.Result != nil {
		t.Result = json.RawMessage(*r.Result)
	}
	return t
}

type taskEventRow struct {
	ID     int64 `gorm:"primaryKey"`
	TaskID string
	At     time.Time
	Actor  string
	Type   string
	Detail string
}

func (taskEventRow) TableName() string { return "task_events" }

// taskAudit is what the audit trail and history record of a task's state.
type taskAudit struct {
	Status     string  `json:"status"`
	Assignee   *string `json:"assignee"`
	Owner      *string `json:"owner,omitempty"`
	Delegation string  `json:"delegation,omitempty"`
}

func auditOf(r taskRow) taskAudit {
	return taskAudit{Status: r.Status, Assignee: r.Assignee, Owner: r.Owner, Delegation: r.Delegation}
}

// NewTask is what a workflow asks for.
type NewTask struct {
	Key             string
	Kind            string
	Subject         string
	Title           string
	WorkflowID      string
	UnitID          string
	Role            domain.Role
	Assignee        string // "" = unassigned
	Priority        int
	DueAt           time.Time
	DueProvisional  bool
	RemindAt        *time.Time
	EscalatesTaskID string
}

// CreateTask creates the task for key, or returns the one that exists (created=false), so a
// retried activity never makes a second task.
func (s *Store) CreateTask(ctx context.Context, in NewTask) (domain.Task, bool, error) {
	var out taskRow
	created := false
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var unit unitRow
		if err := tx.Where("id = ?", in.UnitID).Take(&unit).Error; err != nil {
			return translate(err, "unit of the task")
		}
		now := s.Now()
		row := taskRow{
			ID: newID(), Key: in.Key, Kind: in.Kind, Subject: in.Subject, Title: in.Title, WorkflowID: in.WorkflowID,
			UnitID: unit.ID, UnitPath: unit.Path, Role: string(in.Role), Status: string(domain.TaskOpen),
			Priority: in.Priority, DueAt: in.DueAt.UTC(), DueProvisional: in.DueProvisional, RemindAt: in.RemindAt,
			CreatedAt: now, UpdatedAt: now,
		}
		if in.Assignee != "" {
			row.Assignee, row.Status = &in.Assignee, string(domain.TaskClaimed)
		}
		if in.EscalatesTaskID != "" {
			row.EscalatesTaskID = &in.EscalatesTaskID
		}
		res := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "key"}}, DoNothing: true}).Create(&row)
		if res.Error != nil {
			return translate(res.Error, "task")
		}
		if res.RowsAffected == 0 {
			return translate(tx.Where("key = ?", in.Key).Take(&out).Error, "task")
		}
		created, out = true, row
		if err := s.taskEvent(ctx, tx, row.ID, domain.SystemActor, "created", map[string]any{"due_at": row.DueAt, "unit_id": row.UnitID, "role": row.Role}); err != nil {
			return err
		}
		return s.audit(ctx, tx, domain.SystemActor, "task.create", "task", row.ID, row.UnitPath, nil, auditOf(row))
	})
	return out.domain(), created, err
}

func (s *Store) taskEvent(ctx context.Context, tx *gorm.DB, taskID, actor, typ string, detail any) error {
	return translate(tx.WithContext(ctx).Create(&taskEventRow{TaskID: taskID, At: s.Now(), Actor: actor, Type: typ, Detail: jsonText(detail)}).Error, "task event")
}

// visibleTasks restricts q (on tasks t) to tasks the caller may view.
func visibleTasks(q *gorm.DB, p domain.Principal) *gorm.DB {
	if p.Admin {
		return q
	}
	conds := []string{"t.assignee = ?", "t.owner = ?"}
	args := []any{p.Username, p.Username}
	for _, path := range p.ScopePaths() {
		conds = append(conds, `t.unit_path LIKE ? ESCAPE '\'`)
		args = append(args, escapeLike(path)+"%")
	}
	return q.Where("("+strings.Join(conds, " OR ")+")", args...)
}

// actionableTasks restricts q (on tasks t) to tasks the caller may act on: theirs, or
// unassigned in a unit where they hold the task's role.
func actionableTasks(q *gorm.DB, p domain.Principal) *gorm.DB {
	conds := []string{"t.assignee = ?"}
	args := []any{p.Username}
	var pairs []string
	for _, m := range p.Memberships {
		pairs = append(pairs, "(t.unit_id = ? AND t.role = ?)")
		args = append(args, m.UnitID, string(m.Role))
	}
	if len(pairs) > 0 {
		conds = append(conds, "(t.assignee IS NULL AND ("+strings.Join(pairs, " OR ")+"))")
	}
	return q.Where("("+strings.Join(conds, " OR ")+")", args...)
}

// GetTask returns a task the caller may view; others are ENOTFOUND.
func (s *Store) GetTask(ctx context.Context, p domain.Principal, id string) (domain.Task, error) {
	var r taskRow
	q := visibleTasks(s.db.WithContext(ctx).Table("tasks t").Where("t.id = ?", id), p)
	if err := q.Take(&r).Error; err != nil {
		return domain.Task{}, translate(err, "task")
	}
	return r.domain(), nil
}

// TaskByID returns any task; for the engine's own use (activities), never for API reads.
func (s *Store) TaskByID(ctx context.Context, id string) (domain.Task, error) {
	var r taskRow
	if err := s.db.WithContext(ctx).Where("id = ?", id).Take(&r).Error; err != nil {
		return domain.Task{}, translate(err, "task")
	}
	return r.domain(), nil
}

// TaskByKey returns the task a workflow step created (key = workflow ID + step).
func (s *Store) TaskByKey(ctx context.Context, key string) (domain.Task, error) {
	var r taskRow
	if err := s.db.WithContext(ctx).Where("key = ?", key).Take(&r).Error; err != nil {
		return domain.Task{}, translate(err, "task")
	}
	return r.domain(), nil
}

// TaskFilter narrows a task list. By default the list holds the active tasks the caller may act on.
type TaskFilter struct {
	Visible    bool                // all tasks the caller may view instead of those they may act on
	Statuses   []domain.TaskStatus // default open and claimed
	Kind       string
	AssigneeMe bool
	UnitPath   string // subtree
	Subject    string
	WorkflowID string
	DueBefore  *time.Time
	Overdue    bool
	Page       Page
}

// ListTasks lists tasks by due date, then creation.
func (s *Store) ListTasks(ctx context.Context, p domain.Principal, f TaskFilter) ([]domain.Task, string, error) {
	q := s.db.WithContext(ctx).Table("tasks t")
	if f.Visible {
		q = visibleTasks(q, p)
	} else {
		q = actionableTasks(q, p)
	}
	statuses := f.Statuses
	if len(statuses) == 0 {
		statuses = []domain.TaskStatus{domain.TaskOpen, domain.TaskClaimed}
	}
	q = q.Where("t.status IN ?", statuses)
	if f.Kind != "" {
		q = q.Where("t.kind = ?", f.Kind)
	}
	if f.AssigneeMe {
		q = q.Where("t.assignee = ?", p.Username)
	}
	if f.UnitPath != "" {
		q = q.Where(`t.unit_path LIKE ? ESCAPE '\'`, escapeLike(f.UnitPath)+"%")
	}
	if f.Subject != "" {
		q = q.Where("t.subject = ?", f.Subject)
	}
	if f.WorkflowID != "" {
		q = q.Where("t.workflow_id = ?", f.WorkflowID)
	}
	if f.DueBefore != nil {
		q = q.Where("t.due_at < ?", f.DueBefore.UTC())
	}
	if f.Overdue {
		q = q.Where("t.due_at < ? AND t.status IN ?", s.Now(), []string{"open", "claimed"})
	}
	if f.Page.Cursor != "" {
		c, err := decodeCursor(f.Page.Cursor)
		if err != nil {
			return nil, "", err
		}
		due, id, ok := strings.Cut(c, "|")
		at, perr := time.Parse(time.RFC3339Nano, due)
		if !ok || perr != nil {
			return nil, "", domain.Invalid("bad cursor", domain.FieldError{Field: "cursor", Reason: "not a cursor from a previous page"})
		}
		q = q.Where("(t.due_at > ? OR (t.due_at = ? AND t.id > ?))", at, at, id)
	}
	rows, err := scanTasks(q.Select(taskColumns).Order("t.due_at, t.id").Limit(f.Page.limit() + 1))
	if err != nil {
		return nil, "", err
	}
	rows, next := nextCursor(rows, f.Page, func(r taskRow) string {
		return r.DueAt.UTC().Format(time.RFC3339Nano) + "|" + r.ID
	})
	out := make([]domain.Task, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, next, nil
}

// changeTask loads a task the caller may view, lets decide check it and say the new state,
// then writes that state only if nobody changed the task meanwhile (else ECONFLICT), with a
// history event and an audit record.
func (s *Store) changeTask(ctx context.Context, p domain.Principal, id, action string, detail any,
	decide func(t domain.Task, next *taskRow) error) (domain.Task, error) {
	var out taskRow
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var cur taskRow
		if err := visibleTasks(tx.Table("tasks t").Where("t.id = ?", id), p).Take(&cur).Error; err != nil {
			return translate(err, "task")
		}
		next := cur
		if err := decide(cur.domain(), &next); err != nil {
			return err
		}
		next.UpdatedAt = s.Now()
		q := tx.Model(&taskRow{}).Where("id = ? AND status = ? AND delegation = ?", cur.ID, cur.Status, cur.Delegation)
		if cur.Assignee == nil {
			q = q.Where("assignee IS NULL")
		} else {
			q = q.Where("assignee = ?", *cur.Assignee)
		}
		res := q.Updates(map[string]any{
			"status": next.Status, "assignee": next.Assignee, "owner": next.Owner, "delegation": next.Delegation,
			"updated_at": next.UpdatedAt,
		})
		if res.Error != nil {
			return translate(res.Error, "task")
		}
		if res.RowsAffected == 0 {
			return domain.Errorf(domain.ECONFLICT, "the task changed meanwhile; reload it and try again")
		}
		out = next
		if err := s.taskEvent(ctx, tx, cur.ID, p.Username, action, detail); err != nil {
			return err
		}
		return s.audit(ctx, tx, p.Username, "task."+action, "task", cur.ID, cur.UnitPath, auditOf(cur), auditOf(next))
	})
	return out.domain(), err
}

func refuseClosed(t domain.Task) error {
	if !t.Status.Active() {
		return domain.Errorf(domain.ECONFLICT, "the task is %s", t.Status)
	}
	return nil
}

// ClaimTask gives an open, unassigned task to the caller, who must hold its role in its unit.
// Of concurrent claims exactly one wins; the others get ECONFLICT.
func (s *Store) ClaimTask(ctx context.Context, p domain.Principal, id string) (domain.Task, error) {
	return s.changeTask(ctx, p, id, "claimed", nil, func(t domain.Task, next *taskRow) error {
		if err := refuseClosed(t); err != nil {
			return err
		}
		if t.Assignee != nil {
			if *t.Assignee == p.Username {
				return domain.Errorf(domain.ECONFLICT, "you have already claimed this task")
			}
			return domain.Errorf(domain.ECONFLICT, "the task is claimed by %s", *t.Assignee)
		}
		if !p.HoldsRoleIn(t.Role, t.UnitID) {
			return domain.Errorf(domain.EFORBIDDEN, "claiming this task needs the %s role in its unit", t.Role)
		}
		next.Assignee, next.Status = &p.Username, string(domain.TaskClaimed)
		return nil
	})
}

// UnclaimTask returns a claimed task to its unit's pool (its assignee, or an officer over it).
func (s *Store) UnclaimTask(ctx context.Context, p domain.Principal, id string) (domain.Task, error) {
	return s.changeTask(ctx, p, id, "unclaimed", nil, func(t domain.Task, next *taskRow) error {
		if err := refuseClosed(t); err != nil {
			return err
		}
		if t.Assignee == nil {
			return domain.Errorf(domain.ECONFLICT, "the task is not claimed")
		}
		if !t.IsAssignee(p.Username) && !p.CanManage(t) {
			return domain.Errorf(domain.EFORBIDDEN, "only the assignee or an officer over the unit may unclaim it")
		}
		if t.Delegation == "pending" {
			return domain.Errorf(domain.ECONFLICT, "the task is delegated; resolve the delegation first")
		}
		next.Assignee, next.Status = nil, string(domain.TaskOpen)
		return nil
	})
}

// AssignTask gives a task to a user who may view it; officers over the unit (and admins) do this.
func (s *Store) AssignTask(ctx context.Context, p domain.Principal, id, username string) (domain.Task, error) {
	target, err := s.principalOf(ctx, username)
	if err != nil {
		return domain.Task{}, err
	}
	return s.changeTask(ctx, p, id, "assigned", map[string]string{"assignee": username}, func(t domain.Task, next *taskRow) error {
		if err := refuseClosed(t); err != nil {
			return err
		}
		if !p.CanManage(t) {
			return domain.Errorf(domain.EFORBIDDEN, "only an officer over the task's unit may assign it")
		}
		if !target.Views(t.UnitPath) {
			return domain.Invalid("the assignee cannot see this task", domain.FieldError{Field: "assignee", Reason: "not a member of the task's unit or above"})
		}
		next.Assignee, next.Status, next.Owner, next.Delegation = &target.Username, string(domain.TaskClaimed), nil, ""
		return nil
	})
}

// DelegateTask hands the caller's task to another user for a while; the delegate resolves it
// back (ResolveTask) and the owner completes it.
func (s *Store) DelegateTask(ctx context.Context, p domain.Principal, id, username string) (domain.Task, error) {
	target, err := s.principalOf(ctx, username)
	if err != nil {
		return domain.Task{}, err
	}
	return s.changeTask(ctx, p, id, "delegated", map[string]string{"delegate": username}, func(t domain.Task, next *taskRow) error {
		if err := refuseClosed(t); err != nil {
			return err
		}
		if !t.IsAssignee(p.Username) || t.Delegation == "pending" {
			return domain.Errorf(domain.EFORBIDDEN, "only the task's assignee may delegate it")
		}
		if username == p.Username {
			return domain.Invalid("cannot delegate to yourself", domain.FieldError{Field: "assignee", Reason: "is you"})
		}
		if !target.Views(t.UnitPath) {
			return domain.Invalid("the delegate cannot see this task", domain.FieldError{Field: "assignee", Reason: "not a member of the task's unit or above"})
		}
		next.Owner, next.Assignee, next.Delegation = &p.Username, &target.Username, "pending"
		return nil
	})
}

// ResolveTask ends a delegation: the delegate hands the task back to its owner.
func (s *Store) ResolveTask(ctx context.Context, p domain.Principal, id string) (domain.Task, error) {
	return s.changeTask(ctx, p, id, "resolved", nil, func(t domain.Task, next *taskRow) error {
		if err := refuseClosed(t); err != nil {
			return err
		}
		if t.Delegation != "pending" || !t.IsAssignee(p.Username) {
			return domain.Errorf(domain.ECONFLICT, "the task is not delegated to you")
		}
		next.Assignee, next.Owner, next.Delegation = t.Owner, nil, "resolved"
		return nil
	})
}

// principalOf loads an enabled user's memberships, to check what they may see.
func (s *Store) principalOf(ctx context.Context, username string) (domain.Principal, error) {
	var row userRow
	if err := s.db.WithContext(ctx).Where("username = ? AND disabled_at IS NULL", username).Take(&row).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return domain.Principal{}, domain.Invalid("no such user", domain.FieldError{Field: "assignee", Reason: "no enabled user of that name"})
		}
		return domain.Principal{}, translate(err, "user")
	}
	ms, err := s.memberships(ctx, s.db, []string{row.ID})
	if err != nil {
		return domain.Principal{}, err
	}
	return domain.Principal{UserID: row.ID, Username: row.Username, Admin: row.IsAdmin, Memberships: ms[row.ID]}, nil
}

// CompleteTask records a task's result. The owning workflow calls it (through an activity)
// once it has accepted the result; calling it again returns the completed task unchanged.
func (s *Store) CompleteTask(ctx context.Context, id, actor string, result json.RawMessage) (domain.Task, error) {
	var out taskRow
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var cur taskRow
		if err := tx.Where("id = ?", id).Take(&cur).Error; err != nil {
			return translate(err, "task")
		}
		switch domain.TaskStatus(cur.Status) {
		case domain.TaskCompleted:
			out = cur
			return nil
		case domain.TaskCancelled:
			return domain.Errorf(domain.ECONFLICT, "the task was cancelled")
		}
		now := s.Now()
		res := string(result)
		res2 := tx.Model(&taskRow{}).Where("id = ? AND status IN ?", id, []string{"open", "claimed"}).Updates(map[string]any{
			"status": string(domain.TaskCompleted), "result": res, "completed_by": actor, "completed_at": now,
			"updated_at": now, "delegation": "", "owner": nil,
		})
		if res2.Error != nil {
			return translate(res2.Error, "task")
		}
		if err := tx.Where("id = ?", id).Take(&out).Error; err != nil {
			return translate(err, "task")
		}
		if err := s.taskEvent(ctx, tx, id, actor, "completed", json.RawMessage(res)); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "task.complete", "task", id, cur.UnitPath, auditOf(cur), auditOf(out))
	})
	return out.domain(), err
}

// CancelTasks cancels every active task a workflow owns; it returns how many.
func (s *Store) CancelTasks(ctx context.Context, workflowID, reason string) (int, error) {
	var ids []string
	if err := s.db.WithContext(ctx).Model(&taskRow{}).Where("workflow_id = ? AND status IN ?", workflowID, []string{"open", "claimed"}).
		Pluck("id", &ids).Error; err != nil {
		return 0, translate(err, "tasks")
	}
	for _, id := range ids {
		if err := s.CancelTask(ctx, id, reason); err != nil {
			return 0, err
		}
	}
	return len(ids), nil
}

// CancelTask cancels one active task (a no-op on a closed one).
func (s *Store) CancelTask(ctx context.Context, id, reason string) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var cur taskRow
		if err := tx.Where("id = ?", id).Take(&cur).Error; err != nil {
			return translate(err, "task")
		}
		if !domain.TaskStatus(cur.Status).Active() {
			return nil
		}
		res := tx.Model(&taskRow{}).Where("id = ? AND status IN ?", id, []string{"open", "claimed"}).
			Updates(map[string]any{"status": string(domain.TaskCancelled), "updated_at": s.Now()})
		if res.Error != nil || res.RowsAffected == 0 {
			return translate(res.Error, "task")
		}
		if err := s.taskEvent(ctx, tx, id, domain.SystemActor, "cancelled", map[string]string{"reason": reason}); err != nil {
			return err
		}
		next := cur
		next.Status = string(domain.TaskCancelled)
		return s.audit(ctx, tx, domain.SystemActor, "task.cancel", "task", id, cur.UnitPath, auditOf(cur), auditOf(next))
	})
}

// MarkTaskReminded records that a reminder went out.
func (s *Store) MarkTaskReminded(ctx context.Context, id string, recipients []string) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Model(&taskRow{}).Where("id = ?", id).Updates(map[string]any{"reminded_at": s.Now()}).Error; err != nil {
			return translate(err, "task")
		}
		return s.taskEvent(ctx, tx, id, domain.SystemActor, "reminded", map[string]any{"recipients": recipients})
	})
}

// RecordEscalation notes on an overdue task and on its escalation task that one names the other.
func (s *Store) RecordEscalation(ctx context.Context, overdueID, escalationID, unitID string) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Model(&taskRow{}).Where("id = ?", overdueID).Updates(map[string]any{"escalated_at": s.Now()}).Error; err != nil {
			return translate(err, "task")
		}
		if err := s.taskEvent(ctx, tx, overdueID, domain.SystemActor, "escalated", map[string]string{"escalation_task_id": escalationID, "to_unit_id": unitID}); err != nil {
			return err
		}
		return s.taskEvent(ctx, tx, escalationID, domain.SystemActor, "escalated", map[string]string{"overdue_task_id": overdueID})
	})
}

// ExtendTaskDeadline moves an active task's due date (and reminder) later.
func (s *Store) ExtendTaskDeadline(ctx context.Context, id string, dueAt time.Time, provisional bool, remindAt *time.Time, actor, reason string) (domain.Task, error) {
	var out taskRow
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var cur taskRow
		if err := tx.Where("id = ?", id).Take(&cur).Error; err != nil {
			return translate(err, "task")
		}
		if !domain.TaskStatus(cur.Status).Active() {
			return domain.Errorf(domain.ECONFLICT, "the task is %s", cur.Status)
		}
		if err := tx.Model(&taskRow{}).Where("id = ?", id).Updates(map[string]any{
			"due_at": dueAt.UTC(), "due_provisional": provisional, "remind_at": remindAt, "reminded_at": nil,
			"escalated_at": nil, "updated_at": s.Now(),
		}).Error; err != nil {
			return translate(err, "task")
		}
		if err := tx.Where("id = ?", id).Take(&out).Error; err != nil {
			return translate(err, "task")
		}
		detail := map[string]any{"from": cur.DueAt.UTC(), "to": dueAt.UTC(), "reason": reason}
		if err := s.taskEvent(ctx, tx, id, actor, "deadline_extended", detail); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "task.extend_deadline", "task", id, cur.UnitPath,
			map[string]any{"due_at": cur.DueAt.UTC()}, map[string]any{"due_at": dueAt.UTC(), "reason": reason})
	})
	return out.domain(), err
}

// TaskHistory returns a task's events, oldest first.
func (s *Store) TaskHistory(ctx context.Context, taskID string) ([]domain.TaskEvent, error) {
	var rows []taskEventRow
	if err := s.db.WithContext(ctx).Where("task_id = ?", taskID).Order("id").Find(&rows).Error; err != nil {
		return nil, translate(err, "task events")
	}
	out := make([]domain.TaskEvent, len(rows))
	for i, r := range rows {
		out[i] = domain.TaskEvent{ID: r.ID, TaskID: r.TaskID, At: r.At, Actor: r.Actor, Type: r.Type, Detail: r.Detail}
	}
	return out, nil
}

type commentRow struct {
	ID        string `gorm:"primaryKey"`
	TaskID    string
	Author    string
	Body      string
	CreatedAt time.Time
}

func (commentRow) TableName() string { return "task_comments" }

// AddComment adds a remark to a task the caller may view.
func (s *Store) AddComment(ctx context.Context, p domain.Principal, taskID, body string) (domain.TaskComment, error) {
	if err := domain.ValidateComment(body); err != nil {
		return domain.TaskComment{}, err
	}
	t, err := s.GetTask(ctx, p, taskID)
	if err != nil {
		return domain.TaskComment{}, err
	}
	row := commentRow{ID: newID(), TaskID: t.ID, Author: p.Username, Body: strings.TrimSpace(body), CreatedAt: s.Now()}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&row).Error; err != nil {
			return translate(err, "comment")
		}
		if err := s.taskEvent(ctx, tx, t.ID, p.Username, "commented", map[string]string{"comment_id": row.ID}); err != nil {
			return err
		}
		return s.audit(ctx, tx, p.Username, "task.comment", "task", t.ID, t.UnitPath, nil, map[string]string{"comment_id": row.ID, "body": row.Body})
	})
	return domain.TaskComment{ID: row.ID, TaskID: row.TaskID, Author: row.Author, Body: row.Body, CreatedAt: row.CreatedAt}, err
}

// TaskComments returns a task's comments, oldest first.
func (s *Store) TaskComments(ctx context.Context, taskID string) ([]domain.TaskComment, error) {
	var rows []commentRow
	if err := s.db.WithContext(ctx).Where("task_id = ?", taskID).Order("id").Find(&rows).Error; err != nil {
		return nil, translate(err, "comments")
	}
	out := make([]domain.TaskComment, len(rows))
	for i, r := range rows {
		out[i] = domain.TaskComment{ID: r.ID, TaskID: r.TaskID, Author: r.Author, Body: r.Body, CreatedAt: r.CreatedAt}
	}
	return out, nil
}

// UsersWithRole lists the enabled users holding role in exactly the unit.
func (s *Store) UsersWithRole(ctx context.Context, unitID string, role domain.Role) ([]string, error) {
	var names []string
	err := s.db.WithContext(ctx).Table("memberships m").Joins("JOIN users u ON u.id = m.user_id").
		Where("m.unit_id = ? AND m.role = ? AND u.disabled_at IS NULL", unitID, string(role)).
		Order("u.username").Pluck("u.username", &names).Error
	return names, translate(err, "users")
}

// ParentUnit returns a unit's parent, or the unit itself for a root.
func (s *Store) ParentUnit(ctx context.Context, unitID string) (domain.Unit, error) {
	var u unitRow
	if err := s.db.WithContext(ctx).Where("id = ?", unitID).Take(&u).Error; err != nil {
		return domain.Unit{}, translate(err, "unit")
	}
	if u.ParentID == nil {
		return u.domain(), nil
	}
	var parent unitRow
	if err := s.db.WithContext(ctx).Where("id = ?", *u.ParentID).Take(&parent).Error; err != nil {
		return domain.Unit{}, translate(err, "unit")
	}
	return parent.domain(), nil
}

// taskColumns are the columns scanTasks reads, in its order.
const taskColumns = `t.id, t.key, t.kind, t.subject, t.title, t.workflow_id, t.unit_id, t.unit_path, t.role, t.assignee,
	t.owner, t.delegation, t.status, t.priority, t.due_at, t.due_provisional, t.remind_at, t.reminded_at, t.escalated_at,
	t.escalates_task_id, t.result, t.completed_by, t.created_at, t.updated_at, t.completed_at`

// scanTasks runs q (selecting taskColumns) and scans the rows by hand: the inbox is the
// hottest read, and reflection-based scanning cost a tenth of its CPU.
func scanTasks(q *gorm.DB) ([]taskRow, error) {
	rs, err := q.Rows()
	if err != nil {
		return nil, translate(err, "tasks")
	}
	defer rs.Close()
	var out []taskRow
	for rs.Next() {
		var r taskRow
		if err := rs.Scan(&r.ID, &r.Key, &r.Kind, &r.Subject, &r.Title, &r.WorkflowID, &r.UnitID, &r.UnitPath, &r.Role,
			&r.Assignee, &r.Owner, &r.Delegation, &r.Status, &r.Priority, &r.DueAt, &r.DueProvisional, &r.RemindAt,
			&r.RemindedAt, &r.EscalatedAt, &r.EscalatesTaskID, &r.Result, &r.CompletedBy, &r.CreatedAt, &r.UpdatedAt,
			&r.CompletedAt); err != nil {
			return nil, translate(err, "tasks")
		}
		out = append(out, r)
	}
	return out, translate(rs.Err(), "tasks")
}
