package engine

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// ModeDurable is the mode of executions run through the durable queue
// (package durable): they survive a crash of the process.
const ModeDurable = "durable"

// CodeNoDurable is the error code of a durable run asked of an engine that
// has no durable queue (funcstack run, or tests without storage).
const CodeNoDurable = "durable_unavailable"

// Durable queues durable executions. Package durable implements it on
// River; Engine.SetDurable plugs it in.
type Durable interface {
	// Enqueue queues one execution and returns its ID. With tx the job and
	// its record are written in that transaction, so they exist only if it
	// commits; without, in a transaction of their own. An idempotency key
	// already claimed within its window gives the earlier execution's ID
	// and queues nothing; claimed with another input (Fingerprint), it is
	// the error IdempotencyKeyReused.
	Enqueue(ctx context.Context, tx *sql.Tx, req *DurableRequest) (string, error)
}

// DurableRequest is one durable execution to queue.
type DurableRequest struct {
	Function *Function
	// Input is the input as given, as JSON (the run validates it again,
	// against the program of its own time).
	Input json.RawMessage
	// Redacted is the input as it may be recorded (sensitive fields
	// hidden).
	Redacted       any
	Parent         string
	IdempotencyKey string
	// Fingerprint is InputFingerprint of the function and input, set
	// with IdempotencyKey: the key is refused for another input.
	Fingerprint string
	// CallbackURL, if set, is where the result is POSTed when the run
	// ends.
	CallbackURL string
	// Auth is what the run sees as auth.
	Auth map[string]any
	// TriggerDepth is how many table triggers led to this run (0: none).
	TriggerDepth int
	// Depth is the call depth the run starts at.
	Depth int
	// Root is the execution whose tree of runs queues this one ("": none,
	// a run queued from outside any run): a root's durable descendants
	// are counted against max_durable_descendants.
	Root string
	// Traceparent is the W3C traceparent of the span the run's spans are
	// children of ("": none), kept with the job (tracing.go).
	Traceparent string
}

// SetDurable plugs in the durable queue. Call it before serving.
func (e *Engine) SetDurable(d Durable) { e.durable = d }

// HasDurable reports whether durable runs are available.
func (e *Engine) HasDurable() bool { return e.durable != nil }

func noDurable() *Error {
	return &Error{Code: CodeNoDurable, Status: http.StatusServiceUnavailable, Message: "durable execution needs the durable queue of funcstack serve (River on the database); it is not available here"}
}

// A CallbackChecker refuses callback URLs that could never be delivered
// (the outbound guard's rules), so that the caller hears it at enqueue.
type CallbackChecker interface {
	CheckCallback(ctx context.Context, url string) error
}

// DurableOptions are settings of a durable run started from outside any
// run (POST /async-function).
type DurableOptions struct {
	IdempotencyKey string
	CallbackURL    string
	// Traceparent is the request's W3C traceparent: the run's span is a
	// child of it.
	Traceparent string
}

// EnqueueDurable queues a durable run of function name with raw input
// (decoded JSON) and returns its execution ID. Bad input is refused at
// once with the fields named.
func (e *Engine) EnqueueDurable(ctx context.Context, name string, input map[string]any, opt DurableOptions) (string, error) {
	if e.durable == nil {
		return "", noDurable()
	}
	_, fn, lerr := e.lookup(nil, name)
	if lerr != nil {
		return "", lerr
	}
	if input == nil {
		input = map[string]any{}
	}
	raw, err := encodeInput(fn, input)
	if err != nil {
		return "", err
	}
	in, verr := fn.Inputs.Validate(input)
	if verr != nil {
		verr.Definition = name
		return "", verr
	}
	if c, ok := e.durable.(CallbackChecker); ok && opt.CallbackURL != "" {
		if err := c.CheckCallback(ctx, opt.CallbackURL); err != nil {
			return "", &Error{Code: CodeInvalidInput, Status: http.StatusBadRequest, Definition: name,
				Message: "the X-Callback-Url is refused: " + err.Error()}
		}
	}
	req := &DurableRequest{Function: fn, Input: raw, Redacted: fn.Inputs.Redact(in),
		IdempotencyKey: opt.IdempotencyKey, CallbackURL: opt.CallbackURL, Traceparent: opt.Traceparent}
	if req.IdempotencyKey != "" {
		if req.Fingerprint, err = InputFingerprint(fn.Name, raw); err != nil {
			return "", err
		}
	}
	return e.durable.Enqueue(ctx, nil, req)
}

// StartDurable queues a durable run of fn from inside the run s (a call
// step with "durable": true). Inside a db.transaction the job joins the
// transaction. It returns the execution ID.
func (e *Engine) StartDurable(s *State, fn *Function, input map[string]any, opt AsyncOptions) (string, error) {
	if e.durable == nil {
		return "", noDurable()
	}
	if s.depth+1 > e.cfg.Limits.MaxCallDepth {
		return "", &Error{Code: CodeLimit, Message: fmt.Sprintf(
			"call depth limit reached starting durable %s: more than %d nested calls (limit max_call_depth); look for a function calling itself without end", fn.Name, e.cfg.Limits.MaxCallDepth)}
	}
	raw, err := encodeInput(fn, input)
	if err != nil {
		return "", err
	}
	in, verr := fn.Inputs.ValidateOwned(input)
	if verr != nil {
		verr.Message = "invalid input for " + fn.Name
		return "", verr
	}
	auth, _ := s.slots[slotAuth].(map[string]any)
	req := &DurableRequest{Function: fn, Input: raw, Redacted: fn.Inputs.Redact(in),
		Parent: s.execID, IdempotencyKey: opt.IdempotencyKey, Auth: auth, Depth: s.depth + 1, Traceparent: s.Traceparent(), Root: s.root}
	if req.IdempotencyKey != "" {
		if req.Fingerprint, err = InputFingerprint(fn.Name, raw); err != nil {
			return "", err
		}
	}
	id, err := e.durable.Enqueue(s.Context(), s.tx, req)
	if err != nil {
		if _, ok := err.(*Error); ok {
			return "", inRun(err)
		}
		return "", &Error{Code: CodeInternal, Message: fmt.Sprintf("queueing a durable run of %s: %v", fn.Name, err)}
	}
	return id, nil
}

// HasSensitive reports whether a field, or a field of an object field, is
// marked sensitive: the durable queue then keeps the input sealed.
func (s *InputSpec) HasSensitive() bool { return s != nil && s.sensitive }

// encodeInput is input as JSON, kept in the job.
func encodeInput(fn *Function, input map[string]any) (json.RawMessage, error) {
	b, err := json.Marshal(input)
	if err != nil {
		return nil, &Error{Code: CodeInvalidInput, Message: fmt.Sprintf("the input of durable %s cannot be kept as JSON: %v", fn.Name, err)}
	}
	return b, nil
}

type triggerDepthKey struct{}

// WithTriggerDepth marks ctx as the context of a run that depth table
// triggers led to; writes it makes fire triggers at depth+1.
func WithTriggerDepth(ctx context.Context, depth int) context.Context {
	if depth <= 0 {
		return ctx
	}
	return context.WithValue(ctx, triggerDepthKey{}, depth)
}

// TriggerDepth is the trigger depth of ctx (0 outside trigger runs).
func TriggerDepth(ctx context.Context) int {
	d, _ := ctx.Value(triggerDepthKey{}).(int)
	return d
}

// HasTrigger reports whether table has a trigger on action (insert,
// update or delete).
func HasTrigger(table *Definition, action string) bool {
	for _, t := range table.Triggers {
		if slices.Contains(t.On, action) {
			return true
		}
	}
	return false
}

// FireTriggers queues, durably and in the run's transaction, a run of each
// trigger function of table on action, with input {table, action, new,
// old} (new is null for a delete, old for an insert). Call it after the
// change, inside the transaction that made it. Without a durable queue
// (funcstack run) it does nothing. A chain of triggers deeper
// than the max_trigger_depth limit (8) is refused.
func (e *Engine) FireTriggers(s *State, table *Definition, action string, newRec, oldRec any) error {
	for _, t := range table.Triggers {
		if !slices.Contains(t.On, action) {
			continue
		}
		if e.durable == nil {
			// Triggers run on the durable queue, which funcstack serve
			// always has; without one (funcstack run, an engine without
			// storage) changes fire none.
			return nil
		}
		depth := TriggerDepth(s.Context()) + 1
		if max := e.cfg.Limits.MaxTriggerDepth; depth > max {
			return &Error{Code: CodeLimit, Message: fmt.Sprintf(
				"trigger depth limit reached: the %s on table %s would run %s as the %dth trigger in a chain (limit max_trigger_depth %d); a trigger function writes to a table whose triggers lead back to it",
				action, table.Name, t.Function, depth, max)}
		}
		fn := s.prog.Functions[t.Function]
		if fn == nil {
			return &Error{Code: CodeNotFound, Message: fmt.Sprintf("table %s: trigger function %s is not loaded", table.Name, t.Function)}
		}
		input := map[string]any{"table": table.Name, "action": action, "new": newRec, "old": oldRec}
		raw, err := encodeInput(fn, input)
		if err != nil {
			return err
		}
		in, verr := fn.Inputs.Validate(input)
		if verr != nil {
			verr.Message = fmt.Sprintf("table %s: trigger function %s does not take {table, action, new, old}: %s", table.Name, t.Function, verr.Message)
			return verr
		}
		if _, err := e.durable.Enqueue(s.Context(), s.tx, &DurableRequest{Function: fn, Input: raw, Redacted: fn.Inputs.Redact(in),
			Parent: s.execID, TriggerDepth: depth, Traceparent: s.Traceparent(), Root: s.root}); err != nil {
			return err
		}
	}
	return nil
}

// cronParser reads 5-field (minute hour day month weekday) and 6-field
// (seconds first) cron expressions, and descriptors like @hourly.
var cronParser = cron.NewParser(cron.SecondOptional | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// ParseCron parses a task's cron schedule; its Next gives the run after a
// time.
func ParseCron(spec string) (interface{ Next(time.Time) time.Time }, error) {
	return cronParser.Parse(strings.TrimSpace(spec))
}
