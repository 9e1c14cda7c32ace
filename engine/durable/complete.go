package durable

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"

	"github.com/funcstack/funcstack/engine"
)

// A run that succeeds ends in one transaction: its record (succeeded),
// River's completion of its job and the job delivering its callback, if
// any. Either all are there or none: a crash before the commit runs the
// job again, one after finds it completed — never a succeeded record with
// a job River runs again. Workers ending together share a transaction
// (group commit), as enqueues do.
//
// The completion is what river.JobCompleteTx does for one job, done for
// the whole batch at once: JobCompleteTx, one statement a job, made
// completing cost more than the runs (BenchmarkDurableDrain on
// PostgreSQL, docs/benchmarks.md).

// completion is a worker's succeeded run waiting for its transaction.
type completion struct {
	job  *river.Job[runArgs]
	rec  *engine.ExecutionRecord
	done chan error
}

// maxCompletions bounds the runs one transaction completes.
const maxCompletions = 100

// complete ends a succeeded run: rec written and job completed in one
// transaction, shared with other workers ending at the same time.
func (r *Runner) complete(ctx context.Context, job *river.Job[runArgs], rec *engine.ExecutionRecord) error {
	// A version of the record queued earlier (running) must not land
	// after this one.
	if err := r.execs.Settle(ctx, rec.ID); err != nil {
		return err
	}
	c := &completion{job: job, rec: rec, done: make(chan error, 1)}
	select {
	case r.completions <- c:
	case <-ctx.Done():
		return context.Cause(ctx)
	case <-r.stopCtx.Done():
		return errors.New("the durable queue stopped before the outcome was recorded; the job runs again")
	}
	select {
	case err := <-c.done:
		return err
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// completers is how many completion transactions commit at once: on
// PostgreSQL two, so that one batch fills while the other commits; on
// SQLite one (a single writer).
func (r *Runner) completers() int {
	if r.pgx == nil {
		return 1
	}
	return 2
}

// completer commits the completions waiting, together, until the runner
// stops.
func (r *Runner) completer() {
	for {
		var first *completion
		select {
		case first = <-r.completions:
		case <-r.stopCtx.Done():
			return
		}
		b := gather(r.completions, []*completion{first}, maxCompletions)
		err := r.completeAll(b)
		if err != nil && len(b) > 1 {
			// Alone, so that one bad record fails only its own run.
			for _, c := range b {
				c.done <- r.completeAll([]*completion{c})
			}
			continue
		}
		for _, c := range b {
			c.done <- err
		}
	}
}

// completeAll writes the records of b and completes their jobs in one
// transaction, trying a busy database again.
func (r *Runner) completeAll(b []*completion) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	recs := make([]*engine.ExecutionRecord, len(b))
	for i, c := range b {
		recs[i] = c.rec
	}
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		if attempt > 0 {
			time.Sleep(time.Duration(attempt*attempt) * 5 * time.Millisecond)
		}
		if r.pgx != nil {
			err = r.completePg(ctx, b, recs)
		} else {
			err = r.completeSQLite(ctx, b, recs)
		}
		if err == nil || !busy(err) {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("recording the outcome of durable execution %s and completing its job in %s: %v", b[0].rec.ID, r.st.Where(), err)
	}
	return nil
}

// completePg commits b on a pipelined transaction (pipe.go): BEGIN, the
// records and the completion in one round trip, COMMIT in a second (and
// one for each callback job).
func (r *Runner) completePg(ctx context.Context, b []*completion, recs []*engine.ExecutionRecord) error {
	conn, err := r.st.Pool().Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	var tx pgx.Tx = &pipeTx{conn: conn.Conn()}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if err := r.execs.ReplacePgx(ctx, tx, recs...); err != nil {
		return err
	}
	if err := completeJobs(ctx, riverpgxv5.New(nil), tx, b); err != nil {
		return err
	}
	if err := r.callbacksIn(b, func(args callbackArgs, opts *river.InsertOpts) error {
		_, err := r.pgx.InsertTx(ctx, tx, args, opts)
		return err
	}); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

func (r *Runner) completeSQLite(ctx context.Context, b []*completion, recs []*engine.ExecutionRecord) error {
	tx, err := r.st.SQL().BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := r.execs.ReplaceIn(ctx, tx, recs...); err != nil {
		return err
	}
	if err := completeJobsSQLite(ctx, tx, b); err != nil {
		return err
	}
	if err := r.callbacksIn(b, func(args callbackArgs, opts *river.InsertOpts) error {
		_, err := r.txc.InsertTx(ctx, tx, args, opts)
		return err
	}); err != nil {
		return err
	}
	return tx.Commit()
}

// callbacksIn queues, through insert, the callback jobs of the runs of b
// that have a callback URL.
func (r *Runner) callbacksIn(b []*completion, insert func(callbackArgs, *river.InsertOpts) error) error {
	for _, c := range b {
		if err := r.callbackIn(c.job.Args, insert); err != nil {
			return err
		}
	}
	return nil
}

// completeJobs marks the jobs of b completed in tx: the statement
// river.JobCompleteTx runs for one job (the driver's
// JobSetStateIfRunningMany, through River's standard pilot), run once for
// all of them. A job no longer running (a rescue made it available
// meanwhile) is left as it is: its next attempt finds the record final.
func completeJobs[TTx any](ctx context.Context, driver riverdriver.Driver[TTx], tx TTx, b []*completion) error {
	now := time.Now().UTC()
	p := &riverdriver.JobSetStateIfRunningManyParams{}
	for _, c := range b {
		p.ID = append(p.ID, c.job.ID)
		p.Attempt = append(p.Attempt, nil)
		p.ErrData = append(p.ErrData, nil)
		p.FinalizedAt = append(p.FinalizedAt, &now)
		p.MetadataDoMerge = append(p.MetadataDoMerge, false)
		p.MetadataUpdates = append(p.MetadataUpdates, nil)
		p.ScheduledAt = append(p.ScheduledAt, nil)
		p.State = append(p.State, rivertype.JobStateCompleted)
	}
	_, err := driver.UnwrapExecutor(tx).JobSetStateIfRunningMany(ctx, p)
	return err
}

// completeJobsSQLite is completeJobs on SQLite in one statement: River's
// SQLite driver runs its statement once per job, parsed afresh each time
// (sqlc cannot batch it), which made completing a batch cost more than
// the runs. It makes the same change: a job still running becomes
// completed, finalized now (in the time format River's SQLite driver
// writes).
func completeJobsSQLite(ctx context.Context, tx *sql.Tx, b []*completion) error {
	ids := make([]int64, len(b))
	for i, c := range b {
		ids[i] = c.job.ID
	}
	list, _ := json.Marshal(ids)
	_, err := tx.ExecContext(ctx, `UPDATE river_job SET state = 'completed', finalized_at = ?
		WHERE state = 'running' AND id IN (SELECT value FROM json_each(?))`, time.Now().UTC().Format("2006-01-02 15:04:05.000"), string(list))
	return err
}
