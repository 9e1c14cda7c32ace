package engine

import (
	"fmt"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"

	"github.com/funcstack/funcstack/engine/value"
)

// sortBy's keys are compared by expr's runtime, which knows ints, floats,
// texts and times, not the engine's exact decimals: sortBy(products,
// .price) over a decimal column failed with "invalid operation:
// value.Decimal < value.Decimal". A patcher wraps the key of every sortBy
// in _sortKey, which gives a decimal's nearest float and any other value
// as it is:
//
//	sortBy(l, .price)   sortBy(l, _sortKey(.price))
//
// Two decimals that differ only past a float's 17 significant digits
// compare equal (sortBy is stable, so they keep their order).
//
// count(list) without a predicate counts the items that are true; a Xano
// user writes it for the number of items, and got "interface
// conversion: interface {} is int, not bool". The patcher gives it the
// predicate _countTrue(#), which says so:
//
//	count(l)   count(l, _countTrue(#))

func init() {
	exprFunctions = append(exprFunctions, expr.Patch(builtinArgsPatcher{}), expr.Function("_sortKey", sortKey),
		expr.Function("_countTrue", countTrue, new(func(any) bool)))
}

func countTrue(args ...any) (any, error) {
	if b, ok := args[0].(bool); ok {
		return b, nil
	}
	return nil, fmt.Errorf("count(list) without a predicate counts the items that are true, and an item is %s: for the number of items write len(list); to count some, count(list, # > 0)", value.TypeName(args[0]))
}

func sortKey(args ...any) (any, error) {
	if d, ok := args[0].(value.Decimal); ok {
		return d.Float64(), nil
	}
	return args[0], nil
}

type builtinArgsPatcher struct{}

func (builtinArgsPatcher) Visit(node *ast.Node) {
	b, ok := (*node).(*ast.BuiltinNode)
	if !ok {
		return
	}
	if b.Name == "count" && len(b.Arguments) == 1 {
		item := &ast.PointerNode{}
		item.SetLocation(b.Location())
		call := &ast.CallNode{Callee: &ast.IdentifierNode{Value: "_countTrue"}, Arguments: []ast.Node{item}}
		call.SetLocation(b.Location())
		pred := &ast.PredicateNode{Node: call}
		pred.SetLocation(b.Location())
		b.Arguments = append(b.Arguments, pred)
		return
	}
	if b.Name != "sortBy" || len(b.Arguments) < 2 {
		return
	}
	p, ok := b.Arguments[1].(*ast.PredicateNode)
	if !ok {
		return
	}
	body := &p.Node
	if seq, ok := p.Node.(*ast.SequenceNode); ok && isTicked(seq) {
		body = &seq.Nodes[1]
	}
	if c, ok := (*body).(*ast.CallNode); ok {
		if id, ok := c.Callee.(*ast.IdentifierNode); ok && id.Value == "_sortKey" {
			return
		}
	}
	call := &ast.CallNode{Callee: &ast.IdentifierNode{Value: "_sortKey"}, Arguments: []ast.Node{*body}}
	call.SetLocation((*body).Location())
	*body = call
}
