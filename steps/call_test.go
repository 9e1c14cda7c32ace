package steps_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/funcstack/funcstack/engine"
)

func TestCall(t *testing.T) {
	double := fn("double", `[{"name": "n", "type": "int", "required": true}, {"name": "by", "type": "int", "default": 2}]`,
		`[]`, "input.n * input.by")
	recurse := fn("main", `[{"name": "n", "type": "int", "default": 0}]`, `[
		{"type": "if", "cond": "input.n < 100", "then": [
			{"type": "call", "function": "main", "input": {"n": "input.n + 1"}, "as": "r"},
			{"type": "return", "value": "r"}]}]`, "input.n")
	runCases(t, []stepCase{
		{name: "sync with default input", defs: []string{mainFn(`[
			{"type": "call", "function": "double", "input": {"n": "21"}, "as": "r"}]`, "r"), double}, want: `42`},
		{name: "sync with every input", defs: []string{mainFn(`[
			{"type": "call", "function": "double", "input": {"n": "5", "by": "3"}, "as": "r"}]`, "r"), double}, want: `15`},
		{name: "without as", defs: []string{mainFn(`[
			{"type": "call", "function": "double", "input": {"n": "5"}}]`, "'done'"), double}, want: `"done"`},
		{name: "callee input validation", defs: []string{mainFn(`[
			{"type": "call", "function": "double", "input": {"n": "'abc'"}, "as": "r"}]`, "r"), double},
			wantErr: "main: stack[0]: invalid input for double; n: expected int, got text (execution exec-1)", wantCode: engine.CodeInvalidInput},
		{name: "callee input too large for an int", defs: []string{mainFn(`[
			{"type": "call", "function": "double", "input": {"n": "1e20"}, "as": "r"}]`, "r"), double},
			wantErr: "main: stack[0]: invalid input for double; n: expected int, got 1e+20, a whole number too large: an int is from -9223372036854775808 to 9223372036854775807; send it as text if you need it whole (execution exec-1)", wantCode: engine.CodeInvalidInput},
		{name: "callee required input is null", defs: []string{mainFn(`[
			{"type": "call", "function": "double", "input": {"n": "nil"}, "as": "r"}]`, "r"), double},
			wantErr: "main: stack[0]: invalid input for double; n: required (execution exec-1)", wantCode: engine.CodeInvalidInput},
		{name: "recursion within the depth limit", cfg: engine.Config{Limits: engine.Limits{MaxCallDepth: 200}},
			defs: []string{recurse}, want: `100`},
		{name: "call depth limit", cfg: engine.Config{Limits: engine.Limits{MaxCallDepth: 3}},
			defs:    []string{recurse},
			wantErr: "main: stack[0].then[0]: call depth limit reached calling main: more than 3 nested calls (limit max_call_depth); look for unbounded recursion (execution exec-1)", wantCode: engine.CodeLimit},
		{name: "callee sees the caller's auth", opt: engine.RunOptions{Auth: map[string]any{"sub": "u1"}}, defs: []string{
			mainFn(`[{"type": "call", "function": "who", "as": "r"}]`, "r"),
			fn("who", "", `[]`, "auth.sub")}, want: `"u1"`},
		{name: "callee does not see the caller's variables", defs: []string{
			mainFn(`[{"type": "var", "name": "x", "value": "1"}, {"type": "call", "function": "child", "as": "r"}]`, "{x: x, r: r}"),
			fn("child", "", `[{"type": "var", "name": "x", "value": "2"}]`, "x")}, want: `{"r":2,"x":1}`},
	})
}

// TestTimeoutWithoutLoops: a run that never loops, only calls (an
// exponential recursion), still stops at its deadline.
func TestTimeoutWithoutLoops(t *testing.T) {
	eng := newEngine(t, engine.Config{},
		mainFn(`[{"type": "call", "function": "fib", "input": {"n": "30"}, "as": "f"}]`, "f"),
		`{"kind": "function", "name": "fib", "input": [{"name": "n", "type": "int", "required": true}], "stack": [
			{"type": "if", "cond": "input.n < 2", "then": [{"type": "return", "value": "input.n"}]},
			{"type": "call", "function": "fib", "input": {"n": "input.n - 1"}, "as": "a"},
			{"type": "call", "function": "fib", "input": {"n": "input.n - 2"}, "as": "b"}], "response": "a + b"}`)
	start := time.Now()
	_, err := eng.Run(context.Background(), "main", nil, engine.RunOptions{Timeout: 50 * time.Millisecond})
	if e := engine.AsError(err); e == nil || e.Code != engine.CodeTimeout || !strings.Contains(e.Message, "run timed out after 50ms (limit timeout)") {
		t.Fatalf("fib(30) with a 50ms timeout gave %v, want a timeout", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("the timeout took %s to stop the run", d)
	}
}
