package engine

import (
	"context"
	"errors"
	"fmt"
	"sync"
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
	// release drops the execution's hold on a deadline shared with its
	// caller, if any.
	release func()
	limit   limitInfo
	depth   int
	// root is the execution whose tree of runs this one is in.
	root string
	// traceparent is the span of the step that made the call, when the
	// caller is traced: the execution's span is its child.
	traceparent string
	// claimed is set by whoever runs the execution: a pool worker, or an
	// awaiter that finds it still queued and runs it inline (which is what
	// keeps a full pool of awaiting workers from deadlocking).
	claimed atomic.Bool
	// stop is set by Cancel; the run checks it between steps and loop
	// iterations.
	stop atomic.Bool
	// done is made only when someone waits (most executions are awaited
	// after they end, or never); mu guards it and ended.
	mu    sync.Mutex
	done  chan struct{}
	ended bool
	// result, valid after done is closed.
	output any
	err    *Error
}

// closedChan is a channel that is always closed.
var closedChan = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

// finished returns a channel closed when the execution has ended.
func (x *Execution) finished() <-chan struct{} {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.ended {
		return closedChan
	}
	if x.done == nil {
		x.done = make(chan struct{})
	}
	return x.done
}

// finish marks the execution ended and wakes its waiters.
func (x *Execution) finish() {
	x.mu.Lock()
	x.ended = true
	if x.done != nil {
		close(x.done)
	}
	x.mu.Unlock()
}

// liveSet holds the async executions of this process until they end,
// sharded so that starting and ending executions rarely contend.
type liveSet struct {
	shards [16]struct {
		sync.Mutex
		m map[string]*Execution
	}
}

func (l *liveSet) shard(id string) *struct {
	sync.Mutex
	m map[string]*Execution
} {
	return &l.shards[id[len(id)-1]%16]
}

func (l *liveSet) put(id string, x *Execution) {
	sh := l.shard(id)
	sh.Lock()
	if sh.m == nil {
		sh.m = map[string]*Execution{}
	}
	sh.m[id] = x
	sh.Unlock()
}

func (l *liveSet) get(id string) *Execution {
	if id == "" {
		return nil
	}
	sh := l.shard(id)
	sh.Lock()
	x := sh.m[id]
	sh.Unlock()
	return x
}

func (l *liveSet) del(id string) {
	sh := l.shard(id)
	sh.Lock()
	delete(sh.m, id)
	sh.Unlock()
}

// AsyncOptions are settings of one async call.
type AsyncOptions struct {
	IdempotencyKey string
}

// Start begins an async execution of fn with input on the worker pool and
// returns its ID at once. The child's deadline is the caller's remaining
// budget or the async limit, whichever is sooner; the child is not
// cancelled when the caller returns. Start takes ownership of input.
func (e *Engine) Start(s *State, fn *Function, input map[string]any, opt AsyncOptions) (string, error) {
	if s.depth+1 > e.cfg.Limits.MaxCallDepth {
		return "", &Error{Code: CodeLimit, Message: fmt.Sprintf(
			"call depth limit reached starting %s: more than %d nested calls (limit max_call_depth)", fn.Name, e.cfg.Limits.MaxCallDepth)}
	}
	var fp string
	if opt.IdempotencyKey != "" {
		// Before validation, which takes input over.
		var err error
		if fp, err = InputFingerprint(fn.Name, input); err != nil {
			return "", err
		}
	}
	in, verr := fn.Inputs.ValidateOwned(input)
	if verr != nil {
		verr.Message = "invalid input for " + fn.Name
		return "", verr
	}
	id := NewID()
	if opt.IdempotencyKey != "" {
		got, err := e.store.ClaimIdempotencyKey(s.Context(), fn.Name, opt.IdempotencyKey, fp, id, e.cfg.IdempotencyWindow)
		if err != nil {
			return "", inRun(err)
		}
		if got != id {
			return got, nil
		}
	}
	auth, _ := s.slots[slotAuth].(map[string]any)
	return e.startExecution(s, s.prog, fn, in, auth, s.execID, s.depth+1, opt.IdempotencyKey, id)
}

// StartAsync begins an async execution from outside any run (an API call).
func (e *Engine) StartAsync(ctx context.Context, name string, input any, opt AsyncOptions) (string, error) {
	p, fn, lerr := e.lookup(nil, name)
	if lerr != nil {
		return "", lerr
	}
	in, verr := fn.Inputs.Validate(input)
	if verr != nil {
		verr.Definition = name
		return "", verr
	}
	id := NewID()
	if opt.IdempotencyKey != "" {
		fp, err := InputFingerprint(fn.Name, input)
		if err != nil {
			return "", err
		}
		got, err := e.store.ClaimIdempotencyKey(ctx, fn.Name, opt.IdempotencyKey, fp, id, e.cfg.IdempotencyWindow)
		if err != nil {
			return "", err
		}
		if got != id {
			return got, nil
		}
	}
	return e.startExecution(nil, p, fn, in, nil, "", 0, opt.IdempotencyKey, id)
}

// inRun is err as an error of the run making a call: an error naming
// another execution (an idempotency key reused) names it in its message
// only, so that the run's own ID becomes its execution ID.
func inRun(err error) error {
	if e, ok := err.(*Error); ok && e.ExecutionID != "" {
		cp := *e
		cp.ExecutionID = ""
		return &cp
	}
	return err
}

// startExecution queues an async execution. caller is the run making the
// call, or nil for a call from outside any run.
func (e *Engine) startExecution(caller *State, p *Program, fn *Function, in, auth map[string]any, parentID string, depth int, key, id string) (string, error) {
	e.start.Do(e.startWorkers)
	now := time.Now()
	budget, lname := e.cfg.Limits.AsyncTimeout, "async_timeout"
	if fn.Timeout > 0 && fn.Timeout < budget {
		budget, lname = fn.Timeout, "settings.timeout of "+fn.Name
	}
	var ctx context.Context
	var cancel context.CancelFunc
	release := func() {}
	if dl, ok := callerDeadline(caller); ok && dl.Before(now.Add(budget)) {
		// The caller's deadline binds: share one detached context with it
		// among all its async children instead of a timer each.
		budget, lname = dl.Sub(now), "the caller's remaining budget"
		sd := caller.detached()
		// No context of its own: a per-child cancel context registers with
		// the shared parent under its lock, which cost a fifth of an async
		// call. Cancel sets the execution's stop flag instead.
		ctx, cancel = sd.ctx, func() {}
		release = sd.release
	} else {
		ctx, cancel = context.WithDeadlineCause(context.Background(), now.Add(budget), errDeadline)
	}
	x := &Execution{prog: p, fn: fn, input: in, auth: auth, ctx: ctx, cancel: cancel, release: release, depth: depth,
		limit: limitInfo{lname, budget.Round(time.Millisecond)}}
	x.root = id
	if caller != nil {
		x.traceparent = caller.Traceparent()
		x.root = caller.root
	}
	x.rec = ExecutionRecord{ID: id, Function: fn.Name, Mode: ModeAsync, Status: StatusQueued, Input: fn.Inputs.Redact(in),
		Parent: parentID, IdempotencyKey: key, CreatedAt: now, Version: fn.Version(), Node: e.node}
	// A store shared with other processes needs the queued record so that
	// they can see and await the execution; a local one is served by the
	// live map until the execution ends.
	if !e.localStore {
		if err := e.store.Save(ctx, &x.rec); err != nil {
			cancel()
			release()
			return "", err
		}
	}
	e.live.put(id, x)
	select {
	case e.jobs <- x:
		return id, nil
	default:
		e.live.del(id)
		cancel()
		release()
		err := &Error{Code: CodeQueueFull, Message: fmt.Sprintf(
			"the async queue is full (%d waiting; limit queue_size); try again later or raise it", cap(e.jobs))}
		x.rec.Status, x.rec.Error, x.rec.FinishedAt = StatusFailed, err, time.Now()
		_ = e.store.Save(context.Background(), &x.rec)
		e.observe(fn, StatusFailed, 0, EndedBoth)
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
	defer x.release()
	defer x.cancel()
	x.rec.StartedAt = time.Now()
	x.rec.Status = StatusRunning
	x.rec.Attempts = 1
	sp := e.startSpan(context.Background(), x.traceparent, TriggerAsync, &x.rec, x.fn)
	var out any
	var err error
	switch {
	case x.stop.Load():
		err = stoppedError()
	case x.ctx.Err() != nil:
		s := &State{limit: x.limit}
		s.own.start(x.ctx, time.Time{})
		s.clock = &s.own
		err = s.ctxError()
	default:
		s := e.newState(x.ctx, time.Time{}, nil, x.prog, x.fn, x.rec.ID, x.depth)
		s.root = x.root
		s.limit = x.limit
		s.stop = &x.stop
		s.xspan = sp
		e.bindVars(s, x.input, x.auth, nil)
		s.logs = &x.rec.Logs
		s.secrets = &x.rec.Secrets
		s.trace = newLightTrace(x.rec.StartedAt, e.cfg.Limits.MaxTraceEntries)
		out, err = s.run()
		tr, failed := s.trace, s.failed
		s.release()
		x.rec.Trace, _ = keptTrace(tr, failed, err != nil, x.fn)
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
		x.rec.Status, x.rec.Output = StatusSucceeded, x.fn.redactOutput(out, &x.rec.Secrets)
	}
	if sp != nil {
		sp.End(&x.rec)
	}
	_ = e.store.Save(context.Background(), &x.rec)
	e.observe(x.fn, x.rec.Status, x.rec.FinishedAt.Sub(x.rec.StartedAt), EndedBoth)
	e.logRunFailed(&x.rec, ModeAsync)
	x.finish()
	e.live.del(x.rec.ID)
}

// Cancel cancels an in-process async execution: one still queued never
// runs, and a running one stops at its next step or loop iteration, or
// when a wait it is in (sleep, await, http) ends. A promoted sync run of
// this process stops so too; a durable one is cancelled on any node.
func (e *Engine) Cancel(id string) bool {
	x := e.live.get(id)
	if x == nil {
		if e.cancelPromoted(id) {
			return true
		}
		if d, ok := e.durable.(interface{ Cancel(string) bool }); ok {
			return d.Cancel(id) // a durable execution, on any node
		}
		return false
	}
	select {
	case <-x.finished():
		return false // it ended; the live set lets go of it a moment later
	default:
	}
	x.stop.Store(true)
	return true
}

// Get returns the current record of an execution: live from this process
// when it is running here, else from the store.
func (e *Engine) Get(ctx context.Context, id string) (*ExecutionRecord, error) {
	if x := e.live.get(id); x != nil {
		select {
		case <-x.finished():
		default:
			rec := ExecutionRecord{ID: id, Function: x.fn.Name, Mode: ModeAsync, Status: StatusQueued,
				Input: x.rec.Input, Parent: x.rec.Parent, CreatedAt: x.rec.CreatedAt, Version: x.rec.Version, Node: x.rec.Node}
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
	return e.await(ctx, ids, timeout, false)
}

// Settle is Await that does not fail at its timeout: an execution still
// going then is reported with its status (queued or running), without
// output. ctx's deadline is an error as in Await.
func (e *Engine) Settle(ctx context.Context, ids []string, timeout time.Duration) ([]AwaitResult, error) {
	return e.await(ctx, ids, timeout, true)
}

func (e *Engine) await(ctx context.Context, ids []string, timeout time.Duration, settle bool) ([]AwaitResult, error) {
	var timer <-chan time.Time
	if timeout > 0 {
		t := time.NewTimer(timeout)
		defer t.Stop()
		timer = t.C
	}
	out := make([]AwaitResult, len(ids))
	// First run inline whatever is still queued: the caller would only wait
	// for a worker to do it. With a timeout the await must stay free to give
	// up, so what it takes over runs on its own goroutine.
	live := make([]*Execution, len(ids))
	for i, id := range ids {
		x := e.live.get(id)
		live[i] = x
		if x != nil && x.claimed.CompareAndSwap(false, true) {
			if timeout > 0 || outlives(x.ctx, ctx) {
				go e.execute(x)
			} else {
				e.execute(x)
			}
		}
	}
	timedOut := false
	for i, id := range ids {
		var r AwaitResult
		var err error
		switch x := live[i]; {
		case timedOut:
			r, err = e.peek(ctx, id, x)
		case x != nil:
			r, err = x.wait(ctx, timer)
		default:
			r, err = e.awaitOne(ctx, id, timer)
		}
		if settle && err == errAwaitTimeout {
			timedOut = true
			r, err = e.peek(ctx, id, live[i])
		}
		if err != nil {
			return nil, err
		}
		out[i] = r
	}
	return out, nil
}

// peek returns where execution id (x when it was live here) is now,
// without waiting.
func (e *Engine) peek(ctx context.Context, id string, x *Execution) (AwaitResult, error) {
	if x != nil {
		select {
		case <-x.finished():
			return AwaitResult{ID: id, Status: x.rec.Status, Output: x.output, Error: x.err}, nil
		default:
		}
	}
	rec, err := e.Get(ctx, id)
	if err != nil {
		if errors.Is(err, ErrNoExecution) {
			return AwaitResult{}, noExecution(id)
		}
		return AwaitResult{}, err
	}
	r := AwaitResult{ID: id, Status: rec.Status}
	if Final(rec.Status) {
		r.Output, r.Error = rec.Output, rec.Error
	}
	return r, nil
}

// wait waits for the execution to end.
func (x *Execution) wait(ctx context.Context, timer <-chan time.Time) (AwaitResult, error) {
	select {
	case <-x.finished():
	case <-ctx.Done():
		return AwaitResult{}, ctx.Err()
	case <-timer:
		return AwaitResult{ID: x.rec.ID}, errAwaitTimeout
	}
	return AwaitResult{ID: x.rec.ID, Status: x.rec.Status, Output: x.output, Error: x.err}, nil
}

func callerDeadline(s *State) (time.Time, bool) {
	if s == nil {
		return time.Time{}, false
	}
	return s.clock.deadlineOf()
}

// sharedDeadline is a context carrying a run's deadline but not its
// cancellation, shared by the run's async children. The last holder to let
// go stops its timer.
type sharedDeadline struct {
	ctx    context.Context
	cancel context.CancelFunc
	refs   atomic.Int32
}

func (sd *sharedDeadline) release() {
	if sd.refs.Add(-1) == 0 {
		sd.cancel()
	}
}

// detached returns the run's shared deadline context, holding one more
// reference to it for the caller.
func (s *State) detached() *sharedDeadline {
	if s.shared == nil {
		dl, _ := s.clock.deadlineOf()
		ctx, cancel := context.WithDeadlineCause(context.WithoutCancel(s.Context()), dl, errDeadline)
		s.shared = &sharedDeadline{ctx: ctx, cancel: cancel}
		s.shared.refs.Store(1) // the run's own, dropped when it ends
	}
	s.shared.refs.Add(1)
	return s.shared
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
	if x := e.live.get(id); x != nil {
		return x.wait(ctx, timer)
	}
	// Not running here: read the store until it ends (it may run on
	// another node).
	wait := 2 * time.Millisecond
	for {
		rec, err := e.store.Get(ctx, id)
		if err != nil {
			if errors.Is(err, ErrNoExecution) {
				return AwaitResult{ID: id}, noExecution(id)
			}
			return AwaitResult{}, err
		}
		if Final(rec.Status) {
			return AwaitResult{ID: id, Status: rec.Status, Output: rec.Output, Error: rec.Error}, nil
		}
		// It may have started here since we looked.
		if e.live.get(id) != nil {
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

func noExecution(id string) *Error {
	return &Error{Code: CodeNotFound, Message: fmt.Sprintf("no execution with ID %q; await takes the IDs that async calls return", id)}
}

// IsAwaitTimeout reports whether err is an await step's own timeout.
func IsAwaitTimeout(err error) bool { return errors.Is(err, errAwaitTimeout) }
