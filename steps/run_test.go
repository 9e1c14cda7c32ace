package steps_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/store"
)

// Tests of whole runs that no one step owns: the trace, one program run
// from many goroutines, and values that go from step to step and out.

func TestTrace(t *testing.T) {
	res := runCase(t, stepCase{defs: []string{mainFn(`[
		{"type": "var", "name": "x", "value": "1"},
		{"type": "if", "cond": "x == 1", "then": [{"type": "set", "name": "x", "value": "2"}]}]`, "x")}, want: `2`})
	var got []string
	for _, e := range res.Trace {
		got = append(got, fmt.Sprintf("%s %s %v", e.Path, e.Type, e.Result))
	}
	want := "stack[0] var 1|stack[1] if true|stack[1].then[0] set 2"
	if g := strings.Join(got, "|"); g != want {
		t.Errorf("trace:\n got  %s\n want %s", g, want)
	}
}

// TestConcurrentRuns runs one program from many goroutines (go test -race).
func TestConcurrentRuns(t *testing.T) {
	eng := newEngine(t, engine.Config{}, fn("main", `[{"name": "n", "type": "int", "required": true}]`, `[
		{"type": "var", "name": "total", "value": "0"},
		{"type": "for", "from": "1", "to": "input.n", "as": "i", "steps": [
			{"type": "set", "name": "total", "value": "total + i"}]}]`, "total"))
	errs := make(chan error, 20)
	for g := 0; g < 20; g++ {
		go func(n int) {
			res, err := eng.Run(context.Background(), "main", map[string]any{"n": n}, engine.RunOptions{})
			if err == nil && res.Output != n*(n+1)/2 {
				err = fmt.Errorf("n=%d: got %v", n, res.Output)
			}
			errs <- err
		}(g * 10)
	}
	for g := 0; g < 20; g++ {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

// TestBuiltinValuesAreStored is issue 15's item 6 on both databases: what
// groupBy, fromPairs, a range, split, keys and a method make can be
// stored in a variable, passed to a call's typed input, inserted in a json
// column and read back, returned as the response, and written in the
// execution record and its trace. Before, groupBy and fromPairs made Go
// maps with keys of any type, which no JSON encoder writes
// (output_not_json, and a failing insert), split made a []string that a
// call's list input refused, and keys came in a new order on every run.
func TestBuiltinValuesAreStored(t *testing.T) {
	const stack = `[
		{"type": "var", "name": "g", "value": "groupBy([{k: 'a', v: 1}, {k: 'b', v: 2}, {k: 'a', v: 3}], .k)"},
		{"type": "var", "name": "n", "value": "groupBy([1, 2, 3], # % 2)"},
		{"type": "var", "name": "p", "value": "fromPairs([['y', 2], ['x', 1]])"},
		{"type": "var", "name": "r", "value": "1..3"},
		{"type": "var", "name": "parts", "value": "split('a,b', ',')"},
		{"type": "var", "name": "m", "value": "date('2026-03-01').Month()"},
		{"type": "var", "name": "k", "value": "keys({e: 1, b: 2, d: 3, a: 4, c: 5})"},
		{"type": "call", "function": "count_texts", "input": {"texts": "parts"}, "as": "counted"},
		{"type": "var", "name": "vals", "value": "{g: g, n: n, p: p, r: r, parts: parts, m: m, k: k, counted: counted}"},
		{"type": "db.add", "table": "users", "data": {"email": "'v@x.com'", "meta": "vals"}, "as": "row"},
		{"type": "db.get", "table": "users", "by": {"id": "row.id"}, "as": "back"}
	]`
	countTexts := fn("count_texts", `[{"name": "texts", "type": "text", "list": true}]`, "[]", "len(input.texts)")
	const want = `{"back":{"counted":2,"g":{"a":[{"k":"a","v":1},{"k":"a","v":3}],"b":[{"k":"b","v":2}]},"k":["a","b","c","d","e"],"m":3,"n":{"0":[2],"1":[1,3]},"p":{"x":1,"y":2},"parts":["a","b"],"r":[1,2,3]},` +
		`"vars":{"counted":2,"g":{"a":[{"k":"a","v":1},{"k":"a","v":3}],"b":[{"k":"b","v":2}]},"k":["a","b","c","d","e"],"m":3,"n":{"0":[2],"1":[1,3]},"p":{"x":1,"y":2},"parts":["a","b"],"r":[1,2,3]}}`
	for _, be := range backends(t) {
		t.Run(be.name, func(t *testing.T) {
			clearTables(t, be.st)
			eng := dbEngineWith(t, be.st, engine.Config{Store: be.st.Executions()}, mainFn(stack, "{vars: vals, back: back.meta}"), countTexts)
			res, err := eng.Run(context.Background(), "main", nil, engine.RunOptions{Trace: true})
			if err != nil {
				t.Fatal(err)
			}
			if got := encode(t, res.Output); got != want {
				t.Fatalf("response\n got  %s\n want %s", got, want)
			}
			if err := be.st.ExecutionRecords().Flush(context.Background()); err != nil {
				t.Fatal(err)
			}
			rec, err := be.st.Executions().Get(context.Background(), res.ExecutionID)
			if err != nil {
				t.Fatal(err)
			}
			if got := encode(t, rec.Output); got != want {
				t.Fatalf("the execution record's output\n got  %s\n want %s", got, want)
			}
			if len(rec.Trace) < 11 {
				t.Fatalf("the execution record has %d trace entries, want one per step", len(rec.Trace))
			}
			if got := encode(t, rec.Trace[0].Result); got != `{"a":[{"k":"a","v":1},{"k":"a","v":3}],"b":[{"k":"b","v":2}]}` {
				t.Fatalf("the trace of var g holds %s", got)
			}
		})
	}
}

func encode(t *testing.T, v any) string {
	t.Helper()
	b, err := store.EncodeJSON(v)
	if err != nil {
		t.Fatalf("cannot be written as JSON: %v (%#v)", err, v)
	}
	return string(b)
}
