package steps

import "github.com/funcstack/funcstack/engine"

func init() {
	engine.Register(&engine.StepType{
		Name:        "if",
		Title:       "Conditional",
		Summary:     "if {cond}",
		Category:    "control",
		Description: "Run then when cond is true, else otherwise. A variable declared in both branches can be read after the if.",
		Fields: []engine.FieldSpec{
			{Name: "cond", Kind: engine.FieldExpr, Expects: engine.ExpectBool, Required: true, Description: "a condition giving true or false"},
			{Name: "then", Kind: engine.FieldSteps, Required: true, Description: "steps run when cond is true"},
			{Name: "else", Kind: engine.FieldSteps, Description: "steps run when cond is false"},
		},
		Example: []byte(`{"type": "if", "cond": "total > 1000", "then": [{"type": "var", "name": "label", "value": "'big'"}], "else": [{"type": "var", "name": "label", "value": "'small'"}]}`),
		Compile: func(c *engine.StepCompiler) engine.RunFunc {
			cond := c.Expr("cond")
			then := c.Block("then", engine.BlockOptions{Conditional: true})
			els := c.Block("else", engine.BlockOptions{Conditional: true})
			c.DeclareFrom(then, els)
			return func(s *engine.State) (any, error) {
				ok, err := evalCond(s, cond)
				if err != nil {
					return nil, err
				}
				if ok {
					return true, s.RunBlock(then)
				}
				return false, s.RunBlock(els)
			}
		},
	})
}
