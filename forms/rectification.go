package forms

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"tandem/domain"
)

// The forms of the rectification chain 整改销号 (#19): plan → plan review → report → self-check
// → verification.

// RectificationPlanResult is the target officer's plan 整改方案 for one item.
type RectificationPlanResult struct {
	Measures    string `json:"measures"`
	Responsible string `json:"responsible"`
	// DeadlineWorkingDays: working days from the item's start (the visit, or the return of a
	// second rectification), within the round's limit (the workflow's Check).
	DeadlineWorkingDays int `json:"deadline_working_days"`
}

// RectificationPlan is the form of rectification.plan.
var RectificationPlan = register(Form{
	Kind:  "rectification.plan",
	Title: "制定整改方案",
	Schema: json.RawMessage(fmt.Sprintf(`{"type":"object","required":["measures","responsible","deadline_working_days"],"additionalProperties":false,
"properties":{"measures":{"type":"string","minLength":1,"maxLength":%d,"title":"整改措施"},
"responsible":{"type":"string","minLength":1,"maxLength":%d,"title":"整改责任人"},
"deadline_working_days":{"type":"integer","minimum":1,"maximum":%d,"title":"整改时限（工作日）"}}}`,
		domain.MaxLongText, domain.MaxPersonName, domain.MaxRectificationWorkingDays)),
	check: func(raw json.RawMessage, v *domain.Validation) any {
		var r RectificationPlanResult
		if !decode(raw, &r, v) {
			return nil
		}
		r.Measures, r.Responsible = strings.TrimSpace(r.Measures), strings.TrimSpace(r.Responsible)
		if r.Measures == "" {
			v.AddCode("measures", domain.CodeRequired)
		} else if code, args := domain.CheckTextCode(r.Measures, domain.LongText); code != "" {
			v.AddCode("measures", code, args...)
		}
		if n := textLen(r.Responsible); n == 0 || n > domain.MaxPersonName {
			v.AddCode("responsible", domain.CodeRequiredMaxLength, domain.MaxPersonName)
		} else if code, args := domain.CheckTextCode(r.Responsible, domain.ShortText); code != "" {
			v.AddCode("responsible", code, args...)
		}
		if r.DeadlineWorkingDays < 1 || r.DeadlineWorkingDays > domain.MaxRectificationWorkingDays {
			v.AddCode("deadline_working_days", domain.CodeOutOfRange, 1, domain.MaxRectificationWorkingDays)
		}
		return r
	},
})

// RectificationPlanReview is the form of rectification.plan_review: the round's officer accepts
// the plan or returns it with a reason.
var RectificationPlanReview = decisionForm("rectification.plan_review", "整改方案审核", false)

// RectificationReportResult is the unit's report that the item is fixed 整改完成报告.
type RectificationReportResult struct {
	Done      bool     `json:"done"`
	Summary   string   `json:"summary"`
	Evidence  []string `json:"evidence"` // attachment IDs
	Statement string   `json:"statement"`
	Signed    bool     `json:"signed"` // the reporter signs the statement 承诺
}

// RectificationReport is the form of rectification.report.
var RectificationReport = register(Form{
	Kind:  "rectification.report",
	Title: "整改完成情况报告",
	Schema: json.RawMessage(fmt.Sprintf(`{"type":"object","required":["done","summary","evidence","statement","signed"],"additionalProperties":false,
"properties":{"done":{"type":"boolean","const":true,"title":"已完成整改"},
"summary":{"type":"string","minLength":1,"maxLength":%[1]d,"title":"整改情况"},
"evidence":{"type":"array","minItems":1,"maxItems":%[2]d,"title":"佐证材料（附件）","items":{"type":"string","title":"附件编号","minLength":1,"maxLength":64}},
"statement":{"type":"string","minLength":1,"maxLength":%[3]d,"title":"整改承诺"},
"signed":{"type":"boolean","const":true,"title":"本人签字确认"}}}`, domain.MaxLongText, domain.MaxEvidenceItems, domain.MaxReasonText)),
	check: func(raw json.RawMessage, v *domain.Validation) any {
		var r RectificationReportResult
		if !decode(raw, &r, v) {
			return nil
		}
		if !r.Done {
			v.AddCode("done", domain.CodeMustBeTrue)
		}
		if !r.Signed {
			v.AddCode("signed", domain.CodeMustBeTrue)
		}
		r.Summary, r.Statement = strings.TrimSpace(r.Summary), strings.TrimSpace(r.Statement)
		if r.Summary == "" {
			v.AddCode("summary", domain.CodeRequired)
		} else if code, args := domain.CheckTextCode(r.Summary, domain.LongText); code != "" {
			v.AddCode("summary", code, args...)
		}
		if r.Statement == "" {
			v.AddCode("statement", domain.CodeRequired)
		} else if code, args := domain.CheckTextCode(r.Statement, domain.ReasonText); code != "" {
			v.AddCode("statement", code, args...)
		}
		switch {
		case len(r.Evidence) == 0:
			v.AddCode("evidence", domain.CodeRequired)
		case len(r.Evidence) > domain.MaxEvidenceItems:
			v.AddCode("evidence", domain.CodeTooMany, domain.MaxEvidenceItems)
		}
		for i, e := range r.Evidence {
			if n := textLen(e); n == 0 || n > 64 {
				v.AddCode("evidence["+strconv.Itoa(i)+"]", domain.CodeRequiredMaxLength, 64)
			}
		}
		return r
	},
})

// RectificationSelfCheck is the form of rectification.self_check: another officer of the unit
// passes the report on to verification or returns it with a reason.
var RectificationSelfCheck = decisionForm("rectification.self_check", "整改自查", false)

// RectificationVerify is the form of rectification.verify: the inspection side signs the item
// off 销号 or returns it for a second rectification, with a reason.
var RectificationVerify = decisionForm("rectification.verify", "整改验收销号", false)

// RectificationRecheckResult is a re-check 回头看 of a signed-off item.
type RectificationRecheckResult struct {
	Recurred bool   `json:"recurred"`
	Notes    string `json:"notes"`
}

// RectificationRecheck is the form of rectification.recheck: the inspection side looks again at
// a signed-off item; a recurrence (with what was found) reopens it.
var RectificationRecheck = register(Form{
	Kind:  "rectification.recheck",
	Title: "整改回头看",
	Schema: json.RawMessage(fmt.Sprintf(`{"type":"object","required":["recurred","notes"],"additionalProperties":false,
"properties":{"recurred":{"type":"boolean","title":"问题是否反弹"},
"notes":{"type":"string","minLength":1,"maxLength":%d,"title":"回头看情况"}}}`, domain.MaxReasonText)),
	check: func(raw json.RawMessage, v *domain.Validation) any {
		var r RectificationRecheckResult
		if !decode(raw, &r, v) {
			return nil
		}
		r.Notes = strings.TrimSpace(r.Notes)
		if r.Notes == "" {
			v.AddCode("notes", domain.CodeRequired)
		} else if code, args := domain.CheckTextCode(r.Notes, domain.ReasonText); code != "" {
			v.AddCode("notes", code, args...)
		}
		return r
	},
})
