package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/funcstack/funcstack/engine"
)

// funcstack_task_ticks holds, for each scheduled task, the last tick a
// node claimed: the time the schedule named (not when it ran). Every node
// tries every tick; the claim, made in the transaction that queues the
// tick's run, lets one through (durable/tasks.go).

// ticksLockID is the PostgreSQL advisory lock under which nodes make the
// ticks table.
const ticksLockID = 0x7469636b // "tick"

// LastTicks makes the ticks table if needed and returns the last tick
// claimed of each task that has one.
func (s *Store) LastTicks(ctx context.Context) (map[string]time.Time, error) {
	fail := func(err error) (map[string]time.Time, error) {
		return nil, fmt.Errorf("reading funcstack_task_ticks of %s: %v", s.where, err)
	}
	tx, err := s.txWithTable(ctx, ticksLockID, `CREATE TABLE IF NOT EXISTS funcstack_task_ticks (task TEXT PRIMARY KEY, tick_ms BIGINT NOT NULL)`)
	if err != nil {
		return fail(err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `SELECT task, tick_ms FROM funcstack_task_ticks`)
	if err != nil {
		return fail(err)
	}
	defer rows.Close()
	out := map[string]time.Time{}
	for rows.Next() {
		var task string
		var ms int64
		if err := rows.Scan(&task, &ms); err != nil {
			return fail(err)
		}
		out[task] = time.UnixMilli(ms).UTC()
	}
	if err := rows.Err(); err != nil {
		return fail(err)
	}
	return out, tx.Commit()
}

// ClaimTick claims, through q (the transaction queueing the tick's run),
// tick at of task, unless it or a later one was claimed; it returns
// whether it did, and the tick claimed before (zero: none).
func (s *Store) ClaimTick(ctx context.Context, q engine.Querier, task string, at time.Time) (claimed bool, last time.Time, err error) {
	fail := func(err error) (bool, time.Time, error) {
		return false, time.Time{}, fmt.Errorf("claiming tick %s of task %s in %s: %v", at.UTC().Format(time.RFC3339Nano), task, s.where, err)
	}
	// The row first, locked (PostgreSQL; SQLite's transaction holds the
	// write lock already), for the tick before.
	lock := ` FOR UPDATE`
	if s.dialect == DialectSQLite {
		lock = ``
	}
	var prev int64 = -1
	if err := q.QueryRowContext(ctx, s.rebind(`SELECT tick_ms FROM funcstack_task_ticks WHERE task = ?`+lock), task).Scan(&prev); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fail(err)
	}
	if prev >= at.UnixMilli() {
		return false, time.UnixMilli(prev).UTC(), nil
	}
	// Conditional: a first tick of a task (no row to lock) claimed by
	// two nodes at once goes to one.
	rows, err := q.QueryContext(ctx, s.rebind(`INSERT INTO funcstack_task_ticks (task, tick_ms) VALUES (?, ?)
		ON CONFLICT (task) DO UPDATE SET tick_ms = excluded.tick_ms WHERE funcstack_task_ticks.tick_ms < excluded.tick_ms
		RETURNING tick_ms`), task, at.UnixMilli())
	if err != nil {
		return fail(err)
	}
	claimed = rows.Next()
	rows.Close()
	if err := rows.Err(); err != nil {
		return fail(err)
	}
	if prev >= 0 {
		last = time.UnixMilli(prev).UTC()
	}
	return claimed, last, nil
}
