package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"tandem/calendar"
	"tandem/domain"
	"tandem/forms"
	"tandem/store"
)

// taskQueryFrom reads the inbox's filter and sort from the query string (checked by taskFilter).
func taskQueryFrom(c *gin.Context) domain.TaskQuery {
	q := domain.TaskQuery{
		Kind: c.Query("kind"), Status: c.Query("status"), Scope: c.Query("scope"), Assignee: c.Query("assignee"),
		Unit: c.Query("unit"), DueBefore: c.Query("due_before"), DueAfter: c.Query("due_after"), Sort: c.Query("sort"),
	}
	q.Overdue = c.Query("overdue") == "true"
	switch c.Query("overdue_first") {
	case "false":
		q.OverdueFirst = new(false)
	case "true":
		q.OverdueFirst = new(true)
	}
	return q
}

// taskFilter checks q (and the query's booleans) and turns it into the store's filter, the unit
// resolved within what the caller may view (an unknown or hidden unit is a 404).
func (s *Server) taskFilter(c *gin.Context, p domain.Principal, q domain.TaskQuery) (store.TaskFilter, error) {
	var v domain.Validation
	q.Check(&v)
	for _, name := range []string{"overdue", "overdue_first"} {
		if b := c.Query(name); b != "" && b != "true" && b != "false" {
			v.AddCode(name, domain.CodeNotAllowed, "true、false")
		}
	}
	if err := v.Err("筛选条件不正确"); err != nil {
		return store.TaskFilter{}, err
	}
	return s.filterOf(c, p, q)
}

// filterOf turns a checked query into the store's filter.
func (s *Server) filterOf(c *gin.Context, p domain.Principal, q domain.TaskQuery) (store.TaskFilter, error) {
	f := store.TaskFilter{
		Kind: q.Kind, Subject: c.Query("subject"), Visible: q.Scope == "visible", Statuses: q.Statuses(),
		AssigneeMe: q.Assignee == "me", Overdue: q.Overdue, Sort: store.TaskSort(q.Sort),
		OverdueFirst: q.OverdueFirst == nil || *q.OverdueFirst,
	}
	if q.DueBefore != "" {
		t, _ := domain.ParseTaskTime(q.DueBefore)
		f.DueBefore = &t
	}
	if q.DueAfter != "" {
		t, _ := domain.ParseTaskTime(q.DueAfter)
		f.DueAfter = &t
	}
	if q.Unit != "" {
		u, err := s.Store.GetUnit(c.Request.Context(), p, q.Unit)
		if err != nil {
			return f, err
		}
		f.UnitPath = u.Path
	}
	return f, nil
}

// workingDaysLeft is what "还剩 N 个工作日" prints: the working days after today (Shanghai) up
// to and including the due day (the civil day before due_at when due_at is a midnight, as
// deadlines on the calendar are); 0 is due today; an overdue task gets at most -1 (its overdue
// working days, negated). Nil for a closed task.
func workingDaysLeft(cal *calendar.Calendar, t domain.Task, now time.Time) *int {
	if !t.Status.Active() {
		return nil
	}
	n, _ := cal.WorkingDaysBetween(now, t.DueAt.Add(-time.Nanosecond))
	if now.After(t.DueAt) && n > -1 {
		n = -1
	}
	return &n
}

type taskCountResponse struct {
	Value string `json:"value"`
	Title string `json:"title,omitempty"` // Chinese: the kind's form title, the status's name
	Count int    `json:"count"`
}

type unitCountResponse struct {
	UnitID   string `json:"unit_id"`
	UnitName string `json:"unit_name"`
	Count    int    `json:"count"`
}

type taskCountsResponse struct {
	Total          int                 `json:"total"`
	Overdue        int                 `json:"overdue"`
	DueThisWeek    int                 `json:"due_this_week"`
	WeekEnds       time.Time           `json:"week_ends"`
	ByKind         []taskCountResponse `json:"by_kind"`
	ByStatus       []taskCountResponse `json:"by_status"`
	ByUnit         []unitCountResponse `json:"by_unit"`
	UnitsTruncated bool                `json:"units_truncated"`
}

// statusTitles are the task statuses' Chinese names.
var statusTitles = map[string]string{"open": "待认领", "claimed": "办理中", "completed": "已完成", "cancelled": "已取消"}

// countTasks answers the inbox's numbers for the same filter as GET /tasks.
func (s *Server) countTasks(c *gin.Context) {
	p := principal(c)
	f, err := s.taskFilter(c, p, taskQueryFrom(c))
	if err != nil {
		fail(c, err)
		return
	}
	n, err := s.Store.CountTasks(c.Request.Context(), p, f)
	if err != nil {
		fail(c, err)
		return
	}
	out := taskCountsResponse{Total: n.Total, Overdue: n.Overdue, DueThisWeek: n.DueThisWeek, WeekEnds: store.WeekEnd(s.now()),
		ByKind: []taskCountResponse{}, ByStatus: []taskCountResponse{}, ByUnit: []unitCountResponse{}, UnitsTruncated: n.UnitsTruncated}
	for _, k := range n.ByKind {
		r := taskCountResponse{Value: k.Value, Count: k.Count}
		if form, ok := forms.Lookup(k.Value); ok {
			r.Title = form.Title
		}
		out.ByKind = append(out.ByKind, r)
	}
	for _, st := range n.ByStatus {
		out.ByStatus = append(out.ByStatus, taskCountResponse{Value: st.Value, Title: statusTitles[st.Value], Count: st.Count})
	}
	for _, u := range n.ByUnit {
		out.ByUnit = append(out.ByUnit, unitCountResponse{UnitID: u.UnitID, UnitName: u.UnitName, Count: u.Count})
	}
	c.JSON(http.StatusOK, out)
}
