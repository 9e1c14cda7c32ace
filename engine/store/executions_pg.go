package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/funcstack/funcstack/engine"
)

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

// WritePgx is WriteIn on a pgx transaction (PostgreSQL only): the durable
// queue's own batches use pgx's binary protocol, cheaper than
// database/sql's.
func (x *Executions) WritePgx(ctx context.Context, tx pgx.Tx, recs ...*engine.ExecutionRecord) error {
	return x.writePgx(ctx, tx, recs, true)
}

// writePgx writes recs, new ones or, unless isNew, ones replacing the
// records with their IDs, through tx.
func (x *Executions) writePgx(ctx context.Context, tx pgx.Tx, recs []*engine.ExecutionRecord, isNew bool) error {
	for _, r := range recs {
		cleanRecordText(r)
	}
	return x.pgChunks(recs, time.Now(), isNew, func(query string, args []any) error {
		_, err := tx.Exec(ctx, query, args...)
		return err
	})
}

// statement is the PostgreSQL statement writing recs, new ones or, unless
// isNew, ones that replace the record with their ID; and its arguments: one
// statement whatever the number of records, each column one array
// parameter that unnest turns into rows, so that it is prepared once per
// connection and reused (a VALUES list of 16 parameters a record made a
// new statement, parsed and planned, for every batch size).
func statement(recs []*engine.ExecutionRecord, now time.Time, isNew bool) (string, []any) {
	if isNew {
		return pgBatchInsert, pgRecordArgs(recs, now)
	}
	return pgBatchUpsert, pgRecordArgs(recs, now)
}

// pgBatchUpsert upserts the records whose columns are pgBatchInsert's
// array parameters.
const pgBatchUpsert = pgBatchInsert + execUpsertTail

// pgBatchInsert inserts the records whose columns are its eighteen array
// parameters (JSON columns as texts, NULL for none).
const pgBatchInsert = `INSERT INTO funcstack_executions (` + execColumns + `)
	SELECT id, fn, mode, status, parent, attempts, ikey, node, input::jsonb, output::jsonb, error::jsonb, trace::jsonb, logs::jsonb, origin::jsonb,
		created_at, started_at, finished_at, updated_at
	FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int4[], $7::text[], $8::text[],
		$9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[],
		$15::timestamptz[], $16::timestamptz[], $17::timestamptz[], $18::timestamptz[])
		AS u(id, fn, mode, status, parent, attempts, ikey, node, input, output, error, trace, logs, origin, created_at, started_at, finished_at, updated_at)
	WHERE true`

// pgRecordArgs are the arguments of pgBatchInsert writing recs.
func pgRecordArgs(recs []*engine.ExecutionRecord, now time.Time) []any {
	n := len(recs)
	var (
		texts    = make([][]string, 5)
		attempts = make([]int32, n)
		ikeys    = make([]string, n)
		nodes    = make([]string, n)
		jsons    = make([][]*string, 6)
		times    = make([][]*time.Time, 3)
		updated  = make([]time.Time, n)
	)
	for i := range texts {
		texts[i] = make([]string, n)
	}
	for i := range jsons {
		jsons[i] = make([]*string, n)
	}
	for i := range times {
		times[i] = make([]*time.Time, n)
	}
	nowUTC := now.UTC()
	var buf []byte
	for i, r := range recs {
		texts[0][i], texts[1][i], texts[2][i], texts[3][i], texts[4][i] = r.ID, r.Function, r.Mode, r.Status, r.Parent
		attempts[i], ikeys[i], nodes[i] = int32(r.Attempts), r.IdempotencyKey, r.Node
		for j, v := range jsonColumns(r) {
			if v == nil {
				continue
			}
			buf = recordJSON(buf[:0], v)
			s := string(buf)
			jsons[j][i] = &s
		}
		ts := timeColumns(r, now)
		for j, t := range ts[:3] { // updated_at is nowUTC
			if !t.IsZero() {
				t = t.UTC()
				times[j][i] = &t
			}
		}
		updated[i] = nowUTC
	}
	return []any{texts[0], texts[1], texts[2], texts[3], texts[4], attempts, ikeys, nodes,
		jsons[0], jsons[1], jsons[2], jsons[3], jsons[4], jsons[5], times[0], times[1], times[2], updated}
}

// execUpsertTail makes an insert of execution records replace the ones
// already there.
const execUpsertTail = ` ON CONFLICT (id) DO UPDATE SET "function" = excluded."function", mode = excluded.mode, status = excluded.status,
		parent = excluded.parent, attempts = excluded.attempts, idempotency_key = excluded.idempotency_key, node = excluded.node,
		input = excluded.input, output = excluded.output, error = excluded.error, trace = excluded.trace, logs = excluded.logs, origin = excluded.origin,
		created_at = excluded.created_at, started_at = excluded.started_at, finished_at = excluded.finished_at, updated_at = excluded.updated_at`
