package domain

import "time"

// AuditEvent is one append-only record of a change: who, when, what, old → new.
type AuditEvent struct {
	ID          int64
	At          time.Time
	Actor       string // username, or "system" for the engine itself
	Action      string // e.g. "unit.create", "user.disable"
	SubjectType string // "unit", "user", "task", …
	SubjectID   string
	UnitPath    string // the unit the change concerns, for scoping reads; "" = admins only
	Old         string // JSON, "" when nothing existed
	New         string // JSON, "" when removed
	RequestID   string
}

// SystemActor is the actor recorded for changes the engine makes on its own.
const SystemActor = "system"
