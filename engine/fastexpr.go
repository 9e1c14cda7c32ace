package engine

import (
	"reflect"

	"github.com/expr-lang/expr/ast"

	"github.com/funcstack/funcstack/engine/value"
)

// fastFn evaluates an expression without expr's VM. ok is false when a
// value met on the way is of a type the fast path does not handle (or the
// VM would report an error, such as a modulo by zero): the caller then runs
// the VM, which gives the answer or the error. The fast path never has a
// side effect, so running the VM after it is safe.
type fastFn func(vars []any) (v any, ok bool)

// slotResolver gives a variable name's slot; ok is false for a name that
// is not a variable of the function (one a let or a predicate binds).
type slotResolver func(name string) (slot int, ok bool)

// compileFast turns the checked AST of an expression into a tree of
// closures when every node is one the fast path handles: names, literals,
// member access on objects and lists, arithmetic and comparisons on ints,
// floats and texts, !, &&, ||, ??, ?: and object and list literals. It
// returns nil otherwise, and the VM runs the expression.
//
// The fast path gives exactly what expr's VM gives for the same values
// (TestFastExprMatchesVM and FuzzFastExpr check this): arithmetic is
// numOp's in both (numbers.go), and on an overflow or a division by zero
// the fast path gives up so that the VM reports the error; == between an
// int and a float compares their values. Values
// stay boxed as any between nodes: unboxed intermediates measured slower
// (BenchmarkFastExpr), the copying costing more than the boxing saves.
func compileFast(n ast.Node, slotOf slotResolver) fastFn {
	switch x := n.(type) {
	case *ast.NilNode:
		return constFast(nil)
	case *ast.BoolNode:
		return constFast(x.Value)
	case *ast.StringNode:
		return constFast(x.Value)
	case *ast.IntegerNode:
		switch kindOf(x.Type()) {
		case reflect.Invalid, reflect.Int:
			return constFast(x.Value)
		case reflect.Float64:
			return constFast(float64(x.Value))
		}
		return nil
	case *ast.FloatNode:
		if kindOf(x.Type()) == reflect.Float32 {
			return nil
		}
		return constFast(x.Value)
	case *ast.ConstantNode:
		switch x.Value.(type) {
		case nil, bool, int, float64, string, value.Decimal:
			return constFast(x.Value)
		}
		return nil
	case *ast.CallNode:
		return compileOpCall(x, slotOf)
	case *ast.IdentifierNode:
		if x.Value == "$env" {
			return nil
		}
		k, ok := slotOf(x.Value)
		if !ok {
			return nil
		}
		return func(vars []any) (any, bool) { return vars[k], true }
	case *ast.MemberNode:
		return compileMember(x, slotOf)
	case *ast.UnaryNode:
		return compileUnary(x.Operator, x.Node, slotOf)
	case *ast.BinaryNode:
		return compileBinary(x, slotOf)
	case *ast.ConditionalNode:
		cond, a, b := compileFast(x.Cond, slotOf), compileFast(x.Exp1, slotOf), compileFast(x.Exp2, slotOf)
		if cond == nil || a == nil || b == nil {
			return nil
		}
		return func(vars []any) (any, bool) {
			c, ok := cond(vars)
			t, isBool := c.(bool)
			if !ok || !isBool {
				return nil, false
			}
			if t {
				return a(vars)
			}
			return b(vars)
		}
	case *ast.ArrayNode:
		items := make([]fastFn, len(x.Nodes))
		for i, e := range x.Nodes {
			if items[i] = compileFast(e, slotOf); items[i] == nil {
				return nil
			}
		}
		return func(vars []any) (any, bool) {
			out := make([]any, len(items))
			for i, f := range items {
				v, ok := f(vars)
				if !ok {
					return nil, false
				}
				out[i] = v
			}
			return out, true
		}
	case *ast.MapNode:
		return compileMap(x, slotOf)
	}
	return nil
}

func constFast(v any) fastFn {
	return func([]any) (any, bool) { return v, true }
}

func kindOf(t reflect.Type) reflect.Kind {
	if t == nil {
		return reflect.Invalid
	}
	return t.Kind()
}

// compileMember handles a.b and a[i] on objects (map[string]any) and lists
// ([]any); optional chaining and method calls go to the VM.
func compileMember(x *ast.MemberNode, slotOf slotResolver) fastFn {
	if x.Optional || x.Method {
		return nil
	}
	base := compileFast(x.Node, slotOf)
	if base == nil {
		return nil
	}
	if s, ok := x.Property.(*ast.StringNode); ok {
		key := s.Value
		return func(vars []any) (any, bool) {
			b, ok := base(vars)
			m, isMap := b.(map[string]any)
			if !ok || !isMap {
				return nil, false
			}
			return m[key], true
		}
	}
	prop := compileFast(x.Property, slotOf)
	if prop == nil {
		return nil
	}
	return both(base, prop, func(b, p any) (any, bool) {
		switch c := b.(type) {
		case map[string]any:
			if k, isText := p.(string); isText {
				return c[k], true
			}
		case []any:
			if i, isInt := p.(int); isInt {
				if i < 0 {
					i += len(c)
				}
				if i >= 0 && i < len(c) {
					return c[i], true
				}
			}
		}
		return nil, false
	})
}

// both evaluates l and then r, and applies f to their values.
func both(l, r fastFn, f func(a, b any) (any, bool)) fastFn {
	return func(vars []any) (any, bool) {
		a, ok := l(vars)
		if !ok {
			return nil, false
		}
		b, ok := r(vars)
		if !ok {
			return nil, false
		}
		return f(a, b)
	}
}

// compileOpCall handles the operator calls of the decimal patcher
// (arith.go) as the operators they stand for, and _bool (boolops.go).
func compileOpCall(x *ast.CallNode, slotOf slotResolver) fastFn {
	id, ok := x.Callee.(*ast.IdentifierNode)
	if !ok {
		return nil
	}
	op := funcOp[id.Value]
	switch {
	case id.Value == "_bool" && len(x.Arguments) == 1: // boolops.go
		f := compileFast(x.Arguments[0], slotOf)
		if f == nil {
			return nil
		}
		return func(vars []any) (any, bool) {
			v, ok := f(vars)
			b, isBool := v.(bool)
			return b, ok && isBool // not a bool: the VM says so
		}
	case op == "neg" && len(x.Arguments) == 1:
		return compileUnary("-", x.Arguments[0], slotOf)
	case op != "" && op != "neg" && len(x.Arguments) == 2:
		if lit, i := litArg(x.Arguments); lit != nil {
			return compileLitCall(op, x.Arguments[1-i], *lit, i, slotOf)
		}
		b := &ast.BinaryNode{Operator: op, Left: x.Arguments[0], Right: x.Arguments[1]}
		return compileBinary(b, slotOf)
	}
	return nil
}

// litArg finds a float literal among an operator call's two arguments.
func litArg(args []ast.Node) (*litFloat, int) {
	for i, a := range args {
		if c, ok := a.(*ast.ConstantNode); ok {
			if f, ok := c.Value.(litFloat); ok {
				return &f, i
			}
		}
	}
	return nil, 0
}

// compileLitCall is an operator with a float literal on side i: the
// literal is a decimal when the other side gives one, else a float.
func compileLitCall(op string, other ast.Node, lit litFloat, i int, slotOf slotResolver) fastFn {
	o := compileFast(other, slotOf)
	f := arith(op)
	if op == "==" || op == "!=" {
		f = func(a, b any) (any, bool) {
			e, ok := fastEqual(a, b)
			return e != (op == "!="), ok
		}
	}
	if o == nil || f == nil {
		return nil
	}
	asFloat := float64(lit)
	asDec, err := value.DecimalFromFloat(asFloat)
	if err != nil {
		return nil
	}
	return func(vars []any) (any, bool) {
		v, ok := o(vars)
		if !ok {
			return nil, false
		}
		var l any = asFloat
		if isDec(v) {
			l = asDec
		}
		if i == 0 {
			return f(l, v)
		}
		return f(v, l)
	}
}

func compileUnary(operator string, operand ast.Node, slotOf slotResolver) fastFn {
	v := compileFast(operand, slotOf)
	if v == nil {
		return nil
	}
	switch operator {
	case "!", "not":
		return func(vars []any) (any, bool) {
			a, ok := v(vars)
			b, isBool := a.(bool)
			return !b, ok && isBool
		}
	case "-":
		return func(vars []any) (any, bool) {
			a, ok := v(vars)
			if !ok {
				return nil, false
			}
			n, handled, err := negNum(a)
			return n, handled && err == nil
		}
	}
	return nil
}

func compileMap(x *ast.MapNode, slotOf slotResolver) fastFn {
	keys := make([]string, len(x.Pairs))
	vals := make([]fastFn, len(x.Pairs))
	seen := make(map[string]bool, len(x.Pairs))
	for i, p := range x.Pairs {
		pair, ok := p.(*ast.PairNode)
		if !ok {
			return nil
		}
		k, ok := pair.Key.(*ast.StringNode)
		if !ok || seen[k.Value] { // a repeated key: the VM decides which wins
			return nil
		}
		seen[k.Value] = true
		keys[i] = k.Value
		if vals[i] = compileFast(pair.Value, slotOf); vals[i] == nil {
			return nil
		}
	}
	return func(vars []any) (any, bool) {
		m := make(map[string]any, len(keys))
		for i, f := range vals {
			v, ok := f(vars)
			if !ok {
				return nil, false
			}
			m[keys[i]] = v
		}
		return m, true
	}
}

func compileBinary(x *ast.BinaryNode, slotOf slotResolver) fastFn {
	l, r := compileFast(x.Left, slotOf), compileFast(x.Right, slotOf)
	if l == nil || r == nil {
		return nil
	}
	switch x.Operator {
	case "&&", "and", "||", "or":
		stopOn := x.Operator == "||" || x.Operator == "or"
		return func(vars []any) (any, bool) {
			a, ok := l(vars)
			b, isBool := a.(bool)
			if !ok || !isBool {
				return nil, false
			}
			if b == stopOn {
				return b, true
			}
			return r(vars)
		}
	case "??":
		return func(vars []any) (any, bool) {
			a, ok := l(vars)
			if !ok {
				return nil, false
			}
			switch v := a.(type) {
			case nil:
				return r(vars)
			case map[string]any:
				if v == nil {
					return r(vars)
				}
			case []any:
				if v == nil {
					return r(vars)
				}
			case bool, int, float64, string, value.Decimal:
			default:
				return nil, false
			}
			return a, true
		}
	case "==", "!=":
		neg := x.Operator == "!="
		eq := fastEqual
		// The compiler uses int-only or text-only comparisons when both
		// sides are typed so; the VM fails on other values, and so must we.
		if lk, rk := kindOf(x.Left.Type()), kindOf(x.Right.Type()); lk == rk && (lk == reflect.Int || lk == reflect.String) &&
			x.Left.Type().PkgPath() == "" && x.Right.Type().PkgPath() == "" {
			eq = fastEqualStrict
		}
		return both(l, r, func(a, b any) (any, bool) {
			e, ok := eq(a, b)
			return e != neg, ok
		})
	}
	if op := arith(x.Operator); op != nil {
		return both(l, r, op)
	}
	return nil
}

// fastEqual is runtime.Equal for the types of the fast path: numbers by
// value, texts and booleans by content, nil equal only to nil, and two
// scalars of different types unequal.
func fastEqual(a, b any) (bool, bool) {
	if isDec(a) || isDec(b) {
		eq, err := decimalEqual(a, b)
		return eq, err == nil
	}
	switch x := a.(type) {
	case int:
		switch y := b.(type) {
		case int:
			return x == y, true
		case float64:
			return float64(x) == y, true
		case nil, string, bool:
			return false, true
		}
	case float64:
		switch y := b.(type) {
		case int:
			return x == float64(y), true
		case float64:
			return x == y, true
		case nil, string, bool:
			return false, true
		}
	case string:
		switch y := b.(type) {
		case string:
			return x == y, true
		case nil, int, float64, bool:
			return false, true
		}
	case bool:
		switch y := b.(type) {
		case bool:
			return x == y, true
		case nil, int, float64, string:
			return false, true
		}
	case nil:
		switch b.(type) {
		case nil:
			return true, true
		case int, float64, string, bool:
			return false, true
		}
	}
	return false, false
}

// fastEqualStrict is OpEqualInt and OpEqualString: both sides must hold
// the type they are declared with.
func fastEqualStrict(a, b any) (bool, bool) {
	switch x := a.(type) {
	case int:
		y, ok := b.(int)
		return x == y, ok
	case string:
		y, ok := b.(string)
		return x == y, ok
	}
	return false, false
}

// arith returns the binary operator op as the VM computes it (numOp for
// arithmetic, numbers.go), or nil for an operator the fast path leaves to
// the VM. An error, or values numOp leaves to expr's runtime, make the
// fast path give up: the VM then gives the answer or the error.
func arith(op string) func(a, b any) (any, bool) {
	if isArithmetic(op) {
		slow := func(a, b any) (any, bool) {
			v, handled, err := numOp(op, a, b)
			return v, handled && err == nil
		}
		// Two ints that do not overflow, the common case, inline; the
		// rest is numOp's.
		switch op {
		case "+":
			return func(a, b any) (any, bool) {
				if x, ok := a.(int); ok {
					if y, ok := b.(int); ok {
						if s := x + y; (s^x)&(s^y) >= 0 {
							return s, true
						}
					}
				}
				return slow(a, b)
			}
		case "-":
			return func(a, b any) (any, bool) {
				if x, ok := a.(int); ok {
					if y, ok := b.(int); ok {
						if d := x - y; (x^y)&(x^d) >= 0 {
							return d, true
						}
					}
				}
				return slow(a, b)
			}
		case "*":
			return func(a, b any) (any, bool) {
				if x, ok := a.(int); ok {
					if y, ok := b.(int); ok {
						if p, fits := mulInt(x, y); fits {
							return p, true
						}
					}
				}
				return slow(a, b)
			}
		}
		return slow
	}
	f := compareOp(op)
	if f == nil {
		return nil
	}
	return func(a, b any) (any, bool) {
		if isDec(a) || isDec(b) {
			v, err := decimalBinary(op, a, b)
			return v, err == nil
		}
		return f(a, b)
	}
}

// isDec reports whether v is a decimal.
func isDec(v any) bool {
	_, ok := v.(value.Decimal)
	return ok
}

// compareOp is a comparison on ints, floats and texts.
func compareOp(op string) func(a, b any) (any, bool) {
	switch op {
	case "<":
		return compare(func(c int) bool { return c < 0 })
	case "<=":
		return compare(func(c int) bool { return c <= 0 })
	case ">":
		return compare(func(c int) bool { return c > 0 })
	case ">=":
		return compare(func(c int) bool { return c >= 0 })
	}
	return nil
}

func numberOf(v any) (float64, bool) {
	switch x := v.(type) {
	case int:
		return float64(x), true
	case float64:
		return x, true
	}
	return 0, false
}

// compare orders two numbers or two texts; NaN compares false every way,
// as in Go and in expr.
func compare(want func(c int) bool) func(a, b any) (any, bool) {
	return func(a, b any) (any, bool) {
		if x, ok := a.(int); ok {
			if y, ok := b.(int); ok {
				return want(cmpOrdered(x, y)), true
			}
		}
		if x, ok := a.(string); ok {
			y, ok := b.(string)
			return want(cmpOrdered(x, y)), ok
		}
		x, ok1 := numberOf(a)
		y, ok2 := numberOf(b)
		if !ok1 || !ok2 {
			return nil, false
		}
		if x != x || y != y {
			return false, true
		}
		return want(cmpOrdered(x, y)), true
	}
}

func cmpOrdered[T int | float64 | string](x, y T) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}
