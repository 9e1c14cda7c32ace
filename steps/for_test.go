package steps_test

import (
	"testing"

	"github.com/funcstack/funcstack/engine"
)

func TestFor(t *testing.T) {
	sum := func(loop string) string {
		return mainFn(`[{"type": "var", "name": "seen", "value": "[]"}, `+loop+`]`, "seen")
	}
	body := `"as": "i", "steps": [{"type": "set", "name": "seen", "value": "concat(seen, [i])"}]`
	runCases(t, []stepCase{
		{name: "from to inclusive", defs: []string{sum(`{"type": "for", "from": "1", "to": "4", ` + body + `}`)}, want: `[1,2,3,4]`},
		{name: "to without from starts at 0", defs: []string{sum(`{"type": "for", "to": "2", ` + body + `}`)}, want: `[0,1,2]`},
		{name: "count", defs: []string{sum(`{"type": "for", "count": "3", ` + body + `}`)}, want: `[0,1,2]`},
		{name: "the variable is an int", defs: []string{sum(`{"type": "for", "count": "4", "as": "i", "steps": [
			{"type": "if", "cond": "i == 2 || i % 3 == 0", "then": [{"type": "set", "name": "seen", "value": "concat(seen, [i * 1.5])"}]}]}`)},
			want: `[0,3,4.5]`},
		{name: "from equal to", defs: []string{sum(`{"type": "for", "from": "5", "to": "5", ` + body + `}`)}, want: `[5]`},
		{name: "empty range", defs: []string{sum(`{"type": "for", "from": "5", "to": "1", ` + body + `}`)}, want: `[]`},
		{name: "count zero", defs: []string{sum(`{"type": "for", "count": "0", ` + body + `}`)}, want: `[]`},
		{name: "negative count", defs: []string{sum(`{"type": "for", "count": "-3", ` + body + `}`)}, want: `[]`},
		{name: "whole decimal bound", defs: []string{sum(`{"type": "for", "from": "1", "to": "6 / 2", ` + body + `}`)}, want: `[1,2,3]`},
		{name: "fractional bound", defs: []string{sum(`{"type": "for", "from": "1", "to": "5 / 2", ` + body + `}`)},
			wantErr: "main: stack[1].to: `5 / 2` gave a decimal (2.5), expected a whole number (execution exec-1)"},
		{name: "break and continue", defs: []string{sum(`{"type": "for", "from": "1", "to": "10", "as": "i", "steps": [
			{"type": "if", "cond": "i == 2", "then": [{"type": "continue"}]},
			{"type": "if", "cond": "i == 5", "then": [{"type": "break"}]},
			{"type": "set", "name": "seen", "value": "concat(seen, [i])"}]}`)}, want: `[1,3,4]`},
		{name: "sum_squares", defs: []string{fn("main", `[{"name": "n", "type": "int", "required": true, "min": 0}]`, `[
			{"type": "var",  "name": "total", "value": "0"},
			{"type": "for",  "from": "1", "to": "input.n", "as": "i", "steps": [
				{"type": "set", "name": "total", "value": "total + i * i"}]}]`, "total")},
			input: map[string]any{"n": 10}, want: `385`},
		{name: "over the loop limit", cfg: engine.Config{Limits: engine.Limits{MaxLoopIterations: 50}},
			defs:    []string{sum(`{"type": "for", "count": "51", ` + body + `}`)},
			wantErr: "main: stack[1]: loop ran more than 50 iterations (limit max_loop_iterations); add a break or a tighter condition (execution exec-1)", wantCode: engine.CodeLimit},
		{name: "exactly the loop limit", cfg: engine.Config{Limits: engine.Limits{MaxLoopIterations: 3}},
			defs: []string{sum(`{"type": "for", "count": "3", ` + body + `}`)}, want: `[0,1,2]`},
	})
}
