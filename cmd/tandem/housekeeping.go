package main

import (
	"context"
	"log/slog"
	"time"

	"tandem/api"
	"tandem/store"
)

// housekeep removes expired tokens and idempotency records older than their replay window,
// now and every hour, until ctx ends. Several API processes doing it at once is harmless.
func housekeep(ctx context.Context, st *store.Store, log *slog.Logger) {
	for {
		if n, err := st.DeleteExpiredTokens(ctx); err != nil {
			log.Warn("housekeeping: expired tokens", "error", err)
		} else if n > 0 {
			log.Info("housekeeping: expired tokens removed", "count", n)
		}
		if n, err := st.DeleteIdempotencyKeysBefore(ctx, time.Now().Add(-api.IdempotencyKeyTTL)); err != nil {
			log.Warn("housekeeping: idempotency records", "error", err)
		} else if n > 0 {
			log.Info("housekeeping: idempotency records removed", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Hour):
		}
	}
}
