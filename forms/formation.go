package forms

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"tandem/domain"
)

// Member is one party member entered in the register with an application.
type Member struct {
	Name     string `json:"name"`
	Status   string `json:"status"` // formal | probationary
	HomeOrg  string `json:"home_org,omitempty"`
	JoinedOn string `json:"joined_on,omitempty"` // YYYY-MM-DD
}

// JointShare is one organization of a joint branch with its formal members.
type JointShare struct {
	USCC          string `json:"uscc"`
	FormalMembers int    `json:"formal_members"`
}

// ApplicationResult is the form of formation.application.
type ApplicationResult struct {
	Kind                domain.PartyOrgKind `json:"kind"`
	FormalMembers       int                 `json:"formal_members"`
	ProbationaryMembers int                 `json:"probationary_members"`
	Committee           bool                `json:"committee"`
	Members             []Member            `json:"members,omitempty"`
	Organizations       []JointShare        `json:"organizations,omitempty"`
	EndsOn              string              `json:"ends_on,omitempty"` // temporary branch: when its parent body ends
	Note                string              `json:"note,omitempty"`
}

// Application is the form of the application 请示 for a new party organization.
var Application = register(Form{
	Kind:  "formation.application",
	Title: "成立党组织请示",
	Schema: json.RawMessage(`{"type":"object","required":["kind","formal_members","probationary_members","committee"],"additionalProperties":false,
"properties":{"kind":{"type":"string","enum":["branch","general_branch","base_committee","joint","mobile","temporary"],"x-enum-titles":["党支部","党总支","基层党委","联合党支部","流动党员党支部","临时党支部"],"title":"党组织类型"},
"formal_members":{"type":"integer","minimum":0,"title":"正式党员数"},
"probationary_members":{"type":"integer","minimum":0,"title":"预备党员数"},
"committee":{"type":"boolean","title":"设立支部委员会"},
"members":{"type":"array","title":"党员名册","items":{"type":"object","title":"党员","required":["name","status"],"additionalProperties":false,
 "properties":{"name":{"type":"string","minLength":1,"maxLength":50,"title":"姓名"},"status":{"type":"string","enum":["formal","probationary"],"x-enum-titles":["正式党员","预备党员"],"title":"党员类别"},
 "home_org":{"type":"string","maxLength":200,"title":"组织关系所在党组织"},"joined_on":{"type":"string","format":"date","title":"入党日期"}}}},
"organizations":{"type":"array","maxItems":5,"title":"联合单位","items":{"type":"object","title":"联合单位","required":["uscc","formal_members"],"additionalProperties":false,
 "properties":{"uscc":{"type":"string","title":"统一社会信用代码"},"formal_members":{"type":"integer","minimum":0,"title":"正式党员数"}}}},
"ends_on":{"type":"string","format":"date","title":"临时党支部撤销日期"},
"note":{"type":"string","maxLength":1000,"title":"说明"}}}`),
	check: func(raw json.RawMessage, v *domain.Validation) any {
		var r ApplicationResult
		if !decode(raw, &r, v) {
			return nil
		}
		if !r.Kind.Valid() {
			v.AddCode("kind", domain.CodeNotAllowed, "branch、general_branch、base_committee、joint、mobile、temporary")
		}
		if r.FormalMembers < 0 {
			v.AddCode("formal_members", domain.CodeNegative)
		}
		if r.ProbationaryMembers < 0 {
			v.AddCode("probationary_members", domain.CodeNegative)
		}
		if len(r.Members) > 0 {
			formal, probationary := 0, 0
			seen := map[string]bool{}
			for i := range r.Members {
				m := &r.Members[i]
				m.Name, m.HomeOrg = strings.TrimSpace(m.Name), strings.TrimSpace(m.HomeOrg)
				field := fmt.Sprintf("members[%d]", i)
				if n := textLen(m.Name); n == 0 || n > domain.MaxPersonName {
					v.AddCode(field+".name", domain.CodeRequiredMaxLength, domain.MaxPersonName)
				} else if seen[m.Name] {
					v.AddCode(field+".name", domain.CodeDuplicate)
				}
				seen[m.Name] = true
				switch domain.MemberStatus(m.Status) {
				case domain.MemberFormal:
					formal++
				case domain.MemberProbationary:
					probationary++
				default:
					v.AddCode(field+".status", domain.CodeNotAllowed, "formal、probationary")
				}
				if m.JoinedOn != "" && !isDate(m.JoinedOn) {
					v.AddCode(field+".joined_on", domain.CodeBadDate)
				}
			}
			if formal != r.FormalMembers {
				v.AddCode("formal_members", domain.CodeRegisterFormal, formal)
			}
			if probationary != r.ProbationaryMembers {
				v.AddCode("probationary_members", domain.CodeRegisterProbationary, probationary)
			}
		}
		var joint map[string]int
		if r.Kind == domain.KindJoint {
			if len(r.Organizations) == 0 {
				v.AddCode("organizations", domain.CodeJointOrganizations)
			}
			joint = map[string]int{}
			for i, o := range r.Organizations {
				if _, err := domain.ParseUSCC(o.USCC); err != nil {
					v.AddCode(fmt.Sprintf("organizations[%d].uscc", i), domain.CodeBadUSCC)
				}
				if o.FormalMembers < 0 {
					v.AddCode(fmt.Sprintf("organizations[%d].formal_members", i), domain.CodeNegative)
				}
				joint[o.USCC] = o.FormalMembers
			}
		} else if len(r.Organizations) > 0 {
			v.AddCode("organizations", domain.CodeOnlyWith, "kind = joint")
		}
		if r.EndsOn != "" && (r.Kind != domain.KindTemporary || !isDate(r.EndsOn)) {
			v.AddCode("ends_on", domain.CodeEndsOn)
		}
		if textLen(r.Note) > domain.MaxNote {
			v.AddCode("note", domain.CodeMaxLength, domain.MaxNote)
		}
		if r.Kind.Valid() {
			domain.CheckApplication(domain.Application{Kind: r.Kind, FormalMembers: r.FormalMembers,
				ProbationaryMembers: r.ProbationaryMembers, Committee: r.Committee, JointFormal: joint}, v)
		}
		return r
	},
})

// Appointee is an officer appointed to a temporary branch.
type Appointee struct {
	Name string `json:"name"`
	Post string `json:"post"` // secretary | deputy_secretary | member
}

// DecisionResult is the form of every approve-or-return step.
type DecisionResult struct {
	Decision  string      `json:"decision"` // approve | return
	Reason    string      `json:"reason,omitempty"`
	Reference string      `json:"reference,omitempty"` // 文号
	Appointed []Appointee `json:"appointed,omitempty"` // approval of a temporary branch
}

// Approved reports whether the decision approves.
func (d DecisionResult) Approved() bool { return d.Decision == "approve" }

func decisionForm(kind, title string, appointees bool) Form {
	extra := ""
	if appointees {
		extra = `,"appointed":{"type":"array","title":"指定的负责人（临时党支部）","items":{"type":"object","title":"负责人","required":["name","post"],"additionalProperties":false,
 "properties":{"name":{"type":"string","minLength":1,"maxLength":50,"title":"姓名"},"post":{"type":"string","enum":["secretary","deputy_secretary","member"],"x-enum-titles":["书记","副书记","委员"],"title":"职务"}}}}`
	}
	return register(Form{
		Kind: kind, Title: title,
		Schema: json.RawMessage(`{"type":"object","required":["decision"],"additionalProperties":false,
"properties":{"decision":{"type":"string","enum":["approve","return"],"x-enum-titles":["同意","退回"],"title":"意见"},
"reason":{"type":"string","maxLength":1000,"title":"理由（退回时必填）"},
"reference":{"type":"string","maxLength":100,"title":"文号"}` + extra + `}}`),
		check: func(raw json.RawMessage, v *domain.Validation) any {
			var r DecisionResult
			if !decode(raw, &r, v) {
				return nil
			}
			r.Reason = strings.TrimSpace(r.Reason)
			switch r.Decision {
			case "approve":
			case "return":
				if r.Reason == "" {
					v.AddCode("reason", domain.CodeReturnReason)
				}
			default:
				v.AddCode("decision", domain.CodeNotAllowed, "approve、return")
			}
			if textLen(r.Reason) > domain.MaxNote {
				v.AddCode("reason", domain.CodeMaxLength, domain.MaxNote)
			}
			if textLen(r.Reference) > 100 {
				v.AddCode("reference", domain.CodeMaxLength, 100)
			}
			if !appointees && len(r.Appointed) > 0 {
				v.AddCode("appointed", domain.CodeUnknownField)
			}
			for i, a := range r.Appointed {
				if n := textLen(a.Name); n == 0 || n > domain.MaxPersonName {
					v.AddCode(fmt.Sprintf("appointed[%d].name", i), domain.CodeRequiredMaxLength, domain.MaxPersonName)
				}
				if a.Post != "secretary" && a.Post != "deputy_secretary" && a.Post != "member" {
					v.AddCode(fmt.Sprintf("appointed[%d].post", i), domain.CodeNotAllowed, "secretary、deputy_secretary、member")
				}
			}
			return r
		},
	})
}

// The approve-or-return steps.
var (
	Approval      = decisionForm("formation.approval", "成立党组织批复", true)
	Confirmation  = decisionForm("formation.confirmation", "选举结果批准与备案", false)
	Dissolution   = decisionForm("party_org.dissolution", "党组织撤销审批", false)
	Adjusting     = decisionForm("party_org.adjustment", "党组织调整审批", false)
	Rescheduling  = decisionForm("party_org.reschedule", "提前或延期换届审批", false)
	ReelectReview = decisionForm("party_org.reelection_review", "换届选举结果批准", false)
)

// ElectionResult is the form of formation.election and party_org.reelection.
type ElectionResult struct {
	VotingMembers int              `json:"voting_members"`
	Present       int              `json:"present"`
	Seats         int              `json:"seats"`
	Candidates    int              `json:"candidates"`
	Elected       []domain.Elected `json:"elected"`
	HeldOn        string           `json:"held_on,omitempty"`
}

// Domain returns the result for the election rules.
func (r ElectionResult) Domain() domain.Election {
	return domain.Election{VotingMembers: r.VotingMembers, Present: r.Present, Seats: r.Seats, Candidates: r.Candidates, Elected: r.Elected, HeldOn: r.HeldOn}
}

const electionSchema = `{"type":"object","required":["voting_members","present","seats","candidates","elected"],"additionalProperties":false,
"properties":{"voting_members":{"type":"integer","minimum":1,"title":"应到会有表决权党员数"},
"present":{"type":"integer","minimum":0,"title":"实到会人数"},
"seats":{"type":"integer","minimum":1,"maximum":7,"title":"应选名额"},
"candidates":{"type":"integer","minimum":1,"title":"候选人数"},
"elected":{"type":"array","minItems":1,"title":"当选人","items":{"type":"object","title":"当选人","required":["name","post","votes"],"additionalProperties":false,
 "properties":{"name":{"type":"string","minLength":1,"maxLength":50,"title":"姓名"},"post":{"type":"string","enum":["secretary","deputy_secretary","member"],"x-enum-titles":["书记","副书记","委员"],"title":"职务"},"votes":{"type":"integer","minimum":0,"title":"得票数"}}}},
"held_on":{"type":"string","format":"date","title":"选举日期"}}}`

func electionForm(kind, title string) Form {
	return register(Form{
		Kind: kind, Title: title, Schema: json.RawMessage(electionSchema),
		check: func(raw json.RawMessage, v *domain.Validation) any {
			var r ElectionResult
			if !decode(raw, &r, v) {
				return nil
			}
			if r.VotingMembers < 1 {
				v.AddCode("voting_members", domain.CodeMinValue, 1)
			}
			if r.Present < 0 {
				v.AddCode("present", domain.CodeNegative)
			}
			if r.Seats < 1 || r.Seats > domain.MaxCommitteeSeats {
				v.AddCode("seats", domain.CodeOutOfRange, 1, 7)
			}
			if r.Candidates < 1 {
				v.AddCode("candidates", domain.CodeMinValue, 1)
			}
			if len(r.Elected) == 0 {
				v.AddCode("elected", domain.CodeRequired)
			}
			for i := range r.Elected {
				r.Elected[i].Name = strings.TrimSpace(r.Elected[i].Name)
				if n := textLen(r.Elected[i].Name); n == 0 || n > domain.MaxPersonName {
					v.AddCode(fmt.Sprintf("elected[%d].name", i), domain.CodeRequiredMaxLength, domain.MaxPersonName)
				}
				if r.Elected[i].Votes < 0 {
					v.AddCode(fmt.Sprintf("elected[%d].votes", i), domain.CodeNegative)
				}
			}
			if r.HeldOn != "" && !isDate(r.HeldOn) {
				v.AddCode("held_on", domain.CodeBadDate)
			}
			return r
		},
	})
}

// The elections: the first one of a formation, and each re-election.
var (
	Election     = electionForm("formation.election", "党员大会选举")
	Reelection   = electionForm("party_org.reelection", "换届选举")
	reportSchema = `{"type":"object","required":["first_meeting_on"],"additionalProperties":false,
"properties":{"first_meeting_on":{"type":"string","format":"date","title":"第一次支委会（分工）日期"},
"duties":{"type":"array","title":"分工","items":{"type":"object","title":"委员分工","required":["name","duty"],"additionalProperties":false,
 "properties":{"name":{"type":"string","minLength":1,"maxLength":50,"title":"姓名"},"duty":{"type":"string","minLength":1,"maxLength":100,"title":"分工职责"}}}},
"note":{"type":"string","maxLength":1000,"title":"说明"}}}`
)

// ReportResult is the form of formation.report: the election-result report 选举结果报告.
type ReportResult struct {
	FirstMeetingOn string `json:"first_meeting_on"`
	Duties         []struct {
		Name string `json:"name"`
		Duty string `json:"duty"`
	} `json:"duties,omitempty"`
	Note string `json:"note,omitempty"`
}

// Report is the form of the election-result report.
var Report = register(Form{
	Kind: "formation.report", Title: "选举结果报告", Schema: json.RawMessage(reportSchema),
	check: func(raw json.RawMessage, v *domain.Validation) any {
		var r ReportResult
		if !decode(raw, &r, v) {
			return nil
		}
		if !isDate(r.FirstMeetingOn) {
			v.AddCode("first_meeting_on", domain.CodeRequiredDate)
		}
		for i, d := range r.Duties {
			if textLen(d.Name) == 0 || textLen(d.Duty) == 0 {
				v.AddCode(fmt.Sprintf("duties[%d]", i), domain.CodeDutyRequired)
			}
		}
		if textLen(r.Note) > domain.MaxNote {
			v.AddCode("note", domain.CodeMaxLength, domain.MaxNote)
		}
		return r
	},
})

// FilingResult is the form of formation.filing: the county organization department files it.
type FilingResult struct {
	Reference string `json:"reference"`
	Note      string `json:"note,omitempty"`
}

// Filing is the form of the filing with the county organization department 备案.
var Filing = register(Form{
	Kind: "formation.filing", Title: "报县级组织部门备案",
	Schema: json.RawMessage(`{"type":"object","required":["reference"],"additionalProperties":false,
"properties":{"reference":{"type":"string","minLength":1,"maxLength":100,"title":"备案文号"},"note":{"type":"string","maxLength":1000,"title":"说明"}}}`),
	check: func(raw json.RawMessage, v *domain.Validation) any {
		var r FilingResult
		if !decode(raw, &r, v) {
			return nil
		}
		if n := textLen(r.Reference); n == 0 || n > 100 {
			v.AddCode("reference", domain.CodeRequiredMaxLength, 100)
		}
		if textLen(r.Note) > domain.MaxNote {
			v.AddCode("note", domain.CodeMaxLength, domain.MaxNote)
		}
		return r
	},
})

func isDate(s string) bool {
	_, err := time.Parse(time.DateOnly, s)
	return err == nil
}
