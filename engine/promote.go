package engine

import (
	"context"
	"errors"
	"sync"
	"time"
)

// promotion coordinates a sync run that may be promoted to the background
// (RunPromotable) with the run itself, so that the "running" record saved
// on promotion never lands after the final one.
type promotion struct {
	mu       sync.Mutex
	rec      *ExecutionRecord
	started  bool
	finished bool
	promoted bool // the caller was answered 202: the run went on alone
}

// wasPromoted reports whether the run went on in the background.
// Nil-safe.
func (p *promotion) wasPromoted() bool {
	if p == nil {
		return false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.promoted
}

// begin is called by Run once the record exists. Nil-safe.
func (p *promotion) begin(rec *ExecutionRecord) {
	if p == nil {
		return
	}
	p.mu.Lock()
	p.rec, p.started = rec, true
	p.mu.Unlock()
}

// finishing is called by Run before it writes the final record. Nil-safe.
func (p *promotion) finishing() {
	if p == nil {
		return
	}
	p.mu.Lock()
	p.finished = true
	p.mu.Unlock()
}

// RunPromotable runs like Run, but gives up waiting after `after`: when
// the run is still going then, it returns promoted = true and a Result
// holding only the execution ID, and the run goes on to its end in the
// background under the async limit (or the definition's own timeout),
// whatever becomes of ctx. Its record says "running" meanwhile and is
// readable by ID (Get), awaitable, and final when it ends (docs/design.md
// §3 The life of one request, "Promotion"). A run that ends within `after` is
// answered exactly as Run answers it.
func (e *Engine) RunPromotable(ctx context.Context, name string, input any, opt RunOptions, after time.Duration) (res *Result, promoted bool, err error) {
	if after <= 0 {
		res, err = e.Run(ctx, name, input, opt)
		return res, false, err
	}
	if opt.ExecutionID == "" {
		opt.ExecutionID = NewID()
	}
	if opt.Timeout <= 0 {
		opt.Timeout, opt.timeoutName = e.cfg.Limits.AsyncTimeout, "async_timeout"
	}
	p := &promotion{}
	opt.promo = p
	done := make(chan struct{})
	var r *Result
	var rerr error
	// The run outlives ctx; Cancel of its ID stops it once promoted.
	rctx, cancel := context.WithCancelCause(context.WithoutCancel(ctx))
	e.promoted.Store(opt.ExecutionID, cancel)
	e.wg.Add(1) // Close waits for promoted runs as for async ones
	go func() {
		defer e.wg.Done()
		defer close(done)
		defer e.promoted.Delete(opt.ExecutionID)
		defer cancel(nil)
		r, rerr = e.Run(rctx, name, input, opt)
	}()
	t := time.NewTimer(after)
	defer t.Stop()
	select {
	case <-done:
		return r, false, rerr
	case <-t.C:
	}
	p.mu.Lock()
	if p.finished || !p.started {
		// Ending right now (or never started: an unknown name): answer
		// with its outcome rather than promote a finished run.
		p.mu.Unlock()
		<-done
		return r, false, rerr
	}
	rec := *p.rec
	rec.Status = StatusRunning
	p.promoted = true
	// Saved under the lock: the final record is saved only after
	// finishing(), which waits for it. Written before the caller gets the
	// ID, so that the record is there for it whatever becomes of this
	// process (a node starting again closes it, liveness).
	if w, ok := e.store.(interface {
		SaveWait(context.Context, *ExecutionRecord) error
	}); ok {
		_ = w.SaveWait(context.Background(), &rec)
	} else {
		_ = e.store.Save(context.Background(), &rec)
	}
	p.mu.Unlock()
	return &Result{ExecutionID: opt.ExecutionID}, true, nil
}

// errCancelled is the cause of a promoted run's cancellation.
var errCancelled = errors.New("the execution was cancelled")

// cancelPromoted cancels the promoted run id of this process, if there
// is one still running; the run stops at its next step or wait.
func (e *Engine) cancelPromoted(id string) bool {
	c, ok := e.promoted.Load(id)
	if !ok {
		return false
	}
	c.(context.CancelCauseFunc)(errCancelled)
	return true
}
