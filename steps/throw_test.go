package steps_test

import (
	"testing"

	"github.com/funcstack/funcstack/engine"
)

func TestThrowAndPrecondition(t *testing.T) {
	runCases(t, []stepCase{
		{name: "throw with status and code", defs: []string{mainFn(`[
			{"type": "var", "name": "name", "value": "'widget'"},
			{"type": "throw", "message": "'out of stock: ' + name", "status": 409, "code": "out_of_stock"}]`, "")},
			wantErr: "main: stack[1]: out of stock: widget (execution exec-1)", wantCode: "out_of_stock", wantStatus: 409},
		{name: "throw defaults", defs: []string{mainFn(`[{"type": "throw", "message": "'boom'"}]`, "")},
			wantErr: "main: stack[0]: boom (execution exec-1)", wantCode: engine.CodeThrown, wantStatus: 500},
		{name: "throw a non-text message", defs: []string{mainFn(`[{"type": "throw", "message": "42"}]`, "")},
			wantErr: "main: stack[0]: 42 (execution exec-1)", wantCode: engine.CodeThrown},
		{name: "throw inside a branch names its path", defs: []string{mainFn(`[
			{"type": "if", "cond": "true", "then": [{"type": "throw", "message": "'deep'", "status": 422}]}]`, "")},
			wantErr: "main: stack[0].then[0]: deep (execution exec-1)", wantStatus: 422},
		{name: "precondition holds", defs: []string{fn("main", `[{"name": "qty", "type": "int"}]`, `[
			{"type": "precondition", "cond": "input.qty > 0", "message": "'qty must be positive'"}]`, "'ok'")},
			input: map[string]any{"qty": 1}, want: `"ok"`},
		{name: "precondition fails", defs: []string{fn("main", `[{"name": "qty", "type": "int"}]`, `[
			{"type": "precondition", "cond": "input.qty > 0", "message": "'qty must be positive'"}]`, "'ok'")},
			input:   map[string]any{"qty": 0},
			wantErr: "main: stack[0]: qty must be positive (execution exec-1)", wantCode: engine.CodePrecondition, wantStatus: 400},
		{name: "precondition with status and code", defs: []string{mainFn(`[
			{"type": "precondition", "cond": "1 > 2", "message": "'nope'", "status": 403, "code": "forbidden"}]`, "")},
			wantErr: "main: stack[0]: nope (execution exec-1)", wantCode: "forbidden", wantStatus: 403},
	})
}
