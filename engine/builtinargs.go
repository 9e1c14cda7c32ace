package engine

import (
	"fmt"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"

	"github.com/funcstack/funcstack/engine/exprfn"
	"github.com/funcstack/funcstack/engine/value"
)

// sortBy's keys were compared by expr's runtime, which knows ints, floats,
// texts and times, not the engine's exact decimals ("invalid operation:
// value.Decimal < value.Decimal") nor nulls ("invalid operation: <nil> <
// int", where a Xano user expects the items without the field first). A
// patcher computes the keys with map and sorts with exprfn.SortBy, which
// compares as sort does (decimals among numbers, a null first):
//
//	sortBy(l, .price, o)   _sortBy(map(l, [#, .price]), o)
//
// The key is still a predicate, so the budget's ticks count it.
//
// count(list) without a predicate counts the items that are true; a Xano
// user writes it for the number of items, and got "interface
// conversion: interface {} is int, not bool". The patcher gives it the
// predicate _countTrue(#), which says so:
//
//	count(l)   count(l, _countTrue(#))

func init() {
	exprFunctions = append(exprFunctions, expr.Patch(builtinArgsPatcher{}), expr.Function("_sortBy", exprfn.SortBy),
		expr.Function("_countTrue", countTrue, new(func(any) bool)))
}

func countTrue(args ...any) (any, error) {
	if b, ok := args[0].(bool); ok {
		return b, nil
	}
	return nil, fmt.Errorf("count(list) without a predicate counts the items that are true, and an item is %s: for the number of items write len(list); to count some, count(list, # > 0)", value.TypeName(args[0]))
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
	if b.Name != "sortBy" || len(b.Arguments) < 2 || len(b.Arguments) > 3 {
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
	item := &ast.PointerNode{}
	item.SetLocation((*body).Location())
	pair := &ast.ArrayNode{Nodes: []ast.Node{item, *body}}
	pair.SetLocation((*body).Location())
	*body = pair
	keys := &ast.BuiltinNode{Name: "map", Arguments: []ast.Node{b.Arguments[0], p}}
	keys.SetLocation(b.Location())
	args := append([]ast.Node{keys}, b.Arguments[2:]...)
	call := &ast.CallNode{Callee: &ast.IdentifierNode{Value: "_sortBy"}, Arguments: args}
	call.SetLocation(b.Location())
	ast.Patch(node, call)
}

// sortByKey is the key expression of a sortBy the patcher rewrote
// (_sortBy(map(l, [#, key]), o)), or nil.
func sortByKey(c *ast.CallNode) ast.Node {
	if id, ok := c.Callee.(*ast.IdentifierNode); !ok || id.Value != "_sortBy" || len(c.Arguments) == 0 {
		return nil
	}
	m, ok := c.Arguments[0].(*ast.BuiltinNode)
	if !ok || m.Name != "map" || len(m.Arguments) != 2 {
		return nil
	}
	p, ok := m.Arguments[1].(*ast.PredicateNode)
	if !ok {
		return nil
	}
	body := p.Node
	if seq, ok := body.(*ast.SequenceNode); ok && isTicked(seq) {
		body = seq.Nodes[1]
	}
	if pair, ok := body.(*ast.ArrayNode); ok && len(pair.Nodes) == 2 {
		return pair.Nodes[1]
	}
	return nil
}
