package api

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"tandem/app"
	"tandem/domain"
	"tandem/forms"
	"tandem/store"
)

type formResponse struct {
	Kind   string          `json:"kind"`
	Title  string          `json:"title"`
	Schema json.RawMessage `json:"schema"`
}

type taskResponse struct {
	taskFields
	Form *formResponse `json:"form"`
}

// taskFields are a task's fields but its form (which writeTaskList splices in pre-encoded).
type taskFields struct {
	ID              string          `json:"id"`
	Kind            string          `json:"kind"`
	Status          string          `json:"status"`
	StatusLabel     string          `json:"status_label"` // 待认领, 办理中, 已完成, 已取消
	Assignee        *string         `json:"assignee"`
	Owner           *string         `json:"owner,omitempty"`
	Delegation      string          `json:"delegation,omitempty"`
	UnitID          string          `json:"unit_id"`
	Role            string          `json:"role"`
	Subject         string          `json:"subject"`
	SubjectType     string          `json:"subject_type"`
	Context         *taskContext    `json:"context,omitempty"`
	Title           string          `json:"title"`
	Priority        int             `json:"priority"`
	DueAt           time.Time       `json:"due_at"`
	DueProvisional  bool            `json:"due_provisional"`
	Overdue         bool            `json:"overdue"`
	Result          json.RawMessage `json:"result,omitempty"`
	CompletedBy     *string         `json:"completed_by,omitempty"`
	EscalatesTaskID *string         `json:"escalates_task_id,omitempty"`
	WorkflowID      string          `json:"workflow_id"`
	CreatedAt       time.Time       `json:"created_at"`
	CompletedAt     *time.Time      `json:"completed_at,omitempty"`
	// AboutTaskID: an engine task (task.assignment, task.extension) decides about this task.
	AboutTaskID *string  `json:"about_task_id,omitempty"`
	NotBy       []string `json:"not_by,omitempty"` // may not take it (four eyes)
	// WorkingDaysLeft: working days after today up to the due day (0: due today; negative:
	// overdue by that many, at least -1); null for a closed task or where it was not computed.
	WorkingDaysLeft *int `json:"working_days_left"`
}

func taskFrom(t domain.Task, now time.Time) taskResponse {
	r := taskResponse{taskFields: taskFields{
		ID: t.ID, Kind: t.Kind, Status: string(t.Status), StatusLabel: t.Status.Label(), Assignee: t.Assignee, Owner: t.Owner, Delegation: t.Delegation,
		UnitID: t.UnitID, Role: string(t.Role), Subject: t.Subject, Title: t.Title, Priority: t.Priority,
		DueAt: t.DueAt, DueProvisional: t.DueProvisional, Overdue: t.Status.Active() && now.After(t.DueAt),
		Result: t.Result, CompletedBy: t.CompletedBy, EscalatesTaskID: t.EscalatesTaskID, WorkflowID: t.WorkflowID,
		CreatedAt: t.CreatedAt, CompletedAt: t.CompletedAt, SubjectType: string(t.SubjectType),
		AboutTaskID: t.AboutTaskID, NotBy: t.NotBy,
	}}
	if !t.Context.IsZero() {
		c := taskContext(t.Context)
		r.Context = &c
	}
	if f, ok := forms.Lookup(t.Kind); ok {
		r.Form = &formResponse{Kind: f.Kind, Title: f.Title, Schema: f.Schema}
	}
	return r
}

// listTasks is the inbox: by default the active tasks the caller may act on, overdue first.
func (s *Server) listTasks(c *gin.Context) {
	page, err := pageFrom(c)
	if err != nil {
		fail(c, err)
		return
	}
	p := principal(c)
	f, err := s.taskFilter(c, p, taskQueryFrom(c))
	if err != nil {
		fail(c, err)
		return
	}
	f.Page = page
	tasks, next, err := s.Store.ListTasks(c.Request.Context(), p, f)
	if err != nil {
		fail(c, err)
		return
	}
	cal, err := s.Calendar.Calendar(c.Request.Context())
	if err != nil {
		fail(c, err)
		return
	}
	now := s.now()
	out := make([]taskResponse, len(tasks))
	for i, t := range tasks {
		out[i] = taskFrom(t, now)
		out[i].WorkingDaysLeft = workingDaysLeft(cal, t, now)
	}
	writeTaskList(c, out, next)
}

// taskContext is what a task carries besides its subject (why, returned, refused, under
// review), as the API shows it.
type taskContext domain.TaskContext

type taskDetailResponse struct {
	taskResponse
	// About is the task's subject as it is now (organization: name, address, township,
	// registration status, formal members), read when the task is shown.
	About       *domain.SubjectCard  `json:"about,omitempty"`
	History     []taskEventResponse  `json:"history"`
	Comments    []commentResponse    `json:"comments"`
	Attachments []attachmentResponse `json:"attachments"`
}

type taskEventResponse struct {
	At     time.Time       `json:"at"`
	Actor  string          `json:"actor"`
	Type   string          `json:"type"`
	Detail json.RawMessage `json:"detail"`

	TypeLabel string `json:"type_label"` // what happened, in Chinese: 认领, 委托, 完成, …
}

type commentResponse struct {
	ID        string    `json:"id"`
	Author    string    `json:"author"`
	Body      string    `json:"body"`
	CreatedAt time.Time `json:"created_at"`
}

type attachmentResponse struct {
	ID          string    `json:"id"`
	Filename    string    `json:"filename"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256"`
	UploadedBy  string    `json:"uploaded_by"`
	CreatedAt   time.Time `json:"created_at"`
}

func attachmentFrom(a domain.Attachment) attachmentResponse {
	return attachmentResponse{ID: a.ID, Filename: a.Filename, ContentType: a.ContentType, Size: a.Size, SHA256: a.SHA256, UploadedBy: a.UploadedBy, CreatedAt: a.CreatedAt}
}

func (s *Server) getTask(c *gin.Context) {
	ctx := c.Request.Context()
	t, err := s.Store.GetTask(ctx, principal(c), c.Param("id"))
	if err != nil {
		fail(c, err)
		return
	}
	s.renderTaskDetail(c, http.StatusOK, t)
}

func (s *Server) renderTaskDetail(c *gin.Context, status int, t domain.Task) {
	ctx := c.Request.Context()
	events, err := s.Store.TaskHistory(ctx, t.ID)
	if err != nil {
		fail(c, err)
		return
	}
	comments, err := s.Store.TaskComments(ctx, t.ID)
	if err != nil {
		fail(c, err)
		return
	}
	atts, err := s.Store.TaskAttachments(ctx, t.ID)
	if err != nil {
		fail(c, err)
		return
	}
	cal, err := s.Calendar.Calendar(ctx)
	if err != nil {
		fail(c, err)
		return
	}
	now := s.now()
	out := taskDetailResponse{taskResponse: taskFrom(t, now), History: make([]taskEventResponse, len(events)),
		Comments: make([]commentResponse, len(comments)), Attachments: make([]attachmentResponse, len(atts))}
	out.WorkingDaysLeft = workingDaysLeft(cal, t, now)
	if t.SubjectType != domain.SubjectNone {
		card, err := s.Store.DescribeSubject(ctx, t.SubjectType, t.Subject)
		if err != nil {
			fail(c, err)
			return
		}
		if t.Context.Period != "" {
			card.Period = domain.PeriodLabel(t.Context.Period)
		}
		out.About = &card
	}
	for i, e := range events {
		out.History[i] = taskEventResponse{At: e.At, Actor: e.Actor, Type: e.Type, TypeLabel: domain.TaskEventLabel(e.Type), Detail: rawJSON(e.Detail)}
	}
	for i, cm := range comments {
		out.Comments[i] = commentResponse{ID: cm.ID, Author: cm.Author, Body: cm.Body, CreatedAt: cm.CreatedAt}
	}
	for i, a := range atts {
		out.Attachments[i] = attachmentFrom(a)
	}
	c.JSON(status, out)
}

func (s *Server) claimTask(c *gin.Context) {
	s.renderTaskChange(c, func(ctx context.Context, p domain.Principal, id string) (domain.Task, error) {
		return s.Store.ClaimTask(ctx, p, id)
	})
}

func (s *Server) unclaimTask(c *gin.Context) {
	s.renderTaskChange(c, func(ctx context.Context, p domain.Principal, id string) (domain.Task, error) {
		return s.Store.UnclaimTask(ctx, p, id)
	})
}

func (s *Server) resolveTask(c *gin.Context) {
	s.renderTaskChange(c, func(ctx context.Context, p domain.Principal, id string) (domain.Task, error) {
		return s.Store.ResolveTask(ctx, p, id)
	})
}

type assigneeRequest struct {
	Assignee string `json:"assignee"`
}

func (s *Server) assignTask(c *gin.Context) {
	var req assigneeRequest
	if !bindJSON(c, &req) {
		return
	}
	s.renderTaskChange(c, func(ctx context.Context, p domain.Principal, id string) (domain.Task, error) {
		return s.Store.AssignTask(ctx, p, id, req.Assignee)
	})
}

func (s *Server) delegateTask(c *gin.Context) {
	var req assigneeRequest
	if !bindJSON(c, &req) {
		return
	}
	s.renderTaskChange(c, func(ctx context.Context, p domain.Principal, id string) (domain.Task, error) {
		return s.Store.DelegateTask(ctx, p, id, req.Assignee)
	})
}

func (s *Server) renderTaskChange(c *gin.Context, change func(context.Context, domain.Principal, string) (domain.Task, error)) {
	t, err := change(c.Request.Context(), principal(c), c.Param("id"))
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, taskFrom(t, s.now()))
}

type completeRequest struct {
	Result json.RawMessage `json:"result"`
}

// completeTask sends the result to the owning workflow as an Update and answers once the
// workflow has accepted it and the task row is completed.
func (s *Server) completeTask(c *gin.Context) {
	var req completeRequest
	if !bindJSON(c, &req) {
		return
	}
	t, err := s.App.Tasks.Complete(c.Request.Context(), principal(c),
		app.CompleteTask{TaskID: c.Param("id"), Result: req.Result, IdempotencyKey: c.GetHeader("Idempotency-Key")})
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, taskFrom(t, s.now()))
}

type commentRequest struct {
	Body string `json:"body" text:"4000,multiline"`
}

func (s *Server) addComment(c *gin.Context) {
	var req commentRequest
	if !bindJSON(c, &req) {
		return
	}
	cm, err := s.Store.AddComment(c.Request.Context(), principal(c), c.Param("id"), req.Body)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, commentResponse{ID: cm.ID, Author: cm.Author, Body: cm.Body, CreatedAt: cm.CreatedAt})
}

type extensionRequest struct {
	WorkingDays int    `json:"working_days"`
	Reason      string `json:"reason" text:"2000,multiline"`
}

// extensionResponse is one deadline extension: a request and its decision.
type extensionResponse struct {
	ID             string     `json:"id"`
	TaskID         string     `json:"task_id"`
	WorkingDays    int        `json:"working_days"`
	Reason         string     `json:"reason"`
	Status         string     `json:"status"` // requested | granted | refused
	RequestedBy    string     `json:"requested_by"`
	RequestedAt    time.Time  `json:"requested_at"`
	ApproverUnitID string     `json:"approver_unit_id,omitempty"`
	ApproverRole   string     `json:"approver_role,omitempty"`
	DecisionTaskID string     `json:"decision_task_id,omitempty"` // the approver's task.extension task
	DecidedBy      string     `json:"decided_by,omitempty"`
	DecidedAt      *time.Time `json:"decided_at,omitempty"`
	DecisionReason string     `json:"decision_reason,omitempty"`
}

func extensionFrom(e store.DeadlineExtension) extensionResponse {
	r := extensionResponse{ID: e.ID, TaskID: e.TaskID, WorkingDays: e.WorkingDays, Reason: e.Reason, Status: string(e.Status),
		RequestedBy: e.RequestedBy, RequestedAt: e.RequestedAt, ApproverRole: e.ApproverRole, DecidedBy: e.DecidedBy,
		DecidedAt: e.DecidedAt, DecisionReason: e.DecisionReason}
	if e.ApproverUnitID != nil {
		r.ApproverUnitID = *e.ApproverUnitID
	}
	if e.DecisionTaskID != nil {
		r.DecisionTaskID = *e.DecisionTaskID
	}
	return r
}

// extendDeadline asks for more working days: a request when the caller could act on the task
// (the unit above decides), granted at once by an officer over the unit who cannot.
func (s *Server) extendDeadline(c *gin.Context) {
	var req extensionRequest
	if !bindJSON(c, &req) {
		return
	}
	ext, err := s.App.Tasks.ExtendDeadline(c.Request.Context(), principal(c), app.ExtendDeadline{TaskID: c.Param("id"),
		WorkingDays: req.WorkingDays, Reason: req.Reason, IdempotencyKey: c.GetHeader("Idempotency-Key")})
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusAccepted, extensionFrom(ext))
}

func (s *Server) listExtensions(c *gin.Context) {
	items, err := s.Store.ListDeadlineExtensions(c.Request.Context(), principal(c), c.Param("id"))
	if err != nil {
		fail(c, err)
		return
	}
	out := make([]extensionResponse, len(items))
	for i, e := range items {
		out[i] = extensionFrom(e)
	}
	c.JSON(http.StatusOK, list(out, ""))
}

type extensionDecisionRequest struct {
	Decision string `json:"decision"` // grant | refuse
	Reason   string `json:"reason" text:"2000,multiline"`
}

// decideExtension is the approver's grant or refusal of a requested extension.
func (s *Server) decideExtension(c *gin.Context) {
	var req extensionDecisionRequest
	if !bindJSON(c, &req) {
		return
	}
	if req.Decision != "grant" && req.Decision != "refuse" {
		fail(c, domain.Invalid("延期审批无效", domain.FieldFailed("decision", domain.CodeNotAllowed, "grant（同意）、refuse（不同意）")))
		return
	}
	ext, err := s.App.Tasks.DecideExtension(c.Request.Context(), principal(c), app.DecideExtension{TaskID: c.Param("id"),
		ExtensionID: c.Param("extension"), Grant: req.Decision == "grant", Reason: req.Reason})
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, extensionFrom(ext))
}

type delegateCandidateResponse struct {
	Username    string                   `json:"username"`
	Memberships []delegateUnitMembership `json:"memberships"`
}

type delegateUnitMembership struct {
	UnitID    string `json:"unit_id"`
	UnitName  string `json:"unit_name"`
	Role      string `json:"role"`
	RoleLabel string `json:"role_label"`
}

// listDelegates answers the task's assignee with whom they may delegate it to (the delegate
// dialog's picker): the rule is DelegateTask's.
func (s *Server) listDelegates(c *gin.Context) {
	cands, truncated, err := s.Store.DelegateCandidates(c.Request.Context(), principal(c), c.Param("id"))
	if err != nil {
		fail(c, err)
		return
	}
	out := make([]delegateCandidateResponse, len(cands))
	for i, d := range cands {
		out[i] = delegateCandidateResponse{Username: d.Username, Memberships: make([]delegateUnitMembership, len(d.Memberships))}
		for j, m := range d.Memberships {
			out[i].Memberships[j] = delegateUnitMembership{UnitID: m.UnitID, UnitName: m.UnitName, Role: string(m.Role), RoleLabel: m.Role.Label()}
		}
	}
	c.JSON(http.StatusOK, gin.H{"items": out, "truncated": truncated})
}
