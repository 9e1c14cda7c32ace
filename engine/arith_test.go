package engine_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/enginetest"
	_ "github.com/funcstack/funcstack/steps"
)

// decimalFn is a function of inputs price (decimal), prices (a list of
// decimals), n (int), rate (json) returning expression e.
func decimalFn(e string) string {
	b, _ := json.Marshal(e)
	return `{"kind": "function", "name": "main", "input": [
		{"name": "price", "type": "decimal"}, {"name": "other", "type": "decimal"},
		{"name": "prices", "type": "decimal", "list": true}, {"name": "n", "type": "int"}, {"name": "rate", "type": "json"}],
		"stack": [{"type": "return", "value": ` + string(b) + `}]}`
}

func TestDecimalExpressions(t *testing.T) {
	in := map[string]any{"price": json.Number("19.99"), "other": json.Number("0.2"), "n": 3, "rate": 1.5,
		"prices": []any{json.Number("0.1"), json.Number("0.2"), json.Number("0.3")}}
	cases := []struct{ expr, want string }{
		{"decimal('0.1') + input.other", "0.3"},
		{"input.price * 3", "59.97"},
		{"input.price * input.n", "59.97"},
		{"input.price * 1.2", "23.988"},
		{"1.5 - input.price", "-18.49"},
		{"input.price / 3", "6.663333333333333333333333333333333"},
		{"input.price % 7", "5.99"},
		{"-input.price", "-19.99"},
		{"input.price > 19", "true"},
		{"input.price == 19.99", "true"},
		{"input.price != 20", "true"},
		{"input.price == 'x'", "false"},
		{"input.price == nil", "false"},
		{"sum(input.prices)", "0.6"},
		{"sum(input.prices, # * 2)", "1.2"},
		{"sum(map(1..1000, input.price))", "19990.00"},
		{"max(input.prices)", "0.3"},
		{"min(input.price, input.other)", "0.2"},
		{"mean(input.prices)", "0.2"},
		{"round(input.price)", "20"},
		{"round(input.price * 1.2, 2)", "23.99"},
		{"round(input.price, 0)", "20"},
		{"round(input.rate * 15.99, 2)", "23.99"},
		{"round(1.005, 2)", "1.01"},
		{"round(-2.345, 2)", "-2.35"},
		{"round(input.n, 2)", "3"},
		{"floor(input.price)", "19"},
		{"ceil(input.price)", "20"},
		{"abs(-input.price)", "19.99"},
		{"int(input.price)", "19"},
		{"float(input.price) > 19.9", "true"},
		{"string(input.price)", `"19.99"`},
		{"decimal(0.1) + decimal(0.2) == decimal('0.3')", "true"},
		{"let x = input.price; x * 2", "39.98"},
		{"[input.price, input.other][0] + 1", "20.99"},
		{"input.n * 2 + 1", "7"},
		{"7 / 2", "3.5"},
	}
	for _, c := range cases {
		t.Run(c.expr, func(t *testing.T) {
			e := engine.New(engine.Config{})
			t.Cleanup(e.Close)
			e.Load(enginetest.Compile(t, decimalFn(c.expr)))
			res, err := e.Run(context.Background(), "main", in, engine.RunOptions{})
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

func TestDecimalMixErrors(t *testing.T) {
	in := map[string]any{"price": json.Number("19.99"), "rate": 1.5, "prices": []any{}}
	// Known types: validate-time errors at the expression's position.
	for expr, want := range map[string]string{
		"input.price * float(2)": "main: stack[0].value: cannot use * with a decimal and a float: decimals are exact and floats are not; convert the float with decimal(x) (its shortest decimal), or the decimal with float(d) (1:13)",
		"input.price + 'x'":      "main: stack[0].value: cannot use + with a decimal and text (1:13)",
	} {
		_, diags := engine.Compile(enginetest.Parse(t, decimalFn(expr)))
		if got := strings.TrimSpace(fmt.Sprint(diags.Err())); got != want {
			t.Errorf("%s:\n got  %s\n want %s", expr, got, want)
		}
	}
	// Unknown types: the same rule when the run meets the values.
	e := engine.New(engine.Config{})
	t.Cleanup(e.Close)
	e.Load(enginetest.Compile(t, decimalFn("input.price * input.rate")))
	_, err := e.Run(context.Background(), "main", in, engine.RunOptions{ExecutionID: "x"})
	want := "main: stack[0].value: cannot use * with a decimal and a float: decimals are exact and floats are not; convert the float with decimal(1.5) (its shortest decimal), or the decimal with float(d) (1:13)"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("run error:\n got  %v\n want %s", err, want)
	}
}

// TestRoundErrors: round(x, decimals) says what it takes.
func TestRoundErrors(t *testing.T) {
	in := map[string]any{"price": json.Number("19.99"), "n": 3}
	for expr, want := range map[string]string{
		"round(input.price, -1)":  "error: main: stack[0].value: round(x, decimals): decimals must be a whole number from 0 to 20, got an int (-1) (1:1) in `round(input.price, -1)`",
		"round(input.price, 2.5)": "error: main: stack[0].value: round(x, decimals): decimals must be a whole number from 0 to 20, got a decimal (2.5) (1:1) in `round(input.price, 2.5)`",
		"round('x', 2)":           "error: main: stack[0].value: round(x, decimals) takes a number, got text \"x\" (1:1) in `round('x', 2)`",
	} {
		if got := runDecimalFn(t, expr, in); got != want {
			t.Errorf("%s:\n got  %s\n want %s", expr, got, want)
		}
	}
	_, diags := engine.Compile(enginetest.Parse(t, decimalFn("round(input.price, 2, 3)")))
	if got, want := strings.TrimSpace(fmt.Sprint(diags.Err())), "main: stack[0].value: invalid number of arguments (expected 1, got 3) (1:1)"; got != want {
		t.Errorf("three arguments:\n got  %s\n want %s", got, want)
	}
}

// TestNumbersFromText: int(text) and float(text) read the number a text
// holds, as a Xano user's to_int does: spaces around it, a fraction (int
// cuts it off), an exponent; a text that is not one says so.
func TestNumbersFromText(t *testing.T) {
	fn := func(typ, e string) string {
		return `{"kind": "function", "name": "main", "input": [{"name": "s", "type": "` + typ + `", "required": true}],
			"stack": [{"type": "return", "value": "` + e + `"}]}`
	}
	for _, typ := range []string{"text", "json"} {
		for _, c := range []struct{ expr, in, want string }{
			{"int(input.s)", "12", "12"},
			{"int(input.s)", " 12 ", "12"},
			{"int(input.s)", "12.9", "12"},
			{"int(input.s)", "-3.9", "-3"},
			{"int(input.s)", "1e3", "1000"},
			{"float(input.s)", " 2.5", "2.5"},
			{"int(input.s)", "abc", `error: main: stack[0].value: int("abc"): the text is not a number such as '12' or '-3.5' (1:1) in ` + "`int(input.s)`"},
			{"float(input.s)", "1e999", `error: main: stack[0].value: float("1e999"): the text is not a number such as '12' or '-3.5' (1:1) in ` + "`float(input.s)`"},
			{"int(input.s)", "99999999999999999999", `error: main: stack[0].value: int("99999999999999999999"): the number does not fit an int; use decimal(x) for larger numbers (1:1) in ` + "`int(input.s)`"},
		} {
			if got := runMain(t, fn(typ, c.expr), map[string]any{"s": c.in}); got != c.want {
				t.Errorf("%s %s of %q:\n got  %s\n want %s", typ, c.expr, c.in, got, c.want)
			}
		}
	}
}
