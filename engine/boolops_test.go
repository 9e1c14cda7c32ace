package engine_test

import (
	"encoding/json"
	"testing"
)

// TestAndOrTakeBools: && and || give true or false, or fail in the docs'
// words; expr alone gave the right operand through (true && x was x, and
// x && true was folded into x).
func TestAndOrTakeBools(t *testing.T) {
	fn := func(e string) string {
		b, _ := json.Marshal(e)
		return `{"kind": "function", "name": "main", "input": [{"name": "b", "type": "bool"}, {"name": "j", "type": "json"}],
			"stack": [{"type": "return", "value": ` + string(b) + `}]}`
	}
	notSent := "expected true or false, got null (a value that was not sent or not found is null: write x ?? false, or give the input a default)"
	for _, c := range []struct{ expr, in, want string }{
		{"input.b && true", `{"b": true}`, "true"},
		{"input.b || false", `{"b": false}`, "false"},
		{"input.j && input.b", `{"b": true, "j": true}`, "true"},
		{"(input.b ?? false) && true", `{}`, "false"},
		{"input.b && true", `{}`, "error: main: stack[0].value: " + notSent + " (1:9) in `input.b && true`"},
		{"true && input.b", `{}`, "error: main: stack[0].value: " + notSent + " (1:6) in `true && input.b`"},
		{"false || input.j", `{"j": "yes"}`, "error: main: stack[0].value: expected true or false, got text (1:7) in `false || input.j`"},
		{"false && input.j", `{"j": "yes"}`, "false"},
		{"input.b != nil && input.b", `{}`, "false"},
	} {
		var in map[string]any
		_ = json.Unmarshal([]byte(c.in), &in)
		if got := runMain(t, fn(c.expr), in); got != c.want {
			t.Errorf("%s with %s:\n got  %s\n want %s", c.expr, c.in, got, c.want)
		}
	}
}
