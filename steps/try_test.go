package steps_test

import (
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
			want: `{"code":"teapot","definition":"main","execution_id":"","message":"bad","status":418,"step":"stack[1].steps[1].then[0]"}`},
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
		{name: "does not catch a timeout", opt: engine.RunOptions{Timeout: 50 * time.Millisecond}, defs: []string{mainFn(`[
			{"type": "var", "name": "caught", "value": "false"},
			{"type": "try", "steps": [{"type": "sleep", "ms": "5000"}],
			 "catch": [{"type": "set", "name": "caught", "value": "true"}]}]`, "caught")},
			wantErr:  "main: stack[1].steps[0]: run timed out after 50ms (limit timeout); raise the run's timeout, run the work async, or make the stack faster (execution exec-1)",
			wantCode: engine.CodeTimeout, wantStatus: 504},
		{name: "does not catch a callee's own timeout", defs: []string{
			mainFn(`[
			{"type": "var", "name": "caught", "value": "false"},
			{"type": "try", "steps": [{"type": "call", "function": "slow"}],
			 "catch": [{"type": "set", "name": "caught", "value": "true"}]}]`, "caught"),
			`{"kind": "function", "name": "slow", "settings": {"timeout": "30ms"}, "stack": [{"type": "sleep", "ms": "5000"}]}`},
			wantErr:  "slow: stack[0]: run timed out after 30ms (limit settings.timeout of slow); raise the function's settings.timeout or make it faster (execution exec-1)",
			wantCode: engine.CodeTimeout},
		{name: "a busy loop stops at the timeout", opt: engine.RunOptions{Timeout: 50 * time.Millisecond}, defs: []string{mainFn(`[
			{"type": "var", "name": "n", "value": "0"},
			{"type": "for", "count": "100000", "as": "i", "steps": [
				{"type": "for", "count": "100000", "as": "j", "steps": [{"type": "set", "name": "n", "value": "n + 1"}]}]}]`, "n")},
			wantErr:  "main: stack[1].steps[0]: run timed out after 50ms (limit timeout); raise the run's timeout, run the work async, or make the stack faster (execution exec-1)",
			wantCode: engine.CodeTimeout, wantStatus: 504},
	})
}
