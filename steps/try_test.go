package steps_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/funcstack/funcstack/engine"
)

func TestTry(t *testing.T) {
	runCases(t, []stepCase{
		{name: "catch sees the error", defs: []string{mainFn(`[
			{"type": "var", "name": "e", "value": "nil"},
			{"type": "try", "steps": [
				{"type": "var", "name": "a", "value": "1"},
				{"type": "if", "cond": "a == 1", "then": [{"type": "throw", "message": "bad", "status": 418, "code": "teapot"}]}],
			 "catch": [{"type": "set", "name": "e", "value": "error"}]}]`, "e")},
			want: `{"code":"teapot","definition":"main","execution_id":"exec-1","message":"bad","status":418,"step":"stack[1].steps[1].then[0]"}`},
		{name: "catch an expression error", defs: []string{mainFn(`[
			{"type": "var", "name": "l", "value": "[]"},
			{"type": "try", "steps": [{"type": "var", "name": "x", "value": "l[0].a"}],
			 "catch": [{"type": "var", "name": "x", "value": "error.code + ' at ' + error.step"}]}]`, "x")},
			want: `"expression_error at stack[1].steps[0].value"`},
		{name: "error from a callee names the callee's step", defs: []string{
			mainFn(`[{"type": "try", "steps": [{"type": "call", "function": "child", "as": "r"}],
				"catch": [{"type": "var", "name": "r", "value": "error.definition + ': ' + error.step + ': ' + error.message"}]}]`, "r"),
			fn("child", "", `[{"type": "var", "name": "x", "value": "1"}, {"type": "throw", "message": "child failed"}]`, "")},
			want: `"child: stack[1]: child failed"`},
		{name: "finally runs on success", defs: []string{mainFn(`[
			{"type": "var", "name": "log", "value": "[]"},
			{"type": "try", "steps": [{"type": "set", "name": "log", "value": "concat(log, ['steps'])"}],
			 "catch": [{"type": "set", "name": "log", "value": "concat(log, ['catch'])"}],
			 "finally": [{"type": "set", "name": "log", "value": "concat(log, ['finally'])"}]}]`, "log")},
			want: `["steps","finally"]`},
		{name: "finally runs after catch", defs: []string{mainFn(`[
			{"type": "var", "name": "log", "value": "[]"},
			{"type": "try", "steps": [{"type": "throw", "message": "x"}],
			 "catch": [{"type": "set", "name": "log", "value": "concat(log, ['catch'])"}],
			 "finally": [{"type": "set", "name": "log", "value": "concat(log, ['finally'])"}]}]`, "log")},
			want: `["catch","finally"]`},
		{name: "finally runs when nothing catches", defs: []string{mainFn(`[
			{"type": "try", "steps": [{"type": "throw", "message": "uncaught"}],
			 "finally": [{"type": "log", "value": "'finally ran'"}]}]`, "")},
			wantErr: "main: stack[0].steps[0]: uncaught (execution exec-1)",
			check: func(t *testing.T, res *engine.Result) {
				if len(res.Logs) != 1 || res.Logs[0].Value != "finally ran" {
					t.Errorf("logs = %+v, want one entry 'finally ran'", res.Logs)
				}
			}},
		{name: "finally runs after return", defs: []string{mainFn(`[
			{"type": "try", "steps": [{"type": "return", "value": "'r'"}],
			 "finally": [{"type": "log", "value": "'finally ran'"}]}]`, "")},
			want: `"r"`,
			check: func(t *testing.T, res *engine.Result) {
				if len(res.Logs) != 1 || res.Logs[0].Value != "finally ran" {
					t.Errorf("logs = %+v, want one entry 'finally ran'", res.Logs)
				}
			}},
		{name: "error in catch propagates", defs: []string{mainFn(`[
			{"type": "try", "steps": [{"type": "throw", "message": "first"}],
			 "catch": [{"type": "throw", "message": "second: {{error.message}}"}]}]`, "")},
			wantErr: "main: stack[0].catch[0]: second: first (execution exec-1)"},
		{name: "error is not visible after catch", defs: []string{mainFn(`[
			{"type": "try", "steps": [{"type": "throw", "message": "inner"}],
			 "catch": [{"type": "try", "steps": [{"type": "throw", "message": "nested"}],
				"catch": [{"type": "var", "name": "n", "value": "error.message"}]},
				{"type": "var", "name": "outer", "value": "error.message + '/' + n"}]}]`, "outer")},
			want: `"inner/nested"`},
		{name: "does not catch the run's timeout; finally runs", opt: engine.RunOptions{Timeout: 50 * time.Millisecond}, defs: []string{mainFn(`[
			{"type": "var", "name": "caught", "value": "false"},
			{"type": "try", "steps": [{"type": "sleep", "ms": "5000"}],
			 "catch": [{"type": "set", "name": "caught", "value": "true"}],
			 "finally": [{"type": "log", "message": "finally ran"}]}]`, "caught")},
			wantErr:  "main: stack[1].steps[0]: run timed out after 50ms (limit timeout); raise the run's timeout, run the work async, or make the stack faster (execution exec-1)",
			wantCode: engine.CodeTimeout, wantStatus: 504,
			check: func(t *testing.T, res *engine.Result) {
				if len(res.Logs) != 1 || res.Logs[0].Value != "finally ran" {
					t.Errorf("logs = %+v, want one entry 'finally ran'", res.Logs)
				}
			}},
		{name: "a busy loop stops at the timeout", opt: engine.RunOptions{Timeout: 50 * time.Millisecond}, defs: []string{mainFn(`[
			{"type": "var", "name": "n", "value": "0"},
			{"type": "for", "count": "100000", "as": "i", "steps": [
				{"type": "for", "count": "100000", "as": "j", "steps": [{"type": "set", "name": "n", "value": "n + 1"}]}]}]`, "n")},
			wantErr:  "main: stack[1].steps[0]: run timed out after 50ms (limit timeout); raise the run's timeout, run the work async, or make the stack faster (execution exec-1)",
			wantCode: engine.CodeTimeout, wantStatus: 504},
	})
}

// TestTryTimeouts checks which timeouts a try catches: a step's own limit
// (an await's or http step's timeout, a called function's
// settings.timeout) is a timeout error of that step; the run's own
// deadline is not caught (issue 15).
func TestTryTimeouts(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(2 * time.Second):
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	// caught runs steps in a try whose catch returns the error.
	caught := func(steps string) string {
		return mainFn(`[{"type": "try", "steps": `+steps+`, "catch": [{"type": "return", "value": "error"}]}]`, "'not caught'")
	}
	slowFn := `{"kind": "function", "name": "slow_fn", "settings": {"timeout": "30ms"}, "stack": [
		{"type": "try", "steps": [{"type": "sleep", "ms": "5000"}], "catch": [{"type": "return", "value": "'the callee caught its own end'"}]}]}`
	runCases(t, []stepCase{
		{name: "a called function's settings.timeout", defs: []string{caught(`[{"type": "call", "function": "slow_fn"}]`), slowFn},
			want: `{"code":"timeout","definition":"main","execution_id":"exec-1","message":"slow_fn timed out after 30ms (its settings.timeout); raise it or make slow_fn faster","status":504,"step":"stack[0].steps[0]"}`},
		{name: "an await's timeout", defs: withAsync(caught(`[
			{"type": "call", "function": "slow", "input": {"ms": "300"}, "async": true, "as": "id"},
			{"type": "await", "ids": "id", "timeout": "20ms", "as": "r"}]`)),
			want: `{"code":"timeout","definition":"main","execution_id":"exec-1","message":"await timed out after 20ms; the executions go on: await them again later or raise timeout","status":504,"step":"stack[0].steps[1]"}`},
		{name: "an http step's timeout", cfg: engine.Config{Env: map[string]any{"base": srv.URL}},
			defs: []string{caught(`[{"type": "http", "url": "env.base + '/slow'", "timeout": "20ms", "as": "resp"}]`)},
			want: `{"code":"timeout","definition":"main","execution_id":"exec-1","message":"GET ` + srv.URL + `/slow: no answer within 20ms (the step's timeout)","status":504,"step":"stack[0].steps[0]"}`},
		{name: "the run's deadline during an await", opt: engine.RunOptions{Timeout: 40 * time.Millisecond}, defs: withAsync(caught(`[
			{"type": "call", "function": "slow", "input": {"ms": "300"}, "async": true, "as": "id"},
			{"type": "await", "ids": "id", "timeout": "10s", "as": "r"}]`)),
			wantErr: "main: stack[0].steps[1]: run timed out after 40ms (limit timeout); raise the run's timeout, run the work async, or make the stack faster (execution exec-1)"},
		{name: "the run's deadline during an http request", opt: engine.RunOptions{Timeout: 40 * time.Millisecond}, cfg: engine.Config{Env: map[string]any{"base": srv.URL}},
			defs:    []string{caught(`[{"type": "http", "url": "env.base + '/slow'", "timeout": "10s", "as": "resp"}]`)},
			wantErr: "main: stack[0].steps[0]: run timed out after 40ms (limit timeout); raise the run's timeout, run the work async, or make the stack faster (execution exec-1)"},
		{name: "the run's deadline in a callee that shares it", opt: engine.RunOptions{Timeout: 40 * time.Millisecond}, defs: []string{
			caught(`[{"type": "call", "function": "sleepy"}]`), fn("sleepy", "", `[{"type": "sleep", "ms": "5000"}]`, "")},
			wantErr: "sleepy: stack[0]: run timed out after 40ms (limit timeout); raise the run's timeout, run the work async, or make the stack faster (execution exec-1)"},
		{name: "settle reports what still runs at the timeout", defs: withAsync(mainFn(`[
			{"type": "call", "function": "slow", "input": {"ms": "0", "v": "'done'"}, "async": true, "as": "a"},
			{"type": "call", "function": "slow", "input": {"ms": "600"}, "async": true, "as": "b"},
			{"type": "call", "function": "fail", "async": true, "as": "c"},
			{"type": "await", "ids": "[a, b, c]", "timeout": "150ms", "settle": true, "as": "r"}]`,
			"map(r, [#.status, #.output, #.error?.code])")),
			want: `[["succeeded","done",null],["running",null,null],["failed",null,"conflict"]]`},
	})
}
