package steps

import (
	"fmt"
	"time"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/value"
)

// truthy is the boolean value of a condition. Only true is true: a
// condition that is not a bool is an error, so that a typo cannot make a
// branch silently go one way.
func truthy(e *engine.Expr, v any) (bool, error) {
	switch b := v.(type) {
	case bool:
		return b, nil
	case nil:
		return false, nil
	}
	return false, &engine.Error{Code: engine.CodeExpression, Path: e.Path,
		Message: fmt.Sprintf("condition %s gave %s (%v), not true or false", quote(e.Source), kindOf(v), v)}
}

// evalCond evaluates a condition expression to true or false.
func evalCond(s *engine.State, e *engine.Expr) (bool, error) {
	v, err := s.Eval(e)
	if err != nil {
		return false, err
	}
	return truthy(e, v)
}

// assign returns the run func of a step storing value's result in
// variable to.
func assign(to engine.Var, value *engine.Expr) engine.RunFunc {
	return func(s *engine.State) (any, error) {
		v, err := s.Eval(value)
		if err != nil {
			return nil, err
		}
		if err := s.AssignVar(to, v); err != nil {
			return nil, err
		}
		return v, nil
	}
}

// asInt converts an expression result to int.
func asInt(e *engine.Expr, v any) (int, error) {
	if _, isText := v.(string); !isText {
		if n, ok := engine.ToInt(v); ok {
			return n, nil
		}
	}
	return 0, &engine.Error{Code: engine.CodeExpression, Path: e.Path,
		Message: fmt.Sprintf("%s gave %s (%v), expected a whole number", quote(e.Source), kindOf(v), v)}
}

// asDuration converts a number of milliseconds or a duration string.
func asDuration(e *engine.Expr, v any) (time.Duration, error) {
	if s, ok := v.(string); ok {
		d, err := engine.ParseDuration(s)
		if err != nil {
			return 0, &engine.Error{Code: engine.CodeExpression, Path: e.Path, Message: err.Error()}
		}
		return d.D(), nil
	}
	if d, ok := v.(time.Duration); ok {
		return d, nil
	}
	ms, err := asInt(e, v)
	if err != nil {
		return 0, err
	}
	if ms < 0 {
		return 0, &engine.Error{Code: engine.CodeExpression, Path: e.Path, Message: fmt.Sprintf("%s gave %d; a duration cannot be negative", quote(e.Source), ms)}
	}
	return time.Duration(ms) * time.Millisecond, nil
}

func quote(src string) string {
	if len(src) > 60 {
		src = src[:57] + "..."
	}
	return "`" + src + "`"
}

// kindOf names a value's kind with its article (value.KindOf).
func kindOf(v any) string { return value.KindOf(v) }

// evalMap evaluates an expression map into an object.
func evalMap(s *engine.State, m []engine.KeyExpr) (map[string]any, error) {
	out := make(map[string]any, len(m))
	for _, ke := range m {
		v, err := s.Eval(ke.Expr)
		if err != nil {
			return nil, err
		}
		out[ke.Key] = v
	}
	return out, nil
}
