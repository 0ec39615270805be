package main

import (
	"context"
	"log/slog"
	"tandem/workflows"
)

// runWorker runs the Temporal worker against PostgreSQL and an external Temporal until ctx ends.
func runWorker(ctx context.Context, cfg Config, log *slog.Logger) error {
	st, err := openProductionStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	obs, err := startObservability(ctx, cfg, "worker", log)
	if err != nil {
		return err
	}
	defer obs.close(log)
	obs.startDBGauges(ctx, cfg, st, log)
	tc, err := dialTemporal(ctx, cfg, log, obs)
	if err != nil {
		return err
	}
	defer tc.Close()
	ensureSearchAttributes(ctx, tc, cfg.TemporalNamespace, log)
	w, err := startWorker(tc, st, newCalendar(st), cfg)
	if err != nil {
		return err
	}
	if err := workflows.EnsureSchedules(ctx, tc, cfg.CycleHour); err != nil {
		log.Warn("could not set up the cycle schedules", "error", err)
	}
	log.Info("worker running", "temporal", cfg.TemporalAddress, "namespace", cfg.TemporalNamespace)
	<-ctx.Done()
	w.Stop()
	return nil
}
