// Package activities holds Tandem's Temporal activities: one struct with its dependencies,
// registered whole on the worker. Every activity is idempotent, because Temporal may run it
// more than once.
package activities

import (
	"context"
	"time"

	"go.temporal.io/sdk/client"

	"tandem/domain"
	"tandem/store"
)

// Activities is registered on the worker; workflows call its methods through a nil pointer.
type Activities struct {
	Store    *store.Store
	Calendar *CalendarCache
	Notifier Notifier
	// Temporal starts and cancels workflows in bulk (a census round's verifications), where
	// child workflows would swell the parent's history.
	Temporal client.Client
	// DeliveryDays is how many working days the departments have to deliver each month
	// (DefaultDeliveryDays when zero).
	DeliveryDays int
	// MissingGateShare is the share of a source's organizations an extract may flag missing
	// before an admin must confirm it (DefaultMissingGateShare when zero).
	MissingGateShare float64
}

// Notifier tells people about tasks. The in-app list is the one channel for now; SMS, WeChat
// Work or e-mail can implement it later. key makes a retried notification a no-op.
type Notifier interface {
	Notify(ctx context.Context, usernames []string, n domain.Notice) error
}

// InAppNotifier writes to each recipient's notification list in the database.
type InAppNotifier struct{ Store *store.Store }

// Notify implements Notifier.
func (n InAppNotifier) Notify(ctx context.Context, usernames []string, notice domain.Notice) error {
	return n.Store.AddNotifications(ctx, usernames, notice)
}

// SelfCheckResult says what a self-check found.
type SelfCheckResult struct {
	Database      string    `json:"database"`
	SchemaVersion int64     `json:"schema_version"`
	CheckedAt     time.Time `json:"checked_at"`
}

// CheckDatabase proves that a worker can reach the domain database and reports its schema.
func (a *Activities) CheckDatabase(ctx context.Context) (SelfCheckResult, error) {
	if err := a.Store.Ping(ctx); err != nil {
		return SelfCheckResult{}, err
	}
	current, _, err := a.Store.SchemaVersions(ctx)
	if err != nil {
		return SelfCheckResult{}, err
	}
	return SelfCheckResult{Database: string(a.Store.Dialect()), SchemaVersion: current, CheckedAt: a.Store.Now()}, nil
}
