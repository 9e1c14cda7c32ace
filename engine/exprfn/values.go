package exprfn

import (
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
	"time"
	"unicode/utf8"
)

// Limits of what one function call makes. They are the engine's default
// limits for what a variable holds (engine.DefaultLimits: max_text_bytes
// and max_items; a test keeps them equal): a call cannot make more than a
// variable may hold by default, so randomText(1e9) is an error naming the
// limit before anything is allocated. A value that passes is checked again
// against the run's own limits when it is stored.
const (
	MaxTextBytes = 16 << 20
	MaxItems     = 1_000_000
)

// errTextLimit is the error of a function whose text would pass
// MaxTextBytes; what says what the function was asked for.
func errTextLimit(fn, what string) error {
	return fmt.Errorf("%s: %s would make a text over the %s limit (max_text_bytes)", fn, what, byteSize(MaxTextBytes))
}

// errItemsLimit is the error of a function whose list or object would pass
// MaxItems.
func errItemsLimit(fn, what string) error {
	return fmt.Errorf("%s: %s would make more than %d items (max_items)", fn, what, MaxItems)
}

func byteSize(n int) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}

// exactDecimal is an exact decimal number (engine/value's Decimal, the
// value of a decimal input or column), known here by its methods: value
// imports this package. String gives its exact digits ("19.990"),
// Float64 the nearest float, Int the int it equals when it is whole.
type exactDecimal interface {
	String() string
	Float64() float64
	Int() (int, bool)
}

// describe names v's type the way the docs do (text, int, decimal, bool,
// list, object, timestamp, null), with the value itself when short.
func describe(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		if utf8.RuneCountInString(x) > 40 {
			x = string([]rune(x)[:37]) + "..."
		}
		return "text " + strconv.Quote(x)
	case bool:
		return "bool " + strconv.FormatBool(x)
	case int:
		return "int " + strconv.Itoa(x)
	case float64:
		return "decimal " + strconv.FormatFloat(x, 'g', -1, 64)
	case exactDecimal:
		return "decimal " + x.String()
	case time.Time:
		return "timestamp " + x.Format(time.RFC3339Nano)
	case map[string]any:
		return "an object"
	case []any:
		return "a list"
	}
	switch reflect.ValueOf(v).Kind() {
	case reflect.Map:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "a list"
	}
	return fmt.Sprintf("a %T", v)
}

// argError is the error of a call with a wrong argument: the function,
// the argument, what to pass with an example, and what was given.
func argError(fn, arg, want, example string, got any) error {
	return fmt.Errorf("%s: %s must be %s, e.g. %s; got %s", fn, arg, want, example, describe(got))
}

// arity checks the argument count of a function whose expr signatures do
// not (a call through a variable of unknown type is checked at run time).
func arity(fn string, args []any, least, most int, usage string) error {
	if len(args) >= least && (most < 0 || len(args) <= most) {
		return nil
	}
	return fmt.Errorf("%s takes %s; got %d argument%s", fn, usage, len(args), plural(len(args)))
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// text is args[i] as text.
func text(fn, arg string, v any, example string) (string, error) {
	s, ok := v.(string)
	if !ok {
		return "", argError(fn, arg, "text", example, v)
	}
	return s, nil
}

// oneText is the one text argument of fn.
func oneText(fn string, args []any, example string) (string, error) {
	if err := arity(fn, args, 1, 1, "one text, e.g. "+example); err != nil {
		return "", err
	}
	return text(fn, "the argument", args[0], example)
}

// whole is v as an int when it is a whole number (an int, or a decimal
// without fraction within int's range).
func whole(v any) (int, bool) {
	switch n := v.(type) {
	case int:
		return n, true
	case float64:
		if n == math.Trunc(n) && math.Abs(n) < 1<<63 {
			return int(n), true
		}
	case int64:
		return int(n), true
	case int32:
		return int(n), true
	case exactDecimal:
		return n.Int()
	}
	return 0, false
}

// count is v as a whole number from 0 to max.
func count(fn, arg string, v any, max int, example string) (int, error) {
	n, ok := whole(v)
	if !ok || n < 0 {
		return 0, argError(fn, arg, "a whole number of 0 or more", example, v)
	}
	if n > max {
		return 0, errTextLimit(fn, fmt.Sprintf("%s %d", arg, n))
	}
	return n, nil
}

// number is v as a float64, with isInt set when v is an int.
func number(fn, arg string, v any, example string) (f float64, isInt bool, err error) {
	switch n := v.(type) {
	case int:
		return float64(n), true, nil
	case float64:
		if math.IsNaN(n) || math.IsInf(n, 0) {
			break
		}
		return n, false, nil
	case int64:
		return float64(n), true, nil
	case int32:
		return float64(n), true, nil
	case exactDecimal:
		return n.Float64(), false, nil
	}
	return 0, false, argError(fn, arg, "a number", example, v)
}

// finite is a float result, an error when it is not a JSON number.
func finite(fn string, f float64) (any, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, fmt.Errorf("%s: the result is not a finite number", fn)
	}
	return f, nil
}

// object is v as an object.
func object(fn, arg string, v any, example string) (map[string]any, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, argError(fn, arg, "an object", example, v)
	}
	return m, nil
}

// list is v as a list. Lists of another Go type (what some expr builtins
// make) are copied into a []any.
func list(fn, arg string, v any, example string) ([]any, error) {
	if l, ok := v.([]any); ok {
		return l, nil
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array {
		return nil, argError(fn, arg, "a list", example, v)
	}
	out := make([]any, rv.Len())
	for i := range out {
		out[i] = rv.Index(i).Interface()
	}
	return out, nil
}

// sortedKeys returns m's keys in order.
func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// validText reports an error for text that is not UTF-8 (what a decoder
// made of bytes that are not text).
func validText(fn, s string) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("%s: the result is not UTF-8 text (binary data cannot be held in a text)", fn)
	}
	return nil
}
