package domain

import (
	"encoding/json"
	"slices"
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

// Label is the task status's Chinese word, as the UI shows it.
func (s TaskStatus) Label() string {
	return map[TaskStatus]string{TaskOpen: "待认领", TaskClaimed: "办理中", TaskCompleted: "已完成", TaskCancelled: "已取消"}[s]
}

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

	// NotBy names people who may not claim, be given or complete the task though their role
	// would let them: the officer who scored an assessment does not review it (four eyes).
	NotBy []string
	// Candidates names people the process lets act on the task beside the holders of its role
	// in its unit (the target's team members on a visit or a verification); NotBy wins.
	Candidates []string
	// AboutTaskID: an engine task (TaskKindAssignment, TaskKindExtension) decides about it.
	AboutTaskID *string
}

// TaskKindEscalation is the kind of the task that tells a superior unit's officers that a task
// of theirs is overdue.
const TaskKindEscalation = "escalation"

// Engine tasks are decided by Tandem itself, not by the owning workflow: completing one is not
// a Workflow Update but an operation on the task it is about (AboutTaskID).
const (
	// TaskKindAssignment asks the officers of the unit above to give a task of a unit where
	// nobody holds its role to someone (#17 §3).
	TaskKindAssignment = "task.assignment"
	// TaskKindExtension asks the approver to decide a requested deadline extension (#17 §5).
	TaskKindExtension = "task.extension"
)

// EngineTask reports whether a kind is decided by Tandem rather than by its workflow.
func EngineTask(kind string) bool { return kind == TaskKindAssignment || kind == TaskKindExtension }

// Excludes reports whether username is one of those who may not take the task (NotBy).
func (t Task) Excludes(username string) bool { return slices.Contains(t.NotBy, username) }

// IsCandidate reports whether username is one of the task's Candidates.
func (t Task) IsCandidate(username string) bool { return slices.Contains(t.Candidates, username) }

// IsAssignee reports whether username holds the task.
func (t Task) IsAssignee(username string) bool { return t.Assignee != nil && *t.Assignee == username }

// CanView: a member views the tasks of their subtree; an assignee or delegating owner views theirs.
func (p Principal) CanView(t Task) bool {
	return p.Views(t.UnitPath) || t.IsAssignee(p.Username) || (t.Owner != nil && *t.Owner == p.Username) ||
		t.IsCandidate(p.Username)
}

// CanAct: the assignee acts on a task; when unassigned, whoever holds the task's role in the
// task's unit. Its Candidates act on it whoever holds it (the visit task is the leader's and
// open to the target's team members). Nobody named in NotBy acts on it, on any path (claim, assignment, delegation,
// completion, the inbox).
func (p Principal) CanAct(t Task) bool {
	if t.Excludes(p.Username) {
		return false
	}
	if t.IsCandidate(p.Username) { // the task is open to them whoever holds it (a team's task)
		return true
	}
	if t.Assignee != nil {
		return *t.Assignee == p.Username
	}
	return p.HoldsRoleIn(t.Role, t.UnitID) || t.IsCandidate(p.Username)
}

// CanTake: whoever may claim an unassigned task (its role in its unit or a candidate, not
// named in NotBy).
func (p Principal) CanTake(t Task) bool {
	return !t.Excludes(p.Username) && (p.HoldsRoleIn(t.Role, t.UnitID) || t.IsCandidate(p.Username))
}

// NotYours is the refusal a person named in the task's NotBy gets, on every path.
func NotYours(t Task, username string) error {
	if t.Kind == "rectification.verify" {
		return Errorf(EFORBIDDEN, "整改单位的人员不能验收销号本单位的整改事项：%s 属于整改单位（%s）", username, t.Title)
	}
	return Errorf(EFORBIDDEN, "四眼原则：%s 办理了“%s”所审核的上一步，不能再办理该任务", username, t.Title)
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
	Type   string // created, claimed, unclaimed, assigned, delegated, resolved, reminded, escalated, deadline_extended, completed, cancelled, commented, attached, candidates
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
	return v.Err("评论不正确")
}
