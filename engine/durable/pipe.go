package durable

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// pipeTx is a PostgreSQL transaction on one connection whose statements
// are pipelined: BEGIN is sent with the first query, statements without
// results (Exec) wait for the next query or the COMMIT. The enqueue batch
// (BEGIN, its records, River's job insert; NOTIFY and COMMIT) so costs two
// round trips instead of five. Only the durable queue's own inserts use it:
// an Exec's result is not known when it returns.
type pipeTx struct {
	conn    *pgx.Conn
	begun   bool
	pending []queued
}

type queued struct {
	sql  string
	args []any
}

var _ pgx.Tx = (*pipeTx)(nil)

var errPipeTx = errors.New("funcstack durable: not available on the enqueue pipeline")

// Exec queues sql; it runs with the next query or the commit.
func (t *pipeTx) Exec(_ context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	t.pending = append(t.pending, queued{sql, args})
	return pgconn.CommandTag{}, nil
}

// flush sends what is queued (BEGIN first, if not yet sent) with last, and
// returns the results with those of the queued statements read.
func (t *pipeTx) flush(ctx context.Context, last string, args ...any) (pgx.BatchResults, error) {
	b := &pgx.Batch{}
	n := len(t.pending)
	if !t.begun {
		b.Queue("BEGIN")
		n++
		t.begun = true
	}
	for _, q := range t.pending {
		b.Queue(q.sql, q.args...)
	}
	t.pending = t.pending[:0]
	b.Queue(last, args...)
	br := t.conn.SendBatch(ctx, b)
	for i := 0; i < n; i++ {
		if _, err := br.Exec(); err != nil {
			br.Close()
			return nil, err
		}
	}
	return br, nil
}

func (t *pipeTx) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	br, err := t.flush(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	rows, err := br.Query()
	if err != nil {
		br.Close()
		return nil, err
	}
	return &batchRows{Rows: rows, br: br}, nil
}

func (t *pipeTx) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	rows, err := t.Query(ctx, sql, args...)
	if err != nil {
		return errRow{err}
	}
	return rowOf{rows}
}

func (t *pipeTx) Commit(ctx context.Context) error {
	br, err := t.flush(ctx, "COMMIT")
	if err != nil {
		return err
	}
	_, err = br.Exec()
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	return err
}

func (t *pipeTx) Rollback(ctx context.Context) error {
	t.pending = t.pending[:0]
	if !t.begun {
		return nil
	}
	_, err := t.conn.Exec(ctx, "ROLLBACK")
	return err
}

func (t *pipeTx) CopyFrom(ctx context.Context, table pgx.Identifier, cols []string, src pgx.CopyFromSource) (int64, error) {
	if len(t.pending) > 0 || !t.begun {
		br, err := t.flush(ctx, "SELECT 1")
		if err != nil {
			return 0, err
		}
		br.Close()
	}
	return t.conn.CopyFrom(ctx, table, cols, src)
}

func (t *pipeTx) Begin(context.Context) (pgx.Tx, error) { return nil, errPipeTx }
func (t *pipeTx) SendBatch(context.Context, *pgx.Batch) pgx.BatchResults {
	panic(errPipeTx) // River's job inserts send no batches
}
func (t *pipeTx) LargeObjects() pgx.LargeObjects { return pgx.LargeObjects{} }
func (t *pipeTx) Prepare(ctx context.Context, name, sql string) (*pgconn.StatementDescription, error) {
	return t.conn.Prepare(ctx, name, sql)
}
func (t *pipeTx) Conn() *pgx.Conn { return t.conn }

// batchRows closes its batch with itself.
type batchRows struct {
	pgx.Rows
	br pgx.BatchResults
}

func (r *batchRows) Close() {
	r.Rows.Close()
	r.br.Close()
}

type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

type rowOf struct{ rows pgx.Rows }

func (r rowOf) Scan(dest ...any) error {
	defer r.rows.Close()
	if !r.rows.Next() {
		if err := r.rows.Err(); err != nil {
			return err
		}
		return pgx.ErrNoRows
	}
	if err := r.rows.Scan(dest...); err != nil {
		return err
	}
	r.rows.Close()
	return r.rows.Err()
}
