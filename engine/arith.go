package engine

import (
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/builtin"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/vm"
	"github.com/expr-lang/expr/vm/runtime"

	"github.com/funcstack/funcstack/engine/value"
)

// Operators meet decimals here. expr's VM knows ints, floats and texts;
// a value.Decimal reaching its + or < would fail. So a patcher rewrites,
// at compile time, every operator that may meet a decimal into a call of
// a function of this file:
//
//	a + b   _add(a, b)  (and - * / % < <= > >= == !=, and unary -)
//	sum(l)  _sum(l)     sum(l, p) is _sum(map(l, p)); abs, round, floor,
//	                    ceil, min, max, mean, median, int and float too
//
// An operator is rewritten when one side's type is decimal, or unknown
// (a variable, a record field) while the other may be a number. Operators
// on known ints, floats and texts stay expr's own. Each function computes
// on decimals exactly (value.Decimal) and hands anything else to expr's
// runtime, so that non-decimal values behave exactly as before; the fast
// path (fastexpr.go) evaluates the calls itself.
//
// The rules: int with decimal gives a decimal; a number literal written
// beside a decimal (price * 1.2) is read as a decimal, exactly as written;
// a float with a decimal is an error, at validate time when both types are
// known (checkDecimalMix) and at run time otherwise: decimal(x) takes a
// float's shortest decimal on purpose, float(d) leaves exact arithmetic.
//
// Every arithmetic operator on values that may be numbers is rewritten,
// decimal or not, so that the number model of numbers.go (overflow is an
// error, 8 / 2 is 4, division by zero is an error) holds everywhere; the
// operator functions and the fast path both compute with numOp.

// decimalType is the Go type of decimal values.
var decimalType = value.DecimalGoType

// The operator functions: each operator's function, and the one used
// when both sides are known decimals or ints (typed, so that the result
// is known to be a decimal).
var (
	opFunc      = map[string]string{"+": "_add", "-": "_sub", "*": "_mul", "/": "_div", "%": "_mod", "**": "_pow", "^": "_pow", "<": "_lt", "<=": "_le", ">": "_gt", ">=": "_ge", "==": "_eq", "!=": "_ne"}
	opFuncTyped = map[string]string{"+": "_dadd", "-": "_dsub", "*": "_dmul", "/": "_ddiv", "%": "_dmod"}
	// opFuncInt are the operators of two known ints whose result is an
	// int (or an error), typed so that the result's type stays known.
	opFuncInt = map[string]string{"+": "_iadd", "-": "_isub", "*": "_imul", "%": "_imod"}
	// opFuncFloat are the operators of a known float and a known number:
	// typed float, as what is known of the result's type (a whole result
	// is an int at run time, which JSON and OpenAPI's "number" accept).
	opFuncFloat = map[string]string{"+": "_fadd", "-": "_fsub", "*": "_fmul", "/": "_fdiv", "%": "_fmod"}
	funcOp      = map[string]string{"_neg": "neg", "_dneg": "neg", "_ineg": "neg"}
	// builtinFunc are the builtins rewritten when an argument may be a
	// decimal.
	builtinFunc = map[string]string{"sum": "_sum", "abs": "_abs", "round": "_round", "floor": "_floor", "ceil": "_ceil",
		"min": "_min", "max": "_max", "mean": "_mean", "median": "_median", "int": "_int", "float": "_float"}
)

func init() {
	for op, fn := range opFunc {
		funcOp[fn] = op
	}
	for op, fn := range opFuncTyped {
		funcOp[fn] = op
	}
	for op, fn := range opFuncInt {
		funcOp[fn] = op
	}
	for op, fn := range opFuncFloat {
		funcOp[fn] = op
	}
	funcOp["_pow"] = "**"
	exprFunctions = append(exprFunctions, arithOptions()...)
}

// arithOptions are the patcher and its functions.
func arithOptions() []expr.Option {
	// The functions for operands of unknown type declare no types: with
	// declared overloads, expr (v1.17) drops the errors found inside a
	// patched call's arguments (such as an unknown field).
	opts := []expr.Option{expr.Patch(decimalPatcher{})}
	seen := map[string]bool{}
	typed := []any{new(func(value.Decimal, value.Decimal) value.Decimal), new(func(value.Decimal, int) value.Decimal), new(func(int, value.Decimal) value.Decimal)}
	for op, fn := range opFunc {
		if seen[fn] {
			continue
		}
		seen[fn] = true
		if fn == "_pow" {
			op = "**" // and ^, its other spelling
		}
		f := func(args ...any) (any, error) { return binaryOp(op, args[0], args[1]) }
		opts = append(opts, expr.Function(fn, f))
		if typedFn, ok := opFuncTyped[op]; ok {
			opts = append(opts, expr.Function(typedFn, f, typed...))
		}
		if intFn, ok := opFuncInt[op]; ok {
			opts = append(opts, expr.Function(intFn, f, new(func(int, int) int)))
		}
		if floatFn, ok := opFuncFloat[op]; ok {
			opts = append(opts, expr.Function(floatFn, f, new(func(float64, float64) float64), new(func(float64, int) float64), new(func(int, float64) float64)))
		}
	}
	neg := func(args ...any) (any, error) { return negate(args[0]) }
	opts = append(opts,
		expr.Function("_neg", neg),
		expr.Function("_dneg", neg, new(func(value.Decimal) value.Decimal)),
		expr.Function("_ineg", neg, new(func(int) int)),
		expr.Function("decimal", toDecimalFunc, new(func(any) value.Decimal)),
	)
	for name, fn := range builtinFunc {
		name := name
		opts = append(opts, expr.Function(fn, func(args ...any) (any, error) { return builtinOp(name, args) }))
	}
	return opts
}

// isOperatorCall reports whether c is an operator or builtin the decimal
// patcher rewrote: a pure computation, not a call of a function.
func isOperatorCall(c *ast.CallNode) bool {
	id, ok := c.Callee.(*ast.IdentifierNode)
	if !ok {
		return false
	}
	if funcOp[id.Value] != "" {
		return true
	}
	for _, fn := range builtinFunc {
		if fn == id.Value {
			return true
		}
	}
	return false
}

// isDecimal reports whether t is the decimal type.
func isDecimal(t reflect.Type) bool { return t == decimalType }

// isUnknown reports whether expressions know nothing of t's values.
func isUnknown(t reflect.Type) bool { return t == nil || t.Kind() == reflect.Interface }

// isNumeric reports whether t is a Go number type.
func isNumeric(t reflect.Type) bool {
	switch kindOf(t) {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8, reflect.Uint16,
		reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		return true
	}
	return false
}

// isNamedNumber reports whether t is a Go number type with a name of its
// own (time.Month), other than time.Duration: expr compares it with
// nothing else, the operator functions do (plainNumber).
func isNamedNumber(t reflect.Type) bool {
	return isNumeric(t) && t.PkgPath() != "" && t != reflect.TypeOf(time.Duration(0))
}

func isInt(t reflect.Type) bool { return kindOf(t) == reflect.Int && t.PkgPath() == "" }

func isFloat(t reflect.Type) bool { return kindOf(t) == reflect.Float64 && t.PkgPath() == "" }

// mayBeDecimal reports whether a value of type t may be a decimal.
func mayBeDecimal(t reflect.Type) bool { return isDecimal(t) || isUnknown(t) }

// decimalPatcher rewrites the operators and builtins that may meet a
// decimal into calls of this file's functions.
type decimalPatcher struct{}

func (decimalPatcher) Visit(node *ast.Node) {
	switch n := (*node).(type) {
	case *ast.BinaryNode:
		fn, ok := opFunc[n.Operator]
		if !ok {
			return
		}
		lt, rt := n.Left.Type(), n.Right.Type()
		if isDecimal(lt) {
			if c := decimalLiteral(n.Right); c != nil {
				n.Right, rt = c, decimalType
			}
		}
		if isDecimal(rt) {
			if c := decimalLiteral(n.Left); c != nil {
				n.Left, lt = c, decimalType
			}
		}
		if isArithmetic(n.Operator) {
			// Every arithmetic operator on numbers goes through numOp
			// (numbers.go): overflow, division by zero and whole
			// results are the same whatever the operands' types.
			if !isDecimal(lt) && !isDecimal(rt) && (!mayBeNumber(lt) || !mayBeNumber(rt)) {
				return
			}
		} else if !isDecimal(lt) && !isDecimal(rt) && !(isUnknown(lt) && (isUnknown(rt) || isNumeric(rt))) && !(isNumeric(lt) && isUnknown(rt)) &&
			!(isNamedNumber(lt) && isNumeric(rt) || isNumeric(lt) && isNamedNumber(rt)) {
			return
		}
		if t, ok := opFuncInt[n.Operator]; ok && isInt(lt) && isInt(rt) {
			fn = t
		} else if t, ok := opFuncFloat[n.Operator]; ok && (isFloat(lt) && (isFloat(rt) || isInt(rt)) || isInt(lt) && isFloat(rt)) {
			fn = t
		} else if t, ok := opFuncTyped[n.Operator]; ok && (isDecimal(lt) || isDecimal(rt)) && (isDecimal(lt) || isInt(lt)) && (isDecimal(rt) || isInt(rt)) {
			fn = t
		} else {
			n.Left, n.Right = floatLiteral(n.Left), floatLiteral(n.Right)
		}
		ast.Patch(node, &ast.CallNode{Callee: &ast.IdentifierNode{Value: fn}, Arguments: []ast.Node{n.Left, n.Right}})
	case *ast.UnaryNode:
		if n.Operator == "-" && mayBeNumber(n.Node.Type()) && !isNumberLiteral(n.Node) {
			fn := "_neg"
			switch t := n.Node.Type(); {
			case isDecimal(t):
				fn = "_dneg"
			case isInt(t):
				fn = "_ineg"
			}
			ast.Patch(node, &ast.CallNode{Callee: &ast.IdentifierNode{Value: fn}, Arguments: []ast.Node{n.Node}})
		}
	case *ast.BuiltinNode:
		fn, ok := builtinFunc[n.Name]
		if !ok || len(n.Arguments) == 0 {
			return
		}
		args := n.Arguments
		if n.Name == "round" && len(args) == 2 {
			// round(x, decimals) is funcstack's, whatever x is: expr's
			// round takes one argument.
			ast.Patch(node, &ast.CallNode{Callee: &ast.IdentifierNode{Value: fn}, Arguments: args})
			return
		}
		if oneArg[n.Name] && len(args) != 1 {
			return // expr's checker names the count
		}
		if (n.Name == "int" || n.Name == "float") && mayBeText(args[0].Type()) {
			// expr's int and float read only plain numerals from a text
			ast.Patch(node, &ast.CallNode{Callee: &ast.IdentifierNode{Value: fn}, Arguments: args})
			return
		}
		if n.Name == "sum" {
			// Always: a sum of ints must not wrap either.
			if len(args) == 2 {
				args = []ast.Node{&ast.BuiltinNode{Name: "map", Arguments: args}}
			}
		} else if !anyMayBeDecimal(args) {
			return
		}
		ast.Patch(node, &ast.CallNode{Callee: &ast.IdentifierNode{Value: fn}, Arguments: args})
	}
}

// isArithmetic reports whether op computes a number (as opposed to
// comparing two).
func isArithmetic(op string) bool {
	switch op {
	case "+", "-", "*", "/", "%", "**", "^":
		return true
	}
	return false
}

// mayBeNumber reports whether a value of type t may be a number.
func mayBeNumber(t reflect.Type) bool { return isUnknown(t) || isDecimal(t) || isNumeric(t) }

// isNumberLiteral reports whether n is a number written in the source.
func isNumberLiteral(n ast.Node) bool {
	switch n.(type) {
	case *ast.IntegerNode, *ast.FloatNode:
		return true
	}
	return false
}

// mayHoldDecimals reports whether a list of type t may hold decimals.
func mayHoldDecimals(t reflect.Type) bool {
	if isUnknown(t) {
		return true
	}
	k := t.Kind()
	return (k == reflect.Slice || k == reflect.Array) && mayBeDecimal(t.Elem())
}

func anyMayBeDecimal(args []ast.Node) bool {
	for _, a := range args {
		if t := a.Type(); mayBeDecimal(t) || mayHoldDecimals(t) {
			return true
		}
	}
	return false
}

// decimalLiteral turns a float literal (or its negation) into a decimal
// constant, exactly as written; nil for any other node.
func decimalLiteral(n ast.Node) ast.Node {
	neg := false
	if u, ok := n.(*ast.UnaryNode); ok && u.Operator == "-" {
		neg, n = true, u.Node
	}
	f, ok := n.(*ast.FloatNode)
	if !ok {
		return nil
	}
	d, err := value.DecimalFromFloat(f.Value)
	if err != nil {
		return nil
	}
	if neg {
		d = d.Neg()
	}
	c := &ast.ConstantNode{Value: d}
	c.SetType(decimalType)
	c.SetLocation(n.Location())
	return c
}

// litFloat is a float literal beside an operand of unknown type: a
// decimal when the operand is one (exactly as written: item.price * 1.2),
// a float otherwise. Only the operator functions see it.
type litFloat float64

// floatLiteral turns a float literal (or its negation) into a litFloat
// constant; other nodes are returned as they are.
func floatLiteral(n ast.Node) ast.Node {
	neg := false
	m := n
	if u, ok := m.(*ast.UnaryNode); ok && u.Operator == "-" {
		neg, m = true, u.Node
	}
	f, ok := m.(*ast.FloatNode)
	if !ok {
		return n
	}
	v := f.Value
	if neg {
		v = -v
	}
	c := &ast.ConstantNode{Value: litFloat(v)}
	c.SetType(reflect.TypeOf(litFloat(0)))
	c.SetLocation(n.Location())
	return c
}

// resolveLit makes a litFloat a decimal beside a decimal, else a float.
func resolveLit(v, other any) any {
	f, ok := v.(litFloat)
	if !ok {
		return v
	}
	if _, dec := other.(value.Decimal); dec {
		if d, err := value.DecimalFromFloat(float64(f)); err == nil {
			return d
		}
	}
	return float64(f)
}

// checkDecimalMix reports, at validate time, an operator that mixes a
// decimal with a float or a non-number whose types are known.
func checkDecimalMix(prog *vm.Program, src string) error {
	var bad *file.Error
	node := prog.Node()
	ast.Walk(&node, visitFunc(func(n *ast.Node) {
		c, ok := (*n).(*ast.CallNode)
		if !ok || bad != nil || len(c.Arguments) != 2 {
			return
		}
		id, ok := c.Callee.(*ast.IdentifierNode)
		op := funcOp[id.Value]
		if !ok || op == "" || op == "neg" {
			return
		}
		lt, rt := c.Arguments[0].Type(), c.Arguments[1].Type()
		for _, side := range [][2]reflect.Type{{lt, rt}, {rt, lt}} {
			if !isDecimal(side[0]) || isUnknown(side[1]) || isDecimal(side[1]) || isInt(side[1]) || kindOf(side[1]) == reflect.Int {
				continue
			}
			if op == "==" || op == "!=" {
				if !isNumeric(side[1]) {
					continue // a decimal is never equal to a text or a bool
				}
			}
			msg := mixMessage(op, kindOfType(side[1]), "x")
			bad = (&file.Error{Location: c.Location(), Message: msg}).Bind(file.NewSource(src))
			return
		}
	}))
	if bad != nil {
		return bad
	}
	return nil
}

// kindOfType names a Go type as the language does.
func kindOfType(t reflect.Type) string {
	switch kindOf(t) {
	case reflect.Float32, reflect.Float64:
		return "float"
	case reflect.String:
		return "text"
	case reflect.Bool:
		return "bool"
	case reflect.Map, reflect.Struct:
		return "object"
	case reflect.Slice, reflect.Array:
		return "list"
	}
	return t.String()
}

// mixMessage explains a decimal operator with a value of another kind.
func mixMessage(op, other, what string) string {
	if other == "float" {
		return fmt.Sprintf("cannot use %s with a decimal and a float: decimals are exact and floats are not; convert the float with decimal(%s) (its shortest decimal), or the decimal with float(d)", op, what)
	}
	return fmt.Sprintf("cannot use %s with a decimal and %s", op, withArticle(other))
}

func withArticle(kind string) string {
	switch kind {
	case "int", "object":
		return "an " + kind
	case "text":
		return kind
	}
	return "a " + kind
}

// decimalOperand reads the other side of an operator with a decimal.
func decimalOperand(op string, v any) (value.Decimal, error) {
	switch n := v.(type) {
	case value.Decimal:
		return n, nil
	case int:
		return value.DecimalFromInt(int64(n)), nil
	case int64:
		return value.DecimalFromInt(n), nil
	case int32:
		return value.DecimalFromInt(int64(n)), nil
	case float64, float32:
		return value.Decimal{}, fmt.Errorf("%s", mixMessage(op, "float", strconv.FormatFloat(toF64(n), 'g', -1, 64)))
	case nil:
		return value.Decimal{}, fmt.Errorf("invalid operation: decimal %s nil", op)
	}
	return value.Decimal{}, fmt.Errorf("%s", mixMessage(op, value.TypeName(v), "x"))
}

func toF64(v any) float64 {
	if f, ok := v.(float32); ok {
		return float64(f)
	}
	return v.(float64)
}

// binaryOp computes a op b: on decimals when either side is one, else as
// expr's runtime does.
func binaryOp(op string, a, b any) (any, error) {
	a, b = plainNumber(resolveLit(a, b)), plainNumber(resolveLit(b, a))
	_, ad := a.(value.Decimal)
	_, bd := b.(value.Decimal)
	if ad || bd {
		return decimalBinary(op, a, b)
	}
	if isArithmetic(op) {
		v, handled, err := numOp(op, a, b)
		if handled {
			return v, err
		}
		return runtimeOp(op, a, b), nil
	}
	switch op {
	case "<":
		return runtime.Less(a, b), nil
	case "<=":
		return runtime.LessOrEqual(a, b), nil
	case ">":
		return runtime.More(a, b), nil
	case ">=":
		return runtime.MoreOrEqual(a, b), nil
	case "==":
		return runtime.Equal(a, b), nil
	case "!=":
		return !runtime.Equal(a, b), nil
	}
	return nil, fmt.Errorf("unknown operator %s", op)
}

// plainNumber is a number of a named Go type (time.Month, time.Weekday,
// what a method of a Go value gives) as the int or float it holds, so
// that date(x).Month() + 1 computes as 3 + 1 does; expr's runtime knows
// only the unnamed types ("invalid operation: time.Month + int"). A
// time.Duration stays itself: durations have their own operators. Any
// other value is returned as it is.
func plainNumber(v any) any {
	switch v.(type) {
	case nil, int, float64, string, bool, value.Decimal, litFloat, time.Duration, time.Time:
		return v
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return int(rv.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		if u := rv.Uint(); u <= math.MaxInt64 {
			return int(u)
		}
	case reflect.Float32, reflect.Float64:
		return rv.Float()
	}
	return v
}

// decimalBinary computes a op b where a or b is a decimal.
func decimalBinary(op string, a, b any) (any, error) {
	if op == "==" || op == "!=" {
		eq, err := decimalEqual(a, b)
		return eq == (op == "=="), err
	}
	x, err := decimalOperand(op, a)
	if err != nil {
		return nil, err
	}
	y, err := decimalOperand(op, b)
	if err != nil {
		return nil, err
	}
	switch op {
	case "+":
		return x.Add(y)
	case "-":
		return x.Sub(y)
	case "*":
		return x.Mul(y)
	case "/":
		return x.Quo(y)
	case "%":
		return x.Rem(y)
	case "**", "^":
		if n, ok := y.Int(); ok && n >= 0 {
			return x.Pow(n)
		}
		return nil, fmt.Errorf("cannot use %s with a decimal and an exponent that is not a whole number of 0 or more; use pow(float(x), y)", op)
	case "<":
		return x.Cmp(y) < 0, nil
	case "<=":
		return x.Cmp(y) <= 0, nil
	case ">":
		return x.Cmp(y) > 0, nil
	case ">=":
		return x.Cmp(y) >= 0, nil
	}
	return nil, fmt.Errorf("cannot use %s with a decimal", op)
}

// decimalEqual compares a decimal with anything: numerically with a
// number (a float is an error, as in arithmetic), unequal to nil, texts,
// bools, lists and objects.
func decimalEqual(a, b any) (bool, error) {
	for _, v := range []any{a, b} {
		switch v.(type) {
		case value.Decimal, int, int64, int32, float64, float32:
		default:
			return false, nil
		}
	}
	x, err := decimalOperand("==", a)
	if err != nil {
		return false, err
	}
	y, err := decimalOperand("==", b)
	if err != nil {
		return false, err
	}
	return x.Cmp(y) == 0, nil
}

func negate(v any) (any, error) {
	v = plainNumber(v)
	if n, handled, err := negNum(v); handled {
		return n, err
	}
	return runtime.Negate(v), nil
}

// toDecimalFunc is decimal(x): an int, a float (its shortest decimal), a
// decimal, or decimal text as a decimal.
func toDecimalFunc(args ...any) (any, error) {
	if len(args) != 1 {
		return nil, fmt.Errorf("decimal takes one value, e.g. decimal('19.99')")
	}
	switch v := args[0].(type) {
	case float64:
		return value.DecimalFromFloat(v)
	case nil:
		return nil, fmt.Errorf("decimal(nil): give a number or decimal text")
	}
	d, ok := value.AsDecimal(args[0])
	if !ok {
		return nil, fmt.Errorf("decimal(%s): give a number or decimal text such as '19.99'", value.Describe(args[0]))
	}
	return d, nil
}

// builtinOp is a builtin on arguments that may hold decimals: on
// decimals it computes exactly, otherwise it is expr's builtin.
func builtinOp(name string, args []any) (any, error) {
	if name == "sum" {
		return sumOf(args[0])
	}
	if name == "round" && len(args) == 2 {
		return roundTo(args[0], args[1])
	}
	if t, ok := args[0].(string); ok && (name == "int" || name == "float") {
		return numberOfText(name, t)
	}
	items := args
	if len(args) == 1 {
		if l, ok := args[0].([]any); ok && (name == "min" || name == "max" || name == "mean" || name == "median") {
			items = l
		}
	}
	var dec []value.Decimal
	for _, it := range items {
		if d, ok := it.(value.Decimal); ok {
			dec = append(dec, d)
		}
	}
	if len(dec) == 0 {
		fn := builtin.Builtins[builtin.Index[name]]
		if fn.Fast != nil && len(args) == 1 {
			return fn.Fast(args[0]), nil
		}
		if fn.Safe != nil {
			out, _, err := fn.Safe(args...)
			return out, err
		}
		return fn.Func(args...)
	}
	switch name {
	case "abs", "round", "floor", "ceil", "int", "float":
		d := dec[0]
		switch name {
		case "abs":
			return d.Abs(), nil
		case "round":
			return d.Round(0), nil
		case "floor":
			return d.Floor(), nil
		case "ceil":
			return d.Ceil(), nil
		case "int": // cuts the fraction off, as on floats
			t := d.Floor()
			if d.Sign() < 0 {
				t = d.Ceil()
			}
			n, ok := t.Int()
			if !ok {
				return nil, fmt.Errorf("int(%s): the number does not fit an int", d)
			}
			return n, nil
		case "float":
			return d.Float64(), nil
		}
	}
	nums := make([]value.Decimal, len(items))
	for i, it := range items {
		x, err := decimalOperand(name, it)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", name, err)
		}
		nums[i] = x
	}
	switch name {
	case "min", "max":
		best := nums[0]
		for _, x := range nums[1:] {
			if c := x.Cmp(best); (name == "min" && c < 0) || (name == "max" && c > 0) {
				best = x
			}
		}
		return best, nil
	case "mean":
		total := value.Decimal{}
		for _, x := range nums {
			total, _ = total.Add(x)
		}
		return total.Quo(value.DecimalFromInt(int64(len(nums))))
	case "median":
		sorted := append([]value.Decimal(nil), nums...)
		sortDecimals(sorted)
		m := len(sorted) / 2
		if len(sorted)%2 == 1 {
			return sorted[m], nil
		}
		s, _ := sorted[m-1].Add(sorted[m])
		return s.Quo(value.DecimalFromInt(2))
	}
	return nil, fmt.Errorf("%s does not take decimals", name)
}

// mayBeText reports whether a value of type t may be a text.
func mayBeText(t reflect.Type) bool { return isUnknown(t) || kindOf(t) == reflect.String }

// numberOfText is int(text) or float(text): the number the text holds,
// spaces around it ignored. int cuts a fraction off, as int(12.5) does.
func numberOfText(name, text string) (any, error) {
	t := strings.TrimSpace(text)
	if name == "float" {
		if f, err := strconv.ParseFloat(t, 64); err == nil && !math.IsInf(f, 0) {
			return f, nil
		}
	} else if n, err := strconv.Atoi(t); err == nil {
		return n, nil
	} else if d, err := value.ParseDecimal(t); err == nil {
		w := d.Floor()
		if d.Sign() < 0 {
			w = d.Ceil()
		}
		if n, ok := w.Int(); ok {
			return n, nil
		}
		return nil, fmt.Errorf("int(%q): the number does not fit an int; use decimal(x) for larger numbers", text)
	}
	return nil, fmt.Errorf("%s(%q): the text is not a number such as '12' or '-3.5'", name, text)
}

// oneArg are the builtins of builtinFunc that take one argument.
var oneArg = map[string]bool{"abs": true, "round": true, "floor": true, "ceil": true, "int": true, "float": true}

// roundTo is round(x, decimals): x rounded half away from zero to that
// many digits after the point, computed on the decimal digits x shows
// (so round(1.005, 2) is 1.01, as on paper). A decimal stays a decimal,
// an int an int, a float a float.
func roundTo(x, places any) (any, error) {
	n, ok := places.(int)
	if !ok || n < 0 || n > 20 {
		return nil, fmt.Errorf("round(x, decimals): decimals must be a whole number from 0 to 20, got %s", value.Describe(places))
	}
	switch v := x.(type) {
	case value.Decimal:
		return v.Round(n), nil
	case int:
		return v, nil
	case float64:
		d, err := value.DecimalFromFloat(v)
		if err != nil {
			return nil, fmt.Errorf("round(x, decimals): %v", err)
		}
		return d.Round(n).Float64(), nil
	}
	return nil, fmt.Errorf("round(x, decimals) takes a number, got %s", value.Describe(x))
}

func sortDecimals(l []value.Decimal) {
	for i := 1; i < len(l); i++ {
		for j := i; j > 0 && l[j].Cmp(l[j-1]) < 0; j-- {
			l[j], l[j-1] = l[j-1], l[j]
		}
	}
}

// sumOf is sum(list): ints give an int, a float makes it a float, a
// decimal makes it a decimal (exact; a float beside it is an error).
func sumOf(v any) (any, error) {
	var items []any
	switch l := v.(type) {
	case []any:
		items = l
	case nil:
		return nil, fmt.Errorf("sum of nil: give a list")
	default:
		rv := reflect.ValueOf(v)
		if rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array {
			return nil, fmt.Errorf("sum takes a list, got %s", value.TypeName(v))
		}
		items = make([]any, rv.Len())
		for i := range items {
			items[i] = rv.Index(i).Interface()
		}
	}
	var acc any = 0
	for _, it := range items {
		var err error
		if acc, err = binaryOp("+", acc, it); err != nil {
			return nil, fmt.Errorf("sum: %w", err)
		}
	}
	return acc, nil
}
