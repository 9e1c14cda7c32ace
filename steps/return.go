package steps

import "github.com/funcstack/funcstack/engine"

func init() {
	engine.Register(&engine.StepType{
		Name:        "return",
		Title:       "Return",
		Summary:     "return[ {value}]",
		Category:    "control",
		Description: "End the stack now; value is the response.",
		Fields: []engine.FieldSpec{
			{Name: "value", Kind: engine.FieldExpr, Description: "the response (default null)"},
		},
		Terminates: true,
		Example:    []byte(`{"type": "return", "value": "{total: total}"}`),
		Compile: func(c *engine.StepCompiler) engine.RunFunc {
			value := c.Expr("value")
			c.Answer(value)
			c.EndsRun()
			return func(s *engine.State) (any, error) {
				var v any
				if value != nil {
					var err error
					if v, err = s.Eval(value); err != nil {
						return nil, err
					}
				}
				s.SetReturn(v)
				return v, engine.ErrReturn
			}
		},
	})
}
