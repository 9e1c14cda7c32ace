package engine_test

import (
	"encoding/json"
	"testing"
)

// TestNewcomerExpressionHints: what a user from Xano, JavaScript or PHP
// writes first and expr refuses gets what to write instead, at its path:
// a function spelt otherwise, a word operator called as a function, an
// object per item of map without its parentheses, and a sortBy or
// groupBy by a quoted field name (which sorted nothing, silently).
func TestNewcomerExpressionHints(t *testing.T) {
	fn := func(value string) string {
		v, _ := json.Marshal(value)
		return `{"kind": "function", "name": "f", "stack": [{"type": "var", "name": "x", "value": ` + string(v) + `}]}`
	}
	const at = "error: f: stack[0].value: "
	for _, c := range []struct{ value, want string }{
		{"substr('abc', 1, 2)", at + "unknown name substr; write text[start:end] (characters; text[-3:] for the last three) (1:1)"},
		{"has({a: 1}, 'a')", at + "unknown name has; write 'key' in object (1:1)"},
		{"toLowerCase('A')", at + "unknown name toLowerCase; write lower(text) (1:1)"},
		{"number('3.5')", at + "unknown name number; write float(text) or int(text) (1:1)"},
		{"contains('hello', 'ell')", at + `unexpected token Operator("contains") (1:1); contains is an operator, written between its operands: a contains b`},
		{"startsWith('hello', 'he')", at + `unexpected token Operator("startsWith") (1:1); startsWith is an operator, written between its operands: a startsWith b`},
		{"map([1, 2], {v: #})", at + `unexpected token Operator(":") (1:15); to make an object for each item, put it in parentheses: map(list, ({id: .id}))`},
		{"sortBy([{n: 2}, {n: 1}], 'n')", at + "sortBy by 'n' is by the same text for every item; for the field n of each item write sortBy(list, .n) (1:26)"},
		{"groupBy([{t: 'a'}], 'first name')", at + "groupBy by 'first name' is by the same text for every item; for the field first name of each item write groupBy(list, #['first name']) (1:21)"},
		{"[map([1, 2], ({v: #})), sortBy([{n: 2}, {n: 1}], .n), 'hello' contains 'ell']", ""},
	} {
		t.Run(c.value, func(t *testing.T) { checkDiagnostics(t, nil, c.want, fn(c.value)) })
	}
}
