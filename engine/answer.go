package engine

import (
	"reflect"

	"github.com/expr-lang/expr/checker/nature"
	"github.com/expr-lang/expr/types"

	"github.com/funcstack/funcstack/engine/value"
)

// What a function answers, as far as the compiler knows it: the
// expressions of its return steps and its response. OpenAPI documents an
// endpoint's response with AnswerSchema when no output is declared (§28).

// Answer records e as one of the values the function may answer (a
// return step's value; nil for a return without one).
func (c *StepCompiler) Answer(e *Expr) { c.dc.answers = append(c.dc.answers, e) }

// AnswerSchema returns the JSON Schema of what every run of f answers
// when the checker knows the type of every answering expression and all
// agree (a number, a text, a list of timestamps…), else nil. Objects
// built in an expression have no known fields, so they give nil: declare
// an output for them.
func (f *Function) AnswerSchema() map[string]any {
	answers := f.answers
	if f.Response != nil {
		answers = append(answers[:len(answers):len(answers)], f.Response)
	}
	var out map[string]any
	for _, e := range answers {
		if e == nil || e.program == nil {
			return nil
		}
		s := natureSchema(*e.program.Node().Nature())
		if s == nil {
			return nil
		}
		if out == nil {
			out = s
		} else if !reflect.DeepEqual(out, s) {
			return nil
		}
	}
	return out
}

// natureSchema is the JSON Schema of values of the checker's type n, from
// the value-type registry: the most general value type whose expression
// type n is (text before email and uuid); lists of such values; numbers.
func natureSchema(n nature.Nature) map[string]any {
	if n.Nil || n.Type == nil || n.Kind == reflect.Interface {
		return nil
	}
	if n.IsArray() {
		if n.Ref == nil {
			return nil
		}
		items := natureSchema(*n.Ref)
		if items == nil {
			return nil
		}
		return map[string]any{"type": "array", "items": items}
	}
	var best map[string]any
	for _, t := range value.All() {
		if !t.Info().Input || !sameType(exprTypeOf(t), n) {
			continue
		}
		if s := value.AnswerSchema(t); best == nil || len(s) < len(best) {
			best = s
		}
	}
	if best == nil && n.Kind == reflect.Float64 {
		best = map[string]any{"type": "number"} // a JSON number, not a value type of its own
	}
	return best
}

// exprTypeOf is the type an input of type t has in expressions.
func exprTypeOf(t value.Type) types.Type {
	if in, ok := t.(interface{ InputExprType() types.Type }); ok {
		return in.InputExprType()
	}
	return t.ExprType()
}

func sameType(t types.Type, n nature.Nature) bool {
	if t == nil || t == types.Any {
		return false
	}
	tn := t.Nature()
	return tn.Type == n.Type && tn.Kind == n.Kind
}
