package main

import (
	"context"
	"log/slog"
	"time"

	"tandem/api"
	"tandem/app"
	"tandem/calendar"
	"tandem/store"
)

// housekeep removes expired tokens, idempotency records older than their replay window, the
// staging tables of imports that ended without a merge and uploaded files past their retention,
// and takes the month-end coverage snapshot, now and every hour, until ctx ends. Several API
// processes doing it at once is harmless.
func housekeep(ctx context.Context, st *store.Store, uploads store.UploadPolicy, log *slog.Logger) {
	for {
		if n, err := st.DeleteExpiredTokens(ctx); err != nil {
			log.Warn("housekeeping: expired tokens", "error", err)
		} else if n > 0 {
			log.Info("housekeeping: expired tokens removed", "count", n)
		}
		if n, err := st.DeleteIdempotencyKeysBefore(ctx, st.Now().Add(-api.IdempotencyKeyTTL)); err != nil {
			log.Warn("housekeeping: idempotency records", "error", err)
		} else if n > 0 {
			log.Info("housekeeping: idempotency records removed", "count", n)
		}
		if n, err := st.DeleteExpiredThrottles(ctx); err != nil {
			log.Warn("housekeeping: throttle counters", "error", err)
		} else if n > 0 {
			log.Info("housekeeping: expired throttle counters removed", "count", n)
		}
		if n, err := st.DropStaleImportTables(ctx); err != nil {
			log.Warn("housekeeping: import staging tables", "error", err)
		} else if n > 0 {
			log.Info("housekeeping: import staging tables dropped", "count", n)
		}
		if r, err := st.RemoveExpiredUploads(ctx, uploads); err != nil {
			log.Warn("housekeeping: expired uploads", "error", err)
		} else if r.Files > 0 {
			log.Info("housekeeping: expired uploads removed", "files", r.Files, "bytes", r.Bytes)
		}
		// The coverage figures of the month just ended, taken on the first day of the next month
		// (a later first run would label today's figures with a past month, so it does not).
		if now := st.Now().In(calendar.Shanghai); now.Day() == 1 {
			if took, err := st.TakeCoverageSnapshot(ctx, store.CoverageMonthEnd(now)); err != nil {
				log.Warn("housekeeping: coverage snapshot", "error", err)
			} else if took {
				log.Info("housekeeping: coverage snapshot taken", "month", store.CoverageMonthEnd(now))
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Hour):
		}
	}
}

// reconcileObjections opens the task of each demonstration-point objection whose signal was lost
// (recorded while the engine was away: the objector was told 已记录，稍后生成处理任务), every
// minute until ctx ends. Several API processes doing it at once is harmless: the workflow opens
// one task per objection.
func reconcileObjections(ctx context.Context, d *app.Demonstrations, log *slog.Logger) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(app.ObjectionGrace):
		}
		n, err := d.ReconcileObjections(ctx)
		if err != nil {
			log.Warn("reconciling demonstration objections", "signalled", n, "error", err)
		} else if n > 0 {
			log.Info("demonstration objections signalled again", "count", n)
		}
	}
}
