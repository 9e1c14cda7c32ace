package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/funcstack/funcstack/engine"
)

// ReplaceIn writes recs through q (a transaction: they then exist only if
// it commits), bypassing the batch, replacing the records with their IDs.
// Call Settle for each first: a version queued earlier, written after,
// would undo it. The durable queue writes a run's outcome in the
// transaction that completes its job.
func (x *Executions) ReplaceIn(ctx context.Context, q engine.Querier, recs ...*engine.ExecutionRecord) error {
	for _, r := range recs {
		cleanRecordText(r)
	}
	return x.writeIn(ctx, q, recs, false)
}

// ReplacePgx is ReplaceIn on a pgx transaction (PostgreSQL only).
func (x *Executions) ReplacePgx(ctx context.Context, tx pgx.Tx, recs ...*engine.ExecutionRecord) error {
	return x.writePgx(ctx, tx, recs, false)
}

// Settle waits until no version of record id saved earlier waits to be
// written (queued or being written).
func (x *Executions) Settle(ctx context.Context, id string) error {
	if x.s.opt.SyncWrites {
		return nil
	}
	for first := true; ; first = false {
		x.mu.Lock()
		_, queued := x.pending[id]
		_, writing := x.inflight[id]
		ch := x.drained
		x.mu.Unlock()
		if !queued && !writing {
			return nil
		}
		if first {
			signal(x.full) // someone waits: no flush interval
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("waiting for execution record %s to be written: %w", id, context.Cause(ctx))
		}
	}
}
