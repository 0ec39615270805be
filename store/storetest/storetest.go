// Package storetest gives tests a migrated store on a database of their own: a temp SQLite
// file, or a fresh database on the PostgreSQL server named by TANDEM_TEST_POSTGRES (which
// `make test` sets, starting a throwaway server when needed).
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"tandem/store"
)

// PostgresEnv names the variable holding the admin URL of the test PostgreSQL server.
const PostgresEnv = "TANDEM_TEST_POSTGRES"

// SQLite opens a migrated store on a new SQLite file in a temp folder.
func SQLite(t testing.TB) *store.Store {
	t.Helper()
	return open(t, filepath.Join(t.TempDir(), "tandem.db"))
}

// Postgres opens a migrated store on a new PostgreSQL database, dropped when the test ends.
// Without TANDEM_TEST_POSTGRES the test is skipped, saying why.
func Postgres(t testing.TB) *store.Store {
	t.Helper()
	return open(t, NewPostgresDatabase(t))
}

// NewPostgresDatabase creates an empty PostgreSQL database for the test and returns its URL.
func NewPostgresDatabase(t testing.TB) string {
	t.Helper()
	admin := os.Getenv(PostgresEnv)
	if admin == "" {
		t.Skip("PostgreSQL test skipped: " + PostgresEnv + " is not set (make test sets it)")
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "tandem_test_" + hex.EncodeToString(b)
	db, err := gorm.Open(postgres.Open(admin), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		t.Fatalf("connect to test PostgreSQL: %v", err)
	}
	sqlDB, _ := db.DB()
	if err := db.Exec("CREATE DATABASE " + name).Error; err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		db.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
		sqlDB.Close()
	})
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("parse %s: %v", PostgresEnv, err)
	}
	u.Path = "/" + name
	return u.String()
}

// Each runs fn as a subtest on SQLite and on PostgreSQL.
func Each(t *testing.T, fn func(t *testing.T, st *store.Store)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, Postgres(t)) })
}

func open(t testing.TB, url string) *store.Store {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, url)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(ctx, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return st
}
