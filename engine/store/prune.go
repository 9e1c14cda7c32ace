package store

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/funcstack/funcstack/engine"
)

// Prune deletes finished execution records older than their retention —
// the definition's history.keep (SetKeeps), else Options.Retention —,
// expired idempotency keys and the API keys' links to pruned executions. It returns how many execution records it
// deleted.
func (x *Executions) Prune(ctx context.Context) (int64, error) {
	return x.PruneBefore(ctx, time.Now().Add(-x.s.opt.Retention))
}

// SetKeeps sets the definitions whose records are kept for a time of their
// own (history.keep, docs/design.md §29) instead of Options.Retention.
func (x *Executions) SetKeeps(keeps map[string]time.Duration) {
	cp := make(map[string]time.Duration, len(keeps))
	for k, v := range keeps {
		if v > 0 {
			cp[k] = v
		}
	}
	x.keeps.Store(&cp)
}

// ProgramLoaded takes the history.keep of the definitions of p
// (engine.Engine.Load calls it).
func (x *Executions) ProgramLoaded(p *engine.Program) { x.SetKeeps(p.HistoryKeeps()) }

// PruneBefore deletes finished execution records created before cutoff,
// except those of definitions with a history.keep of their own, which are
// deleted once older than it; expired idempotency keys; and the API keys'
// links to executions whose records are gone.
func (x *Executions) PruneBefore(ctx context.Context, cutoff time.Time) (int64, error) {
	if x.s.opt.Retention < 0 {
		cutoff = time.Time{}
	}
	now := time.Now()
	if _, err := x.s.db.ExecContext(ctx, x.s.rebind(`DELETE FROM funcstack_idempotency_keys WHERE expires_at <= ?`), x.s.timeArg(now)); err != nil {
		return 0, fmt.Errorf("pruning idempotency keys in %s: %v", x.s.where, err)
	}
	var keeps map[string]time.Duration
	if k := x.keeps.Load(); k != nil {
		keeps = *k
	}
	names := make([]string, 0, len(keeps))
	for name := range keeps {
		names = append(names, name)
	}
	sort.Strings(names)
	final := []any{engine.StatusSucceeded, engine.StatusFailed, engine.StatusCancelled, engine.StatusTimedOut}
	const finished = `status IN (?, ?, ?, ?)`
	var n int64
	del := func(query string, args ...any) error {
		res, err := x.s.db.ExecContext(ctx, x.s.rebind(query), args...)
		if err != nil {
			return fmt.Errorf("pruning execution records in %s: %v", x.s.where, err)
		}
		d, _ := res.RowsAffected()
		n += d
		return nil
	}
	if !cutoff.IsZero() {
		q := `DELETE FROM funcstack_executions WHERE created_at < ? AND ` + finished
		args := append([]any{x.s.timeArg(cutoff)}, final...)
		if len(names) > 0 {
			q += ` AND "function" NOT IN (?` + strings.Repeat(", ?", len(names)-1) + `)`
			for _, name := range names {
				args = append(args, name)
			}
		}
		if err := del(q, args...); err != nil {
			return n, err
		}
	}
	for _, name := range names {
		if err := del(`DELETE FROM funcstack_executions WHERE "function" = ? AND created_at < ? AND `+finished,
			append([]any{name, x.s.timeArg(now.Add(-keeps[name]))}, final...)...); err != nil {
			return n, err
		}
	}
	if cutoff.IsZero() {
		return n, nil
	}
	// A root's count of durable runs lives as long as records do.
	if _, err := x.s.db.ExecContext(ctx, x.s.rebind(`DELETE FROM funcstack_durable_roots WHERE created_at < ?`), x.s.timeArg(cutoff)); err != nil {
		return n, fmt.Errorf("pruning the durable runs' roots in %s: %v", x.s.where, err)
	}
	// An API key's link to the runs it started lives as long as their
	// records (a link newer than the cutoff may wait for its record).
	if _, err := x.s.db.ExecContext(ctx, x.s.rebind(`DELETE FROM funcstack_api_key_executions WHERE created_at < ?
		AND NOT EXISTS (SELECT 1 FROM funcstack_executions e WHERE e.id = funcstack_api_key_executions.execution_id)`), x.s.timeArg(cutoff)); err != nil {
		return n, fmt.Errorf("pruning the API keys' executions in %s: %v", x.s.where, err)
	}
	return n, nil
}

// CountDescendantsIn adds n durable runs to those the tree of execution
// root has queued, in tx, and returns the new total.
func (s *Store) CountDescendantsIn(ctx context.Context, tx *sql.Tx, root string, n int) (int64, error) {
	var total int64
	err := tx.QueryRowContext(ctx, s.rebind(`INSERT INTO funcstack_durable_roots (root, descendants, created_at) VALUES (?, ?, ?)
		ON CONFLICT (root) DO UPDATE SET descendants = funcstack_durable_roots.descendants + EXCLUDED.descendants RETURNING descendants`),
		root, n, s.timeArg(time.Now())).Scan(&total)
	return total, err
}
