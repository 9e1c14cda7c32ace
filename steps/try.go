package steps

import (
	"github.com/expr-lang/expr/types"
	"github.com/funcstack/funcstack/engine"
)

// errorType is the type of error inside catch.
var errorType = types.Map{"message": types.String, "code": types.String, "status": types.Int, "step": types.String,
	"definition": types.String, "execution_id": types.String}

func init() {
	engine.Register(&engine.StepType{
		Name:        "try",
		Title:       "Try / catch",
		Summary:     "try",
		Category:    "control",
		Description: "Run steps; if one raises an error, run catch with error = {message, code, status, step, definition, execution_id}; run finally in every case. A step's own timeout (await, http, a called function's settings.timeout) is caught like any error; the run's own deadline and its cancellation are not, but finally still runs.",
		Fields: []engine.FieldSpec{
			{Name: "steps", Kind: engine.FieldSteps, Required: true, Description: "steps that may fail"},
			{Name: "catch", Kind: engine.FieldSteps, Description: "steps run when one of steps fails; error holds what went wrong"},
			{Name: "finally", Kind: engine.FieldSteps, Description: "steps run at the end in every case"},
		},
		Example: []byte(`{"type": "try", "steps": [{"type": "call", "function": "charge", "input": {"amount": "total"}, "as": "charge"}], "catch": [{"type": "var", "name": "charge", "value": "nil"}, {"type": "log", "value": "error.message"}]}`),
		Compile: func(c *engine.StepCompiler) engine.RunFunc {
			body := c.Block("steps", engine.BlockOptions{})
			var catch *engine.Block
			if c.Has("catch") {
				catch = c.Block("catch", engine.BlockOptions{Conditional: true, Typed: map[string]types.Type{engine.NameError: errorType}})
			}
			final := c.Block("finally", engine.BlockOptions{})
			if catch != nil {
				c.DeclareFrom(body, catch)
			} else {
				c.DeclareFrom(body)
			}
			c.DeclareFrom(final)
			return func(s *engine.State) (any, error) {
				err := s.RunBlock(body)
				caught := false
				if catch != nil && engine.Catchable(err) {
					if end := s.Alive(); end != nil {
						// The run ended as the step failed (an async
						// child sharing its deadline timed out first):
						// the end of the run is not caught.
						e, failed := engine.AsError(end), engine.AsError(err)
						e.Definition, e.Path = failed.Definition, failed.Path
						err = end
					}
				}
				if catch != nil && engine.Catchable(err) {
					caught = true
					e := engine.AsError(err)
					id := e.ExecutionID // an awaited run's own
					if id == "" {
						id = s.ExecutionID()
					}
					prev := s.Get(engine.NameError)
					s.Set(engine.NameError, map[string]any{"message": e.Message, "code": e.Code, "status": e.HTTPStatus(),
						"step": e.Path, "definition": e.Definition, "execution_id": id})
					err = s.RunBlock(catch)
					s.Set(engine.NameError, prev)
				}
				if ferr := s.RunBlock(final); ferr != nil {
					return caught, ferr
				}
				return caught, err
			}
		},
	})
}
