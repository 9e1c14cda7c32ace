package engine_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/enginetest"
)

// TestFunctionsTakeDecimals: the catalogue's functions that take numbers
// take the exact decimals of decimal inputs and columns, which they
// refused ("formatNumber: the number must be a number …; got a
// value.Decimal"), and round them on their exact digits. Each case is the
// whole answer or the whole error.
func TestFunctionsTakeDecimals(t *testing.T) {
	in := map[string]any{"price": json.Number("19.995"), "other": json.Number("1.005"), "n": 3,
		"prices": []any{json.Number("2.20"), json.Number("1.10"), json.Number("3")}}
	for _, c := range []struct{ expr, want string }{
		{"formatNumber(input.price, 2)", `"20.00"`},
		{"formatNumber(input.price * 1000, 1, ',', '.')", `"19.995,0"`},
		{"formatNumber(-input.other, 2)", `"-1.01"`},
		{"sprintf('%.2f', input.other)", `"1.01"`},
		{"sprintf('%08.2f|%-7.1f|%v|%s', input.price, input.price, input.price, input.other)", `"00020.00|20.0   |19.995|1.005"`},
		{"sprintf('%.3e', input.price)", `"2.000e+01"`},
		{"clamp(input.price, 0, 10)", "10"},
		{"clamp(input.other, 0, 10)", "1.005"},
		{"sqrt(input.price * 0 + 2.25)", "1.5"},
		{"urlEncode(input.price)", `"19.995"`},
		{"fromUnixMs(input.price * 0 + 1772323200000)", `"2026-03-01T00:00:00Z"`},
		{"[type(input.price), type(input.n), type(1.5), type(now()), type(duration('1h'))]", `["decimal","int","float","timestamp","duration"]`},
		{"sort(input.prices)", "[1.10,2.20,3]"},
		{"pow(decimal('1234.565'), 2)", "1524150.739225"},
		{"[pow(input.other, 3), pow(input.other, 0), pow(input.other, 1)]", "[1.015075125,1,1.005]"},
		{"input.other ** 2", "1.010025"},
		{"pow(input.other, -1)", "0.9950248756218907"},
		{"pow(input.other, 0.5)", "1.002496882788171"},
		{"pow(input.other, 2000)", "error: main: stack[0].value: pow: 1.005 to the power of 2000 would have more than 1000 digits; for an approximation use a float base, e.g. pow(float(x), 2000) (1:1) in `pow(input.other, 2000)`"},
		{"sort(input.prices, 'desc')", "[3,2.20,1.10]"},
		{"sortBy(input.prices, #)", "[1.10,2.20,3]"},
		{"sort([3, nil, 1])", "[null,1,3]"},
		{"sort([3, nil, 1], 'desc')", "[3,1,null]"},
		{"sort([duration('1h'), nil, duration('1m')])", "[null,60000000000,3600000000000]"},
		{"sortBy([{n: 'b', k: 2}, {n: 'x'}, {n: 'a', k: 1}, {n: 'y', k: nil}], .k)", `[{"n":"x"},{"k":null,"n":"y"},{"k":1,"n":"a"},{"k":2,"n":"b"}]`},
		{"sortBy([{n: 'b', k: 2}, {n: 'x'}, {n: 'a', k: 1}], .k, 'desc')", `[{"k":2,"n":"b"},{"k":1,"n":"a"},{"n":"x"}]`},
		{"sortBy([{k: 2}, {k: 1}], .k, input.n == 3 ? 'desc' : 'asc')", `[{"k":2},{"k":1}]`},
		{"sortBy(input.prices, -#)", "[3,2.20,1.10]"},
		{"sortBy([{k: 'a'}, {k: 1}], .k)", "error: main: stack[0].value: sortBy: the key of item 1 is int 1 among texts; sortBy takes keys of one kind: numbers, texts, timestamps or durations (1:1) in `sortBy([{k: 'a'}, {k: 1}], .k)`"},
		{"sortBy([{k: {}}], .k)", "error: main: stack[0].value: sortBy: the key of item 0 is an object; sortBy takes numbers, texts, timestamps or durations (1:1) in `sortBy([{k: {}}], .k)`"},
		{"sortBy([{k: 1}], .k, 'up')", "error: main: stack[0].value: sortBy: the order must be 'asc' or 'desc', e.g. sortBy(users, .name, 'desc'); got text \"up\" (1:1) in `sortBy([{k: 1}], .k, 'up')`"},
		{"sortBy(map(input.prices, ({p: #})), .p, 'desc')", `[{"p":3},{"p":2.20},{"p":1.10}]`},
		{"padStart('7', input.other)", "error: main: stack[0].value: padStart: the length must be a whole number of 0 or more, e.g. padStart('7', 3, '0'); got decimal 1.005 (1:1) in `padStart('7', input.other)`"},
		{"sort([input.price, 'a'])", "error: main: stack[0].value: sort: item 1 is text \"a\" among numbers; sort takes items of one kind: numbers, texts, timestamps or durations (1:1) in `sort([input.price, 'a'])`"},
		{"sort([{a: 1}])", "error: main: stack[0].value: sort: item 0 is an object; sort takes numbers, texts, timestamps or durations; to sort objects by a field, use sortBy(list, .field) (1:1) in `sort([{a: 1}])`"},
	} {
		t.Run(c.expr, func(t *testing.T) {
			if got := runDecimalFn(t, c.expr, in); got != c.want {
				t.Errorf("%s\n got  %s\n want %s", c.expr, got, c.want)
			}
		})
	}
}

// runDecimalFn runs decimalFn(expr) with input in (runMain).
func runDecimalFn(t *testing.T, expr string, in map[string]any) string {
	t.Helper()
	return runMain(t, decimalFn(expr), in)
}

// runMain runs the function main of definition def with input in: its
// answer as JSON, or "error: " and the whole error (without the execution
// ID).
func runMain(t *testing.T, def string, in map[string]any) string {
	t.Helper()
	e := engine.New(engine.Config{})
	t.Cleanup(e.Close)
	e.Load(enginetest.Compile(t, def))
	res, err := e.Run(context.Background(), "main", in, engine.RunOptions{ExecutionID: "x"})
	if err != nil {
		return "error: " + strings.TrimSuffix(err.Error(), " (execution x)")
	}
	b, err := json.Marshal(res.Output)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
