package durable

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/store"
)

// Queueing durable runs: one request in the caller's transaction, or
// requests arriving together batched into shared ones (group commit,
// docs/design.md §12.6).

// insertOpts are the queue and attempts of fn's jobs.
func (r *Runner) insertOpts(fn *engine.Function) *river.InsertOpts {
	o := &river.InsertOpts{Queue: DefaultQueue, MaxAttempts: r.opt.MaxAttempts}
	if fn.Def != nil {
		if q := fn.Def.Settings.Queue; q != "" {
			o.Queue = q
			r.ensureQueue(q)
		}
		if n := fn.Def.Settings.Retries.Attempts; n > 0 {
			o.MaxAttempts = n
		}
	}
	return o
}

// Enqueue implements engine.Durable. Without tx, requests arriving
// together share one transaction (group commit): each returns once the
// transaction holding its job has committed.
func (r *Runner) Enqueue(ctx context.Context, tx *sql.Tx, req *engine.DurableRequest) (string, error) {
	if tx != nil {
		ids, err := r.insertAll(ctx, tx, []*engine.DurableRequest{req})
		if err != nil {
			return "", err
		}
		return ids[0], nil
	}
	r.startBatcher.Do(r.runBatchers)
	e := &enqueued{req: req, done: make(chan struct{})}
	select {
	case r.batch <- e:
	case <-ctx.Done():
		return "", fmt.Errorf("queueing durable %s: %w", req.Function.Name, context.Cause(ctx))
	}
	<-e.done
	return e.id, e.err
}

// enqueued is one Enqueue waiting for its batch.
type enqueued struct {
	req  *engine.DurableRequest
	id   string
	err  error
	done chan struct{}
}

// batchers is how many batches commit at once on PostgreSQL (SQLite has
// one writer: one): two, so that one batch fills while the other commits.
// More made smaller batches and cost more per request (docs/benchmarks.md
// §7, BenchmarkAsyncFunctionEnqueue/postgres). maxBatch bounds a batch.
const (
	batchers = 2
	maxBatch = 256
)

// A batcher that finds another batch committing waits up to lingerFor for
// its own to reach lingerBatch requests before committing it: under load,
// fewer and larger transactions, each costing PostgreSQL less per request
// (docs/benchmarks.md §7). With nothing else committing, a batch commits
// at once, so a lone request never waits.
const (
	lingerFor   = time.Millisecond
	lingerBatch = 16
)

func (r *Runner) runBatchers() {
	n := batchers
	if r.st.Dialect() == store.DialectSQLite {
		n = 1
	}
	for i := 0; i < n; i++ {
		go func() {
			linger := time.NewTimer(lingerFor)
			linger.Stop()
			for first := range r.batch {
				b := gather(r.batch, []*enqueued{first}, maxBatch)
				if len(b) < lingerBatch && r.committing.Load() > 0 {
					linger.Reset(lingerFor)
				wait:
					for len(b) < lingerBatch {
						select {
						case e := <-r.batch:
							b = append(b, e)
						case <-linger.C:
							break wait
						}
					}
					linger.Stop()
				}
				r.committing.Add(1)
				r.commitBatch(b)
				r.committing.Add(-1)
			}
		}()
	}
}

// gather appends to b what waits in ch, up to max in all, without
// waiting.
func gather[T any](ch <-chan T, b []T, max int) []T {
	for len(b) < max {
		select {
		case v := <-ch:
			b = append(b, v)
		default:
			return b
		}
	}
	return b
}

// commitBatch queues a batch in one transaction, trying a busy database
// again; when the batch fails as a whole each request is tried alone, so
// that one bad request fails only itself.
func (r *Runner) commitBatch(b []*enqueued) {
	reqs := make([]*engine.DurableRequest, len(b))
	for i, e := range b {
		reqs[i] = e.req
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ids, err := r.inOwnTx(ctx, reqs)
	if err != nil && len(b) > 1 {
		for _, e := range b {
			one, err := r.inOwnTx(ctx, []*engine.DurableRequest{e.req})
			if err == nil {
				e.id = one[0]
			}
			e.err = err
			close(e.done)
		}
		return
	}
	for i, e := range b {
		if err != nil {
			e.err = err
		} else {
			e.id = ids[i]
		}
		close(e.done)
	}
}

// inOwnTx queues reqs in a transaction of their own.
func (r *Runner) inOwnTx(ctx context.Context, reqs []*engine.DurableRequest) ([]string, error) {
	var last error
	for attempt := 0; attempt < 5; attempt++ {
		if attempt > 0 {
			time.Sleep(time.Duration(attempt*attempt) * 5 * time.Millisecond)
		}
		ids, err := r.insertOwn(ctx, reqs)
		if err == nil {
			return ids, nil
		}
		last = err
		if !busy(err) {
			break
		}
	}
	return nil, last
}

// insertOwn queues reqs in one new transaction: on PostgreSQL, unless an
// idempotency key is to be claimed, a pipelined pgx one (pgx's binary
// encoding; BEGIN, the records and River's job insert in one round trip,
// NOTIFY and COMMIT in a second).
func (r *Runner) insertOwn(ctx context.Context, reqs []*engine.DurableRequest) ([]string, error) {
	if r.pgx == nil || slices.ContainsFunc(reqs, func(q *engine.DurableRequest) bool { return q.IdempotencyKey != "" || q.Root != "" }) {
		tx, err := r.st.SQL().BeginTx(ctx, nil)
		if err != nil {
			return nil, fmt.Errorf("queueing durable %s in %s: %v", reqs[0].Function.Name, r.st.Where(), err)
		}
		ids, err := r.insertAll(ctx, tx, reqs)
		if err != nil {
			_ = tx.Rollback()
			return nil, err
		}
		return ids, tx.Commit()
	}
	ids := make([]string, len(reqs))
	recs := make([]*engine.ExecutionRecord, len(reqs))
	params := make([]river.InsertManyParams, len(reqs))
	now := time.Now()
	for i, req := range reqs {
		ids[i] = engine.NewID()
		recs[i], params[i] = r.job(ids[i], req, now)
	}
	conn, err := r.st.Pool().Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("queueing durable %s in %s: %v", reqs[0].Function.Name, r.st.Where(), err)
	}
	defer conn.Release()
	tx := &pipeTx{conn: conn.Conn()}
	err = r.execs.WritePgx(ctx, tx, recs...)
	if err == nil {
		_, err = r.pgx.InsertManyTx(ctx, tx, params)
	}
	if err == nil {
		err = tx.Commit(ctx)
	}
	if err != nil {
		_ = tx.Rollback(context.WithoutCancel(ctx))
		return nil, fmt.Errorf("queueing durable %s in %s: %v", reqs[0].Function.Name, r.st.Where(), err)
	}
	return ids, nil
}

// job is the queued record and the job of execution id of req.
func (r *Runner) job(id string, req *engine.DurableRequest, now time.Time) (*engine.ExecutionRecord, river.InsertManyParams) {
	fn := req.Function
	rec := &engine.ExecutionRecord{ID: id, Function: fn.Name, Mode: engine.ModeDurable, Status: engine.StatusQueued,
		Input: req.Redacted, Parent: req.Parent, IdempotencyKey: req.IdempotencyKey, CreatedAt: now, Version: fn.Version()}
	if req.CallbackURL != "" {
		rec.Callback = &engine.CallbackInfo{URL: logURL(req.CallbackURL), State: engine.CallbackPending}
	}
	return rec, river.InsertManyParams{Args: r.sealed(fn, runArgs{ID: id, Function: fn.Name, Input: req.Input, Parent: req.Parent,
		Key: req.IdempotencyKey, Callback: req.CallbackURL, Auth: req.Auth, Depth: req.TriggerDepth, CallDepth: req.Depth, Created: now, Traceparent: req.Traceparent, Root: req.Root}),
		InsertOpts: r.insertOpts(fn)}
}

// insertAll writes the queued records of reqs and inserts their jobs in
// tx, two statements in all, and returns their execution IDs (an earlier
// execution's for an idempotency key already claimed with the same input;
// one claimed with another input is the error
// engine.IdempotencyKeyReused).
func (r *Runner) insertAll(ctx context.Context, tx *sql.Tx, reqs []*engine.DurableRequest) ([]string, error) {
	now := time.Now()
	ids := make([]string, len(reqs))
	recs := make([]*engine.ExecutionRecord, 0, len(reqs))
	params := make([]river.InsertManyParams, 0, len(reqs))
	var roots map[string]int // new runs per root
	for i, req := range reqs {
		fn := req.Function
		id := engine.NewID()
		ids[i] = id
		if req.IdempotencyKey != "" {
			got, err := r.execs.ClaimIdempotencyKeyIn(ctx, tx, fn.Name, req.IdempotencyKey, req.Fingerprint, id, r.eng.Config().IdempotencyWindow)
			if err != nil {
				return nil, err
			}
			if got != id {
				ids[i] = got
				continue
			}
		}
		rec, p := r.job(id, req, now)
		recs, params = append(recs, rec), append(params, p)
		if req.Root != "" {
			if roots == nil {
				roots = map[string]int{}
			}
			roots[req.Root]++
		}
	}
	if len(recs) == 0 {
		return ids, nil
	}
	if err := r.countDescendants(ctx, tx, roots); err != nil {
		return nil, err
	}
	if err := r.execs.WriteIn(ctx, tx, recs...); err != nil {
		return nil, err
	}
	if _, err := r.txc.InsertManyFastTx(ctx, tx, params); err != nil {
		return nil, fmt.Errorf("queueing durable %s in %s: %v", reqs[0].Function.Name, r.st.Where(), err)
	}
	return ids, nil
}

// busy reports a transient conflict worth trying again (PostgreSQL
// serialization failure or deadlock, SQLite busy).
func busy(err error) bool {
	s := err.Error()
	for _, w := range []string{"SQLSTATE 40001", "SQLSTATE 40P01", "database is locked", "SQLITE_BUSY"} {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// InsertMany queues durable executions of fn, one per input, in one
// transaction (records included): for benchmarks and bulk loads.
func (r *Runner) InsertMany(ctx context.Context, fn *engine.Function, inputs []json.RawMessage) ([]string, error) {
	reqs := make([]*engine.DurableRequest, len(inputs))
	for i, in := range inputs {
		reqs[i] = &engine.DurableRequest{Function: fn, Input: in}
	}
	return r.insertOwn(ctx, reqs)
}

// countDescendants adds the new runs of each root (roots) to the runs
// the root's tree has queued, in tx, against max_durable_descendants:
// past the limit the whole transaction is refused (a batch's requests are
// then tried one by one).
func (r *Runner) countDescendants(ctx context.Context, tx *sql.Tx, roots map[string]int) error {
	max := r.eng.Config().Limits.MaxDurableDescendants
	for root, n := range roots {
		total, err := r.st.CountDescendantsIn(ctx, tx, root, n)
		if err != nil {
			return fmt.Errorf("counting the durable runs of execution %s in %s: %v", root, r.st.Where(), err)
		}
		if total > int64(max) {
			return &engine.Error{Code: engine.CodeLimit, Message: fmt.Sprintf(
				"execution %s and the runs it started have queued %d durable runs, more than %d (limit max_durable_descendants); queue fewer from one run, e.g. a page at a time from a task", root, total, max)}
		}
	}
	return nil
}
