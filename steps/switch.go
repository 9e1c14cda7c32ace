package steps

import (
	"reflect"

	"github.com/funcstack/funcstack/engine"
)

func init() {
	engine.Register(&engine.StepType{
		Name:        "switch",
		Title:       "Switch",
		Summary:     "switch {value}",
		Category:    "control",
		Description: "Run the steps of the first case whose match equals value, or default when none does.",
		Fields: []engine.FieldSpec{
			{Name: "value", Kind: engine.FieldExpr, Required: true, Description: "the value to compare"},
			{Name: "cases", Kind: engine.FieldCases, Required: true, Description: "cases, each {match, steps}"},
			{Name: "default", Kind: engine.FieldSteps, Description: "steps run when no case matches"},
		},
		Example: []byte(`{"type": "switch", "value": "input.plan", "cases": [{"match": "'pro'", "steps": [{"type": "var", "name": "price", "value": "20"}]}], "default": [{"type": "var", "name": "price", "value": "0"}]}`),
		Compile: func(c *engine.StepCompiler) engine.RunFunc {
			value := c.Expr("value")
			cases := c.Cases("cases")
			def := c.Block("default", engine.BlockOptions{Conditional: true})
			blocks := []*engine.Block{def}
			for _, cs := range cases {
				blocks = append(blocks, cs.Steps)
			}
			c.DeclareFrom(blocks...)
			return func(s *engine.State) (any, error) {
				v, err := s.Eval(value)
				if err != nil {
					return nil, err
				}
				for i, cs := range cases {
					m, err := s.Eval(cs.Match)
					if err != nil {
						return nil, err
					}
					if equal(v, m) {
						return i, s.RunBlock(cs.Steps)
					}
				}
				return "default", s.RunBlock(def)
			}
		},
	})
}

// equal compares like expr's ==: numbers by value whatever their Go type.
func equal(a, b any) bool {
	if fa, ok := number(a); ok {
		if fb, ok := number(b); ok {
			return fa == fb
		}
	}
	return reflect.DeepEqual(a, b)
}

func number(v any) (float64, bool) {
	switch n := v.(type) {
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	case int32:
		return float64(n), true
	case float64:
		return n, true
	case float32:
		return float64(n), true
	}
	return 0, false
}
