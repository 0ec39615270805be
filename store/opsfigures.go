package store

import (
	"context"
	"time"

	"gorm.io/gorm"

	"tandem/domain"
)

// OpsFigures are the operational aggregates /metrics exports as gauges: a handful of GROUP BY
// queries over the whole database, read on an interval by one process (TANDEM_METRICS_DB_GAUGES),
// never per scrape and never per user: no scope applies, and no row leaves the aggregates.
type OpsFigures struct {
	// Tasks counts active (open or claimed) tasks by kind and by the kind of their unit.
	Tasks []TaskFigure
	// Imports counts roster imports by status (pending, running, done, failed).
	Imports map[string]int
	// LastImport is the most recently finished successful import (nil: none yet).
	LastImport *ImportThroughput
	// Rounds counts census rounds by status; Running sums the rounds still running.
	Rounds  map[string]int
	Running RunningRounds
}

// TaskFigure is one (kind, unit level) cell of the active tasks.
type TaskFigure struct {
	Kind      string
	UnitLevel string // the unit's kind: county, township, committee, department …
	Active    int    // open or claimed
	Overdue   int    // of those, past their due time
	Escalated int    // of those, escalated to the superior unit
}

// ImportThroughput is one finished import's size and pace.
type ImportThroughput struct {
	ID         string
	Rows       int
	Seconds    float64
	FinishedAt time.Time
}

// RowsPerSecond is the import's pace (0 when it took no measurable time).
func (t ImportThroughput) RowsPerSecond() float64 {
	if t.Seconds <= 0 {
		return 0
	}
	return float64(t.Rows) / t.Seconds
}

// RunningRounds sums the census rounds with status running: the organizations they selected,
// those the fan-out has passed and skipped, and their verification tasks by status.
type RunningRounds struct {
	Selected, Started, Skipped int
	Verifications              map[string]int // open, claimed, completed, cancelled
}

// OpsFigures reads the operational aggregates at the store's clock, all at one moment (one
// read-only transaction): a task committed while they are read is in the task figures and in
// the census figures, or in neither.
func (s *Store) OpsFigures(ctx context.Context) (OpsFigures, error) {
	var out OpsFigures
	err := s.readOneMoment(ctx, func(db *gorm.DB) error {
		var err error
		out, err = s.opsFigures(db)
		return err
	})
	if err != nil {
		return OpsFigures{}, translate(err, "ops figures")
	}
	return out, nil
}

// opsFigures reads the aggregates through db.
func (s *Store) opsFigures(db *gorm.DB) (OpsFigures, error) {
	var out OpsFigures
	if err := db.Raw(`SELECT t.kind, u.kind AS unit_level, count(*) AS active,
			SUM(CASE WHEN t.due_at < ? THEN 1 ELSE 0 END) AS overdue,
			SUM(CASE WHEN t.escalated_at IS NOT NULL THEN 1 ELSE 0 END) AS escalated
		FROM tasks t JOIN units u ON u.id = t.unit_id
		WHERE t.status IN ('open', 'claimed')
		GROUP BY t.kind, u.kind ORDER BY t.kind, u.kind`, s.Now().UTC()).Scan(&out.Tasks).Error; err != nil {
		return out, translate(err, "task figures")
	}
	var err error
	if out.Imports, err = countStatuses(db, "roster_imports", []string{"pending", "running", "done", "failed"}); err != nil {
		return out, err
	}
	var last []struct {
		ID         string
		Rows       int
		StartedAt  *time.Time
		FinishedAt *time.Time
	}
	if err := db.Raw(`SELECT id, rows, started_at, finished_at FROM roster_imports
		WHERE status = 'done' AND started_at IS NOT NULL AND finished_at IS NOT NULL
		ORDER BY finished_at DESC, id DESC LIMIT 1`).Scan(&last).Error; err != nil {
		return out, translate(err, "import figures")
	}
	if len(last) == 1 && last[0].StartedAt != nil && last[0].FinishedAt != nil {
		l := last[0]
		out.LastImport = &ImportThroughput{ID: l.ID, Rows: l.Rows, Seconds: l.FinishedAt.Sub(*l.StartedAt).Seconds(), FinishedAt: l.FinishedAt.UTC()}
	}
	if out.Rounds, err = countStatuses(db, "census_rounds", []string{string(domain.RoundRunning), "done", "cancelled"}); err != nil {
		return out, err
	}
	var sums []struct{ Selected, Started, Skipped int }
	if err := db.Raw(`SELECT COALESCE(SUM(total), 0) AS selected, COALESCE(SUM(started), 0) AS started,
		COALESCE(SUM(skipped), 0) AS skipped FROM census_rounds WHERE status = ?`, domain.RoundRunning).Scan(&sums).Error; err != nil {
		return out, translate(err, "census figures")
	}
	if len(sums) == 1 {
		out.Running.Selected, out.Running.Started, out.Running.Skipped = sums[0].Selected, sums[0].Started, sums[0].Skipped
	}
	var byStatus []struct {
		Status string
		N      int
	}
	// The same join as RoundProgress (a verification task's key names its round and
	// organization), over the running rounds only: the unique index on tasks.key serves it.
	if err := db.Raw(`SELECT t.status, count(*) AS n FROM census_rounds r
		JOIN census_members m ON m.round_id = r.id
		JOIN tasks t ON t.key = 'census-verify/' || m.uscc || '/verify/' || m.round_id
		WHERE r.status = ? GROUP BY t.status`, domain.RoundRunning).Scan(&byStatus).Error; err != nil {
		return out, translate(err, "census figures")
	}
	out.Running.Verifications = map[string]int{string(domain.TaskOpen): 0, string(domain.TaskClaimed): 0,
		string(domain.TaskCompleted): 0, string(domain.TaskCancelled): 0}
	for _, r := range byStatus {
		out.Running.Verifications[r.Status] += r.N
	}
	return out, nil
}

// countStatuses counts a table's rows by status, with a zero for every status in statuses.
func countStatuses(db *gorm.DB, table string, statuses []string) (map[string]int, error) {
	var rows []struct {
		Status string
		N      int
	}
	if err := db.Table(table).Select("status, count(*) AS n").Group("status").Scan(&rows).Error; err != nil {
		return nil, translate(err, table)
	}
	out := make(map[string]int, len(statuses))
	for _, st := range statuses {
		out[st] = 0
	}
	for _, r := range rows {
		out[r.Status] += r.N
	}
	return out, nil
}
