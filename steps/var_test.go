package steps_test

import (
	"testing"

	"github.com/funcstack/funcstack/engine"
)

func TestVar(t *testing.T) {
	runCases(t, []stepCase{
		{name: "number", defs: []string{mainFn(`[{"type": "var", "name": "x", "value": "1 + 2"}]`, "x")}, want: `3`},
		{name: "text", defs: []string{mainFn(`[{"type": "var", "name": "x", "value": "'a' + 'b'"}]`, "x")}, want: `"ab"`},
		{name: "object and list", defs: []string{mainFn(`[{"type": "var", "name": "x", "value": "{a: 1, b: [1, 'two', true, nil]}"}]`, "x")},
			want: `{"a":1,"b":[1,"two",true,null]}`},
		{name: "reads earlier var", defs: []string{mainFn(`[
			{"type": "var", "name": "a", "value": "2"},
			{"type": "var", "name": "b", "value": "a * 10"}]`, "{a: a, b: b}")}, want: `{"a":2,"b":20}`},
		{name: "reads input", defs: []string{fn("main", `[{"name": "n", "type": "int", "required": true}]`,
			`[{"type": "var", "name": "x", "value": "input.n * 2"}]`, "x")}, input: map[string]any{"n": 21}, want: `42`},
		{name: "no response gives null", defs: []string{mainFn(`[{"type": "var", "name": "x", "value": "1"}]`, "")}, want: `null`},
		{name: "disabled step is skipped", defs: []string{mainFn(`[
			{"type": "var", "name": "x", "value": "1"},
			{"type": "set", "name": "x", "value": "2", "disabled": true}]`, "x")}, want: `1`},
		{name: "runtime expression error names step", defs: []string{mainFn(`[
			{"type": "var", "name": "l", "value": "[1]"},
			{"type": "var", "name": "x", "value": "l[0] > 0 ? fromJSON('{') : 0"}]`, "x")},
			wantErr:  "main: stack[1].value: fromJSON: the text is not JSON: unexpected end of JSON input (1:12) in `l[0] > 0 ? fromJSON('{') : 0` (execution exec-1)",
			wantCode: engine.CodeExpression},
	})
}

// TestVariablesFastAndVM: variables live in slots, which the fast path
// reads; an expression the VM runs (builtins, predicates, $env) sees every
// change made before it, by any step, in the same iteration.
func TestVariablesFastAndVM(t *testing.T) {
	runCases(t, []stepCase{
		{name: "the VM sees what fast steps changed", defs: []string{mainFn(`[
			{"type": "var", "name": "total", "value": "0"},
			{"type": "var", "name": "trail", "value": "''"},
			{"type": "for", "from": "1", "to": "4", "as": "i", "steps": [
				{"type": "set", "name": "total", "value": "total + i * i"},
				{"type": "set", "name": "trail", "value": "trail + string(total) + ','"}]}]`, "{total: total, trail: trail}")},
			want: `{"total":30,"trail":"1,5,14,30,"}`},
		{name: "fast steps see what the VM computed", defs: []string{mainFn(`[
			{"type": "var", "name": "n", "value": "0"},
			{"type": "foreach", "items": "['a', 'bb', 'ccc']", "as": "w", "index": "k", "steps": [
				{"type": "set", "name": "n", "value": "n + len(w) * 10 + k"}]}]`, "n")},
			want: `63`},
		{name: "predicates read outer variables", defs: []string{mainFn(`[
			{"type": "var", "name": "limit", "value": "1"},
			{"type": "var", "name": "seen", "value": "[]"},
			{"type": "for", "from": "1", "to": "3", "as": "i", "steps": [
				{"type": "set", "name": "limit", "value": "limit + 1"},
				{"type": "set", "name": "seen", "value": "append(seen, len(filter([1, 2, 3, 4], # > limit)))"}]}]`, "seen")},
			want: `[2,1,0]`},
		{name: "$env holds the variables set so far", defs: []string{fn("main", `[{"name": "n", "type": "int"}]`, `[
			{"type": "var", "name": "a", "value": "1"},
			{"type": "set", "name": "a", "value": "a + 1"},
			{"type": "var", "name": "b", "value": "$env.a * 10 + $env.input.n"}]`, "b")},
			input: map[string]any{"n": 3}, want: `23`},
		{name: "a path set is seen by the fast path", defs: []string{mainFn(`[
			{"type": "var", "name": "o", "value": "{c: 1}"},
			{"type": "for", "count": "3", "as": "i", "steps": [
				{"type": "set", "name": "o", "path": "c", "value": "o.c * 2"}]}]`, "o.c + 1")},
			want: `9`},
		{name: "each call has its own variables", defs: []string{
			fn("main", "", `[
				{"type": "var", "name": "x", "value": "5"},
				{"type": "call", "function": "fact", "input": {"n": "x"}, "as": "r"}]`, "{x: x, r: r}"),
			fn("fact", `[{"name": "n", "type": "int", "required": true}]`, `[
				{"type": "var", "name": "x", "value": "input.n"},
				{"type": "if", "cond": "x <= 1", "then": [{"type": "return", "value": "1"}]},
				{"type": "call", "function": "fact", "input": {"n": "x - 1"}, "as": "r"}]`, "x * r")},
			want: `{"r":120,"x":5}`},
	})
}
