package domain

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Special inspection rounds 专项督查, rectification 整改销号 and demonstration points 示范点
// (domain.md §5, issue #19).

// InspectionStatus is where a round stands (inspection_rounds.status).
type InspectionStatus string

const (
	InspectionPlanReview    InspectionStatus = "plan_review"   // the plan waits for another officer's review
	InspectionReturned      InspectionStatus = "returned"      // returned with a reason; the drafter edits and resubmits
	InspectionTeam          InspectionStatus = "team"          // approved; the team is being named
	InspectionField         InspectionStatus = "field"         // visits under way
	InspectionFeedback      InspectionStatus = "feedback"      // the leaders compile each target's feedback
	InspectionRectification InspectionStatus = "rectification" // the items' rectification chains run (RectificationWorkflow)
	InspectionDone          InspectionStatus = "done"
	InspectionCancelled     InspectionStatus = "cancelled"
	InspectionFailed        InspectionStatus = "failed" // the workflow could not start or ended in error
)

// InspectionStatuses lists every round status.
var InspectionStatuses = []InspectionStatus{InspectionPlanReview, InspectionReturned, InspectionTeam, InspectionField,
	InspectionFeedback, InspectionRectification, InspectionDone, InspectionCancelled, InspectionFailed}

// Valid reports whether s is a known round status.
func (s InspectionStatus) Valid() bool { return slices.Contains(InspectionStatuses, s) }

// Label is the round status in Chinese: 方案审核中, 方案已退回, 待组建督查组, 实地督查中, 反馈中, 整改中, 已完成, …
func (s InspectionStatus) Label() string {
	return map[InspectionStatus]string{InspectionPlanReview: "方案审核中", InspectionReturned: "方案已退回", InspectionTeam: "待组建督查组",
		InspectionField: "实地督查中", InspectionFeedback: "反馈中", InspectionRectification: "整改中", InspectionDone: "已完成",
		InspectionCancelled: "已取消", InspectionFailed: "已失败"}[s]
}

// RectificationStatus is where a rectification item stands (rectification_items.status).
type RectificationStatus string

const (
	RectPlanning   RectificationStatus = "planning"    // the target's officer writes the plan (rectification.plan)
	RectPlanReview RectificationStatus = "plan_review" // the round's officer reviews the plan
	RectInProgress RectificationStatus = "in_progress" // being fixed; rectification.report when done
	RectSelfCheck  RectificationStatus = "self_check"  // the unit's own first check
	RectVerifying  RectificationStatus = "verifying"   // verification by the inspection side
	RectSignedOff  RectificationStatus = "signed_off"  // 已销号
	RectReturned   RectificationStatus = "returned"    // verification returned it: a second rectification
	RectReopened   RectificationStatus = "reopened"    // a re-check 回头看 found it again
)

// RectificationStatuses lists every item status.
var RectificationStatuses = []RectificationStatus{RectPlanning, RectPlanReview, RectInProgress, RectSelfCheck, RectVerifying,
	RectSignedOff, RectReturned, RectReopened}

// Valid reports whether s is a known item status.
func (s RectificationStatus) Valid() bool { return slices.Contains(RectificationStatuses, s) }

// Label is the item status in Chinese: 制定整改方案, 方案审核, 整改中, 自查, 验收中, 已销号, 退回重新整改, 回头看重新打开.
func (s RectificationStatus) Label() string {
	return map[RectificationStatus]string{RectPlanning: "制定整改方案", RectPlanReview: "方案审核", RectInProgress: "整改中",
		RectSelfCheck: "自查", RectVerifying: "验收中", RectSignedOff: "已销号", RectReturned: "退回重新整改", RectReopened: "回头看重新打开"}[s]
}

// Open reports whether the item still needs work (it counts as overdue past its due date).
func (s RectificationStatus) Open() bool { return s != RectSignedOff }

// DemonstrationStatus is where a demonstration point stands (demonstration_points.status);
// DemonstrationWorkflow moves it (see demonstration.go).
type DemonstrationStatus string

// Demonstration point statuses.
const (
	DemoNominated    DemonstrationStatus = "nominated"
	DemoFileReview   DemonstrationStatus = "file_review"
	DemoSiteVisit    DemonstrationStatus = "site_visit"
	DemoDecision     DemonstrationStatus = "decision"
	DemoPublicNotice DemonstrationStatus = "public_notice"
	DemoNamed        DemonstrationStatus = "named"
	DemoWarned       DemonstrationStatus = "warned"
	DemoRevoked      DemonstrationStatus = "revoked"
	DemoRejected     DemonstrationStatus = "rejected"
)

// DemonstrationStatuses lists every demonstration point status.
var DemonstrationStatuses = []DemonstrationStatus{DemoNominated, DemoFileReview, DemoSiteVisit, DemoDecision, DemoPublicNotice,
	DemoNamed, DemoWarned, DemoRevoked, DemoRejected}

// Label is the point's status in Chinese: 已推荐, 材料审核, 实地考察, 评定, 公示中, 已命名, 已警示, 已摘牌, 未通过.
func (s DemonstrationStatus) Label() string {
	return map[DemonstrationStatus]string{DemoNominated: "已推荐", DemoFileReview: "材料审核", DemoSiteVisit: "实地考察",
		DemoDecision: "评定", DemoPublicNotice: "公示中", DemoNamed: "已命名", DemoWarned: "已警示", DemoRevoked: "已摘牌",
		DemoRejected: "未通过"}[s]
}

// EscalationSteps are the steps of the ladder for an overdue rectification item (research
// §1.6): reminder 提示 → chase 催办 → bulletin 通报 → talk 约谈 → warning 预警
// (rectification_escalations.step).
var EscalationSteps = []string{"reminder", "chase", "bulletin", "talk", "warning"}

// LadderStep is one rung of the escalation ladder: its step, how many working days after the
// previous rung (the first: after the due date) it is taken, and whether it is a task for the
// officers of the unit above (an escalation task, answered noted or extend) or a notification.
type LadderStep struct {
	Step             string
	AfterWorkingDays int
	Task             bool
}

// DefaultLadder: a reminder when overdue, a chase 3 working days later, a bulletin 5 later (fix
// within 7 days), a talk 7 later (fix within 3), a warning 3 later; the talk and the warning
// are tasks for the unit above (TANDEM_RECTIFICATION_LADDER).
var DefaultLadder = []LadderStep{{"reminder", 0, false}, {"chase", 3, false}, {"bulletin", 5, false}, {"talk", 7, true}, {"warning", 3, true}}

// LadderWord is a step's Chinese name.
func LadderWord(step string) string {
	return map[string]string{"reminder": "逾期提示", "chase": "限期催办", "bulletin": "通报", "talk": "约谈", "warning": "预警"}[step]
}

// ParseLadder reads a ladder as "reminder:0,chase:3,bulletin:5,talk:7:task,warning:3:task":
// each rung a step of EscalationSteps, at most once, in the ladder's order, its working days
// (0–60; the first rung's 0: it comes when the task falls overdue), and ":task" for a task
// instead of a notification.
func ParseLadder(s string) ([]LadderStep, error) {
	var out []LadderStep
	last := -1
	for _, part := range strings.Split(s, ",") {
		f := strings.Split(strings.TrimSpace(part), ":")
		if len(f) < 2 || len(f) > 3 || (len(f) == 3 && f[2] != "task") {
			return nil, fmt.Errorf("rung %q: want step:working_days[:task]", part)
		}
		i := slices.Index(EscalationSteps, f[0])
		if i <= last {
			return nil, fmt.Errorf("rung %q: steps are %s, each once, in this order", part, strings.Join(EscalationSteps, ", "))
		}
		last = i
		n, err := strconv.Atoi(f[1])
		if err != nil || n < 0 || n > 60 {
			return nil, fmt.Errorf("rung %q: working days must be 0 to 60", part)
		}
		if len(out) == 0 && n != 0 {
			return nil, fmt.Errorf("rung %q: the first rung comes when the item falls overdue (0 working days)", part)
		}
		out = append(out, LadderStep{Step: f[0], AfterWorkingDays: n, Task: len(f) == 3})
	}
	return out, nil
}

// TeamPost is a member's post on an inspection team.
type TeamPost string

const (
	PostLeader       TeamPost = "leader" // 组长
	PostDeputyLeader TeamPost = "deputy" // 副组长
	PostTeamMember   TeamPost = "member" // 组员
)

// TeamPosts lists every post.
var TeamPosts = []TeamPost{PostLeader, PostDeputyLeader, PostTeamMember}

// Label is the post's Chinese name.
func (p TeamPost) Label() string {
	return map[TeamPost]string{PostLeader: "组长", PostDeputyLeader: "副组长", PostTeamMember: "组员"}[p]
}

// Severities of a finding, as users write them.
const (
	SeverityGeneral = "一般"
	SeverityMajor   = "较重"
	SeveritySevere  = "严重"
)

// Severities lists the severities, mildest first.
var Severities = []string{SeverityGeneral, SeverityMajor, SeveritySevere}

// DefaultInspectionMethods are the methods every round may use (TANDEM_INSPECTION_METHODS adds
// more): 听取汇报, 调研座谈, 实地走访, 查阅台账.
var DefaultInspectionMethods = []string{"听取汇报", "调研座谈", "实地走访", "查阅台账"}

// Bounds of a round and its visits.
const (
	MaxRoundTitle       = 100
	MaxRoundTheme       = 200
	MaxRoundTargets     = 50
	MaxRoundMethods     = 10
	MaxMethodName       = 20
	MaxFieldDays        = 90 // calendar days from the first to the last field day
	MaxTeamMembers      = 50
	MaxFindingsPerVisit = 100
	MaxFindingCategory  = 50
	MaxEvidenceItems    = 20
	// DefaultRectificationWorkingDays is a rectification item's deadline after the visit
	// (research §1.6; TANDEM_RECTIFICATION_WORKING_DAYS), at most MaxRectificationWorkingDays.
	DefaultRectificationWorkingDays = 40
	// DefaultRecheckWorkingDays and DefaultRecheckPercent: a re-check 回头看 of 30% of the
	// signed-off items, 60 working days after their sign-off (TANDEM_RECTIFICATION_RECHECK).
	DefaultRecheckWorkingDays   = 60
	DefaultRecheckPercent       = 30
	MaxRectificationWorkingDays = 250
)

// Conflict-of-interest rules 回避 (#19): the codes of the 422 that refuses an assignment.
const (
	CodeAvoidOwnUnit  = "rule.avoid_own_unit"  // the member's unit is the target or inside it
	CodeAvoidSubunit  = "rule.avoid_subunit"   // the target lies inside the member's unit, which is below the sponsor
	CodeAvoidDeclared = "rule.avoid_declared"  // the member declared a conflict with the target
	CodeOneLeader     = "rule.one_team_leader" // a target's group has exactly one leader
	CodeNotTeamTarget = "not_round_target"     // not one of the round's targets
	CodeNotWorkingDay = "not_working_day"      // a date that is not a working day
	CodeBeforeToday   = "before_today"         // a date before today
	CodeBeforeStart   = "before_start"         // a last day before the first
	CodeFieldTooLong  = "field_days_max"       // field work longer than MaxFieldDays
)

// ConflictUnit is a unit the conflict rules look at: its name and materialised path.
type ConflictUnit struct {
	ID, Name, Path string
}

// Conflict names the rule that keeps a member off a target, with the member's unit that breaks
// it, or "" when none does. units are the member's units (every membership), sponsorPath the
// round's sponsoring unit's path; declared says whether the member declared a conflict with
// the target.
func Conflict(units []ConflictUnit, target ConflictUnit, sponsorPath string, declared bool) (code string, unit ConflictUnit) {
	if declared {
		return CodeAvoidDeclared, ConflictUnit{}
	}
	for _, u := range units {
		if strings.HasPrefix(u.Path, target.Path) {
			return CodeAvoidOwnUnit, u
		}
	}
	for _, u := range units {
		below := strings.HasPrefix(u.Path, sponsorPath) && u.Path != sponsorPath
		if below && strings.HasPrefix(target.Path, u.Path) {
			return CodeAvoidSubunit, u
		}
	}
	return "", ConflictUnit{}
}
