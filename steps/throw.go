package steps

import (
	"fmt"

	"github.com/funcstack/funcstack/engine"
)

// errorFields are the fields throw and precondition share.
func errorFields(defaultStatus int) []engine.FieldSpec {
	return []engine.FieldSpec{
		{Name: "message", Kind: engine.FieldTemplate, Required: true, Description: "the error message: text with {{ expression }} parts, e.g. only {{product.stock}} left"},
		{Name: "status", Kind: engine.FieldInt, Default: defaultStatus, Description: fmt.Sprintf("HTTP status for endpoints (default %d)", defaultStatus)},
		{Name: "code", Kind: engine.FieldString, Description: "a machine-readable error code"},
	}
}

// errorSpec is the compiled message, status and code of an error step.
type errorSpec struct {
	message *engine.Template
	status  int
	code    string
}

func compileErrorSpec(c *engine.StepCompiler, defaultStatus int, defaultCode string) errorSpec {
	c.EndsRun()
	e := errorSpec{message: c.Template("message"), status: defaultStatus, code: c.String("code")}
	if n, ok := c.Int("status"); ok {
		if n < 400 || n > 599 {
			c.Errorf("status", "bad_value", "status %d is not an error status (400-599)", n)
		}
		e.status = int(n)
	}
	if e.code == "" {
		e.code = defaultCode
	}
	return e
}

func (e errorSpec) raise(s *engine.State) error {
	msg, err := s.Render(e.message)
	if err != nil {
		return err
	}
	return &engine.Error{Code: e.code, Status: e.status, Message: msg, Authored: true}
}

func init() {
	engine.Register(&engine.StepType{
		Name:        "throw",
		Title:       "Throw error",
		Summary:     "throw[ {status}] {message}",
		Category:    "control",
		Description: "Raise an error. A try step can catch it; otherwise the run fails with it.",
		Fields:      errorFields(500),
		Terminates:  true,
		Example:     []byte(`{"type": "throw", "message": "out of stock: {{product.name}}", "status": 409, "code": "out_of_stock"}`),
		Compile: func(c *engine.StepCompiler) engine.RunFunc {
			spec := compileErrorSpec(c, 500, engine.CodeThrown)
			return func(s *engine.State) (any, error) { return nil, spec.raise(s) }
		},
	})
	engine.Register(&engine.StepType{
		Name:        "precondition",
		Title:       "Precondition",
		Summary:     "precondition {cond} else[ {status}] {message}",
		Category:    "control",
		Description: "Raise an error (status 400 by default) unless cond is true.",
		Fields: append([]engine.FieldSpec{
			{Name: "cond", Kind: engine.FieldExpr, Expects: engine.ExpectBool, Required: true, Description: "must be true to go on"},
		}, errorFields(400)...),
		Example: []byte(`{"type": "precondition", "cond": "input.qty > 0", "message": "qty must be positive, not {{input.qty}}"}`),
		Compile: func(c *engine.StepCompiler) engine.RunFunc {
			cond := c.Expr("cond")
			spec := compileErrorSpec(c, 400, engine.CodePrecondition)
			return func(s *engine.State) (any, error) {
				ok, err := evalCond(s, cond)
				if err != nil {
					return nil, err
				}
				if !ok {
					return false, spec.raise(s)
				}
				return true, nil
			}
		},
	})
}
