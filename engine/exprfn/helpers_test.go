package exprfn

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/types"
	"github.com/expr-lang/expr/vm"
)

// testEnv is what the table tests' expressions can read besides literals:
// values of every kind, typed as any, so that the checker lets through
// what only the run can refuse.
var testEnv = map[string]any{
	"n": any(5), "f": any(2.5), "s": any("text"), "b": any(true), "nul": any(nil),
	"l": any([]any{1, "a"}), "o": any(map[string]any{"a": 1}),
	"t":    any(time.Date(2026, 3, 1, 14, 5, 9, 123456789, time.UTC)),
	"big":  any(1 << 62),
	"long": any(strings.Repeat("a", MaxItems+1)),
}

// eval compiles and runs src as the engine does (funcstack's options, then
// Plain when the program needs it). It returns the value, or the whole
// message of the error (compile or run), without expr's position.
func eval(src string) (any, string) {
	env := map[string]any{}
	for k, v := range testEnv {
		env[k] = v
	}
	typed := types.Map{}
	for k := range env {
		typed[k] = types.Any
	}
	prog, err := expr.Compile(src, append([]expr.Option{expr.Env(typed)}, Options()...)...)
	if err != nil {
		return nil, "compile: " + message(err)
	}
	v, err := vm.Run(prog, env)
	if err != nil {
		return nil, message(err)
	}
	if NeedsPlain(prog) {
		if v, err = Plain(v); err != nil {
			return nil, err.Error()
		}
	}
	return v, ""
}

func message(err error) string {
	var fe *file.Error
	if errors.As(err, &fe) {
		return fe.Message
	}
	return err.Error()
}

// exprCase is one expression with the whole value or whole error it gives.
type exprCase struct {
	src  string
	want any
	err  string
}

func runCases(t *testing.T, cases []exprCase) {
	t.Helper()
	for _, c := range cases {
		got, err := eval(c.src)
		if err != c.err {
			t.Errorf("%s\n error %q\n want  %q", c.src, err, c.err)
			continue
		}
		if c.err == "" && !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s\n got  %s\n want %s", c.src, show(got), show(c.want))
		}
	}
}

func show(v any) string { return fmt.Sprintf("%#v", v) }

// TestFuncsNeverPanic calls every funcstack function with arguments of
// every kind, in every count up to four: each gives a value or an error,
// never a panic (expr would recover it into an error, but a panic is a
// bug: an argument nobody checked).
func TestFuncsNeverPanic(t *testing.T) {
	values := []any{nil, true, 0, -1, 3, 1 << 62, -1 << 63, 2.5, -0.5, 1e300, "", "a", "日本", "\xff", "%", "$1",
		[]any{}, []any{1, "a", nil}, []any{[]any{"k", 1}}, []int{1, 2}, map[string]any{}, map[string]any{"key": "a", "value": 1},
		map[any]any{1: 2}, time.Time{}, time.Date(2026, 1, 31, 0, 0, 0, 0, time.UTC), time.Hour, time.UTC}
	for _, f := range Catalogue() {
		if f.Func == nil {
			continue
		}
		call := func(args ...any) {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("%s%s panicked: %v", f.Name, show(args), r)
				}
			}()
			_, _ = f.Func(args...)
		}
		call()
		for _, a := range values {
			call(a)
			for _, b := range values {
				call(a, b)
			}
		}
		for _, a := range values[:12] {
			for _, b := range values[10:] {
				call(a, b, a)
				call(b, a, a, b)
			}
		}
	}
}
