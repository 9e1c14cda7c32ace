package engine

import (
	"context"
	"time"
)

// runClock is the deadline and cancellation of a run and of the calls it
// makes in its goroutine. It makes the run's context only when something
// needs one (a step that waits: the database, HTTP, sleep, await, an async
// start) or when the run has gone on for a while: most runs end in
// microseconds, before a timer and a context would be worth their cost.
// Until then the run watches its parent's cancellation and, every loop
// iteration and call, counts towards making the context.
type runClock struct {
	parent   context.Context
	deadline time.Time // zero: only the parent's
	ticks    int
	ctx      context.Context // made, or nil
	done     <-chan struct{}
	cancel   context.CancelFunc
}

// clockTicks is how many loop iterations and calls a run makes before it
// makes its context and timer.
const clockTicks = 64

// parentTicks is how often, in ticks, a run without a context of its own
// asks its parent whether it was cancelled.
const parentTicks = 8

func (c *runClock) start(parent context.Context, deadline time.Time) {
	*c = runClock{parent: parent, deadline: deadline}
}

// context returns the run's context, making it on first use.
func (c *runClock) context() context.Context {
	if c.ctx == nil {
		if c.deadline.IsZero() {
			c.ctx = c.parent
		} else {
			c.ctx, c.cancel = context.WithDeadlineCause(c.parent, c.deadline, errDeadline)
		}
		c.done = c.ctx.Done()
	}
	return c.ctx
}

// ended reports whether the run must stop: its parent was cancelled or
// its deadline passed. It is cheap enough to call on every iteration.
func (c *runClock) ended() bool {
	if c.ctx == nil {
		// Err, not Done: a request's context makes its Done channel
		// on first asking, an allocation most runs can do without.
		// Err goes down the chain of contexts, so it is asked every
		// parentTicks ticks, from the first.
		if c.ticks++; c.ticks%parentTicks == 1 && c.parent.Err() != nil {
			return true
		}
		if c.ticks < clockTicks {
			return false
		}
		c.context()
	}
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// deadlineOf is the run's deadline: its own or its parent's, the sooner.
func (c *runClock) deadlineOf() (time.Time, bool) {
	if c.ctx != nil {
		return c.ctx.Deadline()
	}
	pd, ok := c.parent.Deadline()
	switch {
	case c.deadline.IsZero():
		return pd, ok
	case ok && pd.Before(c.deadline):
		return pd, true
	}
	return c.deadline, true
}

// stop releases the timer of a context the clock made.
func (c *runClock) stop() {
	if c.cancel != nil {
		c.cancel()
	}
	*c = runClock{}
}
