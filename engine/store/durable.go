package store

import (
	"context"
	"fmt"
	"time"

	"github.com/funcstack/funcstack/engine"
)

// WriteIn writes recs at once through q (a transaction: they then exist
// only if it commits), bypassing the batch. The durable queue writes the
// queued record of a job in the transaction that inserts the job.
func (x *Executions) WriteIn(ctx context.Context, q engine.Querier, recs ...*engine.ExecutionRecord) error {
	for _, r := range recs {
		cleanRecordText(r)
	}
	if len(recs) == 0 {
		return nil
	}
	now := time.Now()
	if x.s.dialect == DialectSQLite {
		return x.writeSQLite(ctx, q, recs, now)
	}
	for start := 0; start < len(recs); start += rowsPerInsert {
		chunk := recs[start:min(len(recs), start+rowsPerInsert)]
		query, args := x.upsert(chunk, now)
		if _, err := q.ExecContext(ctx, query, args...); err != nil {
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
