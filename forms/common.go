package forms

import (
	"encoding/json"

	"tandem/domain"
)

// acknowledgeForm is the form of a task that a person only confirms, with an optional note.
func acknowledgeForm(kind, title, label string) Form {
	return register(Form{
		Kind: kind, Title: title,
		Schema: json.RawMessage(`{"type":"object","required":["acknowledged"],"additionalProperties":false,
"properties":{"acknowledged":{"type":"boolean","const":true,"title":"` + label + `"},"note":{"type":"string","maxLength":500,"title":"备注"}}}`),
		check: func(raw json.RawMessage, v *domain.Validation) any {
			var r struct {
				Acknowledged *bool  `json:"acknowledged"`
				Note         string `json:"note,omitempty"`
			}
			if !decode(raw, &r, v) {
				return nil
			}
			if r.Acknowledged == nil {
				v.AddCode("acknowledged", domain.CodeRequired)
			} else if !*r.Acknowledged {
				v.AddCode("acknowledged", domain.CodeMustBeTrue)
			}
			if textLen(r.Note) > 500 {
				v.AddCode("note", domain.CodeMaxLength, 500)
			}
			return r
		},
	})
}

// The acknowledgements: a drill task (the person confirms they received it), and a county's
// monthly bulletin (its officer has read it).
var (
	DrillAcknowledge = acknowledgeForm("drill.acknowledge", "任务演练：确认收到", "已收到")
	BulletinAck      = acknowledgeForm("bulletin.acknowledge", "月度通报：阅知", "已阅")
)

// EscalationResult is what a superior's officer answers about an overdue task.
type EscalationResult struct {
	Action            string `json:"action"` // noted | extend
	ExtendWorkingDays int    `json:"extend_working_days,omitempty"`
	Note              string `json:"note"`
}

// Escalation is the form of an escalation task: note it, or grant more working days.
var Escalation = register(Form{
	Kind:  domain.TaskKindEscalation,
	Title: "逾期督办",
	Schema: json.RawMessage(`{"type":"object","required":["action","note"],"additionalProperties":false,
"properties":{"action":{"type":"string","enum":["noted","extend"],"x-enum-titles":["已督办（不延期）","延长期限"],"title":"处理方式"},
"extend_working_days":{"type":"integer","minimum":1,"maximum":30,"title":"延长工作日数"},
"note":{"type":"string","minLength":1,"maxLength":1000,"title":"督办意见"}}}`),
	check: func(raw json.RawMessage, v *domain.Validation) any {
		var r EscalationResult
		if !decode(raw, &r, v) {
			return nil
		}
		switch r.Action {
		case "noted":
			if r.ExtendWorkingDays != 0 {
				v.AddCode("extend_working_days", domain.CodeOnlyWith, "action = extend")
			}
		case "extend":
			if r.ExtendWorkingDays < domain.MinExtensionWorkingDays || r.ExtendWorkingDays > domain.MaxExtensionWorkingDays {
				v.AddCode("extend_working_days", domain.CodeOutOfRange, domain.MinExtensionWorkingDays, domain.MaxExtensionWorkingDays)
			}
		default:
			v.AddCode("action", domain.CodeNotAllowed, "noted、extend")
		}
		if n := textLen(r.Note); n == 0 || n > domain.MaxNote {
			v.AddCode("note", domain.CodeRequiredMaxLength, domain.MaxNote)
		}
		return r
	},
})

// AssignmentResult is what an officer of the unit above answers on a task.assignment task: who
// takes the task of a unit where nobody holds its role.
type AssignmentResult struct {
	Assignee string `json:"assignee"`
	Note     string `json:"note,omitempty"`
}

// Assignment is the form of a task.assignment task (an engine task: completing it assigns the
// task it is about).
var Assignment = register(Form{
	Kind:  domain.TaskKindAssignment,
	Title: "无人承办任务：指派承办人",
	Schema: json.RawMessage(`{"type":"object","required":["assignee"],"additionalProperties":false,
"properties":{"assignee":{"type":"string","minLength":1,"maxLength":64,"title":"承办人（用户名）"},
"note":{"type":"string","maxLength":1000,"title":"备注"}}}`),
	check: func(raw json.RawMessage, v *domain.Validation) any {
		var r AssignmentResult
		if !decode(raw, &r, v) {
			return nil
		}
		if n := textLen(r.Assignee); n == 0 || n > domain.MaxUsernameLength {
			v.AddCode("assignee", domain.CodeRequiredMaxLength, domain.MaxUsernameLength)
		}
		if textLen(r.Note) > domain.MaxNote {
			v.AddCode("note", domain.CodeMaxLength, domain.MaxNote)
		}
		return r
	},
})

// ExtensionDecision is what the approver answers on a task.extension task.
type ExtensionDecision struct {
	Decision string `json:"decision"` // grant | refuse
	Reason   string `json:"reason,omitempty"`
}

// Extension is the form of a task.extension task (an engine task: completing it decides the
// requested deadline extension).
var Extension = register(Form{
	Kind:  domain.TaskKindExtension,
	Title: "延期申请：审批",
	Schema: json.RawMessage(`{"type":"object","required":["decision"],"additionalProperties":false,
"properties":{"decision":{"type":"string","enum":["grant","refuse"],"x-enum-titles":["同意","不同意"],"title":"审批意见"},
"reason":{"type":"string","maxLength":1000,"title":"理由（不同意时必填）"}}}`),
	check: func(raw json.RawMessage, v *domain.Validation) any {
		var r ExtensionDecision
		if !decode(raw, &r, v) {
			return nil
		}
		switch r.Decision {
		case "grant":
		case "refuse":
			if textLen(r.Reason) == 0 {
				v.AddCode("reason", domain.CodeReturnReason)
			}
		default:
			v.AddCode("decision", domain.CodeNotAllowed, "grant（同意）、refuse（不同意）")
		}
		if textLen(r.Reason) > domain.MaxNote {
			v.AddCode("reason", domain.CodeMaxLength, domain.MaxNote)
		}
		return r
	},
})
