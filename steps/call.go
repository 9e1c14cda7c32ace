package steps

import (
	"fmt"

	"github.com/funcstack/funcstack/engine"
)

func init() {
	engine.Register(&engine.StepType{
		Name:        "call",
		Title:       "Call function",
		Summary:     "call {function}[ {async}][ {durable}][ → {as}][ with {input}]",
		Category:    "functions",
		Description: "Call a function. With async the call returns an execution ID at once and the function runs on the worker pool; collect its output with await.",
		Fields: []engine.FieldSpec{
			{Name: "function", Kind: engine.FieldFunction, Required: true, Description: "the function to call"},
			{Name: "input", Kind: engine.FieldExprMap, Description: "the callee's inputs, each an expression"},
			{Name: "async", Kind: engine.FieldBool, Description: "start the call and go on; the result is its execution ID"},
			{Name: "durable", Kind: engine.FieldBool, Description: "run through the durable queue: survives a crash and retries by the callee's settings; inside db.transaction it is queued only if the transaction commits. With async the result is the execution ID, without the call waits for the output"},
			{Name: "idempotency_key", Kind: engine.FieldExpr, Expects: engine.ExpectText, Description: "with async: the same key and input within the window give the same execution ID instead of a second run; the same key with another input is the error idempotency_key_reused"},
			{Name: "as", Kind: engine.FieldName, Description: "the variable receiving the result (the execution ID when async)"},
		},
		Example: []byte(`{"type": "call", "function": "sum_squares", "input": {"n": "10"}, "as": "result"}`),
		Compile: func(c *engine.StepCompiler) engine.RunFunc {
			callee := c.Function("function")
			input := c.ExprMap("input")
			async := c.Bool("async")
			durable := c.Bool("durable")
			key := c.Expr("idempotency_key")
			if key != nil && !async {
				c.Errorf("idempotency_key", "needs_async", "idempotency_key only applies to async calls; add \"async\": true")
			}
			as := c.NewName("as")
			c.Declare(as)
			asVar := c.Var(as)
			if callee == nil {
				return nil
			}
			c.CheckCallInput("input", callee)
			name := callee.Name
			c.CallsFunction("function", name)
			if async {
				c.AsyncID(as)
			}
			fnPath := c.Path("function")
			return func(s *engine.State) (any, error) {
				fn := s.Lookup(name)
				if fn == nil {
					return nil, &engine.Error{Code: engine.CodeNotFound, Path: fnPath, Message: fmt.Sprintf("function %s is not loaded", name)}
				}
				in, err := evalMap(s, input)
				if err != nil {
					return nil, err
				}
				var v any
				if durable {
					v, err = callDurable(s, fn, in, key, async)
				} else if async {
					opt, kerr := asyncOptions(s, key)
					if kerr != nil {
						return nil, kerr
					}
					v, err = s.Engine().Start(s, fn, in, opt)
				} else {
					v, err = s.Engine().Call(s, fn, in)
				}
				if err != nil {
					return nil, err
				}
				if as != "" {
					s.SetVar(asVar, v)
				}
				return v, nil
			}
		},
	})
}
