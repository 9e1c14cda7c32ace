package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/glebarez/sqlite"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/tables"
	"github.com/funcstack/funcstack/engine/value"
)

// Dialects.
const (
	DialectSQLite   = "sqlite"
	DialectPostgres = "postgres"
)

// DefaultDataDir is where the SQLite database lives unless told otherwise.
const DefaultDataDir = "./funcstack_data"

// SystemPrefix starts the name of every table funcstack keeps for itself;
// user tables may not use it.
const SystemPrefix = tables.SystemPrefix

// Options configure Open. Zero fields take defaults.
// DefaultMaxConns is the PostgreSQL connection budget of one process:
// four nodes fit a server of the default max_connections (100), with
// room left for its superuser slots and a psql.
const DefaultMaxConns = 20

type Options struct {
	// DataDir holds the SQLite database funcstack.db (default
	// ./funcstack_data). Ignored with DatabaseURL.
	DataDir string
	// DatabaseURL selects PostgreSQL (postgres://… or postgresql://…).
	DatabaseURL string
	// MaxConns is the most PostgreSQL connections this process opens,
	// River's included (serve --db-max-conns; default DefaultMaxConns,
	// or the URL's pool_max_conns).
	MaxConns int
	// Retention is how long execution records are kept (default 7 days;
	// negative: forever).
	Retention time.Duration
	// PruneInterval is how often old execution records are pruned in the
	// background (default 1h; negative: never, call Prune yourself).
	PruneInterval time.Duration
	// BatchSize is the most execution records written in one transaction
	// (default 500).
	BatchSize int
	// FlushInterval is the longest a saved execution record waits before
	// it is written (default 5ms).
	FlushInterval time.Duration
	// CheckpointInterval is, on SQLite, how often a background goroutine
	// folds the write-ahead log back into the database file (default
	// 200ms; negative: each connection checkpoints on commit, SQLite's
	// default, and the commit past 1,000 pages waits for it).
	CheckpointInterval time.Duration
	// SyncWrites writes every execution record with its own INSERT before
	// Save returns (no batching): slower, for comparison and debugging.
	SyncWrites bool
	// Logf reports background problems (flush and prune errors); default
	// log.Printf.
	Logf func(format string, args ...any)
}

func (o *Options) fill() {
	if o.DataDir == "" {
		o.DataDir = DefaultDataDir
	}
	if o.Retention == 0 {
		o.Retention = 7 * 24 * time.Hour
	}
	if o.PruneInterval == 0 {
		o.PruneInterval = time.Hour
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 500
	}
	if o.FlushInterval <= 0 {
		o.FlushInterval = 5 * time.Millisecond
	}
	if o.CheckpointInterval == 0 {
		o.CheckpointInterval = 200 * time.Millisecond
	}
	if o.Logf == nil {
		o.Logf = log.Printf
	}
}

// Store is an open database. It is safe for concurrent use.
type Store struct {
	opt     Options
	dialect string
	db      *sql.DB
	gdb     *gorm.DB
	pool    *pgxpool.Pool // PostgreSQL only
	where   string        // the file or the URL without password, for errors

	// schemaGen counts schema changes made by SyncTables (PostgreSQL).
	schemaGen atomic.Int64

	execs     *Executions
	closeOnce sync.Once
	closeErr  error
	stopPrune chan struct{}
	pruneDone chan struct{}
	stopCkpt  chan struct{}
	ckptDone  chan struct{}
}

var _ engine.Database = (*Store)(nil)

// IsPostgresURL reports whether s selects PostgreSQL.
func IsPostgresURL(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// Open opens (creating when needed) the database opt names and brings the
// system tables up to date.
func Open(ctx context.Context, opt Options) (*Store, error) {
	opt.fill()
	s := &Store{opt: opt}
	var err error
	switch {
	case opt.DatabaseURL != "" && IsPostgresURL(opt.DatabaseURL):
		err = s.openPostgres(ctx)
	case opt.DatabaseURL != "":
		return nil, fmt.Errorf("database URL %q is not supported: give a postgres://user@host:5432/db URL for PostgreSQL, or leave it empty to use SQLite in --data (now %s)", redact(opt.DatabaseURL), opt.DataDir)
	default:
		err = s.openSQLite(ctx)
	}
	if err != nil {
		return nil, err
	}
	if err := s.Migrate(ctx); err != nil {
		s.closeDB()
		return nil, err
	}
	s.execs = newExecutions(s)
	if opt.PruneInterval > 0 && opt.Retention > 0 {
		s.stopPrune, s.pruneDone = make(chan struct{}), make(chan struct{})
		go s.pruneLoop()
	}
	if s.checkpointsInBackground() {
		s.stopCkpt, s.ckptDone = make(chan struct{}), make(chan struct{})
		go s.checkpointLoop()
	}
	return s, nil
}

func (s *Store) openSQLite(ctx context.Context) error {
	dir := s.opt.DataDir
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("cannot create the data folder %s: %v; choose another with --data or FUNCSTACK_DATA", dir, err)
	}
	file := filepath.Join(dir, "funcstack.db")
	s.where = file
	dsn := "file:" + (&url.URL{Path: filepath.ToSlash(file)}).EscapedPath() +
		"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_txlock=immediate"
	if s.opt.CheckpointInterval > 0 {
		dsn += "&_pragma=wal_autocheckpoint(0)" // see checkpointLoop
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return fmt.Errorf("opening SQLite database %s: %v", file, err)
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return fmt.Errorf("opening SQLite database %s: %v; check the folder is writable and the file is a SQLite database", file, err)
	}
	gdb, err := gorm.Open(sqlite.Dialector{Conn: db}, gormConfig())
	if err != nil {
		db.Close()
		return fmt.Errorf("opening SQLite database %s with GORM: %v", file, err)
	}
	s.dialect, s.db, s.gdb = DialectSQLite, db, gdb
	return nil
}

func (s *Store) openPostgres(ctx context.Context) error {
	s.where = redact(s.opt.DatabaseURL)
	cfg, err := pgxpool.ParseConfig(s.opt.DatabaseURL)
	if err != nil {
		return fmt.Errorf("database URL %s is not valid: %v; write it like postgres://user:password@host:5432/dbname?sslmode=disable", s.where, err)
	}
	switch {
	case s.opt.MaxConns > 0:
		cfg.MaxConns = int32(s.opt.MaxConns)
	case !strings.Contains(s.opt.DatabaseURL, "pool_max_conns"):
		// River holds connections of its own (LISTEN, fetches, completions)
		// beside the engine's: pgx's default of max(4, CPUs) starves them.
		// DefaultMaxConns leaves room for four nodes on a PostgreSQL
		// of the default max_connections (100).
		cfg.MaxConns = DefaultMaxConns
	}
	// Schema changes (SyncTables) leave statements cached on pooled
	// connections stale ("cached plan must not change result type"):
	// a connection handed out after one forgets its statements first.
	cfg.PrepareConn = func(ctx context.Context, c *pgx.Conn) (bool, error) {
		gen := s.schemaGen.Load()
		cd := c.PgConn().CustomData()
		had, ok := cd[schemaGenKey].(int64)
		if ok && had != gen {
			if err := c.DeallocateAll(ctx); err != nil {
				return false, nil // drop this connection; the pool makes another
			}
		}
		cd[schemaGenKey] = gen
		return true, nil
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return fmt.Errorf("connecting to PostgreSQL at %s: %v", s.where, err)
	}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := pool.Ping(pctx); err != nil {
		pool.Close()
		return fmt.Errorf("connecting to PostgreSQL at %s: %v; check the server runs and the URL (user, password, database) is right", s.where, err)
	}
	db := s.openPostgresDB(pool)
	gdb, err := gorm.Open(postgres.New(postgres.Config{Conn: db}), gormConfig())
	if err != nil {
		db.Close()
		pool.Close()
		return fmt.Errorf("opening PostgreSQL at %s with GORM: %v", s.where, err)
	}
	s.dialect, s.db, s.gdb, s.pool = DialectPostgres, db, gdb, pool
	return nil
}

const schemaGenKey = "funcstack_schema_gen"

func gormConfig() *gorm.Config {
	return &gorm.Config{Logger: logger.Discard, SkipDefaultTransaction: true}
}

// redact hides the password of a URL.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(an unparsable URL)"
	}
	return u.Redacted()
}

// Dialect is "sqlite" or "postgres".
func (s *Store) Dialect() string { return s.dialect }

// SQL returns the connection pool, shared with GORM.
func (s *Store) SQL() *sql.DB { return s.db }

// Gorm returns GORM over the same pool.
func (s *Store) Gorm() *gorm.DB { return s.gdb }

// Pool returns the pgx pool on PostgreSQL (nil on SQLite).
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// Where names the database: the SQLite file or the PostgreSQL URL without
// its password.
func (s *Store) Where() string { return s.where }

// Executions returns the execution record store.
func (s *Store) Executions() engine.ExecutionStore { return s.execs }

// ExecutionRecords returns the execution store with its extra methods
// (Flush, Prune, List).
func (s *Store) ExecutionRecords() *Executions { return s.execs }

// Close flushes execution records still waiting and closes the database.
// It is safe to call more than once.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		if s.stopPrune != nil {
			close(s.stopPrune)
			<-s.pruneDone
		}
		if s.stopCkpt != nil {
			close(s.stopCkpt)
			<-s.ckptDone
		}
		var errs []error
		if s.execs != nil {
			errs = append(errs, s.execs.close())
		}
		errs = append(errs, s.closeDB())
		s.closeErr = errors.Join(errs...)
	})
	return s.closeErr
}

func (s *Store) closeDB() error {
	var err error
	if s.db != nil {
		if s.dialect == DialectSQLite {
			// Fold the WAL back into the database file.
			_, _ = s.db.Exec("PRAGMA wal_checkpoint(TRUNCATE)")
		}
		err = s.db.Close()
	}
	if s.pool != nil {
		s.pool.Close()
	}
	if err != nil {
		return fmt.Errorf("closing %s: %v", s.where, err)
	}
	return nil
}

// checkpointsInBackground reports whether checkpointLoop folds the WAL
// back (SQLite with a positive CheckpointInterval).
func (s *Store) checkpointsInBackground() bool {
	return s.dialect == DialectSQLite && s.opt.CheckpointInterval > 0
}

// checkpointLoop folds SQLite's write-ahead log back into the database
// file every CheckpointInterval, on a connection of the pool. The
// connections themselves run no checkpoints (wal_autocheckpoint 0):
// SQLite's default runs one inside the commit that takes the log past
// 1,000 pages, and that commit (an /async-function request waiting for
// its batch, say) then waits for the copy and an fsync of the file.
// PASSIVE, as SQLite's own: it never waits for readers or writers; what
// it cannot copy now it copies at a later tick.
func (s *Store) checkpointLoop() {
	defer close(s.ckptDone)
	tick := time.NewTicker(s.opt.CheckpointInterval)
	defer tick.Stop()
	failing := false
	for {
		select {
		case <-s.stopCkpt:
			return
		case <-tick.C:
		}
		var busy, frames, copied int
		err := s.db.QueryRow("PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &frames, &copied)
		if err != nil && !failing {
			s.opt.Logf("funcstack store: checkpointing %s: %v (tried again every %s)", s.where, err, s.opt.CheckpointInterval)
		}
		failing = err != nil
	}
}

func (s *Store) pruneLoop() {
	defer close(s.pruneDone)
	first := time.NewTimer(time.Minute)
	defer first.Stop()
	tick := time.NewTicker(s.opt.PruneInterval)
	defer tick.Stop()
	for {
		select {
		case <-s.stopPrune:
			return
		case <-first.C:
		case <-tick.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		if _, err := s.execs.Prune(ctx); err != nil {
			s.opt.Logf("funcstack store: pruning old execution records in %s: %v", s.where, err)
		}
		cancel()
	}
}

// rebind turns ? placeholders into $1, $2… on PostgreSQL. The queries it
// sees are written by this package and hold no ? inside literals.
func (s *Store) rebind(q string) string { return tables.Rebind(q, s.vdialect()) }

// TimeFormat is how SQLite columns of type timestamp hold times: UTC, fixed
// width, so that text order is time order.
const TimeFormat = value.TimeFormat

// FormatTime formats t for a SQLite timestamp column.
func FormatTime(t time.Time) string { return t.UTC().Format(TimeFormat) }

// timeArg is t as a bound parameter of a timestamp column.
func (s *Store) timeArg(t time.Time) any {
	if s.dialect == DialectPostgres {
		return t.UTC()
	}
	return FormatTime(t)
}

// ScanTime reads a timestamp column as scanned into an any (a time on
// PostgreSQL, TimeFormat text on SQLite); NULL is the zero time.
func ScanTime(v any) (time.Time, error) { return value.ScanTime(v) }
