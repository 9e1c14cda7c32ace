package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
)

// pgx keeps a prepared statement per SQL text on each connection. When a
// table changes under it (another node re-types a column with force, or
// drops and adds it again), the same SQL text no longer fits: PostgreSQL
// refuses to run the statement ("cached plan must not change result
// type"), or pgx encodes an argument for the column's old type. This
// node's own SyncTables makes the pool forget its statements (schemaGen);
// changes made elsewhere are noticed by their first error, which makes
// every pooled connection forget its statements and, outside a
// transaction, runs the query once more on fresh ones.

// openPostgresDB opens database/sql over pool with stale-statement recovery.
func (s *Store) openPostgresDB(pool *pgxpool.Pool) *sql.DB {
	db := sql.OpenDB(&pgConnector{inner: stdlib.GetPoolConnector(pool), s: s})
	db.SetMaxIdleConns(0) // as stdlib.OpenDBFromPool: the pool keeps the idle connections
	return db
}

type pgConnector struct {
	inner driver.Connector
	s     *Store
}

func (c *pgConnector) Connect(ctx context.Context) (driver.Conn, error) {
	dc, err := c.inner.Connect(ctx)
	if err != nil {
		return nil, err
	}
	sc, ok := dc.(*stdlib.Conn)
	if !ok {
		return dc, nil
	}
	return &pgConn{Conn: sc, s: c.s}, nil
}

func (c *pgConnector) Driver() driver.Driver { return c.inner.Driver() }

// pgConn is pgx's database/sql connection, retrying a query that failed
// on a stale statement.
type pgConn struct {
	*stdlib.Conn
	s *Store
}

func (c *pgConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	res, err := c.Conn.ExecContext(ctx, query, args)
	if err != nil && c.recover(ctx, err) {
		res, err = c.Conn.ExecContext(ctx, query, args)
	}
	return res, err
}

func (c *pgConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	rows, err := c.Conn.QueryContext(ctx, query, args)
	if err != nil && c.recover(ctx, err) {
		rows, err = c.Conn.QueryContext(ctx, query, args)
	}
	return rows, err
}

// recover makes the connections forget their statements after an error
// that a stale one can cause, and reports whether to run the query again:
// only outside a transaction (PostgreSQL aborts a transaction at its
// first error; the transaction fails and runs on fresh statements when
// tried again).
func (c *pgConn) recover(ctx context.Context, err error) bool {
	plan := isStalePlan(err)
	if !plan && !isEncodeError(err) {
		return false
	}
	if plan {
		// The table changed: every pooled connection drops its
		// statements before its next use (PrepareConn).
		c.s.schemaGen.Add(1)
	}
	pc := c.Conn.Conn()
	if pc.PgConn().TxStatus() != 'I' {
		return false
	}
	if pc.DeallocateAll(ctx) != nil {
		return false
	}
	pc.PgConn().CustomData()[schemaGenKey] = c.s.schemaGen.Load()
	return true
}

// isStalePlan reports PostgreSQL's refusal of a prepared statement whose
// result columns changed type.
func isStalePlan(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "0A000" && strings.Contains(pe.Message, "cached plan must not change result type")
}

// isEncodeError reports pgx failing to encode an argument, which a
// statement prepared for a column's old type gives; the statement is run
// again on a fresh one (a real mismatch then fails the same way).
func isEncodeError(err error) bool {
	return strings.HasPrefix(err.Error(), "failed to encode args[")
}
