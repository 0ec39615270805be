package api

import (
	"encoding/json"
	"fmt"
	"html/template"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/xuri/excelize/v2"

	"tandem/calendar"
	"tandem/domain"
	"tandem/roster"
	"tandem/store"
)

type periodResponse struct {
	ID             string             `json:"id"`
	Kind           string             `json:"kind"`
	Period         string             `json:"period"`
	Status         string             `json:"status"`
	Trigger        string             `json:"trigger"`
	WindowOpensAt  time.Time          `json:"window_opens_at"`
	WindowClosesAt time.Time          `json:"window_closes_at"`
	Summary        any                `json:"summary,omitempty"`
	CreatedBy      string             `json:"created_by"`
	CreatedAt      time.Time          `json:"created_at"`
	FinishedAt     *time.Time         `json:"finished_at"`
	Deliveries     []deliveryResponse `json:"deliveries,omitempty"`
	Bulletins      []string           `json:"bulletins,omitempty"`
}

// deliveryResponse is a department's roster delivered for a period (store.Delivery has no
// JSON names of its own).
type deliveryResponse struct {
	UnitID      string    `json:"unit_id"`
	ImportID    string    `json:"import_id"`
	DeliveredBy string    `json:"delivered_by"`
	DeliveredAt time.Time `json:"delivered_at"`
}

func periodFrom(p store.PeriodRow) periodResponse {
	r := periodResponse{ID: p.ID, Kind: p.Kind, Period: p.Period, Status: p.Status, Trigger: p.Trigger, WindowOpensAt: p.WindowOpensAt,
		WindowClosesAt: p.WindowClosesAt, CreatedBy: p.CreatedBy, CreatedAt: p.CreatedAt, FinishedAt: p.FinishedAt}
	if p.Summary != "" {
		r.Summary = rawJSON(p.Summary)
	}
	return r
}

// runCycle runs a period of a cycle now (an admin): the windows open from now. A period that has
// run (or is running) starts nothing new and answers with its id. This is also how an admin
// backfills a period the schedule missed.
func (s *Server) runCycle(c *gin.Context) {
	run, err := s.App.Cycles.Run(c.Request.Context(), principal(c), c.Param("kind"), c.Param("period"))
	if err != nil {
		fail(c, err)
		return
	}
	c.Header("Location", "/api/v1/periods/"+run.ID)
	c.JSON(http.StatusAccepted, gin.H{"id": run.ID, "kind": run.Kind, "period": run.Period, "status": run.Status,
		"workflow_id": run.WorkflowID, "started": run.Created})
}

func (s *Server) listPeriods(c *gin.Context) {
	page, err := pageFrom(c)
	if err != nil {
		fail(c, err)
		return
	}
	rows, next, err := s.Store.ListPeriods(c.Request.Context(), c.Query("kind"), page)
	if err != nil {
		fail(c, err)
		return
	}
	out := make([]periodResponse, len(rows))
	for i, p := range rows {
		out[i] = periodFrom(p)
	}
	c.JSON(http.StatusOK, list(out, next))
}

func (s *Server) getPeriod(c *gin.Context) {
	ctx := c.Request.Context()
	p, err := s.Store.GetPeriod(ctx, c.Param("id"))
	if err != nil {
		fail(c, err)
		return
	}
	out := periodFrom(p)
	ds, err := s.Store.Deliveries(ctx, p.ID)
	if err != nil {
		fail(c, err)
		return
	}
	for _, d := range ds {
		out.Deliveries = append(out.Deliveries, deliveryResponse{UnitID: d.UnitID, ImportID: d.ImportID, DeliveredBy: d.DeliveredBy,
			DeliveredAt: d.DeliveredAt})
	}
	if out.Bulletins, err = s.Store.BulletinCounties(ctx, p.ID); err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, out)
}

var bulletinPage = template.Must(template.New("bulletin").Funcs(template.FuncMap{
	"pct": func(v float64) string { return fmt.Sprintf("%.1f%%", v*100) },
	"prev": func(v *float64) string {
		if v == nil {
			return "—"
		}
		return fmt.Sprintf("%.1f%%", *v*100)
	},
}).Parse(`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{{.County}} {{.Period}} 两新组织“双同步”工作通报</title>
<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #999;padding:.3em .6em;text-align:right}
td:first-child,th:first-child{text-align:left}@media print{button{display:none}}</style></head>
<body><h1>{{.County}} {{.Period}} 两新组织“双同步”工作通报</h1>
<table><tr><th>单位</th><th>组织数</th><th>已核实</th><th>运营</th><th>单建</th><th>联建</th><th>区域兜底</th><th>工作覆盖</th>
<th>组织覆盖率</th><th>上月</th><th>组建中</th><th>组建逾期</th><th>逾期任务</th></tr>
{{range .Rows}}<tr><td>{{.Name}}</td><td>{{.Organizations}}</td><td>{{.Verified}}</td><td>{{.Operating}}</td><td>{{.Single}}</td><td>{{.Joint}}</td>
<td>{{.Regional}}</td><td>{{.Work}}</td><td>{{pct .CoverageRate}}</td><td>{{prev .PreviousRate}}</td><td>{{.FormationsRunning}}</td>
<td>{{.FormationsOverdue}}</td><td>{{.OverdueTasks}}</td></tr>{{end}}
{{with .Total}}<tr><th>合计</th><td>{{.Organizations}}</td><td>{{.Verified}}</td><td>{{.Operating}}</td><td>{{.Single}}</td><td>{{.Joint}}</td>
<td>{{.Regional}}</td><td>{{.Work}}</td><td>{{pct .CoverageRate}}</td><td>{{prev .PreviousRate}}</td><td>{{.FormationsRunning}}</td>
<td>{{.FormationsOverdue}}</td><td>{{.OverdueTasks}}</td></tr>{{end}}</table>
<p>数据截至 {{.AsOf.Format "2006-01-02 15:04"}}</p><button onclick="print()">打印</button></body></html>`))

// getBulletin returns a county's bulletin: JSON, ?format=xlsx, or ?format=html to print.
func (s *Server) getBulletin(c *gin.Context) {
	f, err := s.Store.GetBulletin(c.Request.Context(), principal(c), c.Param("id"), c.Param("county"))
	if err != nil {
		fail(c, err)
		return
	}
	switch c.Query("format") {
	case "", "json":
		c.JSON(http.StatusOK, f)
	case "html":
		c.Header("Content-Type", "text/html; charset=utf-8")
		c.Status(http.StatusOK)
		_ = bulletinPage.Execute(c.Writer, f)
	case "xlsx":
		x := excelize.NewFile()
		defer x.Close()
		sheet := "通报"
		_ = x.SetSheetName("Sheet1", sheet)
		_ = x.SetSheetRow(sheet, "A1", &[]any{"单位", "组织数", "已核实", "运营", "单建", "联建", "区域兜底", "工作覆盖", "组织覆盖率", "上月组织覆盖率", "组建中", "组建逾期", "逾期任务"})
		rows := append(append([]store.BulletinRow{}, f.Rows...), f.Total)
		rows[len(rows)-1].Name = "合计"
		for i, r := range rows {
			var prev any
			if r.PreviousRate != nil {
				prev = *r.PreviousRate
			}
			_ = x.SetSheetRow(sheet, fmt.Sprintf("A%d", i+2), &[]any{roster.Neutralize(r.Name), r.Organizations, r.Verified, r.Operating,
				r.Single, r.Joint, r.Regional, r.Work, r.CoverageRate, prev, r.FormationsRunning, r.FormationsOverdue, r.OverdueTasks})
		}
		sendXLSX(c, x, fmt.Sprintf("bulletin-%s-%s.xlsx", f.Period, f.CountyID))
	default:
		fail(c, domain.Invalid("bad format", domain.FieldError{Field: "format", Reason: "json, xlsx or html"}))
	}
}

// getLedger downloads the ledger 台账 of a county or industry committee as XLSX: every
// organization with its verification and coverage.
func (s *Server) getLedger(c *gin.Context) {
	u, rows, err := s.Store.LedgerRows(c.Request.Context(), principal(c), c.Param("unit"))
	if err != nil {
		fail(c, err)
		return
	}
	x := excelize.NewFile()
	defer x.Close()
	sheet := "台账"
	_ = x.SetSheetName("Sheet1", sheet)
	_ = x.SetSheetRow(sheet, "A1", &[]any{"统一社会信用代码", "名称", "所属乡镇（街道）", "行业", "从业人数", "是否运营", "核实时间", "核实人",
		"正式党员", "预备党员", "覆盖方式", "党建指导员"})
	yes := func(b *bool) any {
		if b == nil {
			return ""
		}
		return map[bool]string{true: "是", false: "否"}[*b]
	}
	for i, o := range rows {
		operating := o.Operating
		if o.VisitedOperating != nil {
			operating = o.VisitedOperating
		}
		var visited any = ""
		if o.VisitedAt != nil {
			visited = o.VisitedAt.In(calendar.Shanghai).Format("2006-01-02")
		}
		var emp, formal, prob any = "", "", ""
		if o.Employees != nil {
			emp = *o.Employees
		}
		if o.FormalMembers != nil {
			formal = *o.FormalMembers
		}
		if o.ProbationaryMembers != nil {
			prob = *o.ProbationaryMembers
		}
		_ = x.SetSheetRow(sheet, fmt.Sprintf("A%d", i+2), &[]any{o.USCC, roster.Neutralize(o.Name), roster.Neutralize(o.Township),
			roster.Neutralize(o.Industry), emp, yes(operating), visited, roster.Neutralize(o.VisitedBy), formal, prob,
			domain.Coverage(o.Coverage).Label(), roster.Neutralize(o.Instructor)})
	}
	sendXLSX(c, x, "ledger-"+strings.ReplaceAll(u.Name, "/", "_")+".xlsx")
}

func sendXLSX(c *gin.Context, x *excelize.File, name string) {
	c.Header("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	c.Header("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	c.Status(http.StatusOK)
	_ = x.Write(c.Writer)
}

type analysisResponse struct {
	UnitID      string          `json:"unit_id"`
	Status      string          `json:"status"`
	Figures     json.RawMessage `json:"figures"`
	Problems    json.RawMessage `json:"problems"`
	Text        string          `json:"text"`
	PublishedAt *time.Time      `json:"published_at"`
}

// listAnalyses shows a quarter's analyses (the counties and industry committees the caller views): figures with their
// trend, the problem list, and the text once published.
func (s *Server) listAnalyses(c *gin.Context) {
	rows, err := s.Store.ListAnalyses(c.Request.Context(), principal(c), c.Param("id"))
	if err != nil {
		fail(c, err)
		return
	}
	out := make([]analysisResponse, len(rows))
	for i, a := range rows {
		out[i] = analysisResponse{UnitID: a.UnitID, Status: a.Status, Figures: rawJSON(a.Figures), Problems: rawJSON(a.Problems),
			Text: a.Text, PublishedAt: a.PublishedAt}
	}
	c.JSON(http.StatusOK, list(out, ""))
}
