package engine

import (
	"math"
	"reflect"

	"github.com/expr-lang/expr/ast"
)

// expectWords says what each FieldSpec.Expects asks for, in a message.
var expectWords = map[string]string{
	ExpectText: "a text", ExpectNumber: "a number", ExpectInt: "a whole number",
	ExpectBool: "true or false", ExpectList: "a list", ExpectObject: "an object",
}

// literalKind is the kind of value a literal expression gives ("" when the
// expression is not a literal, or is null), with a whole float as an int.
func literalKind(n ast.Node) string {
	switch v := n.(type) {
	case *ast.StringNode:
		return ExpectText
	case *ast.IntegerNode:
		return ExpectInt
	case *ast.FloatNode:
		if v.Value == math.Trunc(v.Value) {
			return ExpectInt
		}
		return ExpectNumber
	case *ast.BoolNode:
		return ExpectBool
	case *ast.ArrayNode:
		return ExpectList
	case *ast.MapNode:
		return ExpectObject
	case *ast.ConstantNode: // a literal list or object the optimizer folded
		switch reflect.ValueOf(v.Value).Kind() {
		case reflect.Slice, reflect.Array:
			return ExpectList
		case reflect.Map:
			return ExpectObject
		}
	}
	return ""
}

// checkExpects refuses an expression written as a literal of another kind
// than its field expects (cond: "'yes'", limit: "'ten'"): such a step
// could only fail when it runs. Expressions that compute a value are left
// to the run, as their kind is known only then.
func (c *StepCompiler) checkExpects(field string, e *Expr) {
	f := c.typ.Field(field)
	if f == nil || f.Expects == "" || e == nil {
		return
	}
	got := literalKind(e.program.Node())
	if got == "" || got == f.Expects || (f.Expects == ExpectNumber && got == ExpectInt) {
		return
	}
	c.Errorf(field, "wrong_type", "%s must give %s, and %s is %s", field, expectWords[f.Expects], e.Source, expectWords[got])
}
