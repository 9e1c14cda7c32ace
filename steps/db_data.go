package steps

import (
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/tables"
	"github.com/funcstack/funcstack/engine/value"
)

// The data field of db.add, db.edit, db.patch and db.upsert is either a
// map {column: expression}, checked when the definition is compiled, or
// one expression giving an object (input.record), whose keys are checked
// against the table's columns when the step runs.

// dataField reads field as a map of expressions or as one expression.
func dataField(c *engine.StepCompiler, field string) (static []engine.KeyExpr, dynamic *engine.Expr) {
	if isJSONString(stepRaw(c, field)) {
		if e := c.Expr(field); e != nil {
			return nil, e
		}
		// The expression did not compile, and its error is reported: a
		// stand-in keeps the step from being taken for one with no data
		// too ("data is empty"). The definition does not load, so it
		// never runs.
		return nil, &engine.Expr{}
	}
	return c.ExprMap(field), nil
}

// evalObject evaluates a data expression: an object, or null (none).
func evalObject(s *engine.State, e *engine.Expr) (map[string]any, error) {
	v, err := s.Eval(e)
	if err != nil {
		return nil, err
	}
	obj, ok := v.(map[string]any)
	if !ok && v != nil {
		return nil, &engine.Error{Code: engine.CodeInvalidInput, Path: e.Path, Message: fmt.Sprintf("%s gave %s; data must be an object of columns", quote(e.Source), value.Describe(v))}
	}
	return obj, nil
}

// missingRequired is the error of an insert from a data object that
// leaves required columns without a default empty.
func missingRequired(t *tables.Table, e *engine.Expr, given map[string]bool) error {
	missing := t.MissingRequired(given)
	if len(missing) == 0 {
		return nil
	}
	var names []string
	for _, c := range missing {
		names = append(names, c.Label())
	}
	verb := "is"
	if len(names) > 1 {
		verb = "are"
	}
	return &engine.Error{Code: engine.CodeInvalidInput, Path: e.Path, Message: fmt.Sprintf("%s gave no value for %s, which %s required and %s no default",
		quote(e.Source), strings.Join(names, ", "), verb, map[bool]string{false: "has", true: "have"}[len(names) > 1])}
}

// sameArg reports whether two encoded values are the same value.
func sameArg(a, b any) bool {
	if ta, ok := a.(time.Time); ok {
		tb, ok := b.(time.Time)
		return ok && ta.Equal(tb)
	}
	return reflect.DeepEqual(a, b)
}
