package durable

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/store"
)

// Cancel cancels the durable execution id if its job has not ended: a job
// waiting (queued, or between attempts) never runs again and its record
// says cancelled at once; a running one is told to stop (River reaches its
// process on any node) and its record says cancelled when it has. A run
// held in memory by a node that stopped is cancelled too (liveness.go).
// It reports whether there was such a job or run.
func (r *Runner) Cancel(id string) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	params := river.NewJobListParams().Kinds(kindRun).First(1).
		States(rivertype.JobStateAvailable, rivertype.JobStateScheduled, rivertype.JobStateRetryable, rivertype.JobStateRunning, rivertype.JobStatePending)
	if r.st.Dialect() == store.DialectPostgres {
		params = params.Where("args @> CAST(@args AS jsonb)", river.NamedArgs{"args": fmt.Sprintf(`{"id": %q}`, id)})
	} else {
		params = params.Where("json_extract(args, '$.id') = @id", river.NamedArgs{"id": id})
	}
	res, err := r.work.JobList(ctx, params)
	if err != nil {
		r.opt.Logf("funcstack durable: finding the job of execution %s to cancel: %v", id, err)
		return false
	}
	if len(res.Jobs) == 0 {
		return r.cancelOrphan(ctx, id)
	}
	job, err := r.work.JobCancel(ctx, res.Jobs[0].ID)
	if err != nil {
		r.opt.Logf("funcstack durable: cancelling execution %s: %v", id, err)
		return false
	}
	if job.State == rivertype.JobStateCancelled {
		// It was not running: no worker will write its outcome.
		rec, err := r.execs.Get(ctx, id)
		if err != nil {
			r.opt.Logf("funcstack durable: recording the cancel of execution %s: %v", id, err)
			return true
		}
		if !engine.Final(rec.Status) {
			rec.Status, rec.FinishedAt = engine.StatusCancelled, time.Now()
			rec.Error = cancelledError(id)
			if err := r.execs.SaveWait(ctx, rec); err != nil {
				r.opt.Logf("funcstack durable: recording the cancel of execution %s: %v", id, err)
			}
			var a runArgs
			if json.Unmarshal(job.EncodedArgs, &a) == nil && a.Callback != "" {
				r.queueCallback(ctx, a) // the caller hears it was cancelled
			}
		}
	}
	return true
}

func cancelledError(id string) *engine.Error {
	return &engine.Error{Code: engine.CodeCancelled, ExecutionID: id, Message: "run cancelled: the durable execution was cancelled"}
}
