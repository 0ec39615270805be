package forms

import (
	"encoding/json"
	"strings"

	"tandem/domain"
)

// DeliveryResult is the form of delivery.upload: the liaison names the roster import of the
// month's extract (uploaded through POST /roster-imports).
type DeliveryResult struct {
	ImportID string `json:"import_id"`
	Note     string `json:"note,omitempty"`
}

// Delivery is the form of a department's monthly delivery 数据对接.
var Delivery = register(Form{
	Kind: "delivery.upload", Title: "报送本月数据",
	Schema: json.RawMessage(`{"type":"object","required":["import_id"],"additionalProperties":false,
"properties":{"import_id":{"type":"string","minLength":1,"title":"名册导入编号（先上传：POST /roster-imports）"},"note":{"type":"string","maxLength":1000,"title":"说明"}}}`),
	check: func(raw json.RawMessage, v *domain.Validation) any {
		var r DeliveryResult
		if !decode(raw, &r, v) {
			return nil
		}
		r.ImportID = strings.TrimSpace(r.ImportID)
		if r.ImportID == "" {
			v.AddCode("import_id", domain.CodeImportRequired)
		}
		if textLen(r.Note) > domain.MaxNote {
			v.AddCode("note", domain.CodeMaxLength, domain.MaxNote)
		}
		return r
	},
})

// DraftResult is the form of analysis.draft: the county's written quarterly analysis.
type DraftResult struct {
	Text string `json:"text"`
}

// Draft is the form of the quarterly analysis a county's officer writes.
var Draft = register(Form{
	Kind: "analysis.draft", Title: "季度分析：撰写",
	Schema: json.RawMessage(`{"type":"object","required":["text"],"additionalProperties":false,
"properties":{"text":{"type":"string","minLength":1,"maxLength":20000,"title":"分析报告（覆盖率趋势、问题清单、整改措施）"}}}`),
	check: func(raw json.RawMessage, v *domain.Validation) any {
		var r DraftResult
		if !decode(raw, &r, v) {
			return nil
		}
		if n := textLen(r.Text); n == 0 || n > 20000 {
			v.AddCode("text", domain.CodeRequiredMaxLength, 20000)
		}
		return r
	},
})

// AnalysisReview is the form of analysis.review: the parent unit's officer approves or returns.
var AnalysisReview = decisionForm("analysis.review", "季度分析：审核", false)
