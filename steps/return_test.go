package steps_test

import "testing"

func TestReturn(t *testing.T) {
	runCases(t, []stepCase{
		{name: "early return skips the rest and the response", defs: []string{mainFn(`[
			{"type": "var", "name": "x", "value": "1"},
			{"type": "return", "value": "{early: x}"},
			{"type": "set", "name": "x", "value": "2"}]`, "{late: x}")}, want: `{"early":1}`},
		{name: "return without value", defs: []string{mainFn(`[{"type": "return"}]`, "'response'")}, want: `null`},
		{name: "return from a nested loop", defs: []string{mainFn(`[
			{"type": "foreach", "items": "[1, 2, 3]", "as": "a", "steps": [
				{"type": "foreach", "items": "[1, 2, 3]", "as": "b", "steps": [
					{"type": "if", "cond": "a * b == 6", "then": [{"type": "return", "value": "[a, b]"}]}]}]}]`, "nil")},
			want: `[2,3]`},
		{name: "return in a callee ends only the callee", defs: []string{
			mainFn(`[{"type": "call", "function": "child", "as": "r"}]`, "{r: r, after: true}"),
			fn("child", "", `[{"type": "return", "value": "'from child'"}]`, "'not this'")},
			want: `{"after":true,"r":"from child"}`},
	})
}
