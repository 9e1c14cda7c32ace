package steps

import "github.com/funcstack/funcstack/engine"

func init() {
	engine.Register(&engine.StepType{
		Name:        "log",
		Category:    "utility",
		Description: "Write a value to the execution's log.",
		Fields: []engine.FieldSpec{
			{Name: "value", Kind: engine.FieldExpr, Required: true, Description: "what to log"},
		},
		Example: []byte(`{"type": "log", "value": "'total is ' + string(total)"}`),
		Compile: func(c *engine.StepCompiler) engine.RunFunc {
			value := c.Expr("value")
			path := c.Path("")
			return func(s *engine.State) (any, error) {
				v, err := s.Eval(value)
				if err != nil {
					return nil, err
				}
				s.Log(path, v)
				return v, nil
			}
		},
	})
}
