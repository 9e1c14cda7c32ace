package engine

import "context"

// Tracer makes the spans of distributed tracing (docs/design.md §30): one
// span per execution run and, under it, one per step. Package telemetry
// implements it on OpenTelemetry; Engine.SetTracer plugs it in. Without
// one, a run makes no span and pays a nil check per step.
//
// Parents cross processes and queues as W3C traceparent texts: an
// endpoint's incoming header, the step that made an async call (kept with
// the execution) or a durable one (kept in its job's arguments, so that a
// run after a restart still joins its trace).
type Tracer interface {
	// StartExecution begins the span of one run of an execution.
	StartExecution(ctx context.Context, x SpanStart) ExecutionSpan
}

// SpanStart is what the span of an execution starts with.
type SpanStart struct {
	// Parent is the W3C traceparent of the parent span ("": a new trace,
	// unless ctx holds a span).
	Parent string
	// Record is the execution's record as the run starts: ID, function,
	// mode, version, attempts, parent execution and HTTP request.
	Record   *ExecutionRecord
	Function *Function
	// Trigger is what started the run (the Trigger* constants).
	Trigger string
}

// What started a run, as its span says (attribute funcstack.trigger).
const (
	TriggerHTTP         = "http"          // an endpoint, its middleware, POST /function
	TriggerSync         = "sync"          // a run of the CLI or the admin API
	TriggerAsync        = "async"         // an in-process async call
	TriggerDurable      = "durable"       // POST /async-function, a durable call
	TriggerTask         = "task"          // a scheduled task's tick
	TriggerTableTrigger = "table_trigger" // a table's trigger
)

// ExecutionSpan is the span of one execution run.
type ExecutionSpan interface {
	// StartStep begins the span of step st of definition def under
	// parent (nil: the execution's span). It is nil once the execution
	// has made as many step spans as its limit allows; those past it are
	// counted as dropped.
	StartStep(parent StepSpan, st *Step, def string) StepSpan
	// Traceparent is the W3C traceparent of the span ("" when it has no
	// valid span context).
	Traceparent() string
	// End ends the span with the record's outcome.
	End(rec *ExecutionRecord)
}

// StepSpan is the span of one step run.
type StepSpan interface {
	Traceparent() string
	// End ends the span; err is the step's error (nil: it succeeded).
	End(err *Error)
}

type tracerBox struct{ t Tracer }

// SetTracer makes t the engine's tracer (nil: none). Safe to call while
// runs go on; a run keeps the tracer it started with.
func (e *Engine) SetTracer(t Tracer) {
	if t == nil {
		e.tracer.Store(nil)
		return
	}
	e.tracer.Store(&tracerBox{t})
}

// startSpan begins the span of a run of fn with record rec, or returns
// nil without a tracer.
func (e *Engine) startSpan(ctx context.Context, parent, trigger string, rec *ExecutionRecord, fn *Function) ExecutionSpan {
	b := e.tracer.Load()
	if b == nil {
		return nil
	}
	return b.t.StartExecution(ctx, SpanStart{Parent: parent, Record: rec, Function: fn, Trigger: trigger})
}

// Traceparent is the W3C traceparent of the span of the step running now
// (the run's own span outside any step), for a request the step makes;
// "" when the run is not traced.
func (s *State) Traceparent() string {
	switch {
	case s.sspan != nil:
		return s.sspan.Traceparent()
	case s.xspan != nil:
		return s.xspan.Traceparent()
	}
	return ""
}

// runSpanned runs st under a span of its own (runs with a tracer).
func (s *State) runSpanned(st *Step) error {
	parent := s.sspan
	sp := s.xspan.StartStep(parent, st, s.fn.Name)
	if sp != nil {
		s.sspan = sp
	}
	var err error
	if s.trace != nil {
		err = s.runTracedStep(st)
	} else if _, err = st.Run(s); err != nil {
		err = s.stepError(st, err)
	}
	s.sspan = parent
	if sp != nil {
		var e *Error
		if err != nil && !isSignal(err) {
			e = AsError(err)
		}
		sp.End(e)
	}
	return err
}
