package forms

import (
	"encoding/json"
	"fmt"
	"strings"

	"tandem/domain"
)

// The forms of a demonstration point 示范点 (#19): the city's file review, the site visit, the
// decision, and the answer to an objection lodged during the public notice.

// DemonstrationChoice is a choice between two answers with a reason (the file review, the
// decision, the answer to an objection).
type DemonstrationChoice struct {
	Decision string `json:"decision"`
	Reason   string `json:"reason"`
}

// choiceForm is a two-way decision; the reason is required always, or only for the no.
func choiceForm(kind, title, yes, yesTitle, no, noTitle, reasonTitle string, reasonAlways bool) Form {
	required := `["decision"]`
	if reasonAlways {
		required = `["decision","reason"]`
	}
	return register(Form{
		Kind: kind, Title: title,
		Schema: json.RawMessage(fmt.Sprintf(`{"type":"object","required":%s,"additionalProperties":false,
"properties":{"decision":{"type":"string","enum":[%q,%q],"x-enum-titles":[%q,%q],"title":"意见"},
"reason":{"type":"string","maxLength":%d,"title":%q}}}`, required, yes, no, yesTitle, noTitle, domain.MaxNote, reasonTitle)),
		check: func(raw json.RawMessage, v *domain.Validation) any {
			var r DemonstrationChoice
			if !decode(raw, &r, v) {
				return nil
			}
			r.Reason = strings.TrimSpace(r.Reason)
			switch r.Decision {
			case yes, no:
			default:
				v.AddCode("decision", domain.CodeNotAllowed, yes+" "+yesTitle+"、"+no+" "+noTitle)
			}
			switch {
			case r.Reason == "" && (reasonAlways || r.Decision == no):
				v.AddCode("reason", domain.CodeRequired)
			case textLen(r.Reason) > domain.MaxNote:
				v.AddCode("reason", domain.CodeMaxLength, domain.MaxNote)
			default:
				if code, args := domain.CheckTextCode(r.Reason, domain.ReasonText); code != "" {
					v.AddCode("reason", code, args...)
				}
			}
			return r
		},
	})
}

// DemonstrationReview is the form of demonstration.review: the city's officer passes the files or
// rejects the nomination with a reason.
var DemonstrationReview = choiceForm("demonstration.review", "示范点材料审核", "pass", "通过", "reject", "不通过", "理由（不通过时必填）", false)

// DemonstrationDecision is the form of demonstration.decision: the city's officer names the point
// for public notice 公示 or rejects it, with a reason.
var DemonstrationDecision = choiceForm("demonstration.decision", "示范点评定", "name", "拟命名并公示", "reject", "不予命名", "理由", true)

// DemonstrationObjectionAnswer is the form of demonstration.objection: the city's officer upholds
// the objection (the point is rejected) or dismisses it (the notice continues), with an answer.
var DemonstrationObjectionAnswer = choiceForm("demonstration.objection", "示范点公示异议处理", "uphold", "异议成立", "dismiss", "异议不成立", "答复意见", true)

// DemonstrationVisitResult is the site visit's 实地考察 score and notes.
type DemonstrationVisitResult struct {
	Score int    `json:"score"`
	Notes string `json:"notes"`
}

// DemonstrationVisit is the form of demonstration.visit.
var DemonstrationVisit = register(Form{
	Kind:  "demonstration.visit",
	Title: "示范点实地考察",
	Schema: json.RawMessage(fmt.Sprintf(`{"type":"object","required":["score","notes"],"additionalProperties":false,
"properties":{"score":{"type":"integer","minimum":0,"maximum":100,"title":"考察评分（0–100）"},
"notes":{"type":"string","minLength":1,"maxLength":%d,"title":"考察情况"}}}`, domain.MaxReasonText)),
	check: func(raw json.RawMessage, v *domain.Validation) any {
		var r DemonstrationVisitResult
		if !decode(raw, &r, v) {
			return nil
		}
		if r.Score < 0 || r.Score > 100 {
			v.AddCode("score", domain.CodeOutOfRange, 0, 100)
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

// DemonstrationRecheckResult is the yearly re-check's decision.
type DemonstrationRecheckResult struct {
	Decision string `json:"decision"` // keep | warn | revoke
	Reason   string `json:"reason"`
}

// DemonstrationRecheck is the form of demonstration.recheck: the city's officer keeps the title,
// warns (fix within a term, then checked again) or revokes it 摘牌, with a reason.
var DemonstrationRecheck = register(Form{
	Kind:  "demonstration.recheck",
	Title: "示范点年度复查",
	Schema: json.RawMessage(fmt.Sprintf(`{"type":"object","required":["decision","reason"],"additionalProperties":false,
"properties":{"decision":{"type":"string","enum":["keep","warn","revoke"],"x-enum-titles":["保留","限期整改","摘牌"],"title":"复查结论"},
"reason":{"type":"string","minLength":1,"maxLength":%d,"title":"复查情况"}}}`, domain.MaxNote)),
	check: func(raw json.RawMessage, v *domain.Validation) any {
		var r DemonstrationRecheckResult
		if !decode(raw, &r, v) {
			return nil
		}
		if r.Decision != "keep" && r.Decision != "warn" && r.Decision != "revoke" {
			v.AddCode("decision", domain.CodeNotAllowed, "keep 保留、warn 限期整改、revoke 摘牌")
		}
		r.Reason = strings.TrimSpace(r.Reason)
		switch {
		case r.Reason == "":
			v.AddCode("reason", domain.CodeRequired)
		case textLen(r.Reason) > domain.MaxNote:
			v.AddCode("reason", domain.CodeMaxLength, domain.MaxNote)
		default:
			if code, args := domain.CheckTextCode(r.Reason, domain.ReasonText); code != "" {
				v.AddCode("reason", code, args...)
			}
		}
		return r
	},
})
