// Package store keeps Tandem's domain data in PostgreSQL (production) or SQLite (the embedded
// default) through GORM, with versioned SQL migrations. Every read that lists rows takes the
// caller's domain.Principal and scopes the query to the units the caller may view, so a
// handler that forgets a check cannot leak rows.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	"gorm.io/driver/postgres"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
	_ "modernc.org/sqlite" // registers the "sqlite" driver (also linked by the embedded Temporal server)

	"tandem/domain"
)

//go:embed migrations
var migrations embed.FS

// Dialect names the database behind a Store.
type Dialect string

const (
	Postgres Dialect = "postgres"
	SQLite   Dialect = "sqlite"
)

// Store is the GORM-backed repository for all domain data.
type Store struct {
	db      *gorm.DB
	dialect Dialect
	// Now is Tandem's one clock outside workflows (which keep Temporal's time): the API and
	// the activities read it too. Tests and TANDEM_TEST_CLOCK may replace it.
	Now func() time.Time
	// Trace, when set, is told how long each step of a long operation (an import's merge) took.
	Trace func(step string, took time.Duration)
	// principals caches PrincipalByToken when CachePrincipals turned it on (principals.go).
	principals *principalCache
	url        string // as opened: the principal listener connects with it
	// MinEmployees is the 三有 head count an operating enterprise needs (TANDEM_MIN_EMPLOYEES;
	// 0: domain.DefaultMinEmployees), used by CountedOperating.
	MinEmployees int
	// ExtensionApprovers names, per task kind, who decides a requested deadline extension
	// (later processes register theirs); a kind without one: the officers of the unit above.
	ExtensionApprovers map[string]ExtensionApprover
}

// trace reports a step's duration to Trace, if set.
func (s *Store) trace(step string, start time.Time) {
	if s.Trace != nil {
		s.Trace(step, time.Since(start))
	}
}

// Open connects to PostgreSQL when url starts with postgres:// or postgresql://, and otherwise
// treats url as the path of a SQLite file. It does not migrate.
func Open(ctx context.Context, url string) (*Store, error) {
	s := &Store{Now: func() time.Time { return time.Now().UTC() }, url: url}
	gcfg := &gorm.Config{
		Logger:                 logger.Discard,
		SkipDefaultTransaction: true,
		TranslateError:         true,
		// GORM's created_at and updated_at read the same clock as everything else.
		NowFunc: func() time.Time { return s.Now().UTC() },
	}
	var (
		db      *gorm.DB
		err     error
		dialect Dialect
	)
	if strings.HasPrefix(url, "postgres://") || strings.HasPrefix(url, "postgresql://") {
		dialect = Postgres
		db, err = gorm.Open(postgres.Open(url), gcfg)
	} else {
		dialect = SQLite
		// The embedded Temporal server links modernc.org/sqlite, registered as "sqlite"; reusing
		// that driver keeps one SQLite engine in the binary (a second pure-Go driver registering
		// the same name would panic at start) and works with CGO_ENABLED=0.
		dsn := "file:" + url + "?_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)" +
			"&_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_time_format=sqlite"
		db, err = gorm.Open(sqlite.Dialector{DriverName: "sqlite", DSN: dsn}, gcfg)
	}
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", dialect, err)
	}
	system := "sqlite"
	if dialect == Postgres {
		system = "postgresql"
	}
	if err := db.Use(sqlSpans{system: system}); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	if dialect == SQLite {
		// SQLite has one writer; one connection turns lock contention into queueing.
		sqlDB.SetMaxOpenConns(1)
	} else {
		sqlDB.SetMaxOpenConns(32)
		sqlDB.SetMaxIdleConns(32)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	}
	s.db, s.dialect = db, dialect
	if err := s.Ping(ctx); err != nil {
		_ = sqlDB.Close()
		return nil, err
	}
	return s, nil
}

// Dialect reports which database the store uses.
func (s *Store) Dialect() Dialect { return s.dialect }

// DB exposes the GORM handle to packages that own their own tables (benchmarks, tests).
func (s *Store) DB() *gorm.DB { return s.db }

// Close closes the connection pool.
func (s *Store) Close() error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	if err := sqlDB.PingContext(ctx); err != nil {
		return domain.Errorf(domain.EUNAVAILABLE, "database unreachable")
	}
	return nil
}

func (s *Store) migrator() (*goose.Provider, error) {
	sqlDB, err := s.db.DB()
	if err != nil {
		return nil, err
	}
	sub, err := fs.Sub(migrations, "migrations/"+string(s.dialect))
	if err != nil {
		return nil, err
	}
	opts := []goose.ProviderOption{goose.WithDisableGlobalRegistry(true)}
	gooseDialect := goose.DialectSQLite3
	if s.dialect == Postgres {
		gooseDialect = goose.DialectPostgres
		// An advisory lock, so that several processes starting at once migrate one at a time.
		locker, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return nil, err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	return goose.NewProvider(gooseDialect, sqlDB, sub, opts...)
}

// Migrate applies every pending migration.
func (s *Store) Migrate(ctx context.Context, log *slog.Logger) error {
	p, err := s.migrator()
	if err != nil {
		return fmt.Errorf("store: migrations: %w", err)
	}
	if s.dialect == SQLite {
		if err := backfillSQLite(ctx, p, log); err != nil {
			return fmt.Errorf("store: migrate: %w", err)
		}
	}
	results, err := p.Up(ctx)
	if err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	for _, r := range results {
		log.Info("migration applied", "version", r.Source.Version, "file", r.Source.Path, "took", r.Duration)
	}
	return nil
}

// sqliteBackfill lists the SQLite migrations added after later versions had shipped, so that
// both databases list the same versions (00008 is a documented no-op on SQLite). goose refuses
// a database that lacks a version below its latest, so Migrate applies these first, out of
// order, on a database migrated before they existed.
var sqliteBackfill = []int64{8}

func backfillSQLite(ctx context.Context, p *goose.Provider, log *slog.Logger) error {
	status, err := p.Status(ctx)
	if err != nil {
		return err
	}
	pending := map[int64]bool{}
	var latestApplied int64
	for _, st := range status {
		if st.State == goose.StatePending {
			pending[st.Source.Version] = true
		} else {
			latestApplied = max(latestApplied, st.Source.Version)
		}
	}
	for _, v := range sqliteBackfill {
		if !pending[v] || latestApplied < v {
			continue // applied already, or Up applies it in order
		}
		r, err := p.ApplyVersion(ctx, v, true)
		if err != nil {
			return err
		}
		log.Info("migration applied out of order", "version", v, "file", r.Source.Path, "took", r.Duration)
	}
	return nil
}

// SchemaVersions returns the schema version of the database and the one this binary expects.
func (s *Store) SchemaVersions(ctx context.Context) (current, expected int64, err error) {
	p, err := s.migrator()
	if err != nil {
		return 0, 0, fmt.Errorf("store: migrations: %w", err)
	}
	return p.GetVersions(ctx)
}

// CheckSchema refuses a database whose schema is older (or newer) than this binary's.
func (s *Store) CheckSchema(ctx context.Context) error {
	current, expected, err := s.SchemaVersions(ctx)
	if err != nil {
		// A database never migrated has no version table.
		current = 0
		if expected, err = s.latestVersion(); err != nil {
			return err
		}
	}
	switch {
	case current < expected:
		return domain.Errorf(domain.ESTALESCHEMA,
			"database schema is at version %d, this binary needs %d: run `tandem migrate up` first", current, expected)
	case current > expected:
		return domain.Errorf(domain.ESTALESCHEMA,
			"database schema is at version %d, newer than this binary's %d: deploy the newer binary", current, expected)
	}
	return nil
}

func (s *Store) latestVersion() (int64, error) {
	p, err := s.migrator()
	if err != nil {
		return 0, err
	}
	var latest int64
	for _, src := range p.ListSources() {
		latest = max(latest, src.Version)
	}
	return latest, nil
}

// newID returns a time-ordered unique ID, so that ordering by ID is ordering by creation.
func newID() string { return uuid.Must(uuid.NewV7()).String() }

// translate turns GORM errors into domain errors at the store's edge.
func translate(err error, what string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, gorm.ErrRecordNotFound), errors.Is(err, sql.ErrNoRows):
		return domain.Errorf(domain.ENOTFOUND, "%s not found", what)
	case errors.Is(err, gorm.ErrDuplicatedKey):
		return domain.Errorf(domain.ECONFLICT, "%s already exists", what)
	case errors.Is(err, gorm.ErrForeignKeyViolated):
		return domain.Errorf(domain.EINVALID, "%s refers to something that does not exist", what)
	}
	var de *domain.Error
	if errors.As(err, &de) {
		return err
	}
	// The SQLite dialector translates only mattn/go-sqlite3's errors; modernc's say it in text.
	switch msg := err.Error(); {
	case strings.Contains(msg, "UNIQUE constraint failed"):
		return domain.Errorf(domain.ECONFLICT, "%s already exists", what)
	case strings.Contains(msg, "FOREIGN KEY constraint failed"):
		return domain.Errorf(domain.EINVALID, "%s refers to something that does not exist", what)
	}
	return fmt.Errorf("store: %s: %w", what, err)
}
