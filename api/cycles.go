package api

import (
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
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
	StatusLabel    string             `json:"status_label"` // the status in Chinese: 进行中, 已完成, 出错
	PeriodLabel    string             `json:"period_label"` // the period in Chinese: 2026年10月, 2026年第三季度, 2026年上半年
	KindLabel      string             `json:"kind_label"`   // the cycle in Chinese: 月度, 季度, 半年
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
	r := periodResponse{ID: p.ID, Kind: p.Kind, Period: p.Period, Status: p.Status, Trigger: p.Trigger,
		StatusLabel: domain.PeriodStatus(p.Status).Label(), PeriodLabel: domain.PeriodLabel(p.Period), KindLabel: domain.PeriodKindLabel(p.Kind), WindowOpensAt: p.WindowOpensAt,
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

var bulletinPage = template.Must(template.New("bulletin").Parse(`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{{.Title}}</title>
<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #999;padding:.3em .6em;text-align:right}
td:first-child,th:first-child{text-align:left}tr.sub td{font-weight:bold}.head{text-align:center}@media print{button{display:none}}</style></head>
<body><p class="head">{{.Issuer}}</p><h1 class="head">{{.Title}}</h1><p class="head">{{.Number}}</p>
<table><tr>{{range .Columns}}<th>{{.}}</th>{{end}}</tr>
{{range .Rows}}<tr{{if .Subtotal}} class="sub"{{end}}>{{range .Cells}}<td>{{.}}</td>{{end}}</tr>{{end}}
<tr class="sub">{{range .Total.Cells}}<td>{{.}}</td>{{end}}</tr></table>
<p>{{.AsOf}}</p><p style="text-align:right">{{.Issuer}}<br>{{.Date}}</p><button onclick="print()">打印</button></body></html>`))

// bulletinColumns are the bulletin's columns, with their widths in the XLSX export.
var bulletinColumns = []struct {
	name  string
	width float64
}{{"单位", 24}, {"组织数", 8}, {"已核实", 8}, {"运营", 8}, {"单建", 8}, {"联建", 8}, {"区域兜底", 10}, {"其中临时党支部", 16}, {"工作覆盖", 10},
	{"组织覆盖率（单建+联建）/运营", 28}, {"上月组织覆盖率", 20}, {"组建中", 8}, {"组建逾期", 10}, {"逾期任务", 10}}

type bulletinDocRow struct {
	Subtotal bool
	Cells    []string
}

// bulletinDoc is a bulletin as an office prints it.
type bulletinDoc struct {
	Title, Issuer, Number, Date, AsOf string
	Columns                           []string
	Rows                              []bulletinDocRow
	Total                             bulletinDocRow
}

func bulletinDocOf(f store.BulletinFigures, county domain.Unit) bulletinDoc {
	year, month := f.AsOf.At.Year(), 0
	if p, err := calendar.ParsePeriod(calendar.Monthly, f.Period); err == nil {
		year, month = p.Start.Year(), int(p.Start.Month())
	}
	d := bulletinDoc{Title: f.County + calendar.PeriodLabelCN(f.Period) + "两新组织“双同步”工作通报", Issuer: f.County,
		Number: domain.DocNumber(county, domain.SeriesBulletin, year, month), Date: docDate(f.AsOf.At), AsOf: f.AsOf.Label}
	for _, c := range bulletinColumns {
		d.Columns = append(d.Columns, c.name)
	}
	row := func(r store.BulletinRow, name string) bulletinDocRow {
		prev := "—"
		switch {
		case r.Previous != nil && r.Previous.Denominator > 0:
			prev = percent(*r.Previous)
		case r.PreviousRate != nil:
			prev = fmt.Sprintf("%.1f%%", *r.PreviousRate*100)
		}
		return bulletinDocRow{Subtotal: r.Subtotal, Cells: []string{name, strconv.Itoa(r.Organizations), strconv.Itoa(r.Verified),
			strconv.Itoa(r.Operating), strconv.Itoa(r.Single), strconv.Itoa(r.Joint), strconv.Itoa(r.Regional), strconv.Itoa(r.Temporary),
			strconv.Itoa(r.Work), percent(r.Coverage), prev, strconv.Itoa(r.FormationsRunning), strconv.Itoa(r.FormationsOverdue), strconv.Itoa(r.OverdueTasks)}}
	}
	for _, r := range f.Rows {
		d.Rows = append(d.Rows, row(r, r.Name))
	}
	d.Total = row(f.Total, "合计")
	d.Total.Subtotal = true
	return d
}

// getBulletin returns a county's bulletin: JSON, ?format=xlsx, or ?format=html to print.
func (s *Server) getBulletin(c *gin.Context) {
	f, err := s.Store.GetBulletin(c.Request.Context(), principal(c), c.Param("id"), c.Param("county"))
	if err != nil {
		fail(c, err)
		return
	}
	// The county issues it under its 文号 prefix (its name and 两新通 by default).
	county := domain.Unit{ID: f.CountyID, Name: f.County}
	if u, err := s.Store.GetUnit(c.Request.Context(), principal(c), f.CountyID); err == nil {
		county = u
	}
	switch c.Query("format") {
	case "", "json":
		c.JSON(http.StatusOK, f)
	case "html":
		c.Header("Content-Type", "text/html; charset=utf-8")
		c.Status(http.StatusOK)
		_ = bulletinPage.Execute(c.Writer, bulletinDocOf(f, county))
	case "xlsx":
		d := bulletinDocOf(f, county)
		x := excelize.NewFile()
		defer x.Close()
		sheet := "通报"
		_ = x.SetSheetName("Sheet1", sheet)
		first := xlsxHeading(x, sheet, d.Issuer+"　"+d.Number, d.Title, d.AsOf, "印发日期："+d.Date)
		widths := make([]float64, len(bulletinColumns))
		for i, col := range bulletinColumns {
			widths[i] = col.width
		}
		xlsxWidths(x, sheet, widths...)
		_ = x.SetSheetRow(sheet, fmt.Sprintf("A%d", first), &d.Columns)
		for i, r := range append(d.Rows, d.Total) {
			cells := make([]any, len(r.Cells))
			for j, v := range r.Cells {
				if n, err := strconv.Atoi(v); err == nil && j > 0 {
					cells[j] = n
				} else {
					cells[j] = roster.Neutralize(v)
				}
			}
			_ = x.SetSheetRow(sheet, fmt.Sprintf("A%d", first+1+i), &cells)
		}
		sendXLSXAs(c, x, county.Name+"-通报-"+domain.PeriodLabel(f.Period)+".xlsx", fmt.Sprintf("bulletin-%s-%s.xlsx", f.Period, f.CountyID))
	default:
		fail(c, domain.Invalid("format 参数不正确", domain.FieldFailed("format", domain.CodeNotAllowed, "json、xlsx、html")))
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
	first := xlsxHeading(x, sheet, roster.Neutralize(u.Name)+"两新组织台账", "导出时间："+docTime(s.now()))
	xlsxWidths(x, sheet, 22, 32, 16, 16, 10, 10, 12, 12, 10, 10, 12, 14)
	_ = x.SetSheetRow(sheet, fmt.Sprintf("A%d", first), &[]any{"统一社会信用代码", "名称", "所属乡镇（街道）", "行业", "从业人数", "是否运营", "核实时间", "核实人",
		"正式党员", "预备党员", "覆盖方式", "党建指导员"})
	yes := func(b *bool) any {
		if b == nil {
			return ""
		}
		return map[bool]string{true: "是", false: "否"}[*b]
	}
	for i, o := range rows {
		operating := o.Operating // domain.OperatingState: 注销 wins over any visit
		var visited any = ""
		if o.VisitedAt != nil {
			visited = docDate(*o.VisitedAt)
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
		_ = x.SetSheetRow(sheet, fmt.Sprintf("A%d", first+1+i), &[]any{o.USCC, roster.Neutralize(o.Name), roster.Neutralize(o.Township),
			roster.Neutralize(o.Industry), emp, yes(operating), visited, roster.Neutralize(o.VisitedBy), formal, prob,
			domain.Coverage(o.Coverage).Label(), roster.Neutralize(o.Instructor)})
	}
	month := s.now().In(calendar.Shanghai).Format("2006-01") // the month it was exported in
	sendXLSXAs(c, x, u.Name+"-台账-"+month+".xlsx", "ledger-"+month+".xlsx")
}

// sendXLSX sends a workbook as a download named name (its ASCII fallback derived from it).
func sendXLSX(c *gin.Context, x *excelize.File, name string) { sendXLSXAs(c, x, name, "") }

// sendXLSXAs sends a workbook as a download named name, or fallback for clients that take only
// an ASCII name.
func sendXLSXAs(c *gin.Context, x *excelize.File, name, fallback string) {
	c.Header("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	attachment(c, name, fallback)
	c.Status(http.StatusOK)
	_ = x.Write(c.Writer)
}

type analysisResponse struct {
	UnitID      string          `json:"unit_id"`
	Status      string          `json:"status"`
	StatusLabel string          `json:"status_label"` // the status in Chinese: 撰写中, 已发布
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
		// Decoded and encoded again, so that analyses stored with Go's field names answer in JSON's.
		f, err := a.QuarterFigures()
		if err != nil {
			fail(c, err)
			return
		}
		figures, _ := json.Marshal(f)
		out[i] = analysisResponse{UnitID: a.UnitID, Status: a.Status, StatusLabel: domain.AnalysisStatus(a.Status).Label(), Figures: figures, Problems: rawJSON(a.Problems),
			Text: a.Text, PublishedAt: a.PublishedAt}
	}
	c.JSON(http.StatusOK, list(out, ""))
}
