package store

import (
	"context"
	"fmt"
	"time"

	"github.com/funcstack/funcstack/engine"
)

// Prune deletes finished execution records older than the retention
// (Options.Retention), expired idempotency keys and the API keys' links
// to pruned executions. It returns how many
// execution records it deleted.
func (x *Executions) Prune(ctx context.Context) (int64, error) {
	return x.PruneBefore(ctx, time.Now().Add(-x.s.opt.Retention))
}

// PruneBefore deletes finished execution records created before cutoff,
// expired idempotency keys, and the API keys' links to executions whose
// records are gone.
func (x *Executions) PruneBefore(ctx context.Context, cutoff time.Time) (int64, error) {
	if x.s.opt.Retention < 0 {
		cutoff = time.Time{}
	}
	now := time.Now()
	if _, err := x.s.db.ExecContext(ctx, x.s.rebind(`DELETE FROM funcstack_idempotency_keys WHERE expires_at <= ?`), x.s.timeArg(now)); err != nil {
		return 0, fmt.Errorf("pruning idempotency keys in %s: %v", x.s.where, err)
	}
	if cutoff.IsZero() {
		return 0, nil
	}
	final := []string{engine.StatusSucceeded, engine.StatusFailed, engine.StatusCancelled, engine.StatusTimedOut}
	res, err := x.s.db.ExecContext(ctx, x.s.rebind(`DELETE FROM funcstack_executions WHERE created_at < ? AND status IN (?, ?, ?, ?)`),
		x.s.timeArg(cutoff), final[0], final[1], final[2], final[3])
	if err != nil {
		return 0, fmt.Errorf("pruning execution records in %s: %v", x.s.where, err)
	}
	n, _ := res.RowsAffected()
	// An API key's link to the runs it started lives as long as their
	// records (a link newer than the cutoff may wait for its record).
	if _, err := x.s.db.ExecContext(ctx, x.s.rebind(`DELETE FROM funcstack_api_key_executions WHERE created_at < ?
		AND NOT EXISTS (SELECT 1 FROM funcstack_executions e WHERE e.id = funcstack_api_key_executions.execution_id)`), x.s.timeArg(cutoff)); err != nil {
		return n, fmt.Errorf("pruning the API keys' executions in %s: %v", x.s.where, err)
	}
	return n, nil
}
