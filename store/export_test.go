package store

import (
	"context"

	"gorm.io/gorm"
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

// DBForTest exposes the connection to tests that write what no store method writes.
func (s *Store) DBForTest() *gorm.DB { return s.db }
