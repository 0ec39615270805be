package api

import (
	"encoding/json"
	"html/template"
	"net/http"
	"sort"
	"time"

	"github.com/gin-gonic/gin"

	"tandem/app"
	"tandem/domain"
	"tandem/store"
)

type formationRequest struct {
	Organization  string   `json:"organization,omitempty"`
	Organizations []string `json:"organizations,omitempty"`
	Kind          string   `json:"kind"`
}

type stepResponse struct {
	TaskID      string     `json:"task_id"`
	Kind        string     `json:"kind"`
	Title       string     `json:"title"`
	Status      string     `json:"status"`
	UnitID      string     `json:"unit_id"`
	Role        string     `json:"role"`
	Assignee    *string    `json:"assignee"`
	DueAt       time.Time  `json:"due_at"`
	Overdue     bool       `json:"overdue"`
	CompletedBy *string    `json:"completed_by,omitempty"`
	CompletedAt *time.Time `json:"completed_at,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`

	StatusLabel string `json:"status_label"` // the task's status in Chinese
	Stage       string `json:"stage"`        // the timeline stage the step belongs to (timeline[].stage)
}

type formationResponse struct {
	ID            string         `json:"id"`
	WorkflowID    string         `json:"workflow_id"`
	Kind          string         `json:"kind"`
	Organization  string         `json:"organization"`
	Organizations []string       `json:"organizations"`
	UnitID        string         `json:"unit_id"`
	Status        string         `json:"status"`
	Step          string         `json:"step"`
	PartyOrgID    *string        `json:"party_org_id"`
	StartedBy     string         `json:"started_by"`
	Origin        string         `json:"origin"`
	CreatedAt     time.Time      `json:"created_at"`
	UpdatedAt     time.Time      `json:"updated_at"`
	Steps         []stepResponse `json:"steps,omitempty"`
	// Timeline: the stages in order with their state and dates (GET /formations/{id} only).
	Timeline []timelineStage `json:"timeline,omitempty"`

	StatusLabel string `json:"status_label"` // the status in Chinese: 组建中, 已成立, 已撤回, 未成立
	KindLabel   string `json:"kind_label"`   // the kind of party organization in Chinese
}

func formationFrom(f store.Formation) formationResponse {
	orgs := f.Organizations
	if orgs == nil {
		orgs = []string{}
	}
	return formationResponse{ID: f.ID, WorkflowID: f.WorkflowID, Kind: string(f.Kind), Organization: f.LeadUSCC, Organizations: orgs,
		UnitID: f.UnitID, Status: f.Status, Step: f.Step, PartyOrgID: f.PartyOrgID, StartedBy: f.StartedBy, Origin: f.Origin,
		CreatedAt: f.CreatedAt, UpdatedAt: f.UpdatedAt, StatusLabel: domain.FormationStatus(f.Status).Label(), KindLabel: f.Kind.Label()}
}

// startFormation records a formation and starts its workflow: an officer or secretary over
// the organization's township or park (or an admin) starts it.
func (s *Server) startFormation(c *gin.Context) {
	var req formationRequest
	if !bindJSON(c, &req) {
		return
	}
	f, err := s.App.Formations.Start(c.Request.Context(), principal(c),
		app.StartFormation{Organization: req.Organization, Organizations: req.Organizations, Kind: req.Kind})
	if err != nil {
		fail(c, err)
		return
	}
	c.Header("Location", "/api/v1/formations/"+f.ID)
	c.JSON(http.StatusAccepted, gin.H{"id": f.ID, "workflow_id": f.WorkflowID})
}

func (s *Server) listFormations(c *gin.Context) {
	page, err := pageFrom(c)
	if err != nil {
		fail(c, err)
		return
	}
	rows, next, err := s.Store.ListFormations(c.Request.Context(), principal(c), domain.NormalizeUSCC(c.Query("organization")), page)
	if err != nil {
		fail(c, err)
		return
	}
	out := make([]formationResponse, len(rows))
	for i, f := range rows {
		out[i] = formationFrom(f)
	}
	c.JSON(http.StatusOK, list(out, next))
}

// getFormation shows a formation with its steps: every task of its workflow, who holds it and
// its deadline, in the order they were created.
func (s *Server) getFormation(c *gin.Context) {
	ctx := c.Request.Context()
	f, err := s.Store.GetFormation(ctx, principal(c), c.Param("id"))
	if err != nil {
		fail(c, err)
		return
	}
	tasks, _, err := s.Store.ListTasks(ctx, domain.Principal{Admin: true}, store.TaskFilter{
		Visible: true, WorkflowID: f.WorkflowID, Page: store.Page{Limit: domain.MaxPageSize},
		Statuses: []domain.TaskStatus{domain.TaskOpen, domain.TaskClaimed, domain.TaskCompleted, domain.TaskCancelled},
	})
	if err != nil {
		fail(c, err)
		return
	}
	sort.SliceStable(tasks, func(i, j int) bool { return tasks[i].CreatedAt.Before(tasks[j].CreatedAt) })
	out := formationFrom(f)
	now := s.now()
	out.Steps = make([]stepResponse, len(tasks))
	for i, t := range tasks {
		out.Steps[i] = stepResponse{TaskID: t.ID, Kind: t.Kind, Title: t.Title, Status: string(t.Status), UnitID: t.UnitID,
			Role: string(t.Role), Assignee: t.Assignee, DueAt: t.DueAt, Overdue: t.Status.Active() && now.After(t.DueAt),
			CompletedBy: t.CompletedBy, CompletedAt: t.CompletedAt, CreatedAt: t.CreatedAt,
			StatusLabel: t.Status.Label(), Stage: stageOf(t.Kind)}
	}
	out.Timeline = timelineOf(f, tasks)
	c.JSON(http.StatusOK, out)
}

// cancelFormation stops a running formation: an officer over its unit, or an admin.
func (s *Server) cancelFormation(c *gin.Context) {
	f, err := s.App.Formations.Cancel(c.Request.Context(), principal(c), c.Param("id"))
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusAccepted, gin.H{"id": f.ID, "status": "cancelling"})
}

type partyOrgResponse struct {
	ID                string          `json:"id"`
	Kind              string          `json:"kind"`
	KindLabel         string          `json:"kind_label"`
	Name              string          `json:"name"`
	UnitID            string          `json:"unit_id"`
	Status            string          `json:"status"`
	StatusLabel       string          `json:"status_label"` // the status in Chinese: 组建中, 正常, 已撤销
	Committee         bool            `json:"committee"`
	Officers          json.RawMessage `json:"officers"`
	Organizations     []string        `json:"organizations"`
	TermYears         int             `json:"term_years"`
	TermStartedAt     *time.Time      `json:"term_started_at"`
	TermDueAt         *time.Time      `json:"term_due_at"`
	EndsOn            string          `json:"ends_on,omitempty"`
	FormationID       string          `json:"formation_id"`
	UpgradePrompt     string          `json:"upgrade_prompt,omitempty"`
	DissolvedAt       *time.Time      `json:"dissolved_at,omitempty"`
	DissolutionReason string          `json:"dissolution_reason,omitempty"`
}

func (s *Server) getPartyOrg(c *gin.Context) {
	po, err := s.Store.GetPartyOrg(c.Request.Context(), principal(c), c.Param("id"))
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, partyOrgResponse{ID: po.ID, Kind: string(po.Kind), KindLabel: po.Kind.Label(), Name: po.Name, UnitID: po.UnitID,
		Status: po.Status, StatusLabel: domain.PartyOrgStatus(po.Status).Label(), Committee: po.Committee, Officers: json.RawMessage(po.Officers), Organizations: po.Organizations,
		TermYears: po.TermYears, TermStartedAt: po.TermStartedAt, TermDueAt: po.TermDueAt, EndsOn: po.EndsOn, FormationID: po.FormationID,
		UpgradePrompt: po.UpgradePrompt, DissolvedAt: po.DissolvedAt, DissolutionReason: po.DissolutionReason})
}

type memberResponse struct {
	Name        string  `json:"name"`
	Status      string  `json:"status"`
	StatusLabel string  `json:"status_label"` // 正式党员 or 预备党员
	HomeOrg     string  `json:"home_org"`
	JoinedOn    string  `json:"joined_on"`
	PartyOrgID  *string `json:"party_org_id"`
}

// listMembers shows an organization's member register to those who view the organization.
func (s *Server) listMembers(c *gin.Context) {
	rows, err := s.Store.PartyMembers(c.Request.Context(), principal(c), usccParam(c))
	if err != nil {
		fail(c, err)
		return
	}
	out := make([]memberResponse, len(rows))
	for i, m := range rows {
		out[i] = memberResponse{Name: m.Name, Status: m.Status, StatusLabel: domain.MemberStatus(m.Status).Label(), HomeOrg: m.HomeOrg, JoinedOn: m.JoinedOn, PartyOrgID: m.PartyOrgID}
	}
	c.JSON(http.StatusOK, list(out, ""))
}

type transferResponse struct {
	ID            string    `json:"id"`
	Name          string    `json:"name"`
	Organization  string    `json:"organization"`
	FromOrg       string    `json:"from_org"`
	NeedsLetter   bool      `json:"needs_letter"`
	TransferredAt time.Time `json:"transferred_at"`
}

func (s *Server) listTransfers(c *gin.Context) {
	rows, err := s.Store.MemberTransfers(c.Request.Context(), principal(c), c.Param("id"))
	if err != nil {
		fail(c, err)
		return
	}
	out := make([]transferResponse, len(rows))
	for i, t := range rows {
		out[i] = transferResponse{ID: t.ID, Name: t.Name, Organization: t.USCC, FromOrg: t.FromOrg, NeedsLetter: t.NeedsLetter, TransferredAt: t.TransferredAt}
	}
	c.JSON(http.StatusOK, list(out, ""))
}

var letterPage = template.Must(template.New("letter").Parse(`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>党员组织关系介绍信</title>
<style>body{font-family:serif;max-width:40em;margin:3em auto;line-height:2}h1{text-align:center}@media print{button{display:none}}</style></head>
<body><h1>中国共产党党员组织关系介绍信</h1>
<p>{{.From}}：</p>
<p>{{.Name}}同志，系中共正式（预备）党员，组织关系由你处转至{{.To}}。请予办理转接手续。</p>
<p style="text-align:right">{{.To}}（筹）<br>{{.Date}}</p>
<button onclick="print()">打印</button></body></html>`))

// transferLetter prints the transfer letter for a member whose home organization is elsewhere.
func (s *Server) transferLetter(c *gin.Context) {
	ctx := c.Request.Context()
	p := principal(c)
	po, err := s.Store.GetPartyOrg(ctx, p, c.Param("id"))
	if err != nil {
		fail(c, err)
		return
	}
	rows, err := s.Store.MemberTransfers(ctx, p, po.ID)
	if err != nil {
		fail(c, err)
		return
	}
	for _, t := range rows {
		if t.ID != c.Param("transfer") {
			continue
		}
		if !t.NeedsLetter {
			fail(c, domain.Errorf(domain.ENOTFOUND, "该转接在本系统内完成，无需介绍信"))
			return
		}
		c.Header("Content-Type", "text/html; charset=utf-8")
		c.Status(http.StatusOK)
		_ = letterPage.Execute(c.Writer, map[string]string{"From": t.FromOrg, "Name": t.Name, "To": po.Name,
			"Date": docDate(t.TransferredAt)})
		return
	}
	fail(c, domain.Errorf(domain.ENOTFOUND, "转接记录不存在或无权查看"))
}

type dissolutionRequest struct {
	Reason  string `json:"reason" text:"2000,multiline"`
	Decided bool   `json:"decided,omitempty"` // the superior decides (no approval step)
}

// requestDissolution asks to dissolve a party organization: its secretary requests (the
// superior's officer approves through a task), or an officer over it decides.
func (s *Server) requestDissolution(c *gin.Context) {
	var req dissolutionRequest
	if !bindJSON(c, &req) {
		return
	}
	acc, err := s.App.PartyOrgs.Dissolve(c.Request.Context(), principal(c),
		app.Dissolution{PartyOrgRequest: partyOrgRequest(c, req.Reason, req.Decided)})
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusAccepted, gin.H{"id": acc.PartyOrg.ID, "source": acc.Source})
}

type rescheduleRequest struct {
	DueOn  string `json:"due_on"`
	Reason string `json:"reason" text:"2000,multiline"`
}

// requestReschedule asks for an early or late re-election, moved by at most one year; the
// superior's officer approves it through a task.
func (s *Server) requestReschedule(c *gin.Context) {
	var req rescheduleRequest
	if !bindJSON(c, &req) {
		return
	}
	po, err := s.App.PartyOrgs.Reschedule(c.Request.Context(), principal(c),
		app.Reschedule{PartyOrgRequest: partyOrgRequest(c, req.Reason, false), DueOn: req.DueOn})
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusAccepted, gin.H{"id": po.ID})
}

// partyOrgRequest is what every change request to a party organization names.
func partyOrgRequest(c *gin.Context, reason string, decided bool) app.PartyOrgRequest {
	return app.PartyOrgRequest{PartyOrgID: c.Param("id"), Reason: reason, Decided: decided, IdempotencyKey: c.GetHeader("Idempotency-Key")}
}

type adjustmentRequestBody struct {
	Kind    string   `json:"kind,omitempty"`
	Add     []string `json:"add,omitempty"`
	Remove  []string `json:"remove,omitempty"`
	Reason  string   `json:"reason" text:"2000,multiline"`
	Decided bool     `json:"decided,omitempty"`
}

// requestAdjustment asks to adjust a party organization (another kind, organizations joining or
// leaving): its secretary requests (an officer approves through a task), or an officer over it
// decides. The change is checked now, and again when it is applied.
func (s *Server) requestAdjustment(c *gin.Context) {
	var req adjustmentRequestBody
	if !bindJSON(c, &req) {
		return
	}
	acc, err := s.App.PartyOrgs.Adjust(c.Request.Context(), principal(c), app.Adjustment{
		PartyOrgRequest: partyOrgRequest(c, req.Reason, req.Decided), Kind: req.Kind, Add: req.Add, Remove: req.Remove})
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusAccepted, gin.H{"id": acc.PartyOrg.ID, "source": acc.Source})
}
