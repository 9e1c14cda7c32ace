package engine

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"
)

// Execution is an async execution in this process: its record, its plan and
// what its awaiters wait on.
type Execution struct {
	rec    ExecutionRecord
	prog   *Program
	fn     *Function
	input  map[string]any
	auth   map[string]any
	ctx    context.Context
	cancel context.CancelFunc
	limit  limitInfo
	depth  int
	// claimed is set by whoever runs the execution: a pool worker, or an
	// awaiter that finds it still queued and runs it inline (which is what
	// keeps a full pool of awaiting workers from deadlocking).
	claimed atomic.Bool
	done    chan struct{}
	// result, valid after done is closed.
	output any
	err    *Error
}

// AsyncOptions are settings of one async call.
type AsyncOptions struct {
	IdempotencyKey string
}

// Start begins an async execution of fn with input on the worker pool and
// returns its ID at once. The child's deadline is the caller's remaining
// budget or the async limit, whichever is sooner; the child is not
// cancelled when the caller returns.
func (e *Engine) Start(s *State, fn *Function, input map[string]any, opt AsyncOptions) (string, error) {
	if s.depth+1 > e.cfg.Limits.MaxCallDepth {
		return "", &Error{Code: CodeLimit, Message: fmt.Sprintf(
			"call depth limit reached starting %s: more than %d nested calls (limit max_call_depth)", fn.Name, e.cfg.Limits.MaxCallDepth)}
	}
	in, verr := fn.Inputs.Validate(input)
	if verr != nil {
		verr.Message = "invalid input for " + fn.Name
		return "", verr
	}
	id := NewID()
	if opt.IdempotencyKey != "" {
		got, err := e.store.ClaimIdempotencyKey(s.ctx, fn.Name, opt.IdempotencyKey, id, e.cfg.IdempotencyWindow)
		if err != nil {
			return "", err
		}
		if got != id {
			return got, nil
		}
	}
	auth, _ := s.vars[NameAuth].(map[string]any)
	return e.startExecution(s.ctx, s.prog, fn, in, auth, s.execID, s.depth+1, opt.IdempotencyKey, id)
}

// StartAsync begins an async execution from outside any run (an API call).
func (e *Engine) StartAsync(ctx context.Context, name string, input any, opt AsyncOptions) (string, error) {
	p := e.prog.Load()
	if p == nil {
		return "", &Error{Code: CodeInternal, Message: "no program loaded"}
	}
	fn := p.Functions[name]
	if fn == nil {
		return "", unknownFunction(p, name)
	}
	in, verr := fn.Inputs.Validate(input)
	if verr != nil {
		verr.Definition = name
		return "", verr
	}
	id := NewID()
	if opt.IdempotencyKey != "" {
		got, err := e.store.ClaimIdempotencyKey(ctx, fn.Name, opt.IdempotencyKey, id, e.cfg.IdempotencyWindow)
		if err != nil {
			return "", err
		}
		if got != id {
			return got, nil
		}
	}
	return e.startExecution(context.Background(), p, fn, in, nil, "", 0, opt.IdempotencyKey, id)
}

func (e *Engine) startExecution(parent context.Context, p *Program, fn *Function, in, auth map[string]any, parentID string, depth int, key, id string) (string, error) {
	e.start.Do(e.startWorkers)
	now := time.Now()
	budget, lname := e.cfg.Limits.AsyncTimeout, "async_timeout"
	if fn.Timeout > 0 && fn.Timeout < budget {
		budget, lname = fn.Timeout, "settings.timeout of "+fn.Name
	}
	deadline := now.Add(budget)
	if dl, ok := parent.Deadline(); ok && dl.Before(deadline) {
		deadline, budget, lname = dl, dl.Sub(now), "the caller's remaining budget"
	}
	ctx, cancel := context.WithDeadlineCause(context.WithoutCancel(parent), deadline, errDeadline)
	x := &Execution{prog: p, fn: fn, input: in, auth: auth, ctx: ctx, cancel: cancel, depth: depth,
		limit: limitInfo{lname, budget.Round(time.Millisecond)}, done: make(chan struct{})}
	x.rec = ExecutionRecord{ID: id, Function: fn.Name, Mode: ModeAsync, Status: StatusQueued, Input: in,
		Parent: parentID, IdempotencyKey: key, CreatedAt: now}
	if err := e.store.Save(ctx, &x.rec); err != nil {
		cancel()
		return "", err
	}
	e.live.Store(id, x)
	select {
	case e.jobs <- x:
		return id, nil
	default:
		e.live.Delete(id)
		cancel()
		err := &Error{Code: CodeQueueFull, Message: fmt.Sprintf(
			"the async queue is full (%d waiting; limit queue_size); try again later or raise it", cap(e.jobs))}
		x.rec.Status, x.rec.Error, x.rec.FinishedAt = StatusFailed, err, time.Now()
		_ = e.store.Save(context.Background(), &x.rec)
		return "", err
	}
}

func (e *Engine) startWorkers() {
	for i := 0; i < e.cfg.Workers; i++ {
		e.wg.Add(1)
		go func() {
			defer e.wg.Done()
			for {
				select {
				case x := <-e.jobs:
					if x.claimed.CompareAndSwap(false, true) {
						e.execute(x)
					}
				case <-e.stop:
					return
				}
			}
		}()
	}
}

// execute runs a claimed execution to its end and publishes the result.
func (e *Engine) execute(x *Execution) {
	defer x.cancel()
	x.rec.StartedAt = time.Now()
	x.rec.Status = StatusRunning
	x.rec.Attempts = 1
	var out any
	var err error
	if x.ctx.Err() != nil {
		err = (&State{ctx: x.ctx, limit: x.limit}).ctxError()
	} else {
		s := e.newState(x.ctx, x.prog, x.fn, x.rec.ID, x.depth)
		s.limit = x.limit
		e.bindVars(s, x.input, x.auth, nil)
		var logs []LogEntry
		s.logs = &logs
		out, err = s.run()
		s.release()
		x.rec.Logs = logs
	}
	x.rec.FinishedAt = time.Now()
	if err != nil {
		x.err = AsError(err)
		if x.err.ExecutionID == "" {
			x.err.ExecutionID = x.rec.ID
		}
		x.rec.Status, x.rec.Error = statusOf(x.err), x.err
	} else {
		x.output = out
		x.rec.Status, x.rec.Output = StatusSucceeded, out
	}
	_ = e.store.Save(context.Background(), &x.rec)
	close(x.done)
	e.live.Delete(x.rec.ID)
}

// Cancel cancels an in-process async execution.
func (e *Engine) Cancel(id string) bool {
	v, ok := e.live.Load(id)
	if !ok {
		return false
	}
	x := v.(*Execution)
	x.cancel()
	return true
}

// Get returns the current record of an execution: live from this process
// when it is running here, else from the store.
func (e *Engine) Get(ctx context.Context, id string) (*ExecutionRecord, error) {
	if v, ok := e.live.Load(id); ok {
		x := v.(*Execution)
		select {
		case <-x.done:
		default:
			rec := ExecutionRecord{ID: id, Function: x.fn.Name, Mode: ModeAsync, Status: StatusQueued,
				Input: x.input, Parent: x.rec.Parent, CreatedAt: x.rec.CreatedAt}
			if x.claimed.Load() {
				rec.Status = StatusRunning
			}
			return &rec, nil
		}
	}
	return e.store.Get(ctx, id)
}

// AwaitResult is the outcome of one awaited execution.
type AwaitResult struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	Output any    `json:"output"`
	Error  *Error `json:"error"`
}

// Await waits for every execution in ids and returns their outcomes in the
// same order. It stops at ctx's deadline or after timeout (if > 0),
// whichever is sooner; the executions go on.
func (e *Engine) Await(ctx context.Context, ids []string, timeout time.Duration) ([]AwaitResult, error) {
	var timer <-chan time.Time
	if timeout > 0 {
		t := time.NewTimer(timeout)
		defer t.Stop()
		timer = t.C
	}
	out := make([]AwaitResult, len(ids))
	// First run inline whatever is still queued: the caller would only wait
	// for a worker to do it.
	// With a timeout the await must stay free to give up, so what it takes
	// over runs on its own goroutine; without one it runs right here.
	for _, id := range ids {
		if v, ok := e.live.Load(id); ok {
			if x := v.(*Execution); x.claimed.CompareAndSwap(false, true) {
				if timeout > 0 || outlives(x.ctx, ctx) {
					go e.execute(x)
				} else {
					e.execute(x)
				}
			}
		}
	}
	for i, id := range ids {
		r, err := e.awaitOne(ctx, id, timer)
		if err != nil {
			return nil, err
		}
		out[i] = r
	}
	return out, nil
}

// outlives reports whether child's deadline is later than parent's.
func outlives(child, parent context.Context) bool {
	pd, ok := parent.Deadline()
	if !ok {
		return false
	}
	cd, ok := child.Deadline()
	return !ok || cd.After(pd)
}

var errAwaitTimeout = errors.New("await timeout")

func (e *Engine) awaitOne(ctx context.Context, id string, timer <-chan time.Time) (AwaitResult, error) {
	if v, ok := e.live.Load(id); ok {
		x := v.(*Execution)
		select {
		case <-x.done:
		case <-ctx.Done():
			return AwaitResult{}, ctx.Err()
		case <-timer:
			return AwaitResult{ID: id}, errAwaitTimeout
		}
		return AwaitResult{ID: id, Status: x.rec.Status, Output: x.output, Error: x.err}, nil
	}
	// Not running here: read the store until it ends (it may run on
	// another node).
	wait := 2 * time.Millisecond
	for {
		rec, err := e.store.Get(ctx, id)
		if err != nil {
			if errors.Is(err, ErrNoExecution) {
				return AwaitResult{ID: id}, &Error{Code: CodeNotFound, Message: fmt.Sprintf("no execution with ID %q; await takes the IDs that async calls return", id)}
			}
			return AwaitResult{}, err
		}
		if Final(rec.Status) {
			return AwaitResult{ID: id, Status: rec.Status, Output: rec.Output, Error: rec.Error}, nil
		}
		// It may have started here since we looked.
		if v, ok := e.live.Load(id); ok {
			_ = v
			return e.awaitOne(ctx, id, timer)
		}
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return AwaitResult{}, ctx.Err()
		case <-timer:
			t.Stop()
			return AwaitResult{ID: id}, errAwaitTimeout
		}
		wait = min(wait*2, 250*time.Millisecond)
	}
}

// IsAwaitTimeout reports whether err is an await step's own timeout.
func IsAwaitTimeout(err error) bool { return errors.Is(err, errAwaitTimeout) }
