package engine

import (
	"context"
	"database/sql"
)

// Database is what the db.* steps run against. Package store implements it
// on SQLite and PostgreSQL; the engine runs without one (db steps then fail
// with a clear error).
type Database interface {
	// Dialect is "sqlite" or "postgres".
	Dialect() string
	// SQL returns the connection pool.
	SQL() *sql.DB
}

// Querier is a *sql.DB or a *sql.Tx.
type Querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Database returns the engine's database, or nil.
func (s *State) Database() Database { return s.eng.cfg.DB }

// Querier returns the transaction the run is in (inside db.transaction),
// else the database's pool. It is nil when no database is configured.
func (s *State) Querier() Querier {
	if s.tx != nil {
		return s.tx
	}
	if s.eng.cfg.DB == nil {
		return nil
	}
	return s.eng.cfg.DB.SQL()
}

// InTx reports whether the run is inside a db.transaction.
func (s *State) InTx() bool { return s.tx != nil }

// WithTx runs fn with tx as the run's transaction; calls made inside share
// it.
func (s *State) WithTx(tx *sql.Tx, fn func() error) error {
	prev := s.tx
	s.tx = tx
	defer func() { s.tx = prev }()
	return fn()
}
