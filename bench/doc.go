// Package bench holds Tandem's benchmarks that need a real PostgreSQL and a seeded database.
// Each reports a ratio against a baseline measured in the same run, never a fixed time.
// Run them with `make bench` (which starts a throwaway PostgreSQL when needed).
package bench
