// Package domain holds Tandem's entities, rules and errors: units of the two nets, users and
// their memberships, organizations keyed by their unified social credit code, and the audit
// trail. It imports no gin, GORM or Temporal.
package domain
