package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/funcstack/funcstack/engine"
)

// WriteIn writes recs, new records (their IDs never saved before), at
// once through q (a transaction: they then exist only if it commits),
// bypassing the batch. The durable queue writes the queued record of a
// job in the transaction that inserts the job.
func (x *Executions) WriteIn(ctx context.Context, q engine.Querier, recs ...*engine.ExecutionRecord) error {
	for _, r := range recs {
		cleanRecordText(r)
	}
	return x.writeIn(ctx, q, recs, true)
}

// writeIn writes recs, whose text is clean already (Save cleans what it
// queues), through q: new ones or, unless isNew, ones that may replace a
// version written before (SQLite replaces either way).
func (x *Executions) writeIn(ctx context.Context, q engine.Querier, recs []*engine.ExecutionRecord, isNew bool) error {
	if len(recs) == 0 {
		return nil
	}
	now := time.Now()
	if x.s.dialect == DialectSQLite {
		return x.writeSQLite(ctx, q, recs, now)
	}
	return x.pgChunks(recs, now, isNew, func(query string, args []any) error {
		_, err := q.ExecContext(ctx, query, args...)
		return err
	})
}

// pgChunks runs the statements writing recs (PostgreSQL), rowsPerInsert
// records a statement, through exec.
func (x *Executions) pgChunks(recs []*engine.ExecutionRecord, now time.Time, isNew bool, exec func(query string, args []any) error) error {
	for start := 0; start < len(recs); start += rowsPerInsert {
		chunk := recs[start:min(len(recs), start+rowsPerInsert)]
		if err := exec(statement(chunk, now, isNew)); err != nil {
			return fmt.Errorf("writing %d execution records to %s: %v", len(chunk), x.s.where, err)
		}
	}
	return nil
}

// SaveWait is Save, returning only once the record is written (with the
// batch it joined), so that it outlives a crash of the process right
// after. Many callers waiting at once still share batches.
func (x *Executions) SaveWait(ctx context.Context, rec *engine.ExecutionRecord) error {
	if err := x.Save(ctx, rec); err != nil {
		return err
	}
	if x.s.opt.SyncWrites {
		return nil
	}
	// Someone waits: write without the flush interval's delay. Records
	// saved while a write is under way form the next batch (group commit).
	signal(x.full)
	for {
		x.mu.Lock()
		_, queued := x.pending[rec.ID]
		_, writing := x.inflight[rec.ID]
		ch := x.drained
		x.mu.Unlock()
		if !queued && !writing {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("saving execution record %s: %w", rec.ID, context.Cause(ctx))
		}
	}
}

// keysLockID is the PostgreSQL advisory lock under which nodes make the
// keys table and its keys.
const keysLockID = 0x6b657973 // "keys"

// Key returns the server key called name, 32 random bytes made by the
// first node that asks and kept in the funcstack_keys table: every node
// sharing the database gets the same one. Nodes asking at once agree.
func (s *Store) Key(ctx context.Context, name string) ([]byte, error) {
	fresh := make([]byte, 32)
	if _, err := rand.Read(fresh); err != nil {
		return nil, fmt.Errorf("making key %s: %v", name, err)
	}
	ddl := `CREATE TABLE IF NOT EXISTS funcstack_keys (name TEXT PRIMARY KEY, value TEXT NOT NULL)`
	ins := `INSERT INTO funcstack_keys (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING`
	sel := `SELECT value FROM funcstack_keys WHERE name = ?`
	var value string
	err := func() error {
		tx, err := s.db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer tx.Rollback()
		if s.dialect == DialectPostgres {
			// CREATE TABLE IF NOT EXISTS run at once by two nodes can
			// fail in one of them: the lock orders them.
			if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, keysLockID); err != nil {
				return err
			}
			ins = `INSERT INTO funcstack_keys (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`
			sel = `SELECT value FROM funcstack_keys WHERE name = $1`
		}
		if _, err := tx.ExecContext(ctx, ddl); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, ins, name, hex.EncodeToString(fresh)); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, sel, name).Scan(&value); err != nil {
			return err
		}
		return tx.Commit()
	}()
	if err != nil {
		return nil, fmt.Errorf("reading key %s from funcstack_keys in %s: %v", name, s.where, err)
	}
	k, err := hex.DecodeString(value)
	if err != nil || len(k) != 32 {
		return nil, fmt.Errorf("key %s in funcstack_keys of %s is damaged (want 64 hex digits); delete its row to make a new one (jobs queued under the old key will then fail)", name, s.where)
	}
	return k, nil
}

// WritePgx is WriteIn on a pgx transaction (PostgreSQL only): the durable
// queue's own batches use pgx's binary protocol, cheaper than
// database/sql's.
func (x *Executions) WritePgx(ctx context.Context, tx pgx.Tx, recs ...*engine.ExecutionRecord) error {
	for _, r := range recs {
		cleanRecordText(r)
	}
	return x.pgChunks(recs, time.Now(), true, func(query string, args []any) error {
		_, err := tx.Exec(ctx, query, args...)
		return err
	})
}
