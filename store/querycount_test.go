package store_test

import (
	"sync/atomic"
	"testing"

	"gorm.io/gorm"

	"tandem/store"
)

// countStatements counts the statements the store sends from now on (queries, raw queries and
// row scans, writes), through GORM callbacks registered on the test's store.
func countStatements(t *testing.T, st *store.Store) *atomic.Int64 {
	t.Helper()
	n := new(atomic.Int64)
	count := func(*gorm.DB) { n.Add(1) }
	cb := st.DB().Callback()
	for _, err := range []error{
		cb.Query().After("gorm:query").Register("test:count_query", count),
		cb.Raw().After("gorm:raw").Register("test:count_raw", count),
		cb.Row().After("gorm:row").Register("test:count_row", count),
		cb.Create().After("gorm:create").Register("test:count_create", count),
		cb.Update().After("gorm:update").Register("test:count_update", count),
		cb.Delete().After("gorm:delete").Register("test:count_delete", count),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	return n
}
