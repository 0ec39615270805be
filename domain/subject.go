package domain

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// SubjectType says what a task's Subject names, so that one place can turn it into a name a
// person reads (the title, the task's `about` card, the notification).
type SubjectType string

const (
	SubjectNone         SubjectType = ""             // tasks made before subjects were typed
	SubjectOrganization SubjectType = "organization" // Subject is a credit code (USCC)
	SubjectUnit         SubjectType = "unit"         // Subject is a unit ID
	SubjectPeriod       SubjectType = "period"       // Subject is a period key: 2026-10, 2026-Q3, 2026-H1
	SubjectImport       SubjectType = "import"       // Subject is a roster import ID
	SubjectPartyOrg     SubjectType = "party_org"    // Subject is a party organization ID
	SubjectFormation    SubjectType = "formation"    // Subject is a formation ID
)

// SubjectTypes lists every subject type a task may carry.
var SubjectTypes = []SubjectType{SubjectOrganization, SubjectUnit, SubjectPeriod, SubjectImport, SubjectPartyOrg, SubjectFormation}

// Valid reports whether t is a known subject type (or none).
func (t SubjectType) Valid() bool {
	if t == SubjectNone {
		return true
	}
	for _, s := range SubjectTypes {
		if s == t {
			return true
		}
	}
	return false
}

// TaskContext is what a task carries besides its subject: why it was asked, the answer that
// was returned or refused before, and what is under review. It is an activity input (JSON), so
// adding to it changes no workflow's command sequence.
type TaskContext struct {
	// Why is the reason the task exists, in Chinese (新增组织, 五类大型企业, 年报变更 …).
	Why string `json:"why,omitempty"`
	// Period is the period the task belongs to when the subject is something else (a unit's
	// half-year assessment: Subject is the unit, Period "2026-H1").
	Period string `json:"period,omitempty"`
	// FormalMembers is the number of formal party members known when the task was asked.
	FormalMembers *int `json:"formal_members,omitempty"`
	// Returned: the previous round of this step was sent back; the new task shows why.
	Returned *TaskReturn `json:"returned,omitempty"`
	// Refused: the previous answer was refused by the process; the new task shows why.
	Refused *TaskRefusal `json:"refused,omitempty"`
	// UnderReview is what a reviewing task is asked to judge (an assessment's marks, evidence
	// and preview total), as it was when the task was asked.
	UnderReview json.RawMessage `json:"under_review,omitempty"`
}

// IsZero reports whether the context carries nothing.
func (c TaskContext) IsZero() bool {
	return c.Why == "" && c.Period == "" && c.FormalMembers == nil && c.Returned == nil && c.Refused == nil && len(c.UnderReview) == 0
}

// TaskReturn says who sent a step back, when and why.
type TaskReturn struct {
	Reason string    `json:"reason"`
	By     string    `json:"by,omitempty"`
	At     time.Time `json:"at,omitempty"`
}

// TaskRefusal says why the process refused the previous answer of a step.
type TaskRefusal struct {
	Reason string          `json:"reason"`
	Field  string          `json:"field,omitempty"`
	Answer json.RawMessage `json:"answer,omitempty"`
}

// SubjectCard is a task's subject as a person reads it, read at the time it is shown.
type SubjectCard struct {
	Type SubjectType `json:"type"`
	ID   string      `json:"id"`
	Name string      `json:"name"` // the display name; never empty
	// An organization's facts.
	Address       string `json:"address,omitempty"`
	Township      string `json:"township,omitempty"`
	RegStatus     string `json:"reg_status,omitempty"`
	FormalMembers *int   `json:"formal_members,omitempty"`
	// A unit's, or the unit of an assessment, formation or party organization.
	UnitName string `json:"unit_name,omitempty"`
	// Period label (2026年上半年) when the subject is a period or the task is of one.
	Period string `json:"period,omitempty"`
}

// PeriodLabel turns a period key into its Chinese name: 2026-10 → 2026年10月, 2026-Q3 →
// 2026年第三季度, 2026-H1 → 2026年上半年. An unknown key is returned as it is.
func PeriodLabel(key string) string {
	year, rest, ok := strings.Cut(key, "-")
	if !ok || len(year) != 4 {
		return key
	}
	switch rest {
	case "H1":
		return year + "年上半年"
	case "H2":
		return year + "年下半年"
	case "Q1", "Q2", "Q3", "Q4":
		return year + "年第" + []string{"一", "二", "三", "四"}[rest[1]-'1'] + "季度"
	}
	var m int
	if _, err := fmt.Sscanf(rest, "%d", &m); err == nil && m >= 1 && m <= 12 && len(rest) == 2 {
		return fmt.Sprintf("%s年%d月", year, m)
	}
	return key
}

// TaskTitle is the one rule that names a task: what to do, then what it is about, then why
// (and that it was sent back or refused). step is the workflow's wording of what to do
// ("实地走访复核"); subject is the subject's display name.
func TaskTitle(step, subject string, c TaskContext) string {
	var b strings.Builder
	if c.Returned != nil {
		b.WriteString("【退回重办】")
	} else if c.Refused != nil {
		b.WriteString("【请重新填报】")
	}
	b.WriteString(step)
	if subject != "" && !strings.Contains(step, subject) {
		b.WriteString("：")
		b.WriteString(subject)
	}
	var notes []string
	if c.Why != "" {
		notes = append(notes, c.Why)
	}
	if c.FormalMembers != nil {
		if *c.FormalMembers == 0 {
			notes = append(notes, "暂无正式党员")
		} else {
			notes = append(notes, fmt.Sprintf("正式党员%d名", *c.FormalMembers))
		}
	}
	if len(notes) > 0 {
		b.WriteString("（")
		b.WriteString(strings.Join(notes, "，"))
		b.WriteString("）")
	}
	return Truncate(b.String(), MaxTaskTitle)
}

// Truncate cuts s to at most n characters (runes), marking a cut with "…".
func Truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
