package steps

import (
	"fmt"

	"github.com/funcstack/funcstack/engine"
)

// callDurable runs a call step with "durable": true: it queues the call on
// the durable queue (inside the run's transaction, if any) and, unless
// async, waits for its output within the caller's own deadline.
func callDurable(s *engine.State, fn *engine.Function, in map[string]any, key *engine.Expr, async bool) (any, error) {
	if !async && s.InTx() {
		return nil, &engine.Error{Code: engine.CodeInvalidDef, Message: fmt.Sprintf(
			"a durable call of %s inside db.transaction cannot wait for its output: the job exists only once the transaction commits; add \"async\": true and await the ID after the transaction", fn.Name)}
	}
	opt, err := asyncOptions(s, key)
	if err != nil {
		return nil, err
	}
	id, err := s.Engine().StartDurable(s, fn, in, opt)
	if err != nil || async {
		return id, err
	}
	res, err := s.Engine().Await(s.Context(), []string{id}, 0)
	if err != nil {
		return nil, awaitError(s, err, 0)
	}
	if r := res[0]; r.Error != nil {
		return nil, &engine.Error{Code: r.Error.Code, Status: r.Error.Status, Cause: r.Error,
			Message: fmt.Sprintf("durable call of %s (execution %s) %s: %s", fn.Name, id, r.Status, childError(r.Error))}
	}
	return res[0].Output, nil
}

// asyncOptions are the options of an async or durable call: its
// idempotency key, if any, evaluated.
func asyncOptions(s *engine.State, key *engine.Expr) (engine.AsyncOptions, error) {
	if key == nil {
		return engine.AsyncOptions{}, nil
	}
	k, err := s.Eval(key)
	if err != nil {
		return engine.AsyncOptions{}, err
	}
	return engine.AsyncOptions{IdempotencyKey: fmt.Sprint(k)}, nil
}
