package steps_test

import (
	"testing"

	"github.com/funcstack/funcstack/engine"
)

func TestWhile(t *testing.T) {
	collatz := fn("main", `[{"name": "n", "type": "int", "required": true, "min": 1}]`, `[
		{"type": "var", "name": "n", "value": "input.n"},
		{"type": "var", "name": "steps", "value": "0"},
		{"type": "while", "cond": "n > 1", "steps": [
			{"type": "if", "cond": "n % 2 == 0",
				"then": [{"type": "set", "name": "n", "value": "int(n / 2)"}],
				"else": [{"type": "set", "name": "n", "value": "3 * n + 1"}]},
			{"type": "set", "name": "steps", "value": "steps + 1"}]}]`, "{n: n, steps: steps}")
	runCases(t, []stepCase{
		{name: "collatz", defs: []string{collatz}, input: map[string]any{"n": 27}, want: `{"n":1,"steps":111}`},
		{name: "false at once", defs: []string{collatz}, input: map[string]any{"n": 1}, want: `{"n":1,"steps":0}`},
		{name: "loop limit", cfg: engine.Config{Limits: engine.Limits{MaxLoopIterations: 50}},
			defs: []string{collatz}, input: map[string]any{"n": 27},
			wantErr: "main: stack[2]: loop ran more than 50 iterations (limit max_loop_iterations); add a break or a tighter condition (execution exec-1)", wantCode: engine.CodeLimit},
		{name: "break", defs: []string{mainFn(`[
			{"type": "var", "name": "i", "value": "0"},
			{"type": "while", "cond": "true", "steps": [
				{"type": "set", "name": "i", "value": "i + 1"},
				{"type": "if", "cond": "i >= 7", "then": [{"type": "break"}]}]}]`, "i")}, want: `7`},
		{name: "continue", defs: []string{mainFn(`[
			{"type": "var", "name": "i", "value": "0"},
			{"type": "var", "name": "odd", "value": "[]"},
			{"type": "while", "cond": "i < 6", "steps": [
				{"type": "set", "name": "i", "value": "i + 1"},
				{"type": "if", "cond": "i % 2 == 0", "then": [{"type": "continue"}]},
				{"type": "set", "name": "odd", "value": "concat(odd, [i])"}]}]`, "odd")}, want: `[1,3,5]`},
		{name: "non-bool condition", defs: []string{mainFn(`[
			{"type": "var", "name": "i", "value": "'yes'"},
			{"type": "while", "cond": "i", "steps": [{"type": "set", "name": "i", "value": "nil"}]}]`, "i")},
			wantErr: "main: stack[1].cond: condition `i` gave text (yes), not true or false (execution exec-1)"},
	})
}
