package store

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/funcstack/funcstack/engine"
)

// rowsPerInsert keeps statements well under the bound-parameter limits.
const rowsPerInsert = 200

// write writes records queued by Save (their text cleaned): news, new
// ones, and olds, which may replace a version written before. On
// PostgreSQL the new ones are inserted without ON CONFLICT, which costs
// it less a record (docs/benchmarks.md §12); a record that turns out to
// be there already fails the statement, and flushOnce writes the batch
// again as upserts. On SQLite both are one INSERT OR REPLACE.
func (x *Executions) write(ctx context.Context, news, olds []*engine.ExecutionRecord) error {
	if x.s.dialect == DialectSQLite {
		news, olds = nil, append(news, olds...)
	}
	for _, recs := range [][]*engine.ExecutionRecord{news, olds} {
		// A fixed order keeps concurrent writers from deadlocking.
		sort.Slice(recs, func(i, j int) bool { return recs[i].ID < recs[j].ID })
	}
	if len(news)+len(olds) == 0 {
		return nil
	}
	if c := x.recordConn(); c != nil { // SQLite: olds holds them all
		if err := c.write(olds, time.Now()); err != nil {
			return fmt.Errorf("writing %d execution records to %s: %v", len(olds), x.s.where, err)
		}
		return nil
	}
	if x.s.dialect == DialectSQLite || len(news)+len(olds) <= rowsPerInsert && (len(news) == 0 || len(olds) == 0) {
		// One statement.
		if err := x.writeIn(ctx, x.s.db, news, true); err != nil {
			return err
		}
		return x.writeIn(ctx, x.s.db, olds, false)
	}
	tx, err := x.s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("writing execution records to %s: %v", x.s.where, err)
	}
	defer tx.Rollback()
	if err := x.writeIn(ctx, tx, news, true); err != nil {
		return err
	}
	if err := x.writeIn(ctx, tx, olds, false); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("writing execution records to %s: %v", x.s.where, err)
	}
	return nil
}

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

const execColumns = `id, "function", mode, status, parent, attempts, idempotency_key, node, input, output, error, trace, logs, origin, created_at, started_at, finished_at, updated_at`
const execColumnCount = 18

// jsonColumns is rec's values for its JSON columns (input, output, error,
// trace, logs, origin), nil for each one written as NULL.
func jsonColumns(r *engine.ExecutionRecord) [6]any {
	output, rerr, trace, logs := engine.RedactRecordSecrets(r)
	v := [6]any{r.Input, output}
	if rerr != nil {
		v[2] = rerr
	}
	if len(trace) > 0 {
		v[3] = trace
	}
	if len(logs) > 0 {
		v[4] = logs
	}
	v[5] = originOf(r)
	return v
}

// timeColumns is rec's created_at (now when unset), started_at and
// finished_at, and updated_at (now); a zero time is written as NULL.
func timeColumns(r *engine.ExecutionRecord, now time.Time) [4]time.Time {
	created := r.CreatedAt
	if created.IsZero() {
		created = now
	}
	return [4]time.Time{created, r.StartedAt, r.FinishedAt, now}
}
