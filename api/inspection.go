package api

import (
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/xuri/excelize/v2"

	"tandem/app"
	"tandem/domain"
	"tandem/roster"
	"tandem/store"
)

// inspectionRoutes: special inspection rounds 专项督查 and their rectification items (#19).
func (s *Server) inspectionRoutes(a *gin.RouterGroup) {
	a.POST("/inspection-rounds", s.draftRound)
	a.GET("/inspection-rounds", s.listInspectionRounds)
	a.GET("/inspection-rounds/:id", s.getInspectionRound)
	a.PUT("/inspection-rounds/:id", s.resubmitRound)
	a.PUT("/inspection-rounds/:id/team", s.setTeam)
	a.POST("/inspection-rounds/:id/objections", s.lodgeObjection)
	a.GET("/inspection-rounds/:id/report", s.roundReport)
	a.GET("/inspection-rounds/:id/targets/:unit/feedback", s.targetFeedback)
	a.GET("/rectifications", s.listRectifications)
	a.GET("/rectifications/:id", s.getRectification)
	a.GET("/rectification-ledger", s.rectificationLedger)
}

type inspectionRequest struct {
	SponsorUnitID string   `json:"sponsor_unit_id,omitempty"`
	Title         string   `json:"title"`
	Theme         string   `json:"theme,omitempty"`
	Targets       []string `json:"targets"`
	Methods       []string `json:"methods"`
	FieldFrom     string   `json:"field_from"`
	FieldTo       string   `json:"field_to"`
	Plan          string   `json:"plan" text:"20000,multiline"`
}

func (r inspectionRequest) draft() app.DraftRound {
	return app.DraftRound{SponsorUnitID: r.SponsorUnitID, Title: r.Title, Theme: r.Theme, Targets: r.Targets, Methods: r.Methods,
		FieldFrom: r.FieldFrom, FieldTo: r.FieldTo, Plan: r.Plan}
}

type inspectionTarget struct {
	UnitID    string     `json:"unit_id"`
	Name      string     `json:"name"`
	VisitedAt *time.Time `json:"visited_at"`
	Feedback  string     `json:"feedback,omitempty"`
}

type teamMemberResponse struct {
	Username  string   `json:"username"`
	Post      string   `json:"post"`
	PostLabel string   `json:"post_label"` // 组长, 副组长, 组员
	Targets   []string `json:"targets"`
}

type inspectionResponse struct {
	ID            string               `json:"id"`
	WorkflowID    string               `json:"workflow_id"`
	Title         string               `json:"title"`
	Theme         string               `json:"theme"`
	SponsorUnitID string               `json:"sponsor_unit_id"`
	SponsorName   string               `json:"sponsor_name"`
	Methods       []string             `json:"methods"`
	FieldFrom     string               `json:"field_from"`
	FieldTo       string               `json:"field_to"`
	Plan          string               `json:"plan,omitempty"`
	Status        string               `json:"status"`
	StatusLabel   string               `json:"status_label"` // the status in Chinese: 方案审核中, 实地督查中, 整改中, 已完成, …
	ReturnReason  string               `json:"return_reason,omitempty"`
	DraftedBy     string               `json:"drafted_by"`
	ApprovedBy    string               `json:"approved_by,omitempty"`
	Reference     string               `json:"reference,omitempty"`
	CreatedAt     time.Time            `json:"created_at"`
	UpdatedAt     time.Time            `json:"updated_at"`
	Targets       []inspectionTarget   `json:"targets,omitempty"`
	Team          []teamMemberResponse `json:"team,omitempty"`
	Findings      map[string]int       `json:"findings,omitempty"`    // by severity, and "total"
	Items         map[string]int       `json:"items,omitempty"`       // by status, and "total"
	ItemLabels    map[string]string    `json:"item_labels,omitempty"` // each status of Items in Chinese
}

func inspectionFrom(r store.InspectionRound) inspectionResponse {
	methods := r.Methods
	if methods == nil {
		methods = []string{}
	}
	out := inspectionResponse{ID: r.ID, WorkflowID: r.WorkflowID, Title: r.Title, Theme: r.Theme, SponsorUnitID: r.SponsorUnitID,
		SponsorName: r.SponsorName, Methods: methods, FieldFrom: r.FieldFrom, FieldTo: r.FieldTo, Status: string(r.Status),
		StatusLabel: r.Status.Label(), ReturnReason: r.ReturnReason, DraftedBy: r.DraftedBy, ApprovedBy: r.ApprovedBy, Reference: r.Reference,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
	for _, t := range r.Targets {
		out.Targets = append(out.Targets, inspectionTarget{UnitID: t.UnitID, Name: t.UnitName, VisitedAt: t.VisitedAt, Feedback: t.Feedback})
	}
	return out
}

// draftRound records a round and starts its workflow: an officer of the sponsoring city or
// county unit drafts it; another officer reviews the plan.
func (s *Server) draftRound(c *gin.Context) {
	var req inspectionRequest
	if !bindJSON(c, &req) {
		return
	}
	r, err := s.App.Inspections.Draft(c.Request.Context(), principal(c), req.draft())
	if err != nil {
		fail(c, err)
		return
	}
	c.Header("Location", "/api/v1/inspection-rounds/"+r.ID)
	c.JSON(http.StatusCreated, gin.H{"id": r.ID, "workflow_id": r.WorkflowID})
}

// resubmitRound replaces a returned plan with the drafter's edit and sends it for review again.
func (s *Server) resubmitRound(c *gin.Context) {
	var req inspectionRequest
	if !bindJSON(c, &req) {
		return
	}
	r, err := s.App.Inspections.Resubmit(c.Request.Context(), principal(c), c.Param("id"), req.draft(), c.GetHeader("Idempotency-Key"))
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, inspectionFrom(r))
}

func (s *Server) listInspectionRounds(c *gin.Context) {
	page, err := pageFrom(c)
	if err != nil {
		fail(c, err)
		return
	}
	rows, next, err := s.Store.ListInspectionRounds(c.Request.Context(), principal(c), page)
	if err != nil {
		fail(c, err)
		return
	}
	out := make([]inspectionResponse, len(rows))
	for i, r := range rows {
		out[i] = inspectionFrom(r)
		out[i].Plan = ""
	}
	c.JSON(http.StatusOK, list(out, next))
}

// getInspectionRound shows a round with its targets, its team and the counts of its findings
// (by severity) and rectification items (by status). A target's own people see their targets.
func (s *Server) getInspectionRound(c *gin.Context) {
	rep, err := s.App.Inspections.Report(c.Request.Context(), principal(c), c.Param("id"))
	if err != nil {
		fail(c, err)
		return
	}
	out := inspectionFrom(rep.Round)
	out.Plan = rep.Round.Plan
	for _, m := range rep.Team {
		out.Team = append(out.Team, teamMemberResponse{Username: m.Username, Post: string(m.Post), PostLabel: m.Post.Label(), Targets: m.Targets})
	}
	out.Findings = map[string]int{"total": rep.Total.Findings, domain.SeverityGeneral: rep.Total.General,
		domain.SeverityMajor: rep.Total.Major, domain.SeveritySevere: rep.Total.Severe, "fixed_on_the_spot": rep.Total.FixedOnTheSpot}
	out.Items, out.ItemLabels = map[string]int{"total": rep.Total.Items}, map[string]string{}
	for st, n := range rep.ItemsByStatus {
		out.Items[string(st)], out.ItemLabels[string(st)] = n, st.Label()
	}
	c.JSON(http.StatusOK, out)
}

type teamRequest struct {
	Members []struct {
		Username string   `json:"username"`
		Post     string   `json:"post"`
		Targets  []string `json:"targets"`
	} `json:"members"`
	Declarations []struct {
		Username string `json:"username"`
		Target   string `json:"target"`
		Reason   string `json:"reason" text:"2000,multiline"`
	} `json:"declarations,omitempty"`
}

// setTeam names a round's team once its plan is approved; a breach of the 回避 rules is a 422
// naming the member, the target and the rule.
func (s *Server) setTeam(c *gin.Context) {
	var req teamRequest
	if !bindJSON(c, &req) {
		return
	}
	var in store.TeamInput
	for _, m := range req.Members {
		in.Members = append(in.Members, store.TeamMember{Username: m.Username, Post: domain.TeamPost(m.Post), Targets: m.Targets})
	}
	for _, d := range req.Declarations {
		in.Declarations = append(in.Declarations, store.TeamDeclaration{Username: d.Username, Target: d.Target, Reason: d.Reason})
	}
	teams, err := s.App.Inspections.SetTeam(c.Request.Context(), principal(c), c.Param("id"), in, c.GetHeader("Idempotency-Key"))
	if err != nil {
		fail(c, err)
		return
	}
	type group struct {
		Target  string   `json:"target"`
		Leader  string   `json:"leader"`
		Members []string `json:"members"`
	}
	out := make([]group, len(teams))
	for i, t := range teams {
		out[i] = group{Target: t.Target, Leader: t.Leader, Members: t.Members}
	}
	c.JSON(http.StatusOK, gin.H{"groups": out})
}

type objectionRequest struct {
	Target   string `json:"target"`
	Username string `json:"username"`
	Reason   string `json:"reason" text:"2000,multiline"`
}

// lodgeObjection records a target's objection to a member 回避申请; the sponsor's officers
// decide it through an inspection.objection task.
func (s *Server) lodgeObjection(c *gin.Context) {
	var req objectionRequest
	if !bindJSON(c, &req) {
		return
	}
	o, err := s.App.Inspections.Object(c.Request.Context(), principal(c), c.Param("id"), req.Target, req.Username, req.Reason)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusAccepted, gin.H{"id": o.ID, "status": o.Status})
}

type figuresResponse struct {
	app.Figures
}

type targetFiguresResponse struct {
	UnitID   string `json:"unit_id"`
	Name     string `json:"name"`
	Visited  bool   `json:"visited"`
	Feedback string `json:"feedback,omitempty"`
	app.Figures
}

type categoryFiguresResponse struct {
	Category string `json:"category"`
	app.Figures
}

type rectificationResponse struct {
	ID          string     `json:"id"`
	RoundID     string     `json:"round_id"`
	UnitID      string     `json:"unit_id"`
	UnitName    string     `json:"unit_name"`
	Finding     string     `json:"finding"`
	Category    string     `json:"category"`
	Severity    string     `json:"severity"`
	Status      string     `json:"status"`
	StatusLabel string     `json:"status_label"` // the status in Chinese: 制定整改方案, 整改中, 验收中, 已销号, …
	DueAt       time.Time  `json:"due_at"`
	SignedOffBy *string    `json:"signed_off_by"`
	SignedOffAt *time.Time `json:"signed_off_at,omitempty"`
	// The plan 整改方案, once written, and how many rectifications the item has had.
	Measures       string `json:"measures"`
	Responsible    string `json:"responsible"`
	DueWorkingDays int    `json:"due_working_days"`
	Rectifications int    `json:"rectifications"`
}

func rectificationFrom(it store.RectificationItem) rectificationResponse {
	out := rectificationResponse{ID: it.ID, RoundID: it.RoundID, UnitID: it.UnitID, UnitName: it.UnitName, Finding: it.Finding,
		Category: it.Category, Severity: it.Severity, Status: string(it.Status), StatusLabel: it.Status.Label(), DueAt: it.DueAt.UTC(), SignedOffAt: it.SignedOffAt,
		Measures: it.Measures, Responsible: it.Responsible, DueWorkingDays: it.DueWorkingDays, Rectifications: it.Rectifications}
	if it.SignedOffBy != "" {
		out.SignedOffBy = &it.SignedOffBy
	}
	return out
}

// roundReport is a round's report: JSON, ?format=xlsx, or ?format=html to print.
func (s *Server) roundReport(c *gin.Context) {
	format := c.DefaultQuery("format", "json")
	if format != "json" && format != "xlsx" && format != "html" {
		fail(c, domain.Invalid("报告格式不正确", domain.FieldFailed("format", domain.CodeNotAllowed, "json、xlsx、html")))
		return
	}
	rep, err := s.App.Inspections.Report(c.Request.Context(), principal(c), c.Param("id"))
	if err != nil {
		fail(c, err)
		return
	}
	switch format {
	case "json":
		out := gin.H{"round_id": rep.Round.ID, "title": rep.Round.Title, "status": rep.Round.Status, "as_of": rep.At,
			"whole_round": rep.Whole, "total": figuresResponse{rep.Total}}
		targets := make([]targetFiguresResponse, len(rep.Targets))
		for i, t := range rep.Targets {
			targets[i] = targetFiguresResponse{UnitID: t.UnitID, Name: t.UnitName, Visited: t.Visited, Feedback: t.Feedback, Figures: t.Figures}
		}
		categories := make([]categoryFiguresResponse, len(rep.Categories))
		for i, cf := range rep.Categories {
			categories[i] = categoryFiguresResponse{Category: cf.Category, Figures: cf.Figures}
		}
		overdue := make([]rectificationResponse, len(rep.Overdue))
		for i, it := range rep.Overdue {
			overdue[i] = rectificationFrom(it)
		}
		out["targets"], out["categories"], out["overdue"] = targets, categories, overdue
		c.JSON(http.StatusOK, out)
	case "html":
		c.Header("Content-Type", "text/html; charset=utf-8")
		c.Status(http.StatusOK)
		_ = reportPage.Execute(c.Writer, reportDocOf(rep))
	case "xlsx":
		d := reportDocOf(rep)
		x := excelize.NewFile()
		defer x.Close()
		sheet := "督查报告"
		_ = x.SetSheetName("Sheet1", sheet)
		first := xlsxHeading(x, sheet, d.Issuer+"　"+d.Number, d.Title, d.AsOf)
		xlsxWidths(x, sheet, 28, 10, 8, 8, 8, 10, 10, 10, 10, 22)
		row := first
		write := func(cells []string) {
			out := make([]any, len(cells))
			for i, v := range cells {
				out[i] = roster.Neutralize(v)
			}
			_ = x.SetSheetRow(sheet, fmt.Sprintf("A%d", row), &out)
			row++
		}
		write(d.Columns)
		for _, r := range d.Targets {
			write(r)
		}
		write(d.Total)
		row++
		write(append([]string{"问题类别"}, d.Columns[1:]...))
		for _, r := range d.Categories {
			write(r)
		}
		row++
		write(d.OverdueColumns)
		for _, r := range d.Overdue {
			write(r)
		}
		sendXLSX(c, x, "inspection-report-"+rep.Round.ID+".xlsx")
	}
}

// reportDoc is a round's report as an office prints it.
type reportDoc struct {
	Title, Issuer, Number, Date, AsOf string
	Columns                           []string
	Targets, Categories               [][]string
	Total                             []string
	OverdueColumns                    []string
	Overdue                           [][]string
}

var reportColumns = []string{"被督查单位", "问题数", "一般", "较重", "严重", "立行立改", "整改事项", "已销号", "逾期", "整改率"}

func figureCells(name string, f app.Figures) []string {
	return []string{name, fmt.Sprint(f.Findings), fmt.Sprint(f.General), fmt.Sprint(f.Major), fmt.Sprint(f.Severe),
		fmt.Sprint(f.FixedOnTheSpot), fmt.Sprint(f.Items), fmt.Sprint(f.SignedOff), fmt.Sprint(f.Overdue), percent(f.Rectification)}
}

// roundNumber is the round's 文号 as its documents print it: the approval's, or one made from
// the sponsor's name and the year when the approval named none.
func roundNumber(r store.InspectionRound) string {
	if r.Reference != "" {
		return r.Reference
	}
	return domain.DocNumber(domain.Unit{Name: r.SponsorName}, "督查", r.CreatedAt.Year(), 1)
}

func reportDocOf(rep app.RoundReport) reportDoc {
	r := rep.Round
	issuer, number := r.SponsorName, roundNumber(r)
	d := reportDoc{Title: r.Title + "专项督查情况报告", Issuer: issuer, Number: number, Date: docDate(rep.At),
		AsOf: "数据截至 " + docTime(rep.At), Columns: reportColumns,
		OverdueColumns: []string{"被督查单位", "问题", "类别", "严重程度", "状态", "整改期限"}}
	for _, t := range rep.Targets {
		d.Targets = append(d.Targets, figureCells(t.UnitName, t.Figures))
	}
	d.Total = figureCells("合计", rep.Total)
	for _, cf := range rep.Categories {
		d.Categories = append(d.Categories, figureCells(cf.Category, cf.Figures))
	}
	for _, it := range rep.Overdue {
		d.Overdue = append(d.Overdue, []string{it.UnitName, it.Finding, it.Category, it.Severity, it.Status.Label(), docDate(it.DueAt)})
	}
	return d
}

var reportPage = template.Must(template.New("report").Parse(`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{{.Title}}</title>
<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin-bottom:1.5em}td,th{border:1px solid #999;padding:.3em .6em;text-align:right}
td:first-child,th:first-child{text-align:left}.head{text-align:center}tr.sub td{font-weight:bold}@media print{button{display:none}}</style></head>
<body><p class="head">{{.Issuer}}</p><h1 class="head">{{.Title}}</h1><p class="head">{{.Number}}</p>
<h2>一、各被督查单位问题及整改情况</h2>
<table><tr>{{range .Columns}}<th>{{.}}</th>{{end}}</tr>
{{range .Targets}}<tr>{{range .}}<td>{{.}}</td>{{end}}</tr>{{end}}
<tr class="sub">{{range .Total}}<td>{{.}}</td>{{end}}</tr></table>
<h2>二、问题类别</h2>
<table><tr><th>问题类别</th>{{range $i, $c := .Columns}}{{if $i}}<th>{{$c}}</th>{{end}}{{end}}</tr>
{{range .Categories}}<tr>{{range .}}<td>{{.}}</td>{{end}}</tr>{{end}}</table>
<h2>三、逾期未整改事项</h2>
{{if .Overdue}}<table><tr>{{range .OverdueColumns}}<th>{{.}}</th>{{end}}</tr>
{{range .Overdue}}<tr>{{range .}}<td>{{.}}</td>{{end}}</tr>{{end}}</table>{{else}}<p>无</p>{{end}}
<p>{{.AsOf}}</p><p style="text-align:right">{{.Issuer}}<br>{{.Date}}</p><button onclick="print()">打印</button></body></html>`))

// targetFeedback is a target's feedback 反馈意见: JSON, or ?format=html to print, headed by the
// issuing unit (the sponsor) and the round's 文号, to the target, copied 抄告 to the unit above.
func (s *Server) targetFeedback(c *gin.Context) {
	format := c.DefaultQuery("format", "json")
	if format != "json" && format != "html" {
		fail(c, domain.Invalid("反馈意见格式不正确", domain.FieldFailed("format", domain.CodeNotAllowed, "json、html")))
		return
	}
	fb, err := s.App.Inspections.Feedback(c.Request.Context(), principal(c), c.Param("id"), c.Param("unit"))
	if err != nil {
		fail(c, err)
		return
	}
	d := feedbackDocOf(fb)
	if format == "html" {
		c.Header("Content-Type", "text/html; charset=utf-8")
		c.Status(http.StatusOK)
		_ = feedbackPage.Execute(c.Writer, d)
		return
	}
	findings := make([]gin.H, len(fb.Findings))
	for i, f := range fb.Findings {
		findings[i] = gin.H{"category": f.Category, "severity": f.Severity, "description": f.Description, "fixed_on_the_spot": f.FixedOnTheSpot}
	}
	c.JSON(http.StatusOK, gin.H{"round_id": fb.Round.ID, "unit_id": fb.Target.UnitID, "unit_name": fb.Target.UnitName,
		"issuer": d.Issuer, "number": d.Number, "title": d.Title, "feedback": fb.Target.Feedback, "feedback_by": fb.Target.FeedbackBy,
		"feedback_at": fb.Target.FeedbackAt, "cc": fb.CC, "findings": findings})
}

// feedbackDoc is a target's feedback as an office prints it.
type feedbackDoc struct {
	Title, Issuer, Number, Date, To, CC string
	Paragraphs                          []string
	Findings                            [][]string
}

func feedbackDocOf(fb app.TargetFeedback) feedbackDoc {
	d := feedbackDoc{Title: "关于" + fb.Round.Title + "对" + fb.Target.UnitName + "的督查反馈意见", Issuer: fb.Round.SponsorName,
		Number: roundNumber(fb.Round), Date: docDate(*fb.Target.FeedbackAt), To: fb.Target.UnitName, CC: fb.CC}
	for line := range strings.SplitSeq(fb.Target.Feedback, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			d.Paragraphs = append(d.Paragraphs, line)
		}
	}
	for i, f := range fb.Findings {
		fixed := "否"
		if f.FixedOnTheSpot {
			fixed = "是"
		}
		d.Findings = append(d.Findings, []string{fmt.Sprint(i + 1), f.Category, f.Severity, f.Description, fixed})
	}
	return d
}

var feedbackPage = template.Must(template.New("feedback").Parse(`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{{.Title}}</title>
<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin-bottom:1.5em}td,th{border:1px solid #999;padding:.3em .6em;text-align:left}
.head{text-align:center}p.body{text-indent:2em}@media print{button{display:none}}</style></head>
<body><p class="head">{{.Issuer}}</p><h1 class="head">{{.Title}}</h1><p class="head">{{.Number}}</p>
<p>{{.To}}：</p>
{{range .Paragraphs}}<p class="body">{{.}}</p>{{end}}
<h2>督查发现的问题</h2>
{{if .Findings}}<table><tr><th>序号</th><th>问题类别</th><th>严重程度</th><th>问题</th><th>立行立改</th></tr>
{{range .Findings}}<tr>{{range .}}<td>{{.}}</td>{{end}}</tr>{{end}}</table>{{else}}<p>无</p>{{end}}
<p style="text-align:right">{{.Issuer}}<br>{{.Date}}</p>
{{if .CC}}<p>抄告：{{.CC}}</p>{{end}}<button onclick="print()">打印</button></body></html>`))

// listRectifications lists the rectification items the caller may read: their units' (the
// rectifying side) and those of rounds their units sponsor (the inspection side).
func (s *Server) listRectifications(c *gin.Context) {
	page, err := pageFrom(c)
	if err != nil {
		fail(c, err)
		return
	}
	status := domain.RectificationStatus(c.Query("status"))
	if status != "" && !status.Valid() {
		writeProblem(c, http.StatusBadRequest, "整改状态不正确，应为 planning、plan_review、in_progress、self_check、verifying、signed_off、returned、reopened 之一")
		return
	}
	rows, next, err := s.Store.ListRectifications(c.Request.Context(), principal(c), store.RectificationFilter{
		RoundID: c.Query("round"), UnitID: c.Query("unit"), Status: status, Page: page})
	if err != nil {
		fail(c, err)
		return
	}
	out := make([]rectificationResponse, len(rows))
	for i, it := range rows {
		out[i] = rectificationFrom(it)
	}
	c.JSON(http.StatusOK, list(out, next))
}

// getRectification is an item with its history (every decision, its actor and reason).
func (s *Server) getRectification(c *gin.Context) {
	r, err := s.App.Inspections.Rectification(c.Request.Context(), principal(c), c.Param("id"))
	if err != nil {
		fail(c, err)
		return
	}
	history := make([]auditResponse, len(r.History))
	for i, e := range r.History {
		history[i] = auditResponse{ID: e.ID, At: e.At, Actor: e.Actor, Action: e.Action, SubjectType: e.SubjectType,
			SubjectID: e.SubjectID, Old: rawJSON(e.Old), New: rawJSON(e.New), RequestID: e.RequestID}
	}
	c.JSON(http.StatusOK, gin.H{"item": rectificationFrom(r.Item), "history": history})
}

// ledgerColumns are a ledger's 整改台账 columns.
var ledgerColumns = []string{"整改单位", "问题", "类别", "严重程度", "整改措施", "整改时限", "责任人", "状态", "整改次数", "销号人", "销号时间"}

// rectificationLedger is the ledger 整改台账 of a round (?round=) or of a unit's subtree
// (?unit=), or both, as XLSX.
func (s *Server) rectificationLedger(c *gin.Context) {
	round, unit := c.Query("round"), c.Query("unit")
	title, items, err := s.App.Inspections.RectificationLedger(c.Request.Context(), principal(c), round, unit)
	if err != nil {
		fail(c, err)
		return
	}
	x := excelize.NewFile()
	defer x.Close()
	sheet := "整改台账"
	_ = x.SetSheetName("Sheet1", sheet)
	row := xlsxHeading(x, sheet, title, "数据截至 "+docTime(s.Store.Now()))
	xlsxWidths(x, sheet, 20, 36, 12, 8, 36, 14, 10, 12, 8, 12, 18)
	write := func(cells []string) {
		out := make([]any, len(cells))
		for i, v := range cells {
			out[i] = roster.Neutralize(v)
		}
		_ = x.SetSheetRow(sheet, fmt.Sprintf("A%d", row), &out)
		row++
	}
	write(ledgerColumns)
	for _, it := range items {
		signedAt := ""
		if it.SignedOffAt != nil {
			signedAt = docTime(*it.SignedOffAt)
		}
		write([]string{it.UnitName, it.Finding, it.Category, it.Severity, it.Measures, deadlineDate(it.DueAt), it.Responsible,
			it.Status.Label(), fmt.Sprint(it.Rectifications), it.SignedOffBy, signedAt})
	}
	name := "rectification-ledger"
	if round != "" {
		name += "-" + round
	}
	if unit != "" {
		name += "-" + unit
	}
	sendXLSX(c, x, name+".xlsx")
}

// deadlineDate prints a deadline as its last day: calendar deadlines are the midnight after it.
func deadlineDate(t time.Time) string { return docDate(t.Add(-time.Second)) }
