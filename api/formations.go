package api

import (
	"context"
	"encoding/json"
	"html/template"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
	"go.temporal.io/sdk/client"

	"tandem/calendar"
	"tandem/domain"
	"tandem/store"
	"tandem/workflows"
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
}

func formationFrom(f store.Formation) formationResponse {
	orgs := f.Organizations
	if orgs == nil {
		orgs = []string{}
	}
	return formationResponse{ID: f.ID, WorkflowID: f.WorkflowID, Kind: string(f.Kind), Organization: f.LeadUSCC, Organizations: orgs,
		UnitID: f.UnitID, Status: f.Status, Step: f.Step, PartyOrgID: f.PartyOrgID, StartedBy: f.StartedBy, Origin: f.Origin,
		CreatedAt: f.CreatedAt, UpdatedAt: f.UpdatedAt}
}

// startFormation records a formation and starts its workflow: an officer or secretary over
// the organization's township or park (or an admin) starts it.
func (s *Server) startFormation(c *gin.Context) {
	var req formationRequest
	if !bindJSON(c, &req) {
		return
	}
	orgs := req.Organizations
	if req.Organization != "" {
		if len(orgs) > 0 {
			fail(c, domain.Invalid("give organization or organizations, not both", domain.FieldError{Field: "organizations", Reason: "with organization"}))
			return
		}
		orgs = []string{req.Organization}
	}
	for i := range orgs {
		orgs[i] = domain.NormalizeUSCC(orgs[i])
	}
	ctx := c.Request.Context()
	p := principal(c)
	f, err := s.Store.StartFormation(ctx, p, store.FormationStart{Kind: domain.PartyOrgKind(req.Kind), Organizations: orgs,
		WorkflowID: workflows.FormationWorkflowID})
	if err != nil {
		fail(c, err)
		return
	}
	if err := s.launchFormation(c, f); err != nil {
		fail(c, err)
		return
	}
	c.Header("Location", "/api/v1/formations/"+f.ID)
	c.JSON(http.StatusAccepted, gin.H{"id": f.ID, "workflow_id": f.WorkflowID})
}

// launchFormation starts the workflow of a recorded formation; if Temporal refuses, the
// formation is marked failed so that its organizations are free again.
func (s *Server) launchFormation(c *gin.Context, f store.Formation) error {
	ctx := c.Request.Context()
	parent, err := s.Store.ParentUnit(ctx, f.UnitID)
	if err == nil {
		_, err = s.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
			ID: f.WorkflowID, TaskQueue: workflows.TaskQueue, TypedSearchAttributes: temporalSearch(f.UnitID, f.LeadUSCC),
		}, workflows.FormationWorkflowName, workflows.FormationInput{FormationID: f.ID, Kind: f.Kind, Organizations: f.Organizations,
			UnitID: f.UnitID, ParentUnitID: parent.ID})
	}
	if err != nil {
		_ = s.Store.EndFormation(ctx, f.ID, "failed", principal(c).Username, "the workflow could not start")
		return domain.Errorf(domain.EUNAVAILABLE, "could not start the formation workflow")
	}
	return nil
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
		Visible: true, WorkflowID: f.WorkflowID, Page: store.Page{Limit: 200},
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
			CompletedBy: t.CompletedBy, CompletedAt: t.CompletedAt}
	}
	c.JSON(http.StatusOK, out)
}

// cancelFormation stops a running formation: an officer over its unit, or an admin.
func (s *Server) cancelFormation(c *gin.Context) {
	ctx := c.Request.Context()
	p := principal(c)
	f, err := s.Store.GetFormation(ctx, p, c.Param("id"))
	if err != nil {
		fail(c, err)
		return
	}
	if !p.Admin && !p.HoldsRoleOver(domain.RoleOfficer, f.UnitPath) {
		fail(c, domain.Errorf(domain.EFORBIDDEN, "only an officer over the formation's unit may cancel it"))
		return
	}
	if f.Status != "running" {
		fail(c, domain.Errorf(domain.ECONFLICT, "the formation is %s", f.Status))
		return
	}
	if err := s.Temporal.CancelWorkflow(ctx, f.WorkflowID, ""); err != nil {
		fail(c, domain.Errorf(domain.EUNAVAILABLE, "could not cancel the formation workflow"))
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
		Status: po.Status, Committee: po.Committee, Officers: json.RawMessage(po.Officers), Organizations: po.Organizations,
		TermYears: po.TermYears, TermStartedAt: po.TermStartedAt, TermDueAt: po.TermDueAt, EndsOn: po.EndsOn, FormationID: po.FormationID,
		UpgradePrompt: po.UpgradePrompt, DissolvedAt: po.DissolvedAt, DissolutionReason: po.DissolutionReason})
}

type memberResponse struct {
	Name       string  `json:"name"`
	Status     string  `json:"status"`
	HomeOrg    string  `json:"home_org"`
	JoinedOn   string  `json:"joined_on"`
	PartyOrgID *string `json:"party_org_id"`
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
		out[i] = memberResponse{Name: m.Name, Status: m.Status, HomeOrg: m.HomeOrg, JoinedOn: m.JoinedOn, PartyOrgID: m.PartyOrgID}
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
			fail(c, domain.Errorf(domain.ENOTFOUND, "this transfer was within Tandem and needs no letter"))
			return
		}
		c.Header("Content-Type", "text/html; charset=utf-8")
		c.Status(http.StatusOK)
		_ = letterPage.Execute(c.Writer, map[string]string{"From": t.FromOrg, "Name": t.Name, "To": po.Name,
			"Date": t.TransferredAt.In(calendar.Shanghai).Format("2006年1月2日")})
		return
	}
	fail(c, domain.Errorf(domain.ENOTFOUND, "transfer not found"))
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
	ctx := c.Request.Context()
	p := principal(c)
	po, source, ok := s.partyOrgRequest(c, &req.Reason, req.Decided, "dissolution", true)
	if !ok {
		return
	}
	if err := s.signalPartyOrg(ctx, po, workflows.SignalDissolve,
		workflows.DissolveRequest{Key: signalKey(c), Source: source, Actor: p.Username, Reason: req.Reason}); err != nil {
		fail(c, domain.Errorf(domain.EUNAVAILABLE, "could not reach the party organization's workflow"))
		return
	}
	c.JSON(http.StatusAccepted, gin.H{"id": po.ID, "source": source})
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
	ctx := c.Request.Context()
	p := principal(c)
	po, err := s.Store.GetPartyOrg(ctx, p, c.Param("id"))
	if err != nil {
		fail(c, err)
		return
	}
	if !p.Admin && !p.HoldsRoleOver(domain.RoleSecretary, po.UnitPath) && !p.HoldsRoleOver(domain.RoleOfficer, po.UnitPath) {
		fail(c, domain.Errorf(domain.EFORBIDDEN, "requesting a re-election date needs the secretary or officer role over the party organization"))
		return
	}
	var v domain.Validation
	due, perr := time.ParseInLocation(time.DateOnly, req.DueOn, calendar.Shanghai)
	switch {
	case perr != nil:
		v.Add("due_on", "a date YYYY-MM-DD")
	case po.TermDueAt == nil || po.Status != "active" || !po.Kind.Elected():
		fail(c, domain.Errorf(domain.ECONFLICT, "the party organization has no term to move"))
		return
	case due.Before(po.TermDueAt.AddDate(-1, 0, 0)) || due.After(po.TermDueAt.AddDate(1, 0, 0)):
		v.Add("due_on", "rule 换届: early or late re-election moves the date by at most one year from "+
			po.TermDueAt.In(calendar.Shanghai).Format(time.DateOnly))
	}
	if n := len([]rune(strings.TrimSpace(req.Reason))); n == 0 || n > 500 {
		v.Add("reason", "required, at most 500 characters")
	}
	if err := v.Err("the request is not valid"); err != nil {
		fail(c, err)
		return
	}
	if err := s.signalPartyOrg(ctx, po, workflows.SignalReschedule,
		workflows.RescheduleRequest{Key: signalKey(c), Actor: p.Username, Reason: strings.TrimSpace(req.Reason), DueAt: due}); err != nil {
		fail(c, domain.Errorf(domain.EUNAVAILABLE, "could not reach the party organization's workflow"))
		return
	}
	c.JSON(http.StatusAccepted, gin.H{"id": po.ID})
}

// signalPartyOrg signals a party organization's workflow, starting it from the record when it
// is not running (the formation hands over to it a moment after the record turns active).
func (s *Server) signalPartyOrg(ctx context.Context, po store.PartyOrg, signal string, arg any) error {
	ms, err := s.Store.PartyOrgMembers(ctx, po.ID)
	if err != nil {
		return err
	}
	formal := 0
	for _, m := range ms {
		if m.Status == "formal" {
			formal++
		}
	}
	lead := ""
	if f, err := s.Store.FormationByID(ctx, po.FormationID); err == nil && len(f.Organizations) > 0 {
		lead = f.LeadUSCC
	}
	_, err = s.Temporal.SignalWithStartWorkflow(ctx, workflows.PartyOrgWorkflowID(po.ID), signal, arg, client.StartWorkflowOptions{
		ID: workflows.PartyOrgWorkflowID(po.ID), TaskQueue: workflows.TaskQueue, TypedSearchAttributes: temporalSearch(po.UnitID, lead),
	}, workflows.PartyOrgWorkflowName, workflows.PartyOrgInput{PartyOrgID: po.ID, Kind: po.Kind, Lead: lead, UnitID: po.UnitID,
		Committee: po.Committee, FormalMembers: formal, TermDueAt: po.TermDueAt, EndsOn: po.EndsOn})
	return err
}

// signalKey makes a resent request (the same Idempotency-Key) a no-op in the workflow.
func signalKey(c *gin.Context) string {
	if key := c.GetHeader("Idempotency-Key"); key != "" {
		return "api/" + principal(c).Username + "/" + key
	}
	return "api/" + uuid.NewString()
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
	ctx := c.Request.Context()
	p := principal(c)
	po, source, ok := s.partyOrgRequest(c, &req.Reason, req.Decided, "adjustment", false)
	if !ok {
		return
	}
	upper := func(in []string) []string {
		for i := range in {
			in[i] = strings.ToUpper(strings.TrimSpace(in[i]))
		}
		return in
	}
	change := store.PartyOrgChange{Kind: domain.PartyOrgKind(req.Kind), Add: upper(req.Add), Remove: upper(req.Remove)}
	if err := s.Store.CheckAdjustment(ctx, p, po.ID, change); err != nil {
		fail(c, err)
		return
	}
	if err := s.signalPartyOrg(ctx, po, workflows.SignalAdjust,
		workflows.AdjustRequest{Key: signalKey(c), Source: source, Actor: p.Username, Reason: req.Reason,
			Change: workflows.PartyOrgChange{Kind: change.Kind, Add: change.Add, Remove: change.Remove}}); err != nil {
		fail(c, domain.Errorf(domain.EUNAVAILABLE, "could not reach the party organization's workflow"))
		return
	}
	c.JSON(http.StatusAccepted, gin.H{"id": po.ID, "source": source})
}

// partyOrgRequest does what a dissolution and an adjustment request share: it finds the party
// organization the caller views, requires a reason (trimmed in place), and says who asks: the
// superior when an officer over it decides, else the organization (its secretary or an
// officer). With active, a party organization that is not active is a conflict. On failure it
// has answered and ok is false.
func (s *Server) partyOrgRequest(c *gin.Context, reason *string, decided bool, what string, active bool) (po store.PartyOrg, source string, ok bool) {
	p := principal(c)
	po, err := s.Store.GetPartyOrg(c.Request.Context(), p, c.Param("id"))
	if err != nil {
		fail(c, err)
		return po, "", false
	}
	*reason = strings.TrimSpace(*reason)
	if n := len([]rune(*reason)); n == 0 || n > 500 {
		fail(c, domain.Invalid("the request is not valid", domain.FieldError{Field: "reason", Reason: "required, at most 500 characters"}))
		return po, "", false
	}
	switch {
	case active && po.Status != "active":
		fail(c, domain.Errorf(domain.ECONFLICT, "the party organization is %s", po.Status))
	case decided && (p.Admin || p.HoldsRoleOver(domain.RoleOfficer, po.UnitPath)):
		return po, "superior", true
	case decided:
		fail(c, domain.Errorf(domain.EFORBIDDEN, "only an officer over the party organization may decide its %s", what))
	case !p.Admin && !p.HoldsRoleOver(domain.RoleSecretary, po.UnitPath) && !p.HoldsRoleOver(domain.RoleOfficer, po.UnitPath):
		article := "a "
		if strings.HasPrefix(what, "a") {
			article = "an "
		}
		fail(c, domain.Errorf(domain.EFORBIDDEN, "requesting %s%s needs the secretary or officer role over the party organization", article, what))
	default:
		return po, "organization", true
	}
	return po, "", false
}
