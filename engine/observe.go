package engine

import "time"

// Observer is told of every execution that ends (sync, async or
// promoted), on the goroutine that ran it: keep it cheap.
type Observer interface {
	ExecutionEnded(fn *Function, status string, d time.Duration)
}

type observerBox struct{ o Observer }

// SetObserver makes o the engine's observer (nil: none). Safe to call
// while runs go on.
func (e *Engine) SetObserver(o Observer) {
	if o == nil {
		e.observer.Store(nil)
		return
	}
	e.observer.Store(&observerBox{o})
}

func (e *Engine) observe(fn *Function, status string, d time.Duration) {
	if b := e.observer.Load(); b != nil {
		b.o.ExecutionEnded(fn, status, d)
	}
}

// QueueDepth is the number of async executions waiting for a worker.
func (e *Engine) QueueDepth() int { return len(e.jobs) }
