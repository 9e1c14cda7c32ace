package engine

import (
	"github.com/expr-lang/expr"

	"github.com/funcstack/funcstack/engine/exprfn"
)

// exprFunctions are the expr options of funcstack's functions: the
// catalogue of engine/exprfn.
var exprFunctions = exprfn.Options()

// ExprOptions returns the expr options every funcstack expression is
// compiled with (funcstack's own functions), for steps that compile parts
// of an expression themselves.
func ExprOptions() []expr.Option { return exprFunctions }
