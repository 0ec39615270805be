package domain

import (
	"fmt"
	"strings"
)

// PartyOrgKind is the kind of a party organization (domain.md §3).
type PartyOrgKind string

// Kinds of party organization.
const (
	KindBranch        PartyOrgKind = "branch"         // 党支部
	KindGeneralBranch PartyOrgKind = "general_branch" // 党总支
	KindBaseCommittee PartyOrgKind = "base_committee" // 基层党委
	KindJoint         PartyOrgKind = "joint"          // 联合党支部
	KindMobile        PartyOrgKind = "mobile"         // 流动党员党支部 (a formal branch)
	KindTemporary     PartyOrgKind = "temporary"      // 临时党支部
)

// PartyOrgKinds lists every kind, in the order forms show them.
var PartyOrgKinds = []PartyOrgKind{KindBranch, KindGeneralBranch, KindBaseCommittee, KindJoint, KindMobile, KindTemporary}

// Label is the kind's Chinese name.
func (k PartyOrgKind) Label() string {
	return map[PartyOrgKind]string{
		KindBranch: "党支部", KindGeneralBranch: "党总支", KindBaseCommittee: "基层党委",
		KindJoint: "联合党支部", KindMobile: "流动党员党支部", KindTemporary: "临时党支部",
	}[k]
}

// Valid reports whether k is a known kind.
func (k PartyOrgKind) Valid() bool { return k.Label() != "" }

// Elected reports whether the kind's officers are elected; a temporary branch's are appointed.
func (k PartyOrgKind) Elected() bool { return k != KindTemporary }

// TermYears is the length of the kind's committee term: 5 years for a base committee, 3 for
// branches and general branches, none for a temporary branch (it is never re-elected).
func (k PartyOrgKind) TermYears() int {
	switch k {
	case KindBaseCommittee:
		return 5
	case KindTemporary:
		return 0
	}
	return 3
}

// Coverage is what an organization's coverage becomes once the party organization is active.
// A 临时党支部 is never 单建: the organizations whose members it takes in are covered regionally.
func (k PartyOrgKind) Coverage() Coverage {
	switch k {
	case KindJoint:
		return CoverageJoint
	case KindTemporary:
		return CoverageRegional
	}
	return CoverageSingle
}

// The rules of domain.md §3, as numbers.
const (
	MinFormalMembers     = 3  // must form a branch
	CommitteeFromMembers = 7  // a branch committee is required from this many formal members
	MaxCommitteeSeats    = 7  // a committee has 3–5 seats usually, at most 7
	MinCommitteeSeats    = 3  //
	MaxJointOrgs         = 5  // a joint branch covers at most five organizations
	GeneralBranchPrompt  = 50 // members from which a general branch may be proposed
	BaseCommitteePrompt  = 100
)

// Application is what a formation application states (the task formation.application).
type Application struct {
	Kind                PartyOrgKind
	FormalMembers       int
	ProbationaryMembers int
	Committee           bool
	// JointFormal gives, for a joint branch, the formal members of each organization.
	JointFormal map[string]int
}

// CheckApplication applies the formation rules to an application, naming the rule in each
// reason.
func CheckApplication(a Application, v *Validation) {
	if a.FormalMembers < MinFormalMembers {
		v.AddCode("formal_members", CodeRuleMinMembers, MinFormalMembers, a.FormalMembers)
	}
	switch {
	case a.Kind == KindTemporary:
		if a.Committee {
			v.AddCode("committee", CodeRuleTemporaryNoCommittee)
		}
	case a.FormalMembers >= CommitteeFromMembers && !a.Committee:
		v.AddCode("committee", CodeRuleCommitteeRequired, a.FormalMembers, CommitteeFromMembers)
	case a.FormalMembers < CommitteeFromMembers && a.Committee && a.Kind != KindGeneralBranch && a.Kind != KindBaseCommittee:
		v.AddCode("committee", CodeRuleNoCommittee, CommitteeFromMembers)
	}
	if a.Kind == KindJoint {
		if len(a.JointFormal) > MaxJointOrgs {
			v.AddCode("organizations", CodeRuleJointMaxOrgs, MaxJointOrgs, len(a.JointFormal))
		}
		total := 0
		for uscc, n := range a.JointFormal {
			total += n
			if n >= MinFormalMembers {
				v.AddCode("organizations", CodeRuleJointOwnBranch, uscc, n)
			}
		}
		if len(a.JointFormal) > 0 && total != a.FormalMembers {
			v.AddCode("formal_members", CodeSumMismatch, total)
		}
	}
}

// UpgradePrompt names the kind an organization of this size may consider (never forced), or "".
func UpgradePrompt(kind PartyOrgKind, members int) PartyOrgKind {
	switch {
	case members >= BaseCommitteePrompt && kind != KindBaseCommittee && kind != KindTemporary:
		return KindBaseCommittee
	case members >= GeneralBranchPrompt && (kind == KindBranch || kind == KindJoint || kind == KindMobile):
		return KindGeneralBranch
	}
	return ""
}

// Elected is one person elected at a members' meeting.
type Elected struct {
	Name  string `json:"name"`
	Post  string `json:"post"` // secretary | deputy_secretary | member
	Votes int    `json:"votes"`
}

// Election is the result of a members' meeting (the task formation.election).
type Election struct {
	VotingMembers int
	Present       int
	Seats         int
	Candidates    int
	Elected       []Elected
	HeldOn        string // YYYY-MM-DD, "" when not given
}

// ElectionContext is what the election is checked against: the application and the register.
type ElectionContext struct {
	FormalMembers int
	Committee     bool
	// Register maps the names in the member register to formal (true) or probationary; empty
	// when the register was not filled in, and then names are not checked.
	Register map[string]bool
	// Today is the civil date (Asia/Shanghai, YYYY-MM-DD) the result is checked on, from the
	// workflow's clock; "" checks no dates.
	Today string
}

// CheckElection applies the election rules of domain.md §3, as acceptance.md states them over
// the form's fields.
func CheckElection(c ElectionContext, e Election, v *Validation) {
	if e.VotingMembers > c.FormalMembers {
		v.AddCode("voting_members", CodeRuleVoting, c.FormalMembers, e.VotingMembers)
	}
	if e.Present*5 <= e.VotingMembers*4 {
		v.AddCode("present", CodeRuleAttendance, e.VotingMembers, e.VotingMembers*4/5+1, e.Present)
	}
	if e.Present > e.VotingMembers {
		v.AddCode("present", CodeExceedsVoting)
	}
	if c.Committee {
		if e.Seats < MinCommitteeSeats || e.Seats > MaxCommitteeSeats {
			v.AddCode("seats", CodeRuleCommitteeSeats, MinCommitteeSeats, MaxCommitteeSeats, e.Seats)
		}
		if need := (e.Seats*12 + 9) / 10; e.Candidates < need {
			v.AddCode("candidates", CodeRuleCompetitive, e.Seats, need, e.Candidates)
		}
	} else {
		if e.Seats < 1 || e.Seats > 2 {
			v.AddCode("seats", CodeRuleNoCommitteeSeats)
		}
		if e.Candidates < e.Seats {
			v.AddCode("candidates", CodeCandidatePerSeat)
		}
	}
	if len(e.Elected) > e.Seats {
		v.AddCode("elected", CodeElectedOverSeats, len(e.Elected), e.Seats)
	}
	secretaries, deputies := 0, 0
	for i, p := range e.Elected {
		field := fmt.Sprintf("elected[%d]", i)
		switch OfficerPost(p.Post) {
		case PostSecretary:
			secretaries++
		case PostDeputySecretary:
			deputies++
		case PostMember:
			if !c.Committee {
				v.AddCode(field+".post", CodeRuleNoCommitteePosts)
			}
		default:
			v.AddCode(field+".post", CodeNotAllowed, "secretary 书记、deputy_secretary 副书记、member 委员")
		}
		if p.Votes*2 <= e.VotingMembers {
			v.AddCode(field+".votes", CodeRuleMajority, e.VotingMembers, e.VotingMembers/2+1, p.Votes)
		}
		if p.Votes > e.Present {
			v.AddCode(field+".votes", CodeExceedsPresent)
		}
		if len(c.Register) > 0 {
			formal, ok := c.Register[strings.TrimSpace(p.Name)]
			switch {
			case !ok:
				v.AddCode(field+".name", CodeNotInRegister)
			case !formal:
				v.AddCode(field+".name", CodeRuleProbationary)
			}
		}
	}
	first := map[string]int{}
	for i, p := range e.Elected {
		name := strings.TrimSpace(p.Name)
		if j, ok := first[name]; ok && name != "" {
			v.Add(fmt.Sprintf("elected[%d].name", i), fmt.Sprintf("同一人不能当选两个职务：%s 已当选第 %d 位（elected[%d]）", name, j+1, j))
			continue
		}
		first[name] = i
	}
	if e.HeldOn != "" && c.Today != "" && e.HeldOn > c.Today {
		v.Add("held_on", fmt.Sprintf("选举日期 %s 晚于今天（%s），不能登记尚未举行的选举", e.HeldOn, c.Today))
	}
	if secretaries != 1 {
		v.AddCode("elected", CodeOneSecretary)
	}
	if deputies > 1 {
		v.AddCode("elected", CodeOneDeputy)
	}
}

// CheckReport applies the dates of the election-result report 选举结果报告: the committee's
// first meeting (分工) is held after the election it follows (heldOn, "" when the election gave
// no date) and not after today (Asia/Shanghai, YYYY-MM-DD; "" checks nothing).
func CheckReport(heldOn, today, firstMeetingOn string, v *Validation) {
	if heldOn != "" && firstMeetingOn < heldOn {
		v.Add("first_meeting_on", fmt.Sprintf("第一次支委会日期 %s 早于选举日期 %s：支委会分工在选举之后", firstMeetingOn, heldOn))
	}
	if today != "" && firstMeetingOn > today {
		v.Add("first_meeting_on", fmt.Sprintf("第一次支委会日期 %s 晚于今天（%s），不能报告尚未召开的会议", firstMeetingOn, today))
	}
}

// Coverage decisions for a verified organization (domain.md §2.4).
const (
	DecideNotOperating = "not_operating" // flagged; no coverage owed
	DecideCovered      = "covered"       // it has a party organization already
	DecideFormation    = "formation"     // ≥3 formal members: its own branch
	DecideAttach       = "attach"        // 1–2: a joint branch or a regional organization
	DecideWork         = "work"          // 0: work coverage through an instructor or liaison
	// DecideNotReal: no formal member and the 三有 test fails (a known fact fails: too few
	// employees, no fixed premises): not a real operating organization, so not in the operating
	// figures and owed no work coverage.
	DecideNotReal = "not_real"
)

// CoverageDecision says what a verified organization needs. The 三有 result only spares a
// memberless organization work coverage: members decide a formation (≥3) or an attachment
// (1–2) whatever the 三有 test says, and an unknown fact is never a failure.
func CoverageDecision(operating bool, formalMembers int, partyOrg string, three ThreeHaves) string {
	switch {
	case !operating:
		return DecideNotOperating
	case partyOrg != "" && Coverage(partyOrg) != CoverageNone:
		return DecideCovered
	case formalMembers >= MinFormalMembers:
		return DecideFormation
	case formalMembers > 0:
		return DecideAttach
	case three == ThreeFail:
		return DecideNotReal
	}
	return DecideWork
}
