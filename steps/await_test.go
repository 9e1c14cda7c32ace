package steps_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/funcstack/funcstack/engine"
)

// asyncDefs are the callees of the async cases.
var asyncDefs = []string{
	fn("slow", `[{"name": "ms", "type": "int", "required": true}, {"name": "v", "type": "json"}]`,
		`[{"type": "sleep", "ms": "input.ms"}]`, "input.v"),
	fn("fail", "", `[{"type": "throw", "message": "child failed", "status": 409, "code": "conflict"}]`, ""),
}

func withAsync(main string) []string { return append([]string{main}, asyncDefs...) }

func TestAsyncAwait(t *testing.T) {
	runCases(t, []stepCase{
		{name: "one id", defs: withAsync(mainFn(`[
			{"type": "call", "function": "slow", "input": {"ms": "10", "v": "'a'"}, "async": true, "as": "id"},
			{"type": "await", "ids": "id", "as": "r"}]`, "r")), want: `"a"`},
		{name: "async result is an ID", defs: withAsync(mainFn(`[
			{"type": "call", "function": "slow", "input": {"ms": "0"}, "async": true, "as": "id"},
			{"type": "await", "ids": "id", "as": "r"}]`, "id")), want: anyOutput,
			check: func(t *testing.T, res *engine.Result) {
				if s, _ := res.Output.(string); !uuidRE.MatchString(s) {
					t.Errorf("output %v is not a UUID", res.Output)
				}
			}},
		{name: "list keeps order", defs: withAsync(mainFn(`[
			{"type": "call", "function": "slow", "input": {"ms": "80", "v": "'first'"}, "async": true, "as": "a"},
			{"type": "call", "function": "slow", "input": {"ms": "0", "v": "'second'"}, "async": true, "as": "b"},
			{"type": "call", "function": "slow", "input": {"ms": "40", "v": "{third: 3}"}, "async": true, "as": "c"},
			{"type": "await", "ids": "[a, b, c]", "as": "r"}]`, "r")), want: `["first","second",{"third":3}]`},
		{name: "empty list", defs: withAsync(mainFn(`[{"type": "await", "ids": "[]", "as": "r"}]`, "r")), want: `[]`},
		{name: "settle", defs: withAsync(mainFn(`[
			{"type": "call", "function": "slow", "input": {"ms": "0", "v": "1"}, "async": true, "as": "a"},
			{"type": "call", "function": "fail", "async": true, "as": "b"},
			{"type": "await", "ids": "[a, b]", "settle": true, "as": "r"}]`,
			"{ids_match: r[0].id == a && r[1].id == b, r: r}")),
			want: `{"ids_match":true,"r":[{"error":null,"id":"<id>","output":1,"status":"succeeded"},{"error":{"code":"conflict","message":"child failed","status":409,"step":"stack[0]"},"id":"<id>","output":null,"status":"failed"}]}`},
		{name: "failed child raises its error", defs: withAsync(mainFn(`[
			{"type": "call", "function": "fail", "async": true, "as": "b"},
			{"type": "await", "ids": "b", "as": "r"}]`, "r")),
			wantErr:  "main: stack[1]: awaited execution <id> failed: fail: stack[0]: child failed (execution exec-1)",
			wantCode: "conflict", wantStatus: 409},
		{name: "failed child error can be caught", defs: withAsync(mainFn(`[
			{"type": "call", "function": "fail", "async": true, "as": "b"},
			{"type": "try", "steps": [{"type": "await", "ids": "b", "as": "r"}],
			 "catch": [{"type": "var", "name": "r", "value": "error.code"}]}]`, "r")), want: `"conflict"`},
		{name: "await timeout", defs: withAsync(mainFn(`[
			{"type": "call", "function": "slow", "input": {"ms": "200"}, "async": true, "as": "id"},
			{"type": "await", "ids": "id", "timeout": "10ms", "as": "r"}]`, "r")),
			wantErr:  "main: stack[1]: await timed out after 10ms; the executions go on: await them again later or raise timeout (execution exec-1)",
			wantCode: engine.CodeTimeout,
			check: func(t *testing.T, res *engine.Result) {
				if res.Duration > 150*time.Millisecond {
					t.Errorf("run took %s; the await should give up after 10ms", res.Duration)
				}
			}},
		{name: "idempotency key gives the same ID", defs: withAsync(mainFn(`[
			{"type": "call", "function": "slow", "input": {"ms": "0", "v": "1"}, "async": true, "idempotency_key": "'k-' + 'same'", "as": "a"},
			{"type": "call", "function": "slow", "input": {"v": "1", "ms": "0"}, "async": true, "idempotency_key": "'k-same'", "as": "b"},
			{"type": "call", "function": "slow", "input": {"ms": "0", "v": "3"}, "async": true, "idempotency_key": "'k-other'", "as": "c"},
			{"type": "await", "ids": "[a, b, c]", "as": "r"}]`, "{same: a == b, other: a != c, r: r}")),
			want: `{"other":true,"r":[1,1,3],"same":true}`},
		{name: "idempotency key reused with another input", defs: withAsync(mainFn(`[
			{"type": "call", "function": "slow", "input": {"ms": "0", "v": "1"}, "async": true, "idempotency_key": "'k-same'", "as": "a"},
			{"type": "call", "function": "slow", "input": {"ms": "0", "v": "2"}, "async": true, "idempotency_key": "'k-same'", "as": "b"}]`, "b")),
			wantErr: `main: stack[1]: the idempotency key "k-same" was first used for function slow with a different input, by execution <id>; ` +
				`a key stays bound to its first input for 24h. Send a new key for a new run, or send the first input again to get execution <id> (execution exec-1)`,
			wantCode: engine.CodeIdempotencyKeyReused, wantStatus: 422},
		{name: "await a bad ID", defs: withAsync(mainFn(`[{"type": "await", "ids": "'no-such-id'", "as": "r"}]`, "r")),
			wantErr: `main: stack[0]: no execution with ID "no-such-id"; await takes the IDs that async calls return (execution exec-1)`, wantCode: engine.CodeNotFound},
		{name: "await something that is not an ID", defs: withAsync(mainFn(`[{"type": "await", "ids": "42", "as": "r"}]`, "r")),
			wantErr: "main: stack[0].ids: `42` gave an int; await takes an execution ID or a list of them (execution exec-1)"},
		{name: "async child input validation", defs: withAsync(mainFn(`[
			{"type": "call", "function": "slow", "input": {"ms": "'soon'"}, "async": true, "as": "id"},
			{"type": "await", "ids": "id", "as": "r"}]`, "r")),
			wantErr: "main: stack[0]: invalid input for slow; ms: expected int, got text (execution exec-1)", wantCode: engine.CodeInvalidInput},
	})
}

// TestAsyncDeadlinePropagates checks that an async child never outlives the
// budget its caller had left.
func TestAsyncDeadlinePropagates(t *testing.T) {
	eng := newEngine(t, engine.Config{}, withAsync(mainFn(`[
		{"type": "call", "function": "slow", "input": {"ms": "5000"}, "async": true, "as": "id"},
		{"type": "return", "value": "id"}]`, ""))...)
	res, err := eng.Run(context.Background(), "main", nil, engine.RunOptions{Timeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	id, _ := res.Output.(string)
	deadline := time.Now().Add(2 * time.Second)
	for {
		rec, err := eng.Get(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if engine.Final(rec.Status) {
			if rec.Status != engine.StatusTimedOut || rec.Error == nil ||
				!strings.Contains(rec.Error.Message, "(limit the caller's remaining budget)") || rec.Parent != res.ExecutionID {
				t.Fatalf("child record: status %s, parent %s, error %v", rec.Status, rec.Parent, rec.Error)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("child still %s after 2s; it should have timed out with its caller's 100ms budget", rec.Status)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
