package engine_test

import "testing"

// TestReadableExprErrors: a value of the wrong kind is named in the docs'
// words with what to write instead, never Go's ("interface conversion:
// interface {} is nil, not bool", "cannot fetch a from <nil>").
func TestReadableExprErrors(t *testing.T) {
	in := map[string]any{"n": 2}
	const at = "error: main: stack[0].value: "
	for _, c := range []struct{ expr, want string }{
		{"!input.rate", at + "expected true or false, got null (a value that was not sent or not found is null: write x ?? false, or give the input a default) (1:1) in `!input.rate`"},
		{"input.rate ? 1 : 2", at + "expected true or false, got null (a value that was not sent or not found is null: write x ?? false, or give the input a default) (1:18) in `input.rate ? 1 : 2`"},
		{"!(input.rate ?? false)", "true"},
		{"upper(input.rate)", at + "expected text, got null (write x ?? '' for an empty text instead) (1:1) in `upper(input.rate)`"},
		{"date(input.n)", at + "expected text, got int (string(x) makes text of it) (1:1) in `date(input.n)`"},
		{"input.rate.a.b", at + "cannot read a of null; write ?.a to get null instead (and ?? to give a default) (1:12) in `input.rate.a.b`"},
		{"input.rate[0]", at + "cannot read 0 of null; write ?.[0] to get null instead (and ?? to give a default) (1:11) in `input.rate[0]`"},
		{"input.rate?.a?.b ?? 'none'", `"none"`},
		{"count([1, 2])", at + "count(list) without a predicate counts the items that are true, and an item is int: for the number of items write len(list); to count some, count(list, # > 0) (1:1) in `count([1, 2])`"},
		{"[count([true, false, true]), count([1, 2], # > 1), len([1, 2])]", "[2,1,2]"},
		{"join([input.n, 'b', input.price], '-')", `"2-b-"`},
	} {
		t.Run(c.expr, func(t *testing.T) {
			if got := runDecimalFn(t, c.expr, in); got != c.want {
				t.Errorf("%s\n got  %s\n want %s", c.expr, got, c.want)
			}
		})
	}
}
