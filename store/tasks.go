package store

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
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
	SubjectType     string
	Context         string // domain.TaskContext as JSON
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
	NotBy           string // ",alice,bob,": see notByColumn
	Candidates      string // the same form; task_candidates indexes it
	AboutTaskID     *string
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
		NotBy: notByNames(r.NotBy), Candidates: notByNames(r.Candidates), AboutTaskID: r.AboutTaskID,
	}
	if r.Result != nil {
		t.Result = json.RawMessage(*r.Result)
	}
	t.SubjectType = domain.SubjectType(r.SubjectType)
	if r.Context != "" {
		_ = json.Unmarshal([]byte(r.Context), &t.Context) // written by CreateTask from the same type
	}
	return t
}

// notByColumn stores a task's NotBy as ",alice,bob," (usernames hold no commas), so that a
// query excludes a name with NOT LIKE '%,name,%'.
func notByColumn(names []string) string {
	var b strings.Builder
	for _, n := range names {
		if n = strings.TrimSpace(n); n != "" {
			b.WriteString("," + n)
		}
	}
	if b.Len() == 0 {
		return ""
	}
	return b.String() + ","
}

func notByNames(col string) []string {
	var out []string
	for n := range strings.SplitSeq(strings.Trim(col, ","), ",") {
		if n != "" {
			out = append(out, n)
		}
	}
	return out
}

// notExcluded is the SQL condition that username is not in t.not_by.
func notExcluded(username string) (string, any) {
	return `t.not_by NOT LIKE ? ESCAPE '\'`, "%," + escapeLike(username) + ",%"
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
	SubjectType     domain.SubjectType
	Context         domain.TaskContext
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
	NotBy           []string // may not take it though their role would let them (four eyes)
	Candidates      []string // may act on it beside the role's holders (NotBy wins)
	AboutTaskID     string   // an engine task: the task it decides about
}

// CreateTask creates the task for key, or returns the one that exists (created=false), so a
// retried activity never makes a second task.
func (s *Store) CreateTask(ctx context.Context, in NewTask) (domain.Task, bool, error) {
	return s.createTask(ctx, s.db.WithContext(ctx), in)
}

// createTask is CreateTask within db (a transaction of the caller's, or the store's handle).
func (s *Store) createTask(ctx context.Context, db *gorm.DB, in NewTask) (domain.Task, bool, error) {
	var out taskRow
	created := false
	err := db.Transaction(func(tx *gorm.DB) error {
		var unit unitRow
		if err := tx.Where("id = ?", in.UnitID).Take(&unit).Error; err != nil {
			return translate(err, "unit of the task")
		}
		now := s.Now()
		if !in.SubjectType.Valid() {
			return domain.Errorf(domain.EINVALID, "未知的事项类型 %q", in.SubjectType)
		}
		row := taskRow{
			ID: newID(), Key: in.Key, Kind: in.Kind, Subject: in.Subject, SubjectType: string(in.SubjectType),
			Context: jsonText(in.Context), Title: in.Title, WorkflowID: in.WorkflowID,
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
		if in.AboutTaskID != "" {
			row.AboutTaskID = &in.AboutTaskID
		}
		row.NotBy, row.Candidates = notByColumn(in.NotBy), notByColumn(in.Candidates)
		res := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "key"}}, DoNothing: true}).Create(&row)
		if res.Error != nil {
			return translate(res.Error, "task")
		}
		if res.RowsAffected == 0 {
			return translate(tx.Where("key = ?", in.Key).Take(&out).Error, "task")
		}
		created, out = true, row
		if err := indexCandidates(tx, row.ID, notByNames(row.Candidates)); err != nil {
			return err
		}
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

// taskCandidate is a row of task_candidates: the index of tasks.candidates by username.
type taskCandidate struct {
	Username string `gorm:"primaryKey"`
	TaskID   string `gorm:"primaryKey"`
}

func (taskCandidate) TableName() string { return "task_candidates" }

// indexCandidates writes a new task's candidates into task_candidates.
func indexCandidates(tx *gorm.DB, taskID string, names []string) error {
	if len(names) == 0 {
		return nil
	}
	rows := make([]taskCandidate, len(names))
	for i, n := range names {
		rows[i] = taskCandidate{Username: n, TaskID: taskID}
	}
	return translate(tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&rows).Error, "task candidates")
}

// candidateOf is the SQL condition that username is one of t's candidates. On PostgreSQL the
// task IDs are an array computed once (an InitPlan), so the condition is a probe of the
// primary key that a BitmapOr combines with the inbox's other indexes; a plain IN (subquery)
// inside an OR would be a filter on every row.
func (s *Store) candidateOf(username string) (string, any) {
	if s.dialect == Postgres {
		return "t.id = ANY(ARRAY(SELECT c.task_id FROM task_candidates c WHERE c.username = ?))", username
	}
	return "t.id IN (SELECT c.task_id FROM task_candidates c WHERE c.username = ?)", username
}

// visibleTasks restricts q (on tasks t) to tasks the caller may view.
func (s *Store) visibleTasks(q *gorm.DB, p domain.Principal) *gorm.DB {
	if p.Admin {
		return q
	}
	cand, candArg := s.candidateOf(p.Username)
	conds := []string{"t.assignee = ?", "t.owner = ?", cand}
	args := []any{p.Username, p.Username, candArg}
	for _, path := range p.ScopePaths() {
		conds = append(conds, `t.unit_path LIKE ? ESCAPE '\'`)
		args = append(args, escapeLike(path)+"%")
	}
	return q.Where("("+strings.Join(conds, " OR ")+")", args...)
}

// actionableTasks restricts q (on tasks t) to tasks the caller may act on: theirs, those
// naming them a candidate, or unassigned in a unit where they hold the task's role; never one
// that names them in NotBy (domain.Principal.CanAct).
func (s *Store) actionableTasks(q *gorm.DB, p domain.Principal) *gorm.DB {
	cand, candArg := s.candidateOf(p.Username)
	conds := []string{"t.assignee = ?", cand}
	args := []any{p.Username, candArg}
	cond, arg := notExcluded(p.Username)
	q = q.Where(cond, arg)
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
	q := s.visibleTasks(s.db.WithContext(ctx).Table("tasks t").Where("t.id = ?", id), p)
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
	DueBefore  *time.Time // due_at < DueBefore
	DueAfter   *time.Time // due_at >= DueAfter
	Overdue    bool
	Sort       TaskSort // "" is SortDue
	// OverdueFirst puts active tasks past their due time before the others whatever the sort
	// (the inbox's default; with SortDue ascending it changes nothing).
	OverdueFirst bool
	Page         Page
}

// TaskSort orders a task list; a leading "-" sorts descending. Ties go by task ID.
type TaskSort string

// The task list's orders.
const (
	SortDue          TaskSort = "due"
	SortDueDesc      TaskSort = "-due"
	SortPriority     TaskSort = "priority"
	SortPriorityDesc TaskSort = "-priority"
	SortCreated      TaskSort = "created"
	SortCreatedDesc  TaskSort = "-created"
)

// Valid reports whether s is one of domain.TaskSorts or "".
func (s TaskSort) Valid() bool { return s == "" || slices.Contains(domain.TaskSorts, string(s)) }

// filterTasks applies f's conditions but its page (and, for counts, the dimension skipped) to
// q on tasks t.
func (s *Store) filterTasks(q *gorm.DB, p domain.Principal, f TaskFilter, skip taskDimension) *gorm.DB {
	if f.Visible {
		q = s.visibleTasks(q, p)
	} else {
		q = s.actionableTasks(q, p)
	}
	if skip != dimStatus {
		statuses := f.Statuses
		if len(statuses) == 0 {
			statuses = []domain.TaskStatus{domain.TaskOpen, domain.TaskClaimed}
		}
		q = q.Where("t.status IN ?", statuses)
	}
	if f.Kind != "" && skip != dimKind {
		q = q.Where("t.kind = ?", f.Kind)
	}
	if f.AssigneeMe {
		q = q.Where("t.assignee = ?", p.Username)
	}
	if f.UnitPath != "" && skip != dimUnit {
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
	if f.DueAfter != nil {
		q = q.Where("t.due_at >= ?", f.DueAfter.UTC())
	}
	if f.Overdue {
		q = q.Where("t.due_at < ? AND t.status IN ?", s.Now(), activeStatuses)
	}
	return q
}

var activeStatuses = []string{string(domain.TaskOpen), string(domain.TaskClaimed)}

// taskDimension names a filter that a count per value leaves out (its own).
type taskDimension int

const (
	dimNone taskDimension = iota
	dimKind
	dimStatus
	dimUnit
)

// ListTasks lists tasks in f.Sort's order (by due date by default), keyset-paged.
func (s *Store) ListTasks(ctx context.Context, p domain.Principal, f TaskFilter) ([]domain.Task, string, error) {
	if !f.Sort.Valid() {
		return nil, "", domain.Invalid("排序方式不正确", domain.FieldFailed("sort", domain.CodeNotAllowed, taskSortList()))
	}
	q := s.filterTasks(s.db.WithContext(ctx).Table("tasks t"), p, f, dimNone)
	keys := s.taskOrder(f)
	if f.Page.Cursor != "" {
		c, err := decodeCursor(f.Page.Cursor)
		if err != nil {
			return nil, "", err
		}
		cond, args, ok := keysetAfter(keys, c)
		if !ok {
			return nil, "", domain.Invalid("分页游标不正确", domain.FieldFailed("cursor", domain.CodeBadCursor))
		}
		q = q.Where(cond, args...)
	}
	order := make([]string, len(keys))
	for i, k := range keys {
		order[i] = k.expr
		if k.desc {
			order[i] += " DESC"
		}
	}
	if len(keys) > 0 && keys[0].args != nil {
		q = q.Clauses(clause.OrderBy{Expression: clause.Expr{SQL: strings.Join(order, ", "), Vars: keys[0].args}})
	} else {
		q = q.Order(strings.Join(order, ", "))
	}
	rows, err := scanTaskPage(q.Select(taskColumns).Limit(f.Page.limit()+1), f.Page.limit()+1)
	if err != nil {
		return nil, "", err
	}
	now := s.Now()
	rows, next := nextCursor(rows, f.Page, func(r taskRow) string { return cursorOf(keys, r, now) })
	out := make([]domain.Task, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, next, nil
}

func taskSortList() string { return strings.Join(domain.TaskSorts, "、") }

// orderKey is one key of a task list's order: a column (or the overdue expression, whose
// arguments args carries) and its direction.
type orderKey struct {
	expr  string
	args  []any
	desc  bool
	value func(r taskRow, now time.Time) string // the row's key as the cursor writes it
	parse func(string) (any, bool)
}

// taskOrder is f's order: [overdue first,] the sort's column, then the ID in the same direction.
// The default (due ascending) is the keys the inbox's indexes serve: t.due_at, t.id.
func (s *Store) taskOrder(f TaskFilter) []orderKey {
	var keys []orderKey
	sort := f.Sort
	if sort == "" {
		sort = SortDue
	}
	desc := strings.HasPrefix(string(sort), "-")
	if f.OverdueFirst && sort != SortDue {
		now := s.Now()
		keys = append(keys, orderKey{
			expr: "CASE WHEN t.due_at < ? AND t.status IN ('open', 'claimed') THEN 0 ELSE 1 END", args: []any{now},
			value: func(r taskRow, now time.Time) string {
				if domain.TaskStatus(r.Status).Active() && r.DueAt.Before(now) {
					return "0"
				}
				return "1"
			},
			parse: parseInt,
		})
	}
	switch strings.TrimPrefix(string(sort), "-") {
	case "due":
		keys = append(keys, orderKey{expr: "t.due_at", desc: desc, value: func(r taskRow, _ time.Time) string { return r.DueAt.UTC().Format(time.RFC3339Nano) }, parse: parseTime})
	case "priority":
		keys = append(keys, orderKey{expr: "t.priority", desc: desc, value: func(r taskRow, _ time.Time) string { return strconv.Itoa(r.Priority) }, parse: parseInt})
	case "created":
		keys = append(keys, orderKey{expr: "t.created_at", desc: desc, value: func(r taskRow, _ time.Time) string { return r.CreatedAt.UTC().Format(time.RFC3339Nano) }, parse: parseTime})
	}
	return append(keys, orderKey{expr: "t.id", desc: desc, value: func(r taskRow, _ time.Time) string { return r.ID }, parse: func(s string) (any, bool) { return s, true }})
}

func parseTime(s string) (any, bool) {
	t, err := time.Parse(time.RFC3339Nano, s)
	return t, err == nil
}

func parseInt(s string) (any, bool) {
	n, err := strconv.Atoi(s)
	return n, err == nil
}

// cursorOf writes a row's keys as "k1|k2|…" (no key holds a "|": times, integers, IDs).
func cursorOf(keys []orderKey, r taskRow, now time.Time) string {
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k.value(r, now)
	}
	return strings.Join(parts, "|")
}

// keysetAfter is the condition "after the row whose keys the cursor c holds" in keys' order:
// (k1 > v1) OR (k1 = v1 AND k2 > v2) OR …, with < for a descending key.
func keysetAfter(keys []orderKey, c string) (string, []any, bool) {
	parts := strings.Split(c, "|")
	if len(parts) != len(keys) {
		return "", nil, false
	}
	vals := make([]any, len(keys))
	for i, k := range keys {
		v, ok := k.parse(parts[i])
		if !ok {
			return "", nil, false
		}
		vals[i] = v
	}
	var ors []string
	var args []any
	for i, k := range keys {
		var ands []string
		for j := range i {
			ands = append(ands, keys[j].expr+" = ?")
			args = append(args, keys[j].args...)
			args = append(args, vals[j])
		}
		op := " > ?"
		if k.desc {
			op = " < ?"
		}
		ands = append(ands, k.expr+op)
		args = append(args, k.args...)
		args = append(args, vals[i])
		ors = append(ors, "("+strings.Join(ands, " AND ")+")")
	}
	return "(" + strings.Join(ors, " OR ") + ")", args, true
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

// taskColumns are the columns scanTaskPage reads, in its order.
const taskColumns = `t.id, t.key, t.kind, t.subject, t.title, t.workflow_id, t.unit_id, t.unit_path, t.role, t.assignee,
	t.owner, t.delegation, t.status, t.priority, t.due_at, t.due_provisional, t.remind_at, t.reminded_at, t.escalated_at,
	t.escalates_task_id, t.result, t.completed_by, t.created_at, t.updated_at, t.completed_at, t.not_by, t.about_task_id,
	t.subject_type, t.context, t.candidates`

// scanTaskPage runs q (selecting taskColumns) and scans the rows by hand (the inbox is the
// hottest read, and reflection-based scanning cost a tenth of its CPU); n is the page size the
// query expects, whose room is allocated once (0: unknown).
func scanTaskPage(q *gorm.DB, n int) ([]taskRow, error) {
	rs, err := q.Rows()
	if err != nil {
		return nil, translate(err, "tasks")
	}
	defer rs.Close()
	var out []taskRow
	if n > 0 {
		out = make([]taskRow, 0, n)
	}
	for rs.Next() {
		var r taskRow
		if err := rs.Scan(&r.ID, &r.Key, &r.Kind, &r.Subject, &r.Title, &r.WorkflowID, &r.UnitID, &r.UnitPath, &r.Role,
			&r.Assignee, &r.Owner, &r.Delegation, &r.Status, &r.Priority, &r.DueAt, &r.DueProvisional, &r.RemindAt,
			&r.RemindedAt, &r.EscalatedAt, &r.EscalatesTaskID, &r.Result, &r.CompletedBy, &r.CreatedAt, &r.UpdatedAt,
			&r.CompletedAt, &r.NotBy, &r.AboutTaskID, &r.SubjectType, &r.Context, &r.Candidates); err != nil {
			return nil, translate(err, "tasks")
		}
		out = append(out, r)
	}
	return out, translate(rs.Err(), "tasks")
}
