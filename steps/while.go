package steps

import "github.com/funcstack/funcstack/engine"

func init() {
	engine.Register(&engine.StepType{
		Name:        "while",
		Title:       "While loop",
		Summary:     "while {cond}",
		Category:    "loops",
		Description: "Run steps while cond is true, at most the loop iteration limit.",
		Fields: []engine.FieldSpec{
			{Name: "cond", Kind: engine.FieldExpr, Expects: engine.ExpectBool, Required: true, Description: "checked before each iteration"},
			{Name: "steps", Kind: engine.FieldSteps, Local: true, Required: true, Description: "steps run each iteration"},
		},
		Example: []byte(`{"type": "while", "cond": "n > 1", "steps": [{"type": "set", "name": "n", "value": "n % 2 == 0 ? n / 2 : 3 * n + 1"}]}`),
		Compile: func(c *engine.StepCompiler) engine.RunFunc {
			cond := c.Expr("cond")
			body := c.Block("steps", engine.BlockOptions{Loop: true})
			c.WarnIfStuck(cond, body, "cond")
			return func(s *engine.State) (any, error) {
				n := 0
				for {
					ok, err := evalCond(s, cond)
					if err != nil || !ok {
						return n, err
					}
					stop, err := s.Loop(body, n)
					n++
					if err != nil || stop {
						return n, err
					}
				}
			}
		},
	})
}
