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
	"regexp"
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
	url        string  // as opened: the principal listener connects with it
	readers    *sql.DB // SQLite: read-only connections for reads outside a transaction
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
		dsn     string
	)
	if strings.HasPrefix(url, "postgres://") || strings.HasPrefix(url, "postgresql://") {
		dialect = Postgres
		db, err = gorm.Open(postgres.Open(url), gcfg)
	} else {
		dialect = SQLite
		// The embedded Temporal server links modernc.org/sqlite, registered as "sqlite"; reusing
		// that driver keeps one SQLite engine in the binary (a second pure-Go driver registering
		// the same name would panic at start) and works with CGO_ENABLED=0.
		dsn = "file:" + url + "?_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)" +
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
		if err := s.readersOwnConnections(db, sqlDB, dsn, url); err != nil {
			_ = sqlDB.Close()
			return nil, err
		}
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
	s.registerRectificationApprovers()
	return s, nil
}

// Dialect reports which database the store uses.
func (s *Store) Dialect() Dialect { return s.dialect }

// DB exposes the GORM handle to packages that own their own tables (benchmarks, tests).
func (s *Store) DB() *gorm.DB { return s.db }

// readConns is how many connections SQLite's readers get beside the one writer.
const readConns = 4

// readersOwnConnections gives SQLite's reads outside a transaction a pool of read-only
// connections of their own: in WAL mode they read the last committed state while the one
// writer works, so an API call does not wait behind a long merge (issue #21; on one shared
// connection an inbox read waited seconds during a 100,000-row import). Reads within a
// transaction stay on its connection; an in-memory database (one per connection) keeps one.
func (s *Store) readersOwnConnections(db *gorm.DB, writer *sql.DB, dsn, url string) error {
	if url == ":memory:" || strings.Contains(url, "mode=memory") {
		return nil
	}
	readers, err := sql.Open("sqlite", dsn+"&_pragma=query_only(1)")
	if err != nil {
		return fmt.Errorf("store: open SQLite readers: %w", err)
	}
	readers.SetMaxOpenConns(readConns)
	readers.SetMaxIdleConns(readConns)
	s.readers = readers
	route := func(tx *gorm.DB) {
		if tx.Statement.ConnPool != writer {
			return // a transaction's (or a connection's) own
		}
		if raw := strings.TrimSpace(tx.Statement.SQL.String()); raw != "" && !readOnlySQL(raw) {
			return
		}
		tx.Statement.ConnPool = readers
	}
	if err := db.Callback().Query().Before("gorm:query").Register("tandem:readers", route); err != nil {
		return err
	}
	return db.Callback().Row().Before("gorm:row").Register("tandem:readers", route)
}

// readOneMoment runs fn's reads in one read-only transaction, so that together they describe
// one moment: a row committed between two of fn's statements is in every figure or in none.
// Single statements need none of this (each reads one committed state); several that are
// compared with each other do (the gauges of a metrics refresh). On SQLite it takes one of the
// readers' connections (a deferred BEGIN: the snapshot of its first read lasts to the end) and so
// does not queue behind the writer; on PostgreSQL it is REPEATABLE READ, READ ONLY.
func (s *Store) readOneMoment(ctx context.Context, fn func(db *gorm.DB) error) error {
	if s.readers == nil {
		opts := &sql.TxOptions{ReadOnly: true}
		if s.dialect == Postgres {
			opts.Isolation = sql.LevelRepeatableRead
		}
		return s.db.WithContext(ctx).Transaction(fn, opts)
	}
	tx, err := s.readers.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }() // it only read
	db := s.db.Session(&gorm.Session{NewDB: true, Context: ctx})
	db.Statement.ConnPool = tx
	return fn(db)
}

// readOnlySQL reports whether a raw statement only reads: a SELECT (or WITH … SELECT) that
// writes nothing and creates no table (SELECT … INTO [TEMP] t). The words are matched whole, so
// a column such as temporary_branch does not send a read to the writer.
func readOnlySQL(q string) bool {
	u := strings.ToUpper(q)
	if !strings.HasPrefix(u, "SELECT") && !strings.HasPrefix(u, "WITH") {
		return false
	}
	return !writingWord.MatchString(u)
}

var writingWord = regexp.MustCompile(`\b(INSERT|UPDATE|DELETE|RETURNING|INTO|TEMP|TEMPORARY)\b`)

// Close closes the connection pools.
func (s *Store) Close() error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	if s.readers != nil {
		_ = s.readers.Close()
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
		return domain.Errorf(domain.EUNAVAILABLE, "数据库暂时无法连接，请稍后重试")
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
			"数据库结构版本为 %d，本程序需要 %d：请先运行 `tandem migrate up`", current, expected)
	case current > expected:
		return domain.Errorf(domain.ESTALESCHEMA,
			"数据库结构版本为 %d，高于本程序的 %d：请部署新版程序", current, expected)
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

// nounsCN names in Chinese what translate's callers name in English (the log keeps the English).
var nounsCN = map[string]string{
	"alias": "别名", "analysis": "分析报告", "annual report": "年报", "assessment": "考核", "attachment": "附件", "bulletin": "通报",
	"calendar override": "日历调整", "census round": "排查轮次", "census visit": "走访记录", "comment": "评论", "coverage snapshot": "月末覆盖快照",
	"delivery": "报送", "extension": "延期申请", "file": "文件", "formation": "组建", "idempotency key": "幂等键", "import": "名册导入",
	"industry mapping": "行业对应关系", "member transfer": "党员转接", "membership": "单位成员", "notification": "通知", "organization": "组织",
	"organization source": "组织来源数据", "parent unit": "上级单位", "party organization": "党组织", "period": "周期", "registration": "登记",
	"resolution": "裁定", "root unit": "根单位", "scheme": "考核方案", "source": "名册来源", "tag": "标签", "task": "任务", "token": "登录令牌",
	"unit": "单位", "unit of the task": "任务所在单位", "user": "用户",
}

// nounCN is what's Chinese name, or 所指对象 for one without.
func nounCN(what string) string {
	if n, ok := nounsCN[what]; ok {
		return n
	}
	return "所指对象"
}

// translate turns GORM errors into domain errors at the store's edge.
func translate(err error, what string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, gorm.ErrRecordNotFound), errors.Is(err, sql.ErrNoRows):
		return domain.Errorf(domain.ENOTFOUND, "%s不存在或无权查看", nounCN(what))
	case errors.Is(err, gorm.ErrDuplicatedKey):
		return domain.Errorf(domain.ECONFLICT, "%s已存在", nounCN(what))
	case errors.Is(err, gorm.ErrForeignKeyViolated):
		return domain.Errorf(domain.EINVALID, "%s引用了不存在的对象", nounCN(what))
	}
	var de *domain.Error
	if errors.As(err, &de) {
		return err
	}
	// The SQLite dialector translates only mattn/go-sqlite3's errors; modernc's say it in text.
	switch msg := err.Error(); {
	case strings.Contains(msg, "UNIQUE constraint failed"):
		return domain.Errorf(domain.ECONFLICT, "%s已存在", nounCN(what))
	case strings.Contains(msg, "FOREIGN KEY constraint failed"):
		return domain.Errorf(domain.EINVALID, "%s引用了不存在的对象", nounCN(what))
	}
	return fmt.Errorf("store: %s: %w", what, err)
}
