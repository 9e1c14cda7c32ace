package steps_test

import "testing"

func TestForeach(t *testing.T) {
	runCases(t, []stepCase{
		{name: "items and index", defs: []string{mainFn(`[
			{"type": "var", "name": "out", "value": "[]"},
			{"type": "foreach", "items": "['a', 'b', 'c']", "as": "it", "index": "i", "steps": [
				{"type": "set", "name": "out", "value": "concat(out, [it + string(i)])"}]}]`, "out")}, want: `["a0","b1","c2"]`},
		{name: "break", defs: []string{mainFn(`[
			{"type": "var", "name": "out", "value": "[]"},
			{"type": "foreach", "items": "[1, 2, 3, 4]", "as": "n", "steps": [
				{"type": "if", "cond": "n == 3", "then": [{"type": "break"}]},
				{"type": "set", "name": "out", "value": "concat(out, [n])"}]}]`, "out")}, want: `[1,2]`},
		{name: "continue", defs: []string{mainFn(`[
			{"type": "var", "name": "out", "value": "[]"},
			{"type": "foreach", "items": "[1, 2, 3, 4]", "as": "n", "steps": [
				{"type": "if", "cond": "n % 2 == 0", "then": [{"type": "continue"}]},
				{"type": "set", "name": "out", "value": "concat(out, [n])"}]}]`, "out")}, want: `[1,3]`},
		{name: "empty list", defs: []string{mainFn(`[
			{"type": "var", "name": "c", "value": "0"},
			{"type": "foreach", "items": "[]", "as": "n", "steps": [{"type": "set", "name": "c", "value": "c + 1"}]}]`, "c")}, want: `0`},
		{name: "null is empty", defs: []string{mainFn(`[
			{"type": "var", "name": "c", "value": "0"},
			{"type": "foreach", "items": "nil", "as": "n", "steps": [{"type": "set", "name": "c", "value": "c + 1"}]}]`, "c")}, want: `0`},
		{name: "not a list", defs: []string{mainFn(`[
			{"type": "foreach", "items": "trim('abc')", "as": "n", "steps": []}]`, "")},
			wantErr: "main: stack[0].items: `trim('abc')` gave text, expected a list (execution exec-1)"},
		{name: "input list", defs: []string{fn("main", `[{"name": "xs", "type": "int", "list": true}]`, `[
			{"type": "var", "name": "acc", "value": "0"},
			{"type": "foreach", "items": "input.xs", "as": "x", "steps": [{"type": "set", "name": "acc", "value": "acc + x"}]}]`, "acc")},
			input: map[string]any{"xs": []any{1, 2, 3}}, want: `6`},
		{name: "break leaves only the inner loop", defs: []string{mainFn(`[
			{"type": "var", "name": "out", "value": "[]"},
			{"type": "foreach", "items": "[1, 2]", "as": "a", "steps": [
				{"type": "foreach", "items": "[10, 20, 30]", "as": "b", "steps": [
					{"type": "if", "cond": "b == 20", "then": [{"type": "break"}]},
					{"type": "set", "name": "out", "value": "concat(out, [a * b])"}]}]}]`, "out")}, want: `[10,20]`},
	})
}
