package engine

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
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
	// and queues nothing.
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
	// CallbackURL, if set, is where the result is POSTed when the run
	// ends.
	CallbackURL string
	// Auth is what the run sees as auth.
	Auth map[string]any
}

// SetDurable plugs in the durable queue. Call it before serving.
func (e *Engine) SetDurable(d Durable) { e.durable = d }

// HasDurable reports whether durable runs are available.
func (e *Engine) HasDurable() bool { return e.durable != nil }

func noDurable() *Error {
	return &Error{Code: CodeNoDurable, Status: http.StatusServiceUnavailable, Message: "durable execution needs the durable queue of funcstack serve (River on the database); it is not available here"}
}

// DurableOptions are settings of a durable run started from outside any
// run (POST /async-function).
type DurableOptions struct {
	IdempotencyKey string
	CallbackURL    string
}

// EnqueueDurable queues a durable run of function name with raw input
// (decoded JSON) and returns its execution ID. Bad input is refused at
// once with the fields named.
func (e *Engine) EnqueueDurable(ctx context.Context, name string, input map[string]any, opt DurableOptions) (string, error) {
	if e.durable == nil {
		return "", noDurable()
	}
	p := e.prog.Load()
	if p == nil {
		return "", &Error{Code: CodeInternal, Message: "no program loaded"}
	}
	fn := p.Functions[name]
	if fn == nil {
		return "", unknownFunction(p, name)
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
	return e.durable.Enqueue(ctx, nil, &DurableRequest{Function: fn, Input: raw, Redacted: fn.Inputs.Redact(in),
		IdempotencyKey: opt.IdempotencyKey, CallbackURL: opt.CallbackURL})
}

// StartDurable queues a durable run of fn from inside the run s (a call
// step with "durable": true). Inside a db.transaction the job joins the
// transaction. It returns the execution ID.
func (e *Engine) StartDurable(s *State, fn *Function, input map[string]any, opt AsyncOptions) (string, error) {
	if e.durable == nil {
		return "", noDurable()
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
	auth, _ := s.vars[NameAuth].(map[string]any)
	id, err := e.durable.Enqueue(s.ctx, s.tx, &DurableRequest{Function: fn, Input: raw, Redacted: fn.Inputs.Redact(in),
		Parent: s.execID, IdempotencyKey: opt.IdempotencyKey, Auth: auth})
	if err != nil {
		if _, ok := err.(*Error); ok {
			return "", err
		}
		return "", &Error{Code: CodeInternal, Message: fmt.Sprintf("queueing a durable run of %s: %v", fn.Name, err)}
	}
	return id, nil
}

// encodeInput is input as JSON, kept in the job.
func encodeInput(fn *Function, input map[string]any) (json.RawMessage, error) {
	b, err := json.Marshal(input)
	if err != nil {
		return nil, &Error{Code: CodeInvalidInput, Message: fmt.Sprintf("the input of durable %s cannot be kept as JSON: %v", fn.Name, err)}
	}
	return b, nil
}
