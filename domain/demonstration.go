package domain

import "slices"

// Demonstration points 示范点 (#19): a county's or industry committee's officer nominates a party
// organization with a self-assessment against a checklist; the city reviews the files, visits,
// decides; a public notice 公示 follows, during which anyone logged in may object.

// DefaultDemonstrationChecklist is the self-assessment's checklist when none is configured: the
// "six haves" 六有 of a 两新 activity room and the "five goods" 五好 (research §2).
var DefaultDemonstrationChecklist = []string{
	"有场所", "有设施", "有标志", "有党旗", "有书报", "有制度",
	"领导班子好", "党员队伍好", "工作机制好", "工作业绩好", "群众反映好",
}

// DefaultNoticeWorkingDays is how long a public notice 公示 lasts when not configured.
const DefaultNoticeWorkingDays = 5

// Bounds of a nomination.
const (
	MaxChecklistItems       = 50
	MaxDemonstrationReasons = 2000
)

// Valid reports whether s is a known status.
func (s DemonstrationStatus) Valid() bool { return slices.Contains(DemonstrationStatuses, s) }
