package domain

import (
	"regexp"
	"slices"
	"strings"
	"time"
)

// TaskQuery is an inbox's filter and sort as the API takes it (query parameters of GET
// /tasks and /tasks/counts, or the query of a saved view): text as the client wrote it, checked
// by Check and turned into times by Bounds.
type TaskQuery struct {
	Kind      string `json:"kind,omitempty"`
	Status    string `json:"status,omitempty"`   // comma-separated statuses, or "all"; "" = open and claimed
	Scope     string `json:"scope,omitempty"`    // actionable (default) | visible
	Assignee  string `json:"assignee,omitempty"` // "me"
	Unit      string `json:"unit,omitempty"`     // a unit ID: its subtree
	DueBefore string `json:"due_before,omitempty"`
	DueAfter  string `json:"due_after,omitempty"`
	Overdue   bool   `json:"overdue,omitempty"`
	Sort      string `json:"sort,omitempty"` // one of TaskSorts; "" = due
	// OverdueFirst false lists overdue tasks where the sort puts them (default: first).
	OverdueFirst *bool `json:"overdue_first,omitempty"`
}

// TaskSorts are the inbox's orders; a leading "-" sorts descending.
var TaskSorts = []string{"due", "-due", "priority", "-priority", "created", "-created"}

var taskKindPattern = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$`)

// Statuses is the status filter as a list (nil: the default, open and claimed).
func (q TaskQuery) Statuses() []TaskStatus {
	switch q.Status {
	case "":
		return nil
	case "all":
		return []TaskStatus{TaskOpen, TaskClaimed, TaskCompleted, TaskCancelled}
	}
	var out []TaskStatus
	for one := range strings.SplitSeq(q.Status, ",") {
		out = append(out, TaskStatus(one))
	}
	return out
}

// ParseTaskTime reads a due bound: an RFC 3339 time, or a date YYYY-MM-DD meaning its start
// (00:00 Asia/Shanghai).
func ParseTaskTime(s string) (time.Time, bool) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, true
	}
	if t, err := time.ParseInLocation(time.DateOnly, s, shanghai); err == nil {
		return t, true
	}
	return time.Time{}, false
}

var shanghai = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*3600) // China has had no DST since 1991
	}
	return loc
}()

// Check records every failing field of q in v.
func (q TaskQuery) Check(v *Validation) {
	if len(q.Kind) > 64 || (q.Kind != "" && !taskKindPattern.MatchString(q.Kind)) {
		v.AddCode("kind", CodeBadFormat, "census.verify")
	}
	if q.Status != "all" {
		for _, s := range q.Statuses() {
			switch s {
			case TaskOpen, TaskClaimed, TaskCompleted, TaskCancelled:
			default:
				v.AddCode("status", CodeNotAllowed, "open、claimed、completed、cancelled（逗号分隔）或 all")
			}
		}
	}
	if q.Scope != "" && q.Scope != "actionable" && q.Scope != "visible" {
		v.AddCode("scope", CodeNotAllowed, "actionable、visible")
	}
	if q.Assignee != "" && q.Assignee != "me" {
		v.AddCode("assignee", CodeNotAllowed, "me")
	}
	if len(q.Unit) > 64 {
		v.AddCode("unit", CodeMaxLength, 64)
	}
	var before, after time.Time
	okB, okA := true, true
	if q.DueBefore != "" {
		if before, okB = ParseTaskTime(q.DueBefore); !okB {
			v.AddCode("due_before", CodeBadTime)
		}
	}
	if q.DueAfter != "" {
		if after, okA = ParseTaskTime(q.DueAfter); !okA {
			v.AddCode("due_after", CodeBadTime)
		}
	}
	if q.DueBefore != "" && q.DueAfter != "" && okA && okB && !after.Before(before) {
		v.AddCode("due_after", CodeBadFormat, "早于 due_before")
	}
	if q.Sort != "" && !slices.Contains(TaskSorts, q.Sort) {
		v.AddCode("sort", CodeNotAllowed, strings.Join(TaskSorts, "、"))
	}
}

// SavedView is a named inbox query a user keeps on the server (我的视图); only its owner reads it.
type SavedView struct {
	ID        string
	Name      string
	Query     TaskQuery
	CreatedAt time.Time
	UpdatedAt time.Time
}

// CheckView records every failing field of a view to save in v (name 1 to MaxViewName
// characters after trimming; the query as Check says, its fields under "query.").
func CheckView(name string, q TaskQuery, v *Validation) {
	if n := len([]rune(strings.TrimSpace(name))); n == 0 || n > MaxViewName {
		v.AddCode("name", CodeRequiredMaxLength, MaxViewName)
	}
	var qv Validation
	q.Check(&qv)
	for _, fe := range qv {
		fe.Field = "query." + fe.Field
		*v = append(*v, fe)
	}
}
