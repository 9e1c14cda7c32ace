package engine_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/enginetest"
)

// numFn returns expression e from a function of inputs n (int, known),
// x and f (json: their types known only when it runs).
func numFn(e string) string {
	b, _ := json.Marshal(e)
	return `{"kind": "function", "name": "main", "input": [
		{"name": "n", "type": "int", "required": true}, {"name": "x", "type": "json"}, {"name": "f", "type": "json"}],
		"stack": [{"type": "var", "name": "v", "value": ` + string(b) + `}], "response": "v"}`
}

// TestNumbers: numbers behave like JSON numbers (issue 15): a whole
// result is an int, ints never wrap, and division by zero is an error at
// its step. Each expression runs with its operands known at validate time
// (literals, input.n) and known only at run time (input.x).
func TestNumbers(t *testing.T) {
	in := map[string]any{"n": 8, "x": 8, "f": 1.5}
	cases := []struct{ expr, want, err string }{
		{expr: "8 / 2", want: "4"},
		{expr: "8 / 2 % 2", want: "0"},
		{expr: "input.n / 2 % 2", want: "0"},
		{expr: "input.x / 2 % 2", want: "0"},
		{expr: "7 / 2", want: "3.5"},
		{expr: "input.x / 16", want: "0.5"},
		{expr: "type(input.x / 2)", want: `"int"`},
		{expr: "type(input.x / 3)", want: `"float"`},
		{expr: "input.f * 2", want: "3"},
		{expr: "type(input.f * 2)", want: `"int"`},
		{expr: "0.1 + 0.2", want: "0.30000000000000004"},
		{expr: "1.5 * 2", want: "3"},
		{expr: "let x = 1.5 * 2; x % 2", want: "1"},
		{expr: "input.f * 2 % 2", want: "1"},
		{expr: "7.5 % 2", want: "1.5"},
		{expr: "2 ** 10", want: "1024"},
		{expr: "input.x ** 2", want: "64"},
		{expr: "2 ** -1", want: "0.5"},
		{expr: "-input.n", want: "-8"},
		{expr: "sum([1, 2, 3])", want: "6"},
		{expr: "sum(1..4, # * input.n)", want: "80"},
		{expr: "reduce(1..20, #acc * #, 1)", want: "2432902008176640000"},
		{expr: "'a' + 'b'", want: `"ab"`},
		{expr: "date('2026-03-01').Month() + 1", want: "4"},
		{expr: "date('2026-03-01').Weekday() * 2 - 1", want: "-1"},
		{expr: "12 - date('2026-03-01').Month() % 12", want: "9"},
		{expr: "-date('2026-03-01').Month()", want: "-3"},
		{expr: "date('2026-03-01').Month() / 2", want: "1.5"},
		{expr: "[date('2026-03-01').Month() < 4, date('2026-03-01').Month() == 3]", want: "[true,true]"},
		{expr: "date('2026-03-01').Month() + input.x", want: "11"},
		{expr: "9223372036854775807 + 1", err: "integer overflow: 9223372036854775807 + 1 does not fit a 64-bit int; use decimals (decimal(x)) or floats (float(x)) for larger numbers (1:21)"},
		{expr: "input.n * 9223372036854775807", err: "integer overflow: 8 * 9223372036854775807 does not fit a 64-bit int; use decimals (decimal(x)) or floats (float(x)) for larger numbers (1:9)"},
		{expr: "input.x - 9223372036854775807 - 10", err: "integer overflow: -9223372036854775799 - 10 does not fit a 64-bit int; use decimals (decimal(x)) or floats (float(x)) for larger numbers (1:31)"},
		{expr: "input.x ** 30", err: "integer overflow: 8 ** 30 does not fit a 64-bit int; use decimals (decimal(x)) or floats (float(x)) for larger numbers (1:9)"},
		{expr: "reduce(1..21, #acc * #, 1)", err: "integer overflow: 2432902008176640000 * 21 does not fit a 64-bit int; use decimals (decimal(x)) or floats (float(x)) for larger numbers (1:20)"},
		{expr: "sum([9223372036854775807, input.n])", err: "sum: integer overflow: 9223372036854775807 + 8 does not fit a 64-bit int; use decimals (decimal(x)) or floats (float(x)) for larger numbers (1:1)"},
		{expr: "1 / 0", err: "division by zero: 1 / 0; check the divisor first (d == 0 ? ... : x / d) (1:3)"},
		{expr: "input.x % 0", err: "modulo by zero: 8 % 0; check the divisor first (d == 0 ? ... : x % d) (1:9)"},
		{expr: "input.f / 0.0", err: "division by zero: 1.5 / 0; check the divisor first (d == 0 ? ... : x / d) (1:9)"},
		{expr: "1e308 * input.x", err: "number overflow: 1e+308 * 8 is not a finite number (1:7)"},
	}
	for _, c := range cases {
		t.Run(c.expr, func(t *testing.T) {
			e := engine.New(engine.Config{})
			t.Cleanup(e.Close)
			e.Load(enginetest.Compile(t, numFn(c.expr)))
			res, err := e.Run(context.Background(), "main", in, engine.RunOptions{})
			if c.err != "" {
				var ee *engine.Error
				if !errors.As(err, &ee) {
					t.Fatalf("%s = %v, %v; want the error %q", c.expr, res, err, c.err)
				}
				want := c.err + " in `" + c.expr + "`"
				if ee.Code != engine.CodeArithmetic || ee.Path != "stack[0].value" || ee.Message != want {
					t.Errorf("%s:\n got  %s at %s: %s\n want %s at stack[0].value: %s", c.expr, ee.Code, ee.Path, ee.Message, engine.CodeArithmetic, want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			b, err := json.Marshal(res.Output)
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != c.want {
				t.Errorf("%s = %s, want %s", c.expr, b, c.want)
			}
		})
	}
}

// TestNumbersIssueCases are the failing cases of issue 15: Collatz written
// naturally, fact(21), and a division by zero caught by try.
func TestNumbersIssueCases(t *testing.T) {
	e := engine.New(engine.Config{})
	t.Cleanup(e.Close)
	e.Load(enginetest.Compile(t,
		`{"kind": "function", "name": "collatz", "input": [{"name": "n", "type": "int", "required": true}],
		"stack": [{"type": "var", "name": "x", "value": "input.n"}, {"type": "var", "name": "steps", "value": "0"},
			{"type": "while", "cond": "x != 1", "steps": [
				{"type": "set", "name": "x", "value": "x % 2 == 0 ? x / 2 : 3 * x + 1"},
				{"type": "set", "name": "steps", "value": "steps + 1"}]}],
		"response": "steps"}`,
		`{"kind": "function", "name": "fact", "input": [{"name": "n", "type": "int", "required": true}],
		"stack": [{"type": "if", "cond": "input.n <= 1", "then": [{"type": "return", "value": "1"}]},
			{"type": "call", "function": "fact", "input": {"n": "input.n - 1"}, "as": "r"},
			{"type": "return", "value": "input.n * r"}]}`,
		`{"kind": "function", "name": "safe_div", "input": [{"name": "a", "type": "int", "required": true}, {"name": "b", "type": "int", "required": true}],
		"stack": [{"type": "try", "steps": [{"type": "return", "value": "input.a / input.b"}],
			"catch": [{"type": "return", "value": "{code: error.code, message: error.message}"}]}]}`))
	run := func(name string, in map[string]any) (string, error) {
		res, err := e.Run(context.Background(), name, in, engine.RunOptions{})
		if err != nil {
			return "", err
		}
		b, err := json.Marshal(res.Output)
		return string(b), err
	}
	if got, err := run("collatz", map[string]any{"n": 27}); err != nil || got != "111" {
		t.Errorf("collatz(27) = %s, %v; want 111", got, err)
	}
	if got, err := run("fact", map[string]any{"n": 20}); err != nil || got != "2432902008176640000" {
		t.Errorf("fact(20) = %s, %v; want 2432902008176640000", got, err)
	}
	_, err := run("fact", map[string]any{"n": 21})
	var ee *engine.Error
	want := "integer overflow: 21 * 2432902008176640000 does not fit a 64-bit int; use decimals (decimal(x)) or floats (float(x)) for larger numbers (1:9) in `input.n * r`"
	if !errors.As(err, &ee) || ee.Code != engine.CodeArithmetic || ee.Definition != "fact" || ee.Path != "stack[2].value" || ee.Message != want {
		t.Errorf("fact(21): %v\nwant arithmetic_error at fact: stack[2].value: %s", err, want)
	}
	got, err := run("safe_div", map[string]any{"a": 1, "b": 0})
	wantCaught := `{"code":"arithmetic_error","message":"division by zero: 1 / 0; check the divisor first (d == 0 ? ... : x / d) (1:9) in ` + "`input.a / input.b`" + `"}`
	if err != nil || got != wantCaught {
		t.Errorf("safe_div(1, 0) = %s, %v\nwant %s", got, err, wantCaught)
	}
	if got, err := run("safe_div", map[string]any{"a": 9, "b": 3}); err != nil || got != "3" {
		t.Errorf("safe_div(9, 3) = %s, %v; want 3", got, err)
	}
}
