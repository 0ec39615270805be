package domain

import (
	"slices"
	"time"
)

// The status vocabularies of Tandem's processes, one type each. The database holds the same
// strings (each column has a CHECK constraint listing them); the API shows them as they are.
// "running" and "done" occur in several vocabularies: the type says which one is meant.

// FormationStatus is where a formation 组建 process stands (formations.status).
type FormationStatus string

const (
	FormationRunning   FormationStatus = "running"   // the workflow runs: application, approval, election
	FormationActive    FormationStatus = "active"    // the party organization is active
	FormationCancelled FormationStatus = "cancelled" // withdrawn or refused
	FormationFailed    FormationStatus = "failed"    // the workflow ended without a party organization
)

// Label is the formation status's Chinese word, as the UI shows it.
func (s FormationStatus) Label() string {
	return map[FormationStatus]string{FormationRunning: "组建中", FormationActive: "已成立", FormationCancelled: "已撤回", FormationFailed: "未成立"}[s]
}

// FormationStatuses lists every formation status.
var FormationStatuses = []FormationStatus{FormationRunning, FormationActive, FormationCancelled, FormationFailed}

// Valid reports whether s is a known formation status.
func (s FormationStatus) Valid() bool {
	return s == FormationRunning || s == FormationActive || s == FormationCancelled || s == FormationFailed
}

// PartyOrgStatus is where a party organization 党组织 stands (party_orgs.status).
type PartyOrgStatus string

const (
	PartyOrgForming   PartyOrgStatus = "forming"   // its formation runs
	PartyOrgActive    PartyOrgStatus = "active"    // elected (or appointed) and working
	PartyOrgDissolved PartyOrgStatus = "dissolved" // 撤销
)

// PartyOrgStatuses lists every party organization status.
var PartyOrgStatuses = []PartyOrgStatus{PartyOrgForming, PartyOrgActive, PartyOrgDissolved}

// Valid reports whether s is a known party organization status.
func (s PartyOrgStatus) Valid() bool {
	return s == PartyOrgForming || s == PartyOrgActive || s == PartyOrgDissolved
}

// Label is the party organization status in Chinese: 组建中, 正常, 已撤销.
func (s PartyOrgStatus) Label() string {
	return map[PartyOrgStatus]string{PartyOrgForming: "组建中", PartyOrgActive: "正常", PartyOrgDissolved: "已撤销"}[s]
}

// PeriodStatus is where a period of a cycle (2026-10, 2026-Q3, 2026-H1) stands (periods.status).
type PeriodStatus string

const (
	PeriodRunning PeriodStatus = "running"
	PeriodDone    PeriodStatus = "done"
	PeriodFailed  PeriodStatus = "failed"
)

// PeriodStatuses lists every period status.
var PeriodStatuses = []PeriodStatus{PeriodRunning, PeriodDone, PeriodFailed}

// Valid reports whether s is a known period status.
func (s PeriodStatus) Valid() bool { return s == PeriodRunning || s == PeriodDone || s == PeriodFailed }

// Label is the status in Chinese, as people read it: 进行中, 已完成, 出错.
func (s PeriodStatus) Label() string {
	return map[PeriodStatus]string{PeriodRunning: "进行中", PeriodDone: "已完成", PeriodFailed: "出错"}[s]
}

// RoundStatus is where a census round 摸排 stands (census_rounds.status).
type RoundStatus string

const (
	RoundRunning   RoundStatus = "running"
	RoundDone      RoundStatus = "done"
	RoundCancelled RoundStatus = "cancelled"
)

// RoundStatuses lists every census round status.
var RoundStatuses = []RoundStatus{RoundRunning, RoundDone, RoundCancelled}

// Valid reports whether s is a known census round status.
func (s RoundStatus) Valid() bool { return s == RoundRunning || s == RoundDone || s == RoundCancelled }

// Label is the round status in Chinese: 进行中, 已完成, 已取消.
func (s RoundStatus) Label() string {
	return map[RoundStatus]string{RoundRunning: "进行中", RoundDone: "已完成", RoundCancelled: "已取消"}[s]
}

// RoundSelectionLabel says in Chinese which organizations a census round takes (its selection
// all | changed | unverified | tag, with the day or tag it names): 全部组织, 2026年10月1日以来有变化的组织.
func RoundSelectionLabel(selection string, since *time.Time, tag string) string {
	switch selection {
	case "", "all":
		return "全部组织"
	case "changed":
		if since == nil {
			return "有变化的组织"
		}
		return since.In(time.FixedZone("CST", 8*3600)).Format("2006年1月2日") + "以来有变化的组织"
	case "unverified":
		return "尚未核实的组织"
	case "tag":
		if tag == "" {
			return "按标签选定的组织"
		}
		return "标签为" + tag + "的组织"
	}
	return ""
}

// AssessmentStatus is where a unit's half-year assessment stands (assessments.status).
type AssessmentStatus string

const (
	AssessmentRunning  AssessmentStatus = "running"  // self-assessment, scoring, review
	AssessmentLocked   AssessmentStatus = "locked"   // the outcome is final
	AssessmentReopened AssessmentStatus = "reopened" // an admin unlocked it, saying why
)

// AssessmentStatuses lists every assessment status.
var AssessmentStatuses = []AssessmentStatus{AssessmentRunning, AssessmentLocked, AssessmentReopened}

// Valid reports whether s is a known assessment status.
func (s AssessmentStatus) Valid() bool {
	return s == AssessmentRunning || s == AssessmentLocked || s == AssessmentReopened
}

// AnalysisStatus is where a county's quarterly analysis 每季一分析 stands (analyses.status).
type AnalysisStatus string

const (
	AnalysisDrafting  AnalysisStatus = "drafting"
	AnalysisPublished AnalysisStatus = "published"
)

// Label is the analysis status in Chinese: 撰写中, 已发布.
func (s AnalysisStatus) Label() string {
	return map[AnalysisStatus]string{AnalysisDrafting: "撰写中", AnalysisPublished: "已发布"}[s]
}

// ImportStatus is where a roster import stands (roster_imports.status).
type ImportStatus string

const (
	ImportPending ImportStatus = "pending"
	ImportQueued  ImportStatus = "queued" // waits for an earlier import of the same source
	ImportRunning ImportStatus = "running"
	// ImportAwaitingConfirmation: the extract would flag more of the source's organizations
	// missing than the gate allows; it merges only once an admin confirms.
	ImportAwaitingConfirmation ImportStatus = "awaiting_confirmation"
	ImportDone                 ImportStatus = "done"
	ImportFailed               ImportStatus = "failed"
	ImportRejected             ImportStatus = "rejected" // an admin refused the held extract: nothing merged
)

// ImportStatuses lists every import status, in the order an import passes them.
var ImportStatuses = []ImportStatus{ImportPending, ImportQueued, ImportRunning, ImportAwaitingConfirmation,
	ImportDone, ImportFailed, ImportRejected}

// Valid reports whether s is a known import status.
func (s ImportStatus) Valid() bool {
	return slices.Contains(ImportStatuses, s)
}

// Label is the import status's Chinese word, as the UI shows it.
func (s ImportStatus) Label() string {
	return map[ImportStatus]string{
		ImportPending: "等待处理", ImportQueued: "排队中", ImportRunning: "导入中", ImportAwaitingConfirmation: "等待确认",
		ImportDone: "已完成", ImportFailed: "导入失败", ImportRejected: "已驳回",
	}[s]
}

// Finished reports whether the status is final.
func (s ImportStatus) Finished() bool {
	return s == ImportDone || s == ImportFailed || s == ImportRejected
}

// Coverage is how an organization is covered by party work 覆盖方式 (organizations.coverage).
type Coverage string

const (
	CoverageNone     Coverage = "none"     // not covered yet
	CoverageSingle   Coverage = "single"   // its own party organization 单独组建
	CoverageJoint    Coverage = "joint"    // a joint branch with others 联合组建
	CoverageRegional Coverage = "regional" // a regional party organization 区域兜底
	CoverageWork     Coverage = "work"     // work coverage through an instructor or liaison 工作覆盖
)

// Coverages lists every coverage, in the order reports show them.
var Coverages = []Coverage{CoverageNone, CoverageSingle, CoverageJoint, CoverageRegional, CoverageWork}

// Label is the coverage's Chinese name, as reports show it.
func (c Coverage) Label() string {
	return map[Coverage]string{
		CoverageNone: "未覆盖", CoverageSingle: "单独组建", CoverageJoint: "联合组建",
		CoverageRegional: "区域兜底", CoverageWork: "工作覆盖",
	}[c]
}

// Valid reports whether c is a known coverage.
func (c Coverage) Valid() bool { return c.Label() != "" }

// Organized reports whether the coverage is by a party organization of the organization's own
// or a joint branch (the coverages a formation sets).
func (c Coverage) Organized() bool { return c == CoverageSingle || c == CoverageJoint }

// Delegation is where a task's delegation stands (tasks.delegation): a delegated task goes
// back to the delegating owner once the delegate resolves it.
type Delegation string

const (
	DelegationNone     Delegation = ""         // not delegated
	DelegationPending  Delegation = "pending"  // the delegate holds it
	DelegationResolved Delegation = "resolved" // the delegate resolved it; the owner holds it again
)

// MemberStatus is a party member's standing (party_members.status).
type MemberStatus string

const (
	MemberFormal       MemberStatus = "formal"       // 正式党员: votes and stands
	MemberProbationary MemberStatus = "probationary" // 预备党员: neither votes nor stands
)

// Label is the status's Chinese name.
func (s MemberStatus) Label() string {
	return map[MemberStatus]string{MemberFormal: "正式党员", MemberProbationary: "预备党员"}[s]
}

// Valid reports whether s is a known member status.
func (s MemberStatus) Valid() bool { return s.Label() != "" }

// OfficerPost is the post a person is elected to at a members' meeting (Elected.Post).
type OfficerPost string

const (
	PostSecretary       OfficerPost = "secretary"        // 书记
	PostDeputySecretary OfficerPost = "deputy_secretary" // 副书记
	PostMember          OfficerPost = "member"           // 委员
)

// ExtensionStatus is where a deadline extension stands (deadline_extensions.status).
type ExtensionStatus string

const (
	ExtensionRequested ExtensionStatus = "requested" // waits for the approver's decision
	ExtensionGranted   ExtensionStatus = "granted"   // the deadline moved
	ExtensionRefused   ExtensionStatus = "refused"   // the approver said no; the deadline stands
)

// ExtensionStatuses lists every extension status.
var ExtensionStatuses = []ExtensionStatus{ExtensionRequested, ExtensionGranted, ExtensionRefused}

// PeriodKindLabel is a cycle's kind (periods.kind) in Chinese: 月度, 季度, 半年.
func PeriodKindLabel(kind string) string {
	return map[string]string{"monthly": "月度", "quarterly": "季度", "half-year": "半年"}[kind]
}

// ResponsibilityProblemLabel names a responsibility gap in Chinese: none (no responsible unit)
// or multiple (more than one).
func ResponsibilityProblemLabel(problem string) string {
	return map[string]string{"none": "无责任单位", "multiple": "多个责任单位"}[problem]
}

// TaskEventLabel is a task history event's type (task_events.type) in Chinese; "" for one it
// does not know.
func TaskEventLabel(eventType string) string {
	return map[string]string{
		"created": "创建", "claimed": "认领", "unclaimed": "退回待认领", "assigned": "指派", "delegated": "委托",
		"resolved": "委托办结", "reminded": "提醒", "escalated": "逾期上报", "deadline_extended": "延长期限",
		"completed": "完成", "cancelled": "取消", "commented": "评论", "attached": "上传附件", "refused": "提交被退回",
		"unstaffed": "无人办理，转上级", "extension_requested": "申请延期", "extension_granted": "同意延期",
		"extension_refused": "不同意延期", "candidates": "更换可办理的督查组成员",
	}[eventType]
}
