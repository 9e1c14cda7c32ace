package engine

import (
	"fmt"
	"reflect"

	"github.com/expr-lang/expr"
)

// exprFunctions are the functions funcstack adds to expr's builtins.
var exprFunctions = []expr.Option{
	expr.Function("append", appendFunc),
}

// ExprOptions returns the expr options every funcstack expression is
// compiled with (funcstack's own functions), for steps that compile parts
// of an expression themselves.
func ExprOptions() []expr.Option { return exprFunctions }

// appendFunc is append(list, item, ...): a new list with the items added
// at the end. The old list is left as it was, so variables that share it
// do not see the change.
func appendFunc(params ...any) (any, error) {
	if len(params) < 2 {
		return nil, fmt.Errorf("append needs a list and at least one item, e.g. append(ids, id)")
	}
	var base []any
	switch l := params[0].(type) {
	case []any:
		base = l
	case nil:
	default:
		rv := reflect.ValueOf(l)
		if rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array {
			return nil, fmt.Errorf("append: the first argument must be a list, got %T", l)
		}
		base = make([]any, rv.Len())
		for i := range base {
			base[i] = rv.Index(i).Interface()
		}
	}
	out := make([]any, len(base), len(base)+len(params)-1)
	copy(out, base)
	return append(out, params[1:]...), nil
}
