package forms

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"

	"tandem/domain"
)

// SelfResult is the form of assessment.self: the unit's own marks with its evidence (files go
// on the task as attachments).
type SelfResult struct {
	domain.Marks
	Evidence string `json:"evidence"`
}

// ScoreResult is the form of assessment.score: the parent unit's marks.
type ScoreResult struct {
	domain.Marks
	Note string `json:"note,omitempty"`
}

// Adjustment changes one mark at review, with its reason.
type Adjustment struct {
	Code   string  `json:"code"`  // a people indicator, deduction or bonus item
	Value  float64 `json:"value"` // the new score or points
	Reason string  `json:"reason"`
}

// ReviewResult is the form of assessment.review: the officer's review of the appraisal outcome.
type ReviewResult struct {
	Decision    string       `json:"decision"` // approve | adjust | return
	Adjustments []Adjustment `json:"adjustments,omitempty"`
	Reason      string       `json:"reason,omitempty"`
}

const marksSchema = `"scores":{"type":"object","additionalProperties":{"type":"number","minimum":0,"maximum":100,"title":"得分"},"title":"评分（由人评分的指标）"},
"deductions":{"type":"object","additionalProperties":{"type":"number","minimum":0,"title":"扣分分值"},"title":"扣分"},
"bonus":{"type":"object","additionalProperties":{"type":"number","minimum":0,"title":"加分分值"},"title":"加分"},
"vetoes":{"type":"array","items":{"type":"string","title":"否决项代码"},"title":"一票否决"}`

func checkMarks(m domain.Marks, v *domain.Validation) {
	for name, vals := range map[string]map[string]float64{"scores": m.Scores, "deductions": m.Deductions, "bonus": m.Bonus} {
		for code, x := range vals {
			if math.IsNaN(x) || x < 0 || (name == "scores" && x > 100) {
				v.AddCode(name+"."+code, domain.CodeOutOfScale)
			}
		}
	}
}

// Self is the form of a unit's self-assessment 自评.
var Self = register(Form{
	Kind: "assessment.self", Title: "半年考核：自评",
	Schema: json.RawMessage(`{"type":"object","required":["scores","evidence"],"additionalProperties":false,"properties":{` + marksSchema + `,
"evidence":{"type":"string","minLength":1,"maxLength":5000,"title":"自评说明与佐证（附件请上传到任务）"}}}`),
	check: func(raw json.RawMessage, v *domain.Validation) any {
		var r SelfResult
		if !decode(raw, &r, v) {
			return nil
		}
		checkMarks(r.Marks, v)
		if n := textLen(r.Evidence); n == 0 || n > domain.MaxEvidenceText {
			v.AddCode("evidence", domain.CodeRequiredMaxLength, domain.MaxEvidenceText)
		}
		return r
	},
})

// Score is the form of the parent unit's scoring 评分.
var Score = register(Form{
	Kind: "assessment.score", Title: "半年考核：上级评分",
	Schema: json.RawMessage(`{"type":"object","required":["scores"],"additionalProperties":false,"properties":{` + marksSchema + `,
"note":{"type":"string","maxLength":2000,"title":"评分说明"}}}`),
	check: func(raw json.RawMessage, v *domain.Validation) any {
		var r ScoreResult
		if !decode(raw, &r, v) {
			return nil
		}
		checkMarks(r.Marks, v)
		if textLen(r.Note) > domain.MaxReasonText {
			v.AddCode("note", domain.CodeMaxLength, domain.MaxReasonText)
		}
		return r
	},
})

// Review is the form of the officer's review of the appraisal outcome 考核结果审核.
var Review = register(Form{
	Kind: "assessment.review", Title: "半年考核：考核结果审核",
	Schema: json.RawMessage(`{"type":"object","required":["decision"],"additionalProperties":false,
"properties":{"decision":{"type":"string","enum":["approve","adjust","return"],"x-enum-titles":["通过","调整后通过","退回"],"title":"审核意见"},
"adjustments":{"type":"array","title":"调整（每项须说明理由）","items":{"type":"object","title":"调整项","required":["code","value","reason"],"additionalProperties":false,
 "properties":{"code":{"type":"string","title":"指标或扣分、加分项代码"},"value":{"type":"number","minimum":0,"title":"调整后的分值"},"reason":{"type":"string","minLength":1,"maxLength":1000,"title":"调整理由"}}}},
"reason":{"type":"string","maxLength":1000,"title":"理由（退回时必填）"}}}`),
	check: func(raw json.RawMessage, v *domain.Validation) any {
		var r ReviewResult
		if !decode(raw, &r, v) {
			return nil
		}
		switch r.Decision {
		case "approve":
			if len(r.Adjustments) > 0 {
				v.AddCode("adjustments", domain.CodeOnlyWith, "decision = adjust")
			}
		case "adjust":
			if len(r.Adjustments) == 0 {
				v.AddCode("adjustments", domain.CodeRequiredWith, "decision = adjust")
			}
		case "return":
			if strings.TrimSpace(r.Reason) == "" {
				v.AddCode("reason", domain.CodeReturnReason)
			}
		default:
			v.AddCode("decision", domain.CodeNotAllowed, "approve、adjust、return")
		}
		for i, a := range r.Adjustments {
			if strings.TrimSpace(a.Code) == "" {
				v.AddCode(fmt.Sprintf("adjustments[%d].code", i), domain.CodeRequired)
			}
			if math.IsNaN(a.Value) || a.Value < 0 || a.Value > 100 {
				v.AddCode(fmt.Sprintf("adjustments[%d].value", i), domain.CodeOutOfRange, 0, 100)
			}
			if n := textLen(a.Reason); n == 0 || n > domain.MaxNote {
				v.AddCode(fmt.Sprintf("adjustments[%d].reason", i), domain.CodeRequiredMaxLength, domain.MaxNote)
			}
		}
		if textLen(r.Reason) > domain.MaxNote {
			v.AddCode("reason", domain.CodeMaxLength, domain.MaxNote)
		}
		return r
	},
})

// Apply returns the marks with the adjustments applied; codes the scheme does not know are
// reported in v, and the result is checked against the scheme.
func Apply(s domain.Scheme, m domain.Marks, adj []Adjustment, v *domain.Validation) domain.Marks {
	out := m.Copy()
	for i, a := range adj {
		if !s.Adjust(&out, a.Code, a.Value) {
			v.AddCode(fmt.Sprintf("adjustments[%d].code", i), domain.CodeNotInScheme)
		}
	}
	s.CheckMarks(out, true, v)
	return out
}
