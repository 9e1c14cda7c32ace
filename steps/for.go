package steps

import (
	"github.com/expr-lang/expr/types"

	"github.com/funcstack/funcstack/engine"
)

func init() {
	engine.Register(&engine.StepType{
		Name:        "for",
		Title:       "For loop",
		Summary:     "for {as}[ from {from}][ to {to}][ count {count}]",
		Category:    "loops",
		Description: "A counted loop: as goes from from to to (both included), or from 0 count times.",
		Fields: []engine.FieldSpec{
			{Name: "from", Kind: engine.FieldExpr, Expects: engine.ExpectInt, Description: "first value (default 0)"},
			{Name: "to", Kind: engine.FieldExpr, Expects: engine.ExpectInt, Description: "last value, included"},
			{Name: "count", Kind: engine.FieldExpr, Expects: engine.ExpectInt, Description: "number of iterations, instead of to"},
			{Name: "as", Kind: engine.FieldName, Local: true, Required: true, Description: "the loop variable"},
			{Name: "steps", Kind: engine.FieldSteps, Local: true, Required: true, Description: "steps run each iteration"},
		},
		Example: []byte(`{"type": "for", "from": "1", "to": "input.n", "as": "i", "steps": [{"type": "set", "name": "total", "value": "total + i * i"}]}`),
		Compile: func(c *engine.StepCompiler) engine.RunFunc {
			from, to, count := c.Expr("from"), c.Expr("to"), c.Expr("count")
			if c.Has("to") == c.Has("count") {
				c.Errorf("to", "required", "give either to (the last value) or count (the number of iterations)")
			}
			if c.Has("count") && c.Has("from") {
				c.Errorf("from", "conflict", "from goes with to; with count the loop variable runs from 0")
			}
			as := c.NewName("as")
			body := c.Block("steps", engine.BlockOptions{Loop: true, Vars: []string{as}, VarTypes: map[string]types.Type{as: types.Int}})
			asVar := c.Var(as)
			return func(s *engine.State) (any, error) {
				lo, hi := 0, 0
				if from != nil {
					v, err := s.Eval(from)
					if err != nil {
						return nil, err
					}
					if lo, err = asInt(from, v); err != nil {
						return nil, err
					}
				}
				if to != nil {
					v, err := s.Eval(to)
					if err != nil {
						return nil, err
					}
					if hi, err = asInt(to, v); err != nil {
						return nil, err
					}
				} else {
					v, err := s.Eval(count)
					if err != nil {
						return nil, err
					}
					n, err := asInt(count, v)
					if err != nil {
						return nil, err
					}
					hi = n - 1
				}
				n := 0
				for i := lo; i <= hi; i++ {
					s.SetVar(asVar, i)
					stop, err := s.Loop(body, n)
					n++
					if err != nil {
						return n, err
					}
					if stop {
						break
					}
				}
				return n, nil
			}
		},
	})
}
