package durable

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/funcstack/funcstack/engine"
)

// timeoutSlack lets the engine's own deadline (which names the limit) hit
// before River's.
const timeoutSlack = time.Second

// runWorker works funcstack.run jobs.
type runWorker struct {
	river.WorkerDefaults[runArgs]
	r *Runner
}

// Timeout is the function's settings.timeout, else the async limit
// (15 minutes by default).
func (w *runWorker) Timeout(job *river.Job[runArgs]) time.Duration {
	return w.r.timeout(job.Args.Function) + timeoutSlack
}

func (r *Runner) timeout(name string) time.Duration {
	if fn := r.eng.Function(name); fn != nil && fn.Timeout > 0 {
		return fn.Timeout
	}
	return r.eng.Config().Limits.AsyncTimeout
}

// runningAfter is how long a run goes before its record says running.
const runningAfter = 20 * time.Millisecond

// attemptPath is the log path of the entries that record each attempt.
const attemptPath = "attempt"

func (w *runWorker) Work(ctx context.Context, job *river.Job[runArgs]) error {
	r := w.r
	a := job.Args
	started := time.Now()
	rec := &engine.ExecutionRecord{ID: a.ID, Function: a.Function, Mode: engine.ModeDurable, Status: engine.StatusRunning,
		Parent: a.Parent, Attempts: job.Attempt, IdempotencyKey: a.Key, CreatedAt: a.Created, StartedAt: started, Node: r.name}
	if rec.CreatedAt.IsZero() {
		rec.CreatedAt = job.CreatedAt
	}
	if a.Callback != "" {
		rec.Callback = &engine.CallbackInfo{URL: logURL(a.Callback), State: engine.CallbackPending}
	}
	// Earlier attempts' entries are kept. An attempt after a crash or a
	// rescue may find that an earlier one ended the run (its record is
	// final, River's job was not finished with yet): it does not run it
	// again.
	var prior []engine.LogEntry
	if job.Attempt > 1 {
		if old, err := r.execs.Get(ctx, a.ID); err == nil {
			if engine.Final(old.Status) {
				return r.alreadyEnded(job, old)
			}
			for _, l := range old.Logs {
				if l.Path == attemptPath {
					prior = append(prior, l)
				}
			}
		}
	}
	input := map[string]any{}
	var runErr error
	raw, err := r.input(a)
	if err != nil {
		runErr = &engine.Error{Code: engine.CodeInternal, Message: err.Error()} // retried: another node may hold the right key
	} else if len(raw) > 0 {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		if err := dec.Decode(&input); err != nil {
			runErr = &engine.Error{Code: engine.CodeInvalidInput, Message: fmt.Sprintf("the stored input of durable execution %s is not a JSON object: %v", a.ID, err)}
		}
	}
	fn := r.eng.Function(a.Function)
	if fn == nil && runErr == nil {
		runErr = &engine.Error{Code: engine.CodeNotFound, Message: fmt.Sprintf("function %s is no longer loaded; durable execution %s cannot run", a.Function, a.ID)}
	}
	if runErr == nil {
		rec.Input = fn.Inputs.Redact(input)
		// The record says running once the run lasts past runningAfter:
		// most runs end sooner, and their outcome is the only write.
		running := *rec
		var mu sync.Mutex
		ended := false
		mark := time.AfterFunc(runningAfter, func() {
			mu.Lock()
			defer mu.Unlock()
			if !ended { // else the outcome, saved later, must win
				_ = r.execs.Save(context.Background(), &running)
			}
		})
		timeout := r.timeout(a.Function)
		_, runErr = r.eng.Run(engine.WithTriggerDepth(ctx, a.Depth), a.Function, input, engine.RunOptions{Record: rec, Timeout: timeout, Auth: a.Auth, ExecutionID: a.ID, Depth: a.CallDepth,
			Traceparent: a.Traceparent, Trigger: a.trigger(), Root: a.Root})
		mu.Lock()
		ended = true
		mu.Unlock()
		mark.Stop()
	} else {
		rec.Error = engine.AsError(runErr)
		rec.Status, rec.FinishedAt = engine.StatusFailed, time.Now()
	}
	remote := runErr != nil && errors.Is(context.Cause(ctx), river.ErrJobCancelledRemotely)
	if remote { // cancelled through Runner.Cancel
		rec.Status, rec.Error = engine.StatusCancelled, cancelledError(a.ID)
		runErr = rec.Error
	}
	interrupted := !remote && runErr != nil && ctx.Err() != nil && !errors.Is(context.Cause(ctx), context.DeadlineExceeded) &&
		rec.Status != engine.StatusTimedOut
	var e *engine.Error
	if runErr != nil {
		e = engine.AsError(runErr)
	}
	final := runErr == nil || (!interrupted && (!r.retryable(fn, e) || job.Attempt >= job.MaxAttempts))
	entry := map[string]any{"attempt": job.Attempt, "status": rec.Status, "duration_ms": time.Since(started).Milliseconds()}
	if e != nil {
		entry["error"] = e.Message
		entry["code"] = e.Code
	}
	var retryAt time.Time
	switch {
	case interrupted:
		rec.Status = engine.StatusQueued
		entry["status"] = "interrupted"
	case !final:
		retryAt = r.nextRetry(a.Function, job.Attempt)
		rec.Status = engine.StatusQueued
		entry["retry_at"] = retryAt.UTC().Format(time.RFC3339Nano)
	}
	rec.Logs = append(append(append(prior, scheduleEntry(a)...), rec.Logs...), engine.LogEntry{Time: time.Now(), Path: attemptPath, Value: entry})
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	if final && !interrupted {
		// The execution's end, once (metrics: attempts were counted by
		// each run).
		r.eng.Observe(fn, rec.Status, time.Since(started), engine.EndedExecution)
	}
	if runErr == nil {
		// The record and River's completion of the job in one
		// transaction (complete.go); failing that, the attempt fails and
		// River runs the job again.
		return r.complete(sctx, job, rec)
	}
	r.logAttempt(job, rec, e, final, remote, interrupted, retryAt, fn)
	// Any other outcome is written before River finishes with the job: a
	// crash in between runs the job again, and that attempt finds the
	// record final.
	if err := r.execs.SaveWait(sctx, rec); err != nil {
		r.opt.Logf("funcstack durable: recording execution %s: %v", a.ID, err)
	}
	if final && a.Callback != "" {
		r.queueCallback(sctx, a)
	}
	switch {
	case interrupted:
		return runErr
	case final && job.Attempt < job.MaxAttempts:
		return river.JobCancel(e) // not retryable
	case final:
		return e
	}
	r.retryAt.Store(job.ID, retryAt)
	return e
}

// logAttempt writes the event of an attempt that did not succeed.
func (r *Runner) logAttempt(job *river.Job[runArgs], rec *engine.ExecutionRecord, e *engine.Error, final, remote, interrupted bool, retryAt time.Time, fn *engine.Function) {
	attrs := append(runAttrs(rec.ID, rec.Function, job.Attempt), slog.Int("max_attempts", job.MaxAttempts), slog.String("status", rec.Status))
	switch {
	case interrupted:
		r.event(slog.LevelInfo, "run interrupted", attrs...)
	case remote || (e != nil && e.Code == engine.CodeCancelled):
		r.event(slog.LevelInfo, "run cancelled", errAttrs(attrs, e)...)
	case !final:
		r.event(slog.LevelWarn, "retry scheduled", append(errAttrs(attrs, e), when(retryAt))...)
	case job.Attempt >= job.MaxAttempts && r.retryable(fn, e):
		r.event(slog.LevelError, "retries exhausted", errAttrs(attrs, e)...)
	default:
		r.event(slog.LevelError, "run failed", append(errAttrs(attrs, e), slog.Bool("retryable", false))...)
	}
}

// retryable reports whether a failed attempt is tried again: not for
// client errors (4xx), cancelled runs, limits (call or trigger depth, loop
// iterations) or a code the function lists in
// settings.retries.non_retryable.
func (r *Runner) retryable(fn *engine.Function, e *engine.Error) bool {
	if fn == nil || e == nil {
		return false
	}
	if e.Code == engine.CodeCancelled || e.Code == engine.CodeLimit {
		return false // the same run would hit the same limit
	}
	if st := e.HTTPStatus(); st >= 400 && st < 500 && st != 408 && st != 429 {
		return false
	}
	return !slices.Contains(fn.Def.Settings.Retries.NonRetryable, e.Code)
}

// nextRetry is when attempt+1 of function name runs: the backoff after
// the 1st attempt, doubling after each later one.
func (r *Runner) nextRetry(name string, attempt int) time.Time {
	base := r.opt.RetryBackoff
	if fn := r.eng.Function(name); fn != nil && fn.Def.Settings.Retries.Backoff.D() > 0 {
		base = fn.Def.Settings.Retries.Backoff.D()
	}
	return time.Now().Add(backoff(base, attempt))
}

func backoff(base time.Duration, attempt int) time.Duration {
	d := base
	for i := 1; i < attempt && d < 24*time.Hour; i++ {
		d *= 2
	}
	return min(d, 24*time.Hour)
}

// retryPolicy gives River the retry time a worker of this process chose;
// a job failed by anything else (River's rescuer, for a job of a dead
// process) runs again at once.
type retryPolicy struct{ r *Runner }

func (p *retryPolicy) NextRetry(job *rivertype.JobRow) time.Time {
	if v, ok := p.r.retryAt.LoadAndDelete(job.ID); ok {
		return v.(time.Time)
	}
	return time.Now()
}

// trigger is what started the run, for its span.
func (a runArgs) trigger() string {
	switch {
	case a.Schedule != nil:
		return engine.TriggerTask
	case a.Depth > 0:
		return engine.TriggerTableTrigger
	}
	return engine.TriggerDurable
}

// callbackArgs are the arguments of a callback delivery job; River keeps
// one per execution (unique by ID).
type callbackArgs struct {
	ID       string `json:"id" river:"unique"`
	URL      string `json:"url"`
	Function string `json:"function"`
}

const kindCallback = "funcstack.callback"

func (callbackArgs) Kind() string { return kindCallback }

// callbackIn queues, through insert, the delivery of a's outcome to its
// callback URL, if it has one.
func (r *Runner) callbackIn(a runArgs, insert func(callbackArgs, *river.InsertOpts) error) error {
	if a.Callback == "" {
		return nil
	}
	return insert(callbackArgs{ID: a.ID, URL: a.Callback, Function: a.Function},
		&river.InsertOpts{MaxAttempts: r.opt.CallbackAttempts, UniqueOpts: river.UniqueOpts{ByArgs: true}})
}

// queueCallback queues the delivery of a's outcome in a transaction of its
// own.
func (r *Runner) queueCallback(ctx context.Context, a runArgs) {
	var err error
	for i := 0; i < 3; i++ {
		if err = r.callbackIn(a, func(args callbackArgs, opts *river.InsertOpts) error {
			_, err := r.work.Insert(ctx, args, opts)
			return err
		}); err == nil {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	r.opt.Logf("funcstack durable: queueing the callback of execution %s to %s: %v; it will not be delivered", a.ID, a.Callback, err)
}

// alreadyEnded finishes with the job of an execution whose record an
// earlier attempt made final: completed when it succeeded, else
// cancelled (never retried).
func (r *Runner) alreadyEnded(job *river.Job[runArgs], old *engine.ExecutionRecord) error {
	r.event(slog.LevelInfo, "run already ended", append(runAttrs(old.ID, old.Function, job.Attempt), slog.String("status", old.Status),
		slog.String("note", "an earlier attempt ended it before a crash or a node's loss; it is not run again"))...)
	if old.Status == engine.StatusSucceeded {
		return nil
	}
	e := old.Error
	if e == nil {
		e = &engine.Error{Code: engine.CodeInternal, ExecutionID: old.ID, Message: "the execution had already ended " + old.Status}
	}
	return river.JobCancel(e)
}
