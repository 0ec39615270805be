package store

import (
	"context"
	"database/sql"
)

// MigrateTo migrates up to version, for tests of a migration over existing data.
func (s *Store) MigrateTo(ctx context.Context, version int64) error {
	p, err := s.migrator()
	if err != nil {
		return err
	}
	_, err = p.UpTo(ctx, version)
	return err
}

// Readers is SQLite's pool of read-only connections (nil on PostgreSQL and in memory).
func (s *Store) Readers() *sql.DB { return s.readers }
