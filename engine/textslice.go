package engine

import (
	"fmt"
	"reflect"
	"unicode/utf8"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/vm/runtime"

	"github.com/funcstack/funcstack/engine/value"
)

// A text is sliced in characters, as len counts it. expr slices a text's
// bytes: 'été'[0:2] was "é" and 'été'[1:2] half a character, written
// "\ufffd", while len('été') is 3. A patcher rewrites every slice whose
// value may be a text (a known text, or a value of unknown type) into a
// call of _slice, which slices texts by characters and hands anything
// else to expr's runtime:
//
//	name[1:3]   _slice(name, 1, 3)     name[:2]   _slice(name, nil, 2)
//
// A slice of a known text calls _sliceText, typed, so that what is known
// of the result (a text) stays known. A known list's slice stays expr's.
// Indexes are as expr's: negative ones count from the end, and both are
// clamped to the text.

func init() {
	exprFunctions = append(exprFunctions, expr.Patch(slicePatcher{}),
		expr.Function("_slice", sliceFunc),
		expr.Function("_sliceText", sliceFunc, new(func(string, any, any) string)))
}

type slicePatcher struct{}

func (slicePatcher) Visit(node *ast.Node) {
	s, ok := (*node).(*ast.SliceNode)
	if !ok {
		return
	}
	t := s.Node.Type()
	fn := "_slice"
	switch {
	case t != nil && t.Kind() == reflect.String:
		fn = "_sliceText"
	case !isUnknown(t):
		return
	}
	from, to := s.From, s.To
	if from == nil {
		from = &ast.NilNode{}
	}
	if to == nil {
		to = &ast.NilNode{}
	}
	call := &ast.CallNode{Callee: &ast.IdentifierNode{Value: fn}, Arguments: []ast.Node{s.Node, from, to}}
	call.SetLocation(s.Location())
	ast.Patch(node, call)
}

// sliceFunc is v[from:to]: by characters for a text, as expr slices
// anything else; a nil bound is the text's start or end.
func sliceFunc(args ...any) (any, error) {
	v := args[0]
	from, err := sliceBound(args[1])
	if err != nil {
		return nil, err
	}
	to, err := sliceBound(args[2])
	if err != nil {
		return nil, err
	}
	s, ok := v.(string)
	if v == nil {
		return nil, fmt.Errorf("cannot slice null: [from:to] takes a text or a list")
	}
	if !ok {
		if from == nil {
			from = 0
		}
		if to == nil {
			to = runtime.Len(v)
		}
		return runtime.Slice(v, from, to), nil
	}
	n := utf8.RuneCountInString(s)
	a, b := 0, n
	if from != nil {
		a = runtime.ToInt(from)
	}
	if to != nil {
		b = runtime.ToInt(to)
	}
	if a < 0 {
		a = max(n+a, 0)
	}
	if b < 0 {
		b = max(n+b, 0)
	}
	b = min(b, n)
	a = min(a, b)
	if n == len(s) { // ASCII: characters are bytes
		return s[a:b], nil
	}
	start, i := len(s), 0
	for pos := range s {
		if i == a {
			start = pos
		}
		if i == b {
			return s[start:pos], nil
		}
		i++
	}
	if a == n {
		start = len(s)
	}
	return s[start:], nil
}

// sliceBound is a slice's bound as an int, or nil when it is left out.
func sliceBound(b any) (any, error) {
	switch x := b.(type) {
	case nil, int:
		return x, nil
	case float64:
		return int(x), nil // as expr's: the fraction is cut off
	case value.Decimal:
		if n, ok := x.Int(); ok {
			return n, nil
		}
	}
	return nil, fmt.Errorf("a slice's bounds are whole numbers, e.g. name[0:3]; got %s", value.TypeName(b))
}
