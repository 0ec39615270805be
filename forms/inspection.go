package forms

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"tandem/domain"
)

// The forms of a special inspection round 专项督查 (#19).

// PlanReview is the form of inspection.plan_review: approve the round's plan (with its 文号)
// or return it to the drafter with a reason.
var PlanReview = decisionForm("inspection.plan_review", "督查方案审核", false)

// ObjectionResult is what the round's officer decides on a target's objection to a member.
type ObjectionResult struct {
	Decision    string `json:"decision"` // replace | overrule
	Replacement string `json:"replacement,omitempty"`
	Reason      string `json:"reason"`
}

// InspectionObjection is the form of inspection.objection.
var InspectionObjection = register(Form{
	Kind:  "inspection.objection",
	Title: "回避申请处理",
	Schema: json.RawMessage(`{"type":"object","required":["decision","reason"],"additionalProperties":false,
"properties":{"decision":{"type":"string","enum":["replace","overrule"],"x-enum-titles":["更换成员","驳回异议"],"title":"处理意见"},
"replacement":{"type":"string","maxLength":64,"title":"替换人员（用户名，替换时必填）"},
"reason":{"type":"string","minLength":1,"maxLength":1000,"title":"理由"}}}`),
	check: func(raw json.RawMessage, v *domain.Validation) any {
		var r ObjectionResult
		if !decode(raw, &r, v) {
			return nil
		}
		r.Replacement, r.Reason = strings.TrimSpace(r.Replacement), strings.TrimSpace(r.Reason)
		switch r.Decision {
		case "replace":
			if n := textLen(r.Replacement); n == 0 || n > domain.MaxUsernameLength {
				v.AddCode("replacement", domain.CodeRequiredMaxLength, domain.MaxUsernameLength)
			}
		case "overrule":
			if r.Replacement != "" {
				v.AddCode("replacement", domain.CodeOnlyWith, "decision = replace")
			}
		default:
			v.AddCode("decision", domain.CodeNotAllowed, "replace 替换、overrule 驳回")
		}
		if n := textLen(r.Reason); n == 0 || n > domain.MaxNote {
			v.AddCode("reason", domain.CodeRequiredMaxLength, domain.MaxNote)
		}
		return r
	},
})

// VisitFinding is one finding of a visit.
type VisitFinding struct {
	Category       string `json:"category"`
	Severity       string `json:"severity"` // 一般 | 较重 | 严重
	Description    string `json:"description"`
	Evidence       string `json:"evidence,omitempty"`
	FixedOnTheSpot bool   `json:"fixed_on_the_spot"`
}

// VisitResult is what the team's leader reports of a target's visit.
type VisitResult struct {
	MethodsDone []string       `json:"methods_done"`
	Notes       string         `json:"notes,omitempty"`
	Evidence    []string       `json:"evidence,omitempty"` // attachment IDs
	Findings    []VisitFinding `json:"findings"`
}

var visitSchema = fmt.Sprintf(`{"type":"object","required":["methods_done","findings"],"additionalProperties":false,
"properties":{"methods_done":{"type":"array","minItems":1,"maxItems":%[1]d,"title":"已采用的督查方式","items":{"type":"string","title":"督查方式","minLength":1,"maxLength":%[2]d}},
"notes":{"type":"string","maxLength":%[3]d,"title":"督查记录"},
"evidence":{"type":"array","maxItems":%[4]d,"title":"佐证材料（附件）","items":{"type":"string","title":"附件编号","minLength":1,"maxLength":64}},
"findings":{"type":"array","maxItems":%[5]d,"title":"发现问题","items":{"type":"object","title":"问题","required":["category","severity","description","fixed_on_the_spot"],"additionalProperties":false,
 "properties":{"category":{"type":"string","minLength":1,"maxLength":%[6]d,"title":"问题类别"},
 "severity":{"type":"string","enum":["一般","较重","严重"],"x-enum-titles":["一般","较重","严重"],"title":"严重程度"},
 "description":{"type":"string","minLength":1,"maxLength":%[7]d,"title":"问题描述"},
 "evidence":{"type":"string","maxLength":%[7]d,"title":"佐证"},
 "fixed_on_the_spot":{"type":"boolean","title":"立行立改"}}}}}}`,
	domain.MaxRoundMethods, domain.MaxMethodName, domain.MaxLongText, domain.MaxEvidenceItems, domain.MaxFindingsPerVisit,
	domain.MaxFindingCategory, domain.MaxReasonText)

// Visit is the form of inspection.visit.
var Visit = register(Form{
	Kind:   "inspection.visit",
	Title:  "实地督查：督查记录与问题清单",
	Schema: json.RawMessage(visitSchema),
	check: func(raw json.RawMessage, v *domain.Validation) any {
		var r VisitResult
		if !decode(raw, &r, v) {
			return nil
		}
		switch {
		case len(r.MethodsDone) == 0:
			v.AddCode("methods_done", domain.CodeRequired)
		case len(r.MethodsDone) > domain.MaxRoundMethods:
			v.AddCode("methods_done", domain.CodeTooMany, domain.MaxRoundMethods)
		}
		seen := map[string]bool{}
		for i := range r.MethodsDone {
			m := strings.TrimSpace(r.MethodsDone[i])
			r.MethodsDone[i] = m
			field := "methods_done[" + strconv.Itoa(i) + "]"
			if n := textLen(m); n == 0 || n > domain.MaxMethodName {
				v.AddCode(field, domain.CodeRequiredMaxLength, domain.MaxMethodName)
			} else if seen[m] {
				v.AddCode(field, domain.CodeDuplicate)
			}
			seen[m] = true
		}
		r.Notes = strings.TrimSpace(r.Notes)
		if code, args := domain.CheckTextCode(r.Notes, domain.LongText); code != "" {
			v.AddCode("notes", code, args...)
		}
		if len(r.Evidence) > domain.MaxEvidenceItems {
			v.AddCode("evidence", domain.CodeTooMany, domain.MaxEvidenceItems)
		}
		for i, e := range r.Evidence {
			if n := textLen(e); n == 0 || n > 64 {
				v.AddCode("evidence["+strconv.Itoa(i)+"]", domain.CodeRequiredMaxLength, 64)
			}
		}
		if r.Findings == nil {
			r.Findings = []VisitFinding{}
		}
		if len(r.Findings) > domain.MaxFindingsPerVisit {
			v.AddCode("findings", domain.CodeTooMany, domain.MaxFindingsPerVisit)
		}
		for i := range r.Findings {
			f := &r.Findings[i]
			field := "findings[" + strconv.Itoa(i) + "]"
			f.Category, f.Description, f.Evidence = strings.TrimSpace(f.Category), strings.TrimSpace(f.Description), strings.TrimSpace(f.Evidence)
			if n := textLen(f.Category); n == 0 || n > domain.MaxFindingCategory {
				v.AddCode(field+".category", domain.CodeRequiredMaxLength, domain.MaxFindingCategory)
			} else if code, args := domain.CheckTextCode(f.Category, domain.ShortText); code != "" {
				v.AddCode(field+".category", code, args...)
			}
			if !slices.Contains(domain.Severities, f.Severity) {
				v.AddCode(field+".severity", domain.CodeNotAllowed, strings.Join(domain.Severities, "、"))
			}
			if f.Description == "" {
				v.AddCode(field+".description", domain.CodeRequired)
			} else if code, args := domain.CheckTextCode(f.Description, domain.ReasonText); code != "" {
				v.AddCode(field+".description", code, args...)
			}
			if code, args := domain.CheckTextCode(f.Evidence, domain.ReasonText); code != "" {
				v.AddCode(field+".evidence", code, args...)
			}
		}
		return r
	},
})

// FeedbackResult is the feedback 反馈意见 the leader compiles for a target.
type FeedbackResult struct {
	Feedback string `json:"feedback"`
}

// Feedback is the form of inspection.feedback.
var Feedback = register(Form{
	Kind:  "inspection.feedback",
	Title: "督查反馈意见",
	Schema: json.RawMessage(fmt.Sprintf(`{"type":"object","required":["feedback"],"additionalProperties":false,
"properties":{"feedback":{"type":"string","minLength":1,"maxLength":%d,"title":"反馈意见"}}}`, domain.MaxLongText)),
	check: func(raw json.RawMessage, v *domain.Validation) any {
		var r FeedbackResult
		if !decode(raw, &r, v) {
			return nil
		}
		r.Feedback = strings.TrimSpace(r.Feedback)
		if r.Feedback == "" {
			v.AddCode("feedback", domain.CodeRequired)
		} else if code, args := domain.CheckTextCode(r.Feedback, domain.LongText); code != "" {
			v.AddCode("feedback", code, args...)
		}
		return r
	},
})
