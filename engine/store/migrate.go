package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
)

// definitionRow is one definition by name: its newest and its published
// version.
type definitionRow struct {
	Name      string `gorm:"primaryKey;size:200"`
	Kind      string `gorm:"size:20;not null"`
	Latest    int    `gorm:"not null"`
	Published int    `gorm:"not null;default:0"`
	CreatedAt time.Time
	UpdatedAt time.Time
}

func (definitionRow) TableName() string { return "funcstack_definitions" }

// versionRow is one version of a definition; Content is its canonical JSON.
type versionRow struct {
	Name        string `gorm:"primaryKey;size:200"`
	Version     int    `gorm:"primaryKey;autoIncrement:false"`
	Kind        string `gorm:"size:20;not null"`
	Content     string `gorm:"type:text;not null"`
	Hash        string `gorm:"size:64;not null"`
	Note        string `gorm:"size:200;not null;default:''"`
	CreatedAt   time.Time
	PublishedAt *time.Time
}

func (versionRow) TableName() string { return "funcstack_definition_versions" }

// tableRow is the schema last applied to a user table, as JSON.
type tableRow struct {
	Name      string `gorm:"primaryKey;size:200"`
	Spec      string `gorm:"type:text;not null"`
	UpdatedAt time.Time
}

func (tableRow) TableName() string { return "funcstack_tables" }

// ddl is the SQL of the system tables that GORM does not manage, for a
// dialect's JSON and timestamp column types.
func ddl(jsonType, timeType, unloggedTable string) []string {
	r := strings.NewReplacer("JSONTYPE", jsonType, "TIMETYPE", timeType, "UNLOGGED_TABLE", unloggedTable)
	out := make([]string, len(systemDDL))
	for i, q := range systemDDL {
		out[i] = r.Replace(q)
	}
	return out
}

var (
	sqliteDDL   = ddl("TEXT", "TEXT", "TABLE")
	postgresDDL = append(ddl("JSONB", "TIMESTAMPTZ", "UNLOGGED TABLE"),
		// made logged by an earlier release
		`DO $$ BEGIN
			IF EXISTS (SELECT 1 FROM pg_class WHERE relname = 'funcstack_rate_counters' AND relpersistence = 'p' AND relnamespace = current_schema()::regnamespace) THEN
				ALTER TABLE funcstack_rate_counters SET UNLOGGED;
			END IF;
		END $$`)
)

var systemDDL = []string{
	`CREATE TABLE IF NOT EXISTS funcstack_executions (
		id TEXT PRIMARY KEY,
		"function" TEXT NOT NULL,
		mode TEXT NOT NULL DEFAULT '',
		status TEXT NOT NULL,
		parent TEXT NOT NULL DEFAULT '',
		attempts INTEGER NOT NULL DEFAULT 0,
		idempotency_key TEXT NOT NULL DEFAULT '',
		node TEXT NOT NULL DEFAULT '',
		input JSONTYPE, output JSONTYPE, error JSONTYPE, trace JSONTYPE, logs JSONTYPE, origin JSONTYPE,
		created_at TIMETYPE NOT NULL,
		started_at TIMETYPE,
		finished_at TIMETYPE,
		updated_at TIMETYPE NOT NULL)`,
	`CREATE INDEX IF NOT EXISTS funcstack_executions_created_at_idx ON funcstack_executions (created_at)`,
	`CREATE INDEX IF NOT EXISTS funcstack_executions_function_idx ON funcstack_executions ("function", created_at)`,
	// Most records are succeeded ones, found by function or time: only
	// the others are indexed by status (a full status index cost every
	// record one more index insert).
	`DROP INDEX IF EXISTS funcstack_executions_status_idx`,
	`CREATE INDEX IF NOT EXISTS funcstack_executions_unsucceeded_idx ON funcstack_executions (status, created_at) WHERE status <> 'succeeded'`,
	`CREATE INDEX IF NOT EXISTS funcstack_executions_parent_idx ON funcstack_executions (parent) WHERE parent <> ''`,
	`CREATE TABLE IF NOT EXISTS funcstack_idempotency_keys (
		scope TEXT NOT NULL,
		"key" TEXT NOT NULL,
		execution_id TEXT NOT NULL,
		fingerprint TEXT NOT NULL DEFAULT '',
		expires_at TIMETYPE NOT NULL,
		PRIMARY KEY (scope, "key"))`,
	`CREATE INDEX IF NOT EXISTS funcstack_idempotency_keys_expires_at_idx ON funcstack_idempotency_keys (expires_at)`,
	// API keys (apikeys.go) and the async runs each started.
	`CREATE TABLE IF NOT EXISTS funcstack_api_keys (
		id TEXT PRIMARY KEY,
		name TEXT NOT NULL,
		scopes TEXT NOT NULL,
		secret_sha256 TEXT NOT NULL,
		created_at TIMETYPE NOT NULL,
		expires_at TIMETYPE,
		last_used_at TIMETYPE,
		revoked_at TIMETYPE)`,
	`CREATE TABLE IF NOT EXISTS funcstack_api_key_executions (
		execution_id TEXT PRIMARY KEY,
		key_id TEXT NOT NULL,
		created_at TIMETYPE NOT NULL)`,
	// Named test inputs of definitions, for the builder (testinputs.go).
	`CREATE TABLE IF NOT EXISTS funcstack_test_inputs (
		definition TEXT NOT NULL,
		name TEXT NOT NULL,
		input JSONTYPE NOT NULL,
		updated_at TIMETYPE NOT NULL,
		PRIMARY KEY (definition, name))`,
	// Durable runs queued per root execution (max_durable_descendants).
	`CREATE TABLE IF NOT EXISTS funcstack_durable_roots (
		root TEXT PRIMARY KEY,
		descendants BIGINT NOT NULL,
		created_at TIMETYPE NOT NULL)`,
	// Rate-limit counters shared by the nodes on PostgreSQL (ratelimit.go).
	// Unlogged there: a count lost in a crash is harmless, and without the
	// WAL flush the upsert of one client's hot row does not wait for a
	// disk write while it holds the row (docs/design.md §27).
	`CREATE UNLOGGED_TABLE IF NOT EXISTS funcstack_rate_counters (
		bucket TEXT NOT NULL,
		window_start BIGINT NOT NULL,
		hits BIGINT NOT NULL,
		PRIMARY KEY (bucket, window_start))`,
}

// addedColumn is a column added to a system table after its first
// release: tables made before get it on migration.
type addedColumn struct{ table, column, def string }

// addedColumns are the columns of systemDDL that older databases lack.
var addedColumns = []addedColumn{
	// The input fingerprint an idempotency key was claimed with; keys
	// claimed before it existed keep '' and match any input.
	{"funcstack_idempotency_keys", "fingerprint", "TEXT NOT NULL DEFAULT ''"},
	// What started a run: the definition's version, drafts or not, an
	// endpoint's HTTP request (executions_filter.go). Older records: NULL.
	{"funcstack_executions", "origin", "JSONTYPE"},
	// The node (and incarnation) running a record's execution: the runs
	// of a node that died are closed by it (durable/liveness.go).
	{"funcstack_executions", "node", "TEXT NOT NULL DEFAULT ''"},
}

// addColumns adds the addedColumns a table made by an older funcstack
// lacks.
func (s *Store) addColumns(tx *gorm.DB) error {
	jsonType := "TEXT"
	if s.dialect == DialectPostgres {
		jsonType = "JSONB"
	}
	for _, c := range addedColumns {
		c.def = strings.ReplaceAll(c.def, "JSONTYPE", jsonType)
		if s.dialect == DialectPostgres {
			if err := tx.Exec(fmt.Sprintf(`ALTER TABLE %s ADD COLUMN IF NOT EXISTS %s %s`, c.table, c.column, c.def)).Error; err != nil {
				return err
			}
			continue
		}
		var n int
		if err := tx.Raw(`SELECT count(*) FROM pragma_table_info(?) WHERE name = ?`, c.table, c.column).Scan(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			if err := tx.Exec(fmt.Sprintf(`ALTER TABLE %s ADD COLUMN %s %s`, c.table, c.column, c.def)).Error; err != nil {
				return err
			}
		}
	}
	return nil
}

// migrateLockID is the PostgreSQL advisory lock that keeps nodes starting
// together from migrating at the same time.
const migrateLockID = 0x66756e63 // "func"

// Migrate creates or updates the system tables. It is idempotent and safe
// to run from several processes at once.
func (s *Store) Migrate(ctx context.Context) error {
	err := s.gdb.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		ddl := sqliteDDL
		if s.dialect == DialectPostgres {
			ddl = postgresDDL
			if err := tx.Exec("SELECT pg_advisory_xact_lock(?)", migrateLockID).Error; err != nil {
				return err
			}
		}
		if err := tx.AutoMigrate(&definitionRow{}, &versionRow{}, &tableRow{}, &importRow{}); err != nil {
			return err
		}
		for _, q := range ddl {
			if err := tx.Exec(q).Error; err != nil {
				return err
			}
		}
		return s.addColumns(tx)
	})
	if err != nil {
		return fmt.Errorf("migrating the system tables of %s: %v", s.where, err)
	}
	return nil
}
