package forms

import (
	"encoding/json"
	"fmt"
	"strings"

	"tandem/domain"
)

// VerifyResult is the form of census.verify: what the field visit found.
type VerifyResult struct {
	Operating           *bool    `json:"operating"`
	Employees           *int     `json:"employees"`
	FormalMembers       *int     `json:"formal_members"`
	ProbationaryMembers *int     `json:"probationary_members"`
	PartyOrg            string   `json:"party_org"` // none | single | joint | regional
	FixedPremises       *bool    `json:"fixed_premises,omitempty"`
	OwnerIsMember       *bool    `json:"owner_is_member,omitempty"`
	Instructor          string   `json:"instructor,omitempty"`
	Members             []Member `json:"members,omitempty"`
	Note                string   `json:"note,omitempty"`
}

// Verify is the form of a census verification 实地走访复核.
var Verify = register(Form{
	Kind: "census.verify", Title: "实地走访复核",
	Schema: json.RawMessage(`{"type":"object","required":["operating","employees","formal_members","probationary_members","party_org"],"additionalProperties":false,
"properties":{"operating":{"type":"boolean","title":"是否实际运营"},
"employees":{"type":"integer","minimum":0,"title":"从业人数"},
"formal_members":{"type":"integer","minimum":0,"title":"正式党员数"},
"probationary_members":{"type":"integer","minimum":0,"title":"预备党员数"},
"party_org":{"type":"string","enum":["none","single","joint","regional"],"x-enum-titles":["无","单独组建","联合组建","区域兜底"],"title":"已有党组织"},
"fixed_premises":{"type":"boolean","title":"有固定经营场所"},
"owner_is_member":{"type":"boolean","title":"出资人（负责人）是党员"},
"instructor":{"type":"string","maxLength":50,"title":"党建指导员"},
"members":{"type":"array","title":"党员名册","items":{"type":"object","title":"党员","required":["name","status"],"additionalProperties":false,
 "properties":{"name":{"type":"string","minLength":1,"maxLength":50,"title":"姓名"},"status":{"type":"string","enum":["formal","probationary"],"x-enum-titles":["正式党员","预备党员"],"title":"党员类别"},
 "home_org":{"type":"string","maxLength":200,"title":"组织关系所在党组织"},"joined_on":{"type":"string","format":"date","title":"入党日期"}}}},
"note":{"type":"string","maxLength":1000,"title":"备注"}}}`),
	check: func(raw json.RawMessage, v *domain.Validation) any {
		var r VerifyResult
		if !decode(raw, &r, v) {
			return nil
		}
		if r.Operating == nil {
			v.AddCode("operating", domain.CodeRequired)
		}
		for _, f := range []struct {
			name string
			n    *int
		}{{"employees", r.Employees}, {"formal_members", r.FormalMembers}, {"probationary_members", r.ProbationaryMembers}} {
			switch {
			case f.n == nil:
				v.AddCode(f.name, domain.CodeRequired)
			case *f.n < 0:
				v.AddCode(f.name, domain.CodeNegative)
			case *f.n > 1_000_000:
				v.AddCode(f.name, domain.CodeMaxValue, 1000000)
			}
		}
		switch domain.Coverage(r.PartyOrg) {
		case domain.CoverageNone, domain.CoverageSingle, domain.CoverageJoint, domain.CoverageRegional:
		default:
			v.AddCode("party_org", domain.CodeNotAllowed, "none、single、joint、regional")
		}
		r.Instructor = strings.TrimSpace(r.Instructor)
		if textLen(r.Instructor) > domain.MaxPersonName {
			v.AddCode("instructor", domain.CodeMaxLength, domain.MaxPersonName)
		}
		if textLen(r.Note) > domain.MaxNote {
			v.AddCode("note", domain.CodeMaxLength, domain.MaxNote)
		}
		if len(r.Members) > 0 && r.FormalMembers != nil && r.ProbationaryMembers != nil {
			formal, probationary := 0, 0
			for i := range r.Members {
				m := &r.Members[i]
				m.Name, m.HomeOrg = strings.TrimSpace(m.Name), strings.TrimSpace(m.HomeOrg)
				if n := textLen(m.Name); n == 0 || n > domain.MaxPersonName {
					v.AddCode(fmt.Sprintf("members[%d].name", i), domain.CodeRequiredMaxLength, domain.MaxPersonName)
				}
				switch domain.MemberStatus(m.Status) {
				case domain.MemberFormal:
					formal++
				case domain.MemberProbationary:
					probationary++
				default:
					v.AddCode(fmt.Sprintf("members[%d].status", i), domain.CodeNotAllowed, "formal、probationary")
				}
				if m.JoinedOn != "" && !isDate(m.JoinedOn) {
					v.AddCode(fmt.Sprintf("members[%d].joined_on", i), domain.CodeBadDate)
				}
			}
			if formal != *r.FormalMembers || probationary != *r.ProbationaryMembers {
				v.AddCode("members", domain.CodeRegisterCounts, formal, probationary)
			}
		}
		return r
	},
})

// AssignResult is the form of census.assign: the county names the responsible township.
type AssignResult struct {
	UnitID string `json:"unit_id"`
	Reason string `json:"reason"`
}

// Assign is the form for an organization without a responsible region unit.
var Assign = register(Form{
	Kind: "census.assign", Title: "指定属地责任单位",
	Schema: json.RawMessage(`{"type":"object","required":["unit_id","reason"],"additionalProperties":false,
"properties":{"unit_id":{"type":"string","title":"属地乡镇（街道）或园区"},"reason":{"type":"string","minLength":1,"maxLength":500,"title":"依据"}}}`),
	check: func(raw json.RawMessage, v *domain.Validation) any {
		var r AssignResult
		if !decode(raw, &r, v) {
			return nil
		}
		if strings.TrimSpace(r.UnitID) == "" {
			v.AddCode("unit_id", domain.CodeRequired)
		}
		if n := textLen(r.Reason); n == 0 || n > domain.MaxDecisionReason {
			v.AddCode("reason", domain.CodeRequiredMaxLength, domain.MaxDecisionReason)
		}
		return r
	},
})

// AttachResult is the form of coverage.attach: a joint branch or a regional organization.
type AttachResult struct {
	Method      string `json:"method"`                 // joint | regional
	PartyOrgID  string `json:"party_org_id,omitempty"` // an active joint or regional party organization in Tandem
	RegionalOrg string `json:"regional_org,omitempty"` // or the name of a regional organization outside Tandem
	Note        string `json:"note,omitempty"`
}

// Attach is the form for an organization with one or two formal members.
var Attach = register(Form{
	Kind: "coverage.attach", Title: "纳入联合党支部或区域党组织",
	Schema: json.RawMessage(`{"type":"object","required":["method"],"additionalProperties":false,
"properties":{"method":{"type":"string","enum":["joint","regional"],"x-enum-titles":["联合党支部","区域党组织"],"title":"覆盖方式"},
"party_org_id":{"type":"string","title":"联合党支部（系统内）"},
"regional_org":{"type":"string","maxLength":100,"title":"区域党组织名称（园区、楼宇、商圈、社区）"},
"note":{"type":"string","maxLength":1000,"title":"备注"}}}`),
	check: func(raw json.RawMessage, v *domain.Validation) any {
		var r AttachResult
		if !decode(raw, &r, v) {
			return nil
		}
		r.RegionalOrg = strings.TrimSpace(r.RegionalOrg)
		switch domain.Coverage(r.Method) {
		case domain.CoverageJoint:
			if r.PartyOrgID == "" {
				v.AddCode("party_org_id", domain.CodeJointOrgRequired)
			}
		case domain.CoverageRegional:
			if r.PartyOrgID == "" && r.RegionalOrg == "" {
				v.AddCode("regional_org", domain.CodeRegionalOrgRequired)
			}
		default:
			v.AddCode("method", domain.CodeNotAllowed, "joint、regional")
		}
		if textLen(r.RegionalOrg) > 100 {
			v.AddCode("regional_org", domain.CodeMaxLength, 100)
		}
		if textLen(r.Note) > domain.MaxNote {
			v.AddCode("note", domain.CodeMaxLength, domain.MaxNote)
		}
		return r
	},
})

// WorkCoverageResult is the form of coverage.instructor: work coverage without members.
type WorkCoverageResult struct {
	Means      string `json:"means"` // instructor | liaison | union | youth_league
	Instructor string `json:"instructor"`
	Note       string `json:"note,omitempty"`
}

// WorkCoverage is the form for an organization without party members.
var WorkCoverage = register(Form{
	Kind: "coverage.instructor", Title: "选派党建指导员（工作覆盖）",
	Schema: json.RawMessage(`{"type":"object","required":["means","instructor"],"additionalProperties":false,
"properties":{"means":{"type":"string","enum":["instructor","liaison","union","youth_league"],"x-enum-titles":["选派党建指导员","选派党建联络员","工会组织覆盖","共青团组织覆盖"],"title":"覆盖方式"},
"instructor":{"type":"string","minLength":1,"maxLength":50,"title":"党建指导员（联络员）"},"note":{"type":"string","maxLength":1000,"title":"备注"}}}`),
	check: func(raw json.RawMessage, v *domain.Validation) any {
		var r WorkCoverageResult
		if !decode(raw, &r, v) {
			return nil
		}
		switch r.Means {
		case "instructor", "liaison", "union", "youth_league":
		default:
			v.AddCode("means", domain.CodeNotAllowed, "instructor、liaison、union、youth_league")
		}
		r.Instructor = strings.TrimSpace(r.Instructor)
		if n := textLen(r.Instructor); n == 0 || n > domain.MaxPersonName {
			v.AddCode("instructor", domain.CodeRequiredMaxLength, domain.MaxPersonName)
		}
		if textLen(r.Note) > domain.MaxNote {
			v.AddCode("note", domain.CodeMaxLength, domain.MaxNote)
		}
		return r
	},
})

// FollowUpResult is the form of survey.followup: the township follows up an unanswered survey.
type FollowUpResult struct {
	Reached             bool   `json:"reached"`
	FormalMembers       *int   `json:"formal_members,omitempty"`
	ProbationaryMembers *int   `json:"probationary_members,omitempty"`
	Note                string `json:"note"`
}

// FollowUp is the form of the follow-up of an unanswered registration survey.
var FollowUp = register(Form{
	Kind: "survey.followup", Title: "登记调查表未回复：跟进",
	Schema: json.RawMessage(`{"type":"object","required":["reached","note"],"additionalProperties":false,
"properties":{"reached":{"type":"boolean","title":"已联系上"},"formal_members":{"type":"integer","minimum":0,"title":"正式党员数"},
"probationary_members":{"type":"integer","minimum":0,"title":"预备党员数"},"note":{"type":"string","minLength":1,"maxLength":1000,"title":"跟进情况"}}}`),
	check: func(raw json.RawMessage, v *domain.Validation) any {
		var r FollowUpResult
		if !decode(raw, &r, v) {
			return nil
		}
		if r.FormalMembers != nil && *r.FormalMembers < 0 {
			v.AddCode("formal_members", domain.CodeNegative)
		}
		if r.ProbationaryMembers != nil && *r.ProbationaryMembers < 0 {
			v.AddCode("probationary_members", domain.CodeNegative)
		}
		if n := textLen(r.Note); n == 0 || n > domain.MaxNote {
			v.AddCode("note", domain.CodeRequiredMaxLength, domain.MaxNote)
		}
		return r
	},
})
