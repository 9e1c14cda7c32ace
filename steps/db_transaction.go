package steps

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync/atomic"
	"time"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/tables"
)

func init() {
	engine.Register(&engine.StepType{
		Name:     "db.transaction",
		Title:    "Database transaction",
		Summary:  "db.transaction",
		Category: "database",
		Description: "Run steps atomically: every db step inside (and in functions they call) shares one transaction, committed when the steps end " +
			"(also by return, break or continue) and rolled back when one fails. A db.transaction inside another is a savepoint: its failure undoes only its own steps. " +
			"When the database is busy (SQLite locked, a PostgreSQL serialization failure or deadlock) the whole block is run again, up to 10 times, so avoid steps with outside effects (http) inside.",
		Fields: []engine.FieldSpec{
			{Name: "steps", Kind: engine.FieldSteps, Required: true, Description: "the steps to run atomically"},
		},
		Example: []byte(`{"type": "db.transaction", "steps": [{"type": "db.get", "table": "users", "id": "input.n", "as": "user"}, {"type": "db.patch", "table": "users", "id": "input.n", "data": {"age": "user.age + 1"}}]}`),
		Compile: func(c *engine.StepCompiler) engine.RunFunc {
			body := c.Block("steps", engine.BlockOptions{})
			c.DeclareFrom(body)
			return func(s *engine.State) (any, error) {
				if s.Database() == nil {
					return nil, tables.NoDatabase()
				}
				if s.InTx() {
					return nil, savepoint(s, func() error { return s.RunBlock(body) })
				}
				return nil, inNewTx(s, func() error { return s.RunBlock(body) })
			}
		},
	})
}

// txAttempts is how many times a busy transaction is tried.
const txAttempts = 10

func isSignal(err error) bool {
	return err == engine.ErrReturn || err == engine.ErrBreak || err == engine.ErrContinue
}

// inNewTx runs fn in a new transaction on the run's database (fn reaches
// it through s.Querier). It commits when fn succeeds or ends the block
// with return, break or continue, and rolls back on an error. A busy
// database makes it wait a little and run fn again.
func inNewTx(s *engine.State, fn func() error) error {
	db := s.Database()
	ctx := s.Context()
	var last error
	for attempt := 1; attempt <= txAttempts; attempt++ {
		if attempt > 1 && !backoff(ctx, attempt) {
			return ctx.Err()
		}
		tx, err := db.SQL().BeginTx(ctx, nil)
		if err != nil {
			if isRetryable(err) {
				last = err
				continue
			}
			return tables.DBError(nil, err)
		}
		err = s.WithTx(tx, fn)
		if err == nil || isSignal(err) {
			if cerr := tx.Commit(); cerr != nil {
				if isRetryable(cerr) {
					last = cerr
					continue
				}
				return tables.DBError(nil, cerr)
			}
			return err
		}
		_ = tx.Rollback()
		if !(isRetryable(err) || staleStatement(err)) || ctx.Err() != nil {
			return err
		}
		last = err
	}
	e := engine.AsError(last)
	return &engine.Error{Code: tables.CodeBusy, Status: 503, Path: e.Path, Definition: e.Definition,
		Message: fmt.Sprintf("the transaction met a busy database %d times in a row (other writes held it); try again", txAttempts), Cause: last}
}

// backoff waits before attempt (2, 3, …): a few milliseconds growing to
// 100ms, with jitter so that contenders spread out. It is false when the
// run ends first.
func backoff(ctx context.Context, attempt int) bool {
	d := min(time.Millisecond<<min(attempt, 7), 100*time.Millisecond)
	d = d/2 + rand.N(d/2+1)
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

var savepoints atomic.Uint64

// savepoint runs fn inside a savepoint of the run's transaction: an error
// undoes fn's writes and leaves the transaction usable.
func savepoint(s *engine.State, fn func() error) error {
	q := s.Querier()
	name := fmt.Sprintf("funcstack_sp_%d", savepoints.Add(1))
	if _, err := q.ExecContext(s.Context(), "SAVEPOINT "+name); err != nil {
		return tables.DBError(nil, err)
	}
	err := fn()
	if err != nil && !isSignal(err) {
		if _, rerr := q.ExecContext(s.Context(), "ROLLBACK TO SAVEPOINT "+name); rerr != nil {
			return errors.Join(err, tables.DBError(nil, rerr))
		}
	}
	if _, rerr := q.ExecContext(s.Context(), "RELEASE SAVEPOINT "+name); rerr != nil && err == nil {
		return tables.DBError(nil, rerr)
	}
	return err
}

// isRetryable reports whether a transaction that failed with err may be
// run again: SQLite busy, or a PostgreSQL serialization failure or
// deadlock.
func isRetryable(err error) bool {
	if tables.IsBusy(err) {
		return true
	}
	for e := err; e != nil; e = errors.Unwrap(e) {
		msg := e.Error()
		if strings.Contains(msg, "SQLSTATE 40001") || strings.Contains(msg, "SQLSTATE 40P01") {
			return true
		}
	}
	return false
}

// staleStatement reports PostgreSQL refusing a statement that pgx had
// prepared before another node changed the table. The store has then
// made its connections forget their statements: the transaction runs
// again on fresh ones.
func staleStatement(err error) bool {
	for e := err; e != nil; e = errors.Unwrap(e) {
		if strings.Contains(e.Error(), "cached plan must not change result type") {
			return true
		}
	}
	return false
}
