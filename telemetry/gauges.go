package telemetry

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"tandem/store"
)

// FiguresSource reads the operational aggregates (store.Store).
type FiguresSource interface {
	OpsFigures(ctx context.Context) (store.OpsFigures, error)
}

// dbGauges are the gauges read from the database. Only one process exports them
// (TANDEM_METRICS_DB_GAUGES), so that summing over processes does not multiply them.
type dbGauges struct {
	active, overdue, escalated *prometheus.GaugeVec
	imports                    *prometheus.GaugeVec
	importRate, importRows     prometheus.Gauge
	rounds                     *prometheus.GaugeVec
	roundOrgs, roundTasks      *prometheus.GaugeVec
	refreshed                  prometheus.Gauge
	failures                   prometheus.Counter
	seen                       map[[2]string]bool // (kind, level) cells set before: set to 0 when they empty
}

func newDBGauges(reg prometheus.Registerer) *dbGauges {
	vec := func(name, help string, labels ...string) *prometheus.GaugeVec {
		return prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: name, Help: help}, labels)
	}
	g := &dbGauges{
		active:    vec("tandem_tasks_active", "Open or claimed tasks, by task kind and the kind of their unit.", "kind", "unit_level"),
		overdue:   vec("tandem_tasks_overdue", "Active tasks past their due time, by task kind and unit level.", "kind", "unit_level"),
		escalated: vec("tandem_tasks_escalated", "Active tasks escalated to the superior unit, by task kind and unit level.", "kind", "unit_level"),
		imports:   vec("tandem_roster_imports", "Roster imports by status.", "status"),
		importRate: prometheus.NewGauge(prometheus.GaugeOpts{Name: "tandem_roster_import_rows_per_second",
			Help: "Rows per second of the most recently finished successful roster import."}),
		importRows: prometheus.NewGauge(prometheus.GaugeOpts{Name: "tandem_roster_import_last_rows",
			Help: "Rows of the most recently finished successful roster import."}),
		rounds:    vec("tandem_census_rounds", "Census rounds by status.", "status"),
		roundOrgs: vec("tandem_census_running_organizations", "Organizations of the running census rounds: selected, started (the fan-out passed them), skipped.", "state"),
		roundTasks: vec("tandem_census_running_verifications",
			"Verification tasks of the running census rounds, by task status.", "status"),
		refreshed: prometheus.NewGauge(prometheus.GaugeOpts{Name: "tandem_metrics_db_refreshed_timestamp_seconds",
			Help: "When the database gauges were last read (Unix seconds)."}),
		failures: prometheus.NewCounter(prometheus.CounterOpts{Name: "tandem_metrics_db_refresh_failures_total",
			Help: "Reads of the database gauges that failed."}),
		seen: map[[2]string]bool{},
	}
	reg.MustRegister(g.active, g.overdue, g.escalated, g.imports, g.importRate, g.importRows, g.rounds,
		g.roundOrgs, g.roundTasks, g.refreshed, g.failures)
	return g
}

func (g *dbGauges) set(f store.OpsFigures, now time.Time) {
	cells := map[[2]string]bool{}
	for _, t := range f.Tasks {
		k := [2]string{t.Kind, t.UnitLevel}
		cells[k] = true
		g.active.WithLabelValues(k[0], k[1]).Set(float64(t.Active))
		g.overdue.WithLabelValues(k[0], k[1]).Set(float64(t.Overdue))
		g.escalated.WithLabelValues(k[0], k[1]).Set(float64(t.Escalated))
	}
	for k := range g.seen {
		if !cells[k] {
			g.active.WithLabelValues(k[0], k[1]).Set(0)
			g.overdue.WithLabelValues(k[0], k[1]).Set(0)
			g.escalated.WithLabelValues(k[0], k[1]).Set(0)
		}
	}
	for k := range cells {
		g.seen[k] = true
	}
	for status, n := range f.Imports {
		g.imports.WithLabelValues(status).Set(float64(n))
	}
	if f.LastImport != nil {
		g.importRate.Set(f.LastImport.RowsPerSecond())
		g.importRows.Set(float64(f.LastImport.Rows))
	}
	for status, n := range f.Rounds {
		g.rounds.WithLabelValues(status).Set(float64(n))
	}
	g.roundOrgs.WithLabelValues("selected").Set(float64(f.Running.Selected))
	g.roundOrgs.WithLabelValues("started").Set(float64(f.Running.Started))
	g.roundOrgs.WithLabelValues("skipped").Set(float64(f.Running.Skipped))
	for status, n := range f.Running.Verifications {
		g.roundTasks.WithLabelValues(status).Set(float64(n))
	}
	g.refreshed.Set(float64(now.Unix()))
}

// RunDBGauges reads the database gauges now and then every interval until ctx ends. A scrape
// reads the last values; it never queries the database itself.
func (m *Metrics) RunDBGauges(ctx context.Context, src FiguresSource, now func() time.Time, every time.Duration, log *slog.Logger) {
	if m.gauges == nil {
		m.gauges = newDBGauges(m.Registry)
	}
	for {
		readCtx, cancel := context.WithTimeout(ctx, every)
		f, err := src.OpsFigures(readCtx)
		cancel()
		switch {
		case err != nil && ctx.Err() == nil:
			m.gauges.failures.Inc()
			log.Warn("metrics: could not read the database gauges", "error", err)
		case err == nil:
			m.gauges.set(f, now())
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(every):
		}
	}
}
