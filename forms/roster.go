package forms

import (
	"encoding/json"
	"strings"

	"tandem/domain"
)

// ConfirmMissingResult is the form of roster.confirm_missing: an admin (or an officer of the
// city unit) confirms that a source's extract leaves out the organizations it would flag
// missing, or rejects it (nothing merges; the department delivers again).
type ConfirmMissingResult struct {
	Decision string `json:"decision"` // confirm | reject
	Reason   string `json:"reason"`
}

// Confirmed reports whether the extract is to merge.
func (r ConfirmMissingResult) Confirmed() bool { return r.Decision == "confirm" }

// ConfirmMissing is the form of the mass-missing gate's confirmation.
var ConfirmMissing = register(Form{
	Kind: "roster.confirm_missing", Title: "名册缺失确认",
	Schema: json.RawMessage(`{"type":"object","required":["decision","reason"],"additionalProperties":false,
"properties":{"decision":{"type":"string","enum":["confirm","reject"],"x-enum-titles":["确认合并（标记缺失）","驳回（部门重新报送）"],"title":"确认合并（标记缺失）或驳回"},
"reason":{"type":"string","minLength":1,"maxLength":1000,"title":"理由（例如已与部门核实）"}}}`),
	check: func(raw json.RawMessage, v *domain.Validation) any {
		var r ConfirmMissingResult
		if !decode(raw, &r, v) {
			return nil
		}
		r.Reason = strings.TrimSpace(r.Reason)
		if r.Decision != "confirm" && r.Decision != "reject" {
			v.AddCode("decision", domain.CodeNotAllowed, "confirm、reject")
		}
		if n := textLen(r.Reason); n == 0 || n > domain.MaxNote {
			v.AddCode("reason", domain.CodeRequiredMaxLength, domain.MaxNote)
		}
		return r
	},
})
