package engine

import (
	"errors"
	"fmt"
	"reflect"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
)

// && and || take true or false on both sides. expr's VM checks only the
// left operand (true && x gives x, whatever x is), and its optimizer folds
// x && true into x, so a null optional bool or a number passed through as
// a condition's value: input.flag && true was null. A patcher wraps each
// operand whose type is not known to be bool in _bool, which gives a bool
// back or fails in the docs' words:
//
//	input.flag && ok    _bool(input.flag) && ok
//
// Operands the checker knows are bools (comparisons, bool literals, typed
// inputs and columns) are left alone, so most conditions are unchanged.

func init() {
	exprFunctions = append(exprFunctions, expr.Patch(boolPatcher{}),
		expr.Function("_bool", boolFunc, new(func(any) bool)))
}

type boolPatcher struct{}

func (boolPatcher) Visit(node *ast.Node) {
	n, ok := (*node).(*ast.BinaryNode)
	if !ok {
		return
	}
	switch n.Operator {
	case "&&", "and", "||", "or":
		n.Left, n.Right = asBool(n.Left), asBool(n.Right)
	}
}

// asBool is n, or _bool(n) when n's type is not known to be bool.
func asBool(n ast.Node) ast.Node {
	if t := n.Type(); t != nil && t.Kind() == reflect.Bool {
		return n
	}
	if c, ok := n.(*ast.CallNode); ok {
		if id, ok := c.Callee.(*ast.IdentifierNode); ok && id.Value == "_bool" {
			return n
		}
	}
	call := &ast.CallNode{Callee: &ast.IdentifierNode{Value: "_bool"}, Arguments: []ast.Node{n}}
	call.SetLocation(n.Location())
	return call
}

// boolFunc is _bool: its argument if it is a bool.
func boolFunc(args ...any) (any, error) {
	if b, ok := args[0].(bool); ok {
		return b, nil
	}
	return nil, errors.New(readableExprError(fmt.Sprintf("interface conversion: interface {} is %T, not bool", args[0])))
}
