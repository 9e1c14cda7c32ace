package engine

import (
	"context"
	"log/slog"
	"time"
)

// Ended says what a run that ended closed: an attempt, an execution, or
// both (a sync, async or promoted run is both; a durable execution's
// attempt is an attempt, and the execution ends with its last one).
type Ended uint8

const (
	EndedAttempt Ended = 1 << iota
	EndedExecution
	EndedBoth = EndedAttempt | EndedExecution
)

// Observer is told of every run that ends (sync, async, promoted, each
// attempt of a durable execution) and of every execution that reaches its
// final status, on the goroutine that ran it: keep it cheap.
type Observer interface {
	ExecutionEnded(fn *Function, status string, d time.Duration, what Ended)
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

func (e *Engine) observe(fn *Function, status string, d time.Duration, what Ended) {
	if b := e.observer.Load(); b != nil {
		b.o.ExecutionEnded(fn, status, d, what)
	}
}

// Observe tells the observer that a run of fn ended: for package durable,
// which alone knows when a durable execution's last attempt was its last.
func (e *Engine) Observe(fn *Function, status string, d time.Duration, what Ended) {
	if fn != nil {
		e.observe(fn, status, d, what)
	}
}

// QueueDepth is the number of async executions waiting for a worker.
func (e *Engine) QueueDepth() int { return len(e.jobs) }

// Logger is where the engine reports background work (Config.Logger;
// never nil: a logger that drops everything when unset).
func (e *Engine) Logger() *slog.Logger { return e.log }

// discard is the logger of an engine without Config.Logger.
var discard = slog.New(slog.DiscardHandler)

// logRunFailed writes the "run failed" line of a background run (async
// or promoted) that did not succeed: nobody waits on it to hear of it.
func (e *Engine) logRunFailed(rec *ExecutionRecord, mode string) {
	if rec.Status == StatusSucceeded || !e.log.Enabled(context.Background(), slog.LevelError) {
		return
	}
	attrs := []slog.Attr{slog.String("execution_id", rec.ID), slog.String("function", rec.Function),
		slog.Int("attempt", max(rec.Attempts, 1)), slog.String("node", e.node), slog.String("mode", mode), slog.String("status", rec.Status)}
	if rec.Error != nil {
		attrs = append(attrs, slog.String("code", rec.Error.Code), slog.String("error", rec.Error.Message))
	}
	e.log.LogAttrs(context.Background(), slog.LevelError, "run failed", attrs...)
}
