package api

import (
	"encoding/base64"
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
	qrcode "github.com/skip2/go-qrcode"

	"tandem/app"
	"tandem/domain"
	"tandem/store"
)

type registrationRequest struct {
	USCC     string `json:"uscc"`
	Name     string `json:"name"`
	Township string `json:"township,omitempty"`
	Industry string `json:"industry,omitempty"`
	Event    string `json:"event"` // new | changed
}

// reportRegistration takes a new or changed registration from the market-supervision system
// (a department liaison's account, or an admin): the organization joins the roster, and a
// prompt letter 提示函 with a one-time survey link goes out; an unanswered survey becomes a
// follow-up task for the township when the link expires.
func (s *Server) reportRegistration(c *gin.Context) {
	var req registrationRequest
	if !bindJSON(c, &req) {
		return
	}
	reg, err := s.App.Registrations.Report(c.Request.Context(), principal(c), app.ReportRegistration{USCC: req.USCC, Name: req.Name,
		Township: req.Township, Industry: req.Industry, Event: req.Event})
	if err != nil {
		fail(c, err)
		return
	}
	c.Header("Location", "/api/v1/registrations/"+reg.ID)
	c.JSON(http.StatusCreated, gin.H{"id": reg.ID, "uscc": reg.USCC, "expires_at": reg.ExpiresAt,
		"survey_url": s.publicURL(c) + "/survey/" + reg.Token, "letter_url": "/api/v1/registrations/" + reg.ID + "/letter"})
}

// publicURL is the configured base of the links printed on letters, never the request's Host
// header (the caller chooses that one); unset (only in tests), links are relative.
func (s *Server) publicURL(*gin.Context) string { return s.PublicURL }

func (s *Server) getRegistration(c *gin.Context) {
	reg, _, err := s.Store.GetRegistration(c.Request.Context(), principal(c), c.Param("id"))
	if err != nil {
		fail(c, err)
		return
	}
	status := "waiting"
	switch {
	case reg.AnsweredAt != nil:
		status = "answered"
	case !s.now().Before(reg.ExpiresAt):
		status = "expired"
	}
	var answer any
	if reg.Answer != nil {
		answer = rawJSON(*reg.Answer)
	}
	c.JSON(http.StatusOK, gin.H{"id": reg.ID, "uscc": reg.USCC, "event": reg.Event, "status": status, "expires_at": reg.ExpiresAt,
		"answered_at": reg.AnsweredAt, "answer": answer, "survey_url": s.publicURL(c) + "/survey/" + reg.Token})
}

var promptLetter = template.Must(template.New("letter").Parse(`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>党建工作提示函</title>
<style>body{font-family:serif;max-width:40em;margin:3em auto;line-height:2}h1{text-align:center}
.qr{text-align:center}@media print{button{display:none}}</style></head>
<body><h1>党建工作提示函</h1>
{{with .Number}}<p style="text-align:center">{{.}}</p>{{end}}
<p>{{.Name}}（统一社会信用代码：{{.USCC}}）：</p>
<p>根据非公有制企业和社会组织“双同步”工作要求，请贵单位于 {{.Due}} 前填写党建情况调查表，如实申报本单位正式党员、预备党员人数及党组织建立情况。</p>
<p>填写地址：<a href="{{.URL}}">{{.URL}}</a>（一次有效）</p>
<p class="qr"><img alt="调查表二维码" src="data:image/png;base64,{{.QR}}"></p>
<p style="text-align:right">{{with .Issuer}}{{.}}<br>{{end}}{{.Date}}</p>
<button onclick="print()">打印</button></body></html>`))

// registrationLetter prints the prompt letter with the survey link and its QR code.
func (s *Server) registrationLetter(c *gin.Context) {
	reg, org, err := s.Store.GetRegistration(c.Request.Context(), principal(c), c.Param("id"))
	if err != nil {
		fail(c, err)
		return
	}
	url := s.publicURL(c) + "/survey/" + reg.Token
	png, err := qrcode.Encode(url, qrcode.Medium, 200)
	if err != nil {
		fail(c, err)
		return
	}
	// The letter is issued by the organization's responsible unit, when the caller may see it,
	// under its 文号 (domain.DocNumber), the next of the unit's year when first printed.
	issuer, number := "", ""
	if org.RegionUnitID != nil {
		if u, err := s.Store.GetUnit(c.Request.Context(), principal(c), *org.RegionUnitID); err == nil {
			issuer = u.Name
			year, seq, err := s.Store.LetterNumber(c.Request.Context(), principal(c).Username, reg, u)
			if err != nil {
				fail(c, err)
				return
			}
			number = domain.DocNumber(u, domain.SeriesLetter, year, seq)
		}
	}
	c.Header("Content-Type", "text/html; charset=utf-8")
	c.Status(http.StatusOK)
	_ = promptLetter.Execute(c.Writer, map[string]any{"Name": org.Name, "USCC": reg.USCC, "URL": url,
		"QR": base64.StdEncoding.EncodeToString(png), "Due": docDate(reg.ExpiresAt), "Date": docDate(reg.CreatedAt), "Issuer": issuer, "Number": number})
}

var surveyPage = template.Must(template.New("survey").Parse(`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>党建情况调查表</title>
<style>body{font-family:sans-serif;max-width:32em;margin:2em auto;line-height:1.8}label{display:block;margin:.6em 0}</style></head>
<body><h1>党建情况调查表</h1><p>{{.Name}}（{{.USCC}}）</p>
{{if .Message}}<p><strong>{{.Message}}</strong></p>{{else}}
<form method="post">
<label>正式党员人数 <input name="formal_members" type="number" min="0" required></label>
<label>预备党员人数 <input name="probationary_members" type="number" min="0" required></label>
<label>已建立党组织 <select name="party_org"><option value="none">未建立</option><option value="single">单独建立</option>
<option value="joint">联合建立</option><option value="regional">纳入区域党组织</option></select></label>
<label>联系人 <input name="contact" maxlength="50"></label>
<button type="submit">提交（仅可提交一次）</button></form>{{end}}</body></html>`))

// surveyForm shows the survey to the enterprise, without an account.
func (s *Server) surveyForm(c *gin.Context) {
	if !s.surveyAllowed(c) {
		return
	}
	reg, name, err := s.Store.SurveyByToken(c.Request.Context(), c.Param("token"))
	if err != nil {
		s.failSurvey(c, err)
		return
	}
	msg := ""
	switch {
	case reg.AnsweredAt != nil:
		msg = "本调查表已提交，谢谢。"
	case !s.now().Before(reg.ExpiresAt):
		msg = "本调查表链接已过期，请联系所在乡镇（街道）。"
	}
	c.Header("Content-Type", "text/html; charset=utf-8")
	c.Status(http.StatusOK)
	_ = surveyPage.Execute(c.Writer, map[string]string{"Name": name, "USCC": reg.USCC, "Message": msg})
}

// answerSurvey takes the enterprise's answer once: JSON, or the HTML form's fields.
func (s *Server) answerSurvey(c *gin.Context) {
	if !s.surveyAllowed(c) {
		return
	}
	var a store.SurveyAnswer
	var v domain.Validation
	if strings.HasPrefix(c.ContentType(), "application/json") {
		if !bindJSON(c, &a) {
			return
		}
	} else {
		for _, f := range []struct {
			name string
			dst  *int
		}{{"formal_members", &a.FormalMembers}, {"probationary_members", &a.ProbationaryMembers}} {
			n, err := strconv.Atoi(strings.TrimSpace(c.PostForm(f.name)))
			if err != nil {
				v.AddCode(f.name, domain.CodeWholeNumber)
			}
			*f.dst = n
		}
		a.PartyOrg, a.Contact = c.PostForm("party_org"), strings.TrimSpace(c.PostForm("contact"))
		if err := checkForm(c); err != nil {
			fail(c, err)
			return
		}
	}
	if a.FormalMembers < 0 {
		v.AddCode("formal_members", domain.CodeNegative)
	}
	if a.ProbationaryMembers < 0 {
		v.AddCode("probationary_members", domain.CodeNegative)
	}
	switch domain.Coverage(a.PartyOrg) {
	case domain.CoverageNone, domain.CoverageSingle, domain.CoverageJoint, domain.CoverageRegional:
	default:
		v.AddCode("party_org", domain.CodeNotAllowed, "none、single、joint、regional")
	}
	if len([]rune(a.Contact)) > domain.MaxPersonName {
		v.AddCode("contact", domain.CodeMaxLength, domain.MaxPersonName)
	}
	if err := v.Err("调查表填写不正确"); err != nil {
		fail(c, err)
		return
	}
	reg, err := s.App.Registrations.Answer(c.Request.Context(), c.Param("token"), a)
	if err != nil {
		s.failSurvey(c, err)
		return
	}
	if strings.HasPrefix(c.ContentType(), "application/json") {
		c.JSON(http.StatusOK, gin.H{"status": "answered", "answered_at": reg.AnsweredAt})
		return
	}
	c.Header("Content-Type", "text/html; charset=utf-8")
	c.Status(http.StatusOK)
	_ = surveyPage.Execute(c.Writer, map[string]string{"USCC": reg.USCC, "Message": "提交成功，谢谢。"})
}
