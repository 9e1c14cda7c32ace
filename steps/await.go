package steps

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/funcstack/funcstack/engine"
)

func init() {
	engine.Register(&engine.StepType{
		Name:        "await",
		Title:       "Await async calls",
		Summary:     "await {ids}[ within {timeout}][ {settle}] → {as}",
		Category:    "functions",
		Description: "Wait for async executions and collect their outputs, in the order of ids. A failed one raises its error, and the timeout a timeout error that try can catch, unless settle is set: then the result is [{id, status, output, error}], an execution still going at the timeout given with its status (queued or running).",
		Fields: []engine.FieldSpec{
			{Name: "ids", Kind: engine.FieldExpr, Required: true, Description: "an execution ID or a list of them"},
			{Name: "timeout", Kind: engine.FieldDuration, Description: "give up after this long, e.g. \"10s\", with a timeout error a try can catch (the run's own deadline always applies, and ends the run)"},
			{Name: "settle", Kind: engine.FieldBool, Description: "never raise: report each execution's status, output and error, also of those still queued or running at the timeout"},
			{Name: "as", Kind: engine.FieldName, Required: true, Description: "the variable receiving the outputs"},
		},
		Example: []byte(`{"type": "await", "ids": "[a, b]", "timeout": "10s", "as": "results"}`),
		Compile: func(c *engine.StepCompiler) engine.RunFunc {
			idsExpr := c.Expr("ids")
			timeout := c.Duration("timeout")
			settle := c.Bool("settle")
			as := c.NewName("as")
			c.Declare(as)
			return func(s *engine.State) (any, error) {
				v, err := s.Eval(idsExpr)
				if err != nil {
					return nil, err
				}
				ids, single, err := idList(idsExpr, v)
				if err != nil {
					return nil, err
				}
				await := s.Engine().Await
				if settle {
					await = s.Engine().Settle
				}
				res, err := await(s.Context(), ids, timeout)
				if err != nil {
					return nil, awaitError(s, err, timeout)
				}
				out := make([]any, len(res))
				for i, r := range res {
					if settle {
						var e any
						if r.Error != nil {
							e = map[string]any{"message": r.Error.Message, "code": r.Error.Code, "status": r.Error.HTTPStatus(), "step": r.Error.Path}
						}
						out[i] = map[string]any{"id": r.ID, "status": r.Status, "output": r.Output, "error": e}
						continue
					}
					if r.Error != nil {
						return nil, &engine.Error{Code: r.Error.Code, Status: r.Error.Status, Cause: r.Error,
							Message: fmt.Sprintf("awaited execution %s %s: %s", r.ID, r.Status, childError(r.Error))}
					}
					out[i] = r.Output
				}
				var result any = out
				if single {
					result = out[0]
				}
				s.Set(as, result)
				return result, nil
			}
		},
	})
}

func awaitError(s *engine.State, err error, timeout time.Duration) error {
	switch {
	case engine.IsAwaitTimeout(err):
		return &engine.Error{Code: engine.CodeTimeout, Status: 504, Message: fmt.Sprintf(
			"await timed out after %s; the executions go on: await them again later or raise timeout", timeout)}
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		if e := s.Alive(); e != nil {
			return e
		}
	}
	return err
}

// idList accepts one ID or a list of IDs; single is true for one ID.
func idList(e *engine.Expr, v any) (ids []string, single bool, err error) {
	if id, ok := v.(string); ok {
		return []string{id}, true, nil
	}
	list, lerr := asList(e, v)
	if lerr != nil {
		return nil, false, &engine.Error{Code: engine.CodeExpression, Path: e.Path,
			Message: fmt.Sprintf("%s gave %s; await takes an execution ID or a list of them", quote(e.Source), kindOf(v))}
	}
	ids = make([]string, len(list))
	for i, it := range list {
		id, ok := it.(string)
		if !ok {
			return nil, false, &engine.Error{Code: engine.CodeExpression, Path: e.Path,
				Message: fmt.Sprintf("item %d of %s is %s, not an execution ID", i, quote(e.Source), kindOf(it))}
		}
		ids[i] = id
	}
	return ids, false, nil
}

// childError renders a child's error without its execution ID (the
// message already names it).
func childError(e *engine.Error) string {
	cp := *e
	cp.ExecutionID = ""
	return cp.Error()
}
