package domain

import "time"

// Organization is a new organization 两新组织 (a non-public enterprise or social organization),
// identified by its credit code.
type Organization struct {
	USCC      USCC
	Name      string
	CreatedAt time.Time
	UpdatedAt time.Time
}
