package steps

import (
	"fmt"
	"reflect"

	"github.com/expr-lang/expr/types"

	"github.com/funcstack/funcstack/engine"
)

func init() {
	engine.Register(&engine.StepType{
		Name:        "foreach",
		Title:       "For each item",
		Summary:     "foreach {as}[, {index}] in {items}",
		Category:    "loops",
		Description: "Run steps once for each item of a list; the item is in as, its position in index.",
		Fields: []engine.FieldSpec{
			{Name: "items", Kind: engine.FieldExpr, Expects: engine.ExpectList, Required: true, Description: "the list to loop over"},
			{Name: "as", Kind: engine.FieldName, Local: true, Required: true, Description: "the variable holding the current item"},
			{Name: "index", Kind: engine.FieldName, Local: true, Description: "the variable holding the current position, from 0"},
			{Name: "steps", Kind: engine.FieldSteps, Local: true, Required: true, Description: "steps run for each item"},
		},
		Example: []byte(`{"type": "foreach", "items": "input.items", "as": "item", "steps": [{"type": "set", "name": "total", "value": "total + item.price"}]}`),
		Compile: func(c *engine.StepCompiler) engine.RunFunc {
			items := c.Expr("items")
			as := c.NewName("as")
			index := c.NewName("index")
			if as != "" && as == index {
				c.Errorf("index", "duplicate", "index and as must be different names")
			}
			body := c.Block("steps", engine.BlockOptions{Loop: true, Vars: []string{as, index},
				VarTypes: map[string]types.Type{as: items.ElemType(), index: types.Int}})
			asVar, indexVar := c.Var(as), c.Var(index)
			return func(s *engine.State) (any, error) {
				v, err := s.Eval(items)
				if err != nil {
					return nil, err
				}
				list, err := asList(items, v)
				if err != nil {
					return nil, err
				}
				n := 0
				for i, it := range list {
					s.SetVar(asVar, it)
					if index != "" {
						s.SetVar(indexVar, i)
					}
					stop, err := s.Loop(body, i)
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

// asList accepts a JSON list or any Go slice.
func asList(e *engine.Expr, v any) ([]any, error) {
	switch l := v.(type) {
	case []any:
		return l, nil
	case nil:
		return nil, nil
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Slice || rv.Kind() == reflect.Array {
		out := make([]any, rv.Len())
		for i := range out {
			out[i] = rv.Index(i).Interface()
		}
		return out, nil
	}
	return nil, &engine.Error{Code: engine.CodeExpression, Path: e.Path,
		Message: fmt.Sprintf("%s gave %s, expected a list", quote(e.Source), kindOf(v))}
}
