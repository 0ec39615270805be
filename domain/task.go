package domain

import (
	"encoding/json"
	"strings"
	"time"
)

// TaskStatus is where a human task stands.
type TaskStatus string

const (
	TaskOpen      TaskStatus = "open"      // waiting for someone of the unit and role to claim it
	TaskClaimed   TaskStatus = "claimed"   // a person has it
	TaskCompleted TaskStatus = "completed" // done; the owning workflow took the result
	TaskCancelled TaskStatus = "cancelled" // the owning process no longer needs it
)

// Active reports whether the task still waits for someone.
func (s TaskStatus) Active() bool { return s == TaskOpen || s == TaskClaimed }

// Task is a step a person performs, owned by a workflow that knows what happens next.
type Task struct {
	ID              string
	Key             string // workflow ID + step; creation is idempotent on it
	Kind            string // e.g. "census.verify"
	Subject         string // what it is about, e.g. an organization's credit code
	SubjectType     SubjectType
	Context         TaskContext // why it was asked, what was returned or refused, what is under review
	Title           string
	WorkflowID      string
	UnitID          string
	UnitPath        string
	Role            Role
	Assignee        *string
	Owner           *string // while delegated, the assignee who delegated
	Delegation      string  // a Delegation: "", "pending", "resolved"
	Status          TaskStatus
	Priority        int
	DueAt           time.Time
	DueProvisional  bool
	RemindAt        *time.Time
	RemindedAt      *time.Time
	EscalatedAt     *time.Time
	EscalatesTaskID *string
	Result          json.RawMessage
	CompletedBy     *string
	CreatedAt       time.Time
	UpdatedAt       time.Time
	CompletedAt     *time.Time
}

// TaskKindEscalation is the kind of the task that tells a superior unit's officers that a task
// of theirs is overdue.
const TaskKindEscalation = "escalation"

// IsAssignee reports whether username holds the task.
func (t Task) IsAssignee(username string) bool { return t.Assignee != nil && *t.Assignee == username }

// CanView: a member views the tasks of their subtree; an assignee or delegating owner views theirs.
func (p Principal) CanView(t Task) bool {
	return p.Views(t.UnitPath) || t.IsAssignee(p.Username) || (t.Owner != nil && *t.Owner == p.Username)
}

// CanAct: the assignee acts on a task; when unassigned, whoever holds the task's role in the
// task's unit.
func (p Principal) CanAct(t Task) bool {
	if t.Assignee != nil {
		return *t.Assignee == p.Username
	}
	return p.HoldsRoleIn(t.Role, t.UnitID)
}

// CanManage: an officer over the task's unit (or an admin) assigns and reassigns it.
func (p Principal) CanManage(t Task) bool {
	return p.Admin || p.HoldsRoleOver(RoleOfficer, t.UnitPath)
}

// TaskEvent is one line of a task's history.
type TaskEvent struct {
	ID     int64
	TaskID string
	At     time.Time
	Actor  string
	Type   string // created, claimed, unclaimed, assigned, delegated, resolved, reminded, escalated, deadline_extended, completed, cancelled, commented, attached
	Detail string // JSON
}

// TaskComment is a remark on a task.
type TaskComment struct {
	ID        string
	TaskID    string
	Author    string
	Body      string
	CreatedAt time.Time
}

// Attachment is evidence attached to a task; the content lives in the blob store.
type Attachment struct {
	ID          string
	TaskID      string
	Filename    string
	ContentType string
	Size        int64
	SHA256      string
	BlobKey     string
	UploadedBy  string
	CreatedAt   time.Time
}

// ValidateComment checks a comment body.
func ValidateComment(body string) error {
	var v Validation
	switch n := len([]rune(strings.TrimSpace(body))); {
	case n == 0:
		v.AddCode("body", CodeRequired)
	case n > MaxCommentText:
		v.AddCode("body", CodeMaxLength, MaxCommentText)
	}
	return v.Err("the comment is not valid")
}
