package exprfn

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"reflect"
	"strconv"
	"time"

	"github.com/expr-lang/expr/vm"
)

// NeedsPlain reports whether the values prog gives may need Plain. Of
// expr's operations only three make values outside funcstack's data model
// from values inside it: groupBy, ranges (1..3, also folded into a
// constant) and method calls (now().Month()); funcstack's functions, which
// stand in for the builtins that would (keys, fromPairs, split, ...), make
// plain values. The engine asks once per compiled expression, and runs
// Plain on the results of those that need it.
func NeedsPlain(prog *vm.Program) bool {
	for _, op := range prog.Bytecode {
		switch op {
		case vm.OpGroupBy, vm.OpRange, vm.OpMethod, vm.OpLoadMethod, vm.OpFetchField, vm.OpLoadField:
			return true
		}
	}
	for _, c := range prog.Constants {
		switch c.(type) {
		case nil, bool, int, float64, string:
			continue
		}
		if p, err := Plain(c); err != nil || !same(p, c) {
			return true
		}
	}
	return false
}

// Plain returns v as a value of funcstack's data model: nil, bool, int,
// float64, string, time.Time, []any and map[string]any. It converts what
// some of expr's operations make: the map[any][]any of groupBy (its keys
// written as text: 1 → "1", true → "true", nil → "null"), the []int of a
// range (1..3), the named numbers of methods (now().Month()). It copies
// only the lists and objects that change, so a value already plain comes
// back as it is, unallocated.
//
// Every value an expression gives passes here before a variable, a
// response, an execution record or a table takes it (see NeedsPlain).
func Plain(v any) (any, error) { return plain(v, 0) }

// maxPlainDepth bounds how deep Plain looks: deeper values are refused
// later by the engine's own max_depth check, with a better message.
const maxPlainDepth = 10_000

var errPlainDepth = errors.New("the value nests lists and objects too deep")

func plain(v any, depth int) (any, error) {
	if depth > maxPlainDepth {
		return nil, errPlainDepth
	}
	switch x := v.(type) {
	case nil, bool, int, float64, string, time.Time, json.Number:
		return v, nil
	case []any, map[string]any:
		return eachItem(x, func(e any) (any, error) { return plain(e, depth+1) })
	case []int:
		out := make([]any, len(x))
		for i, n := range x {
			out[i] = n
		}
		return out, nil
	case time.Duration, *time.Location:
		return v, nil // JSON as nanoseconds and as {}: left as expr makes them
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return int(rv.Int()), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if u := rv.Uint(); u <= math.MaxInt64 {
			return int(u), nil
		}
		return float64(rv.Uint()), nil
	case reflect.Float32, reflect.Float64:
		return rv.Float(), nil
	case reflect.String:
		return rv.String(), nil
	case reflect.Bool:
		return rv.Bool(), nil
	case reflect.Slice, reflect.Array:
		out := make([]any, rv.Len())
		for i := range out {
			p, err := plain(rv.Index(i).Interface(), depth+1)
			if err != nil {
				return nil, err
			}
			out[i] = p
		}
		return out, nil
	case reflect.Map:
		out := make(map[string]any, rv.Len())
		from := make(map[string]any, rv.Len())
		it := rv.MapRange()
		for it.Next() {
			k := it.Key().Interface()
			key, err := keyText(k)
			if err != nil {
				return nil, err
			}
			if prev, dup := from[key]; dup {
				a, b := describe(prev), describe(k)
				if a > b {
					a, b = b, a
				}
				return nil, fmt.Errorf("the object keys %s and %s are both the text %q; make the keys text, e.g. groupBy(items, string(.id))", a, b, key)
			}
			from[key] = k
			p, err := plain(it.Value().Interface(), depth+1)
			if err != nil {
				return nil, err
			}
			out[key] = p
		}
		return out, nil
	case reflect.Pointer, reflect.Interface:
		if rv.IsNil() {
			return nil, nil
		}
	}
	return v, nil // a Go value expr made (a struct): left to its JSON encoding
}

// same reports whether plain gave v back as it was: the same list or
// object, or a value of the same type (plain changes the type of every
// other value it changes).
func same(p, v any) bool {
	switch x := v.(type) {
	case []any:
		y, ok := p.([]any)
		return ok && len(x) == len(y) && (len(x) == 0 || &x[0] == &y[0])
	case map[string]any:
		y, ok := p.(map[string]any)
		return ok && reflect.ValueOf(x).UnsafePointer() == reflect.ValueOf(y).UnsafePointer()
	}
	return reflect.TypeOf(p) == reflect.TypeOf(v)
}

// keyText writes a key of a Go map as the text of an object key.
func keyText(k any) (string, error) {
	switch x := k.(type) {
	case string:
		return x, nil
	case nil:
		return "null", nil
	case bool:
		return strconv.FormatBool(x), nil
	case time.Time:
		return x.Format(time.RFC3339Nano), nil
	}
	p, err := plain(k, 0)
	if err != nil {
		return "", err
	}
	switch x := p.(type) {
	case int:
		return strconv.Itoa(x), nil
	case float64:
		b, err := json.Marshal(x)
		if err != nil {
			return "", fmt.Errorf("an object key is %s, which cannot be written as text", describe(x))
		}
		return string(b), nil
	case string:
		return x, nil
	}
	return "", fmt.Errorf("an object key is %s; keys must be text or numbers", describe(k))
}

// Numbers turns the json.Number values of a value decoded with UseNumber
// into int (when whole and within int's range) or float64, so expressions
// see ordinary numbers (requests, tables and fromJSON give them so). Like
// Plain, it copies the lists and objects that change and writes into
// none: a decoded value may already be shared (a durable run's input is
// also its execution record's, which the records writer is encoding).
func Numbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return int(i)
		}
		f, _ := x.Float64()
		return f
	case []any, map[string]any:
		out, _ := eachItem(x, func(e any) (any, error) { return Numbers(e), nil })
		return out
	}
	return v
}

// eachItem returns the list or object c with f applied to each of its
// items, copying c only when f changes one (see same), so that a value
// nothing changes comes back as it was, unallocated and unwritten.
func eachItem(c any, f func(any) (any, error)) (any, error) {
	switch x := c.(type) {
	case []any:
		var out []any
		for i, e := range x {
			p, err := f(e)
			if err != nil {
				return nil, err
			}
			if out == nil && !same(p, e) {
				out = make([]any, len(x))
				copy(out, x[:i])
			}
			if out != nil {
				out[i] = p
			}
		}
		if out == nil {
			return x, nil
		}
		return out, nil
	case map[string]any:
		var out map[string]any
		for k, e := range x {
			p, err := f(e)
			if err != nil {
				return nil, err
			}
			if out == nil && !same(p, e) {
				out = maps.Clone(x)
			}
			if out != nil {
				out[k] = p
			}
		}
		if out == nil {
			return x, nil
		}
		return out, nil
	}
	return c, nil
}
