package engine_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/funcstack/funcstack/engine"
)

// varsOf renders a trace entry's variables as one JSON object (keys sorted).
func varsOf(t *testing.T, e engine.TraceEntry) string {
	t.Helper()
	b, err := json.Marshal(e.Vars)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

const scoped = `{"kind": "function", "name": "scoped",
	"input": [{"name": "n", "type": "int"}, {"name": "password", "type": "text", "sensitive": true}],
	"stack": [
		{"type": "var", "name": "total", "value": "input.n * 2"},
		{"type": "var", "name": "big", "value": "map(1..3000, #)"},
		{"type": "foreach", "items": "[1, 2]", "as": "x", "steps": [
			{"type": "set", "name": "total", "value": "total + x"}
		]},
		{"type": "precondition", "cond": "total != 13", "message": "total is 13"}
	], "response": "total"}`

// A debug run's trace has, at every step, the variables in scope before
// it ran: input with its sensitive fields redacted, never env, a value
// too big to keep named as such.
func TestTraceKeepsTheVariablesBeforeEachStep(t *testing.T) {
	e := load(t, engine.Config{Env: map[string]any{"api_key": "s3cret"}}, scoped)
	res, _ := e.Run(context.Background(), "scoped", map[string]any{"n": 5, "password": "hunter2"}, engine.RunOptions{Trace: true})
	var got []string
	for _, en := range res.Trace {
		v := varsOf(t, en)
		if i := strings.Index(v, `"big":`); i >= 0 {
			v = v[:i] + `"big":…,` + v[strings.Index(v[i:], `,"`)+i+1:]
		}
		got = append(got, en.Path+" "+v)
	}
	want := []string{
		`stack[0] {"input":{"n":5,"password":"[redacted]"}}`,
		`stack[1] {"input":{"n":5,"password":"[redacted]"},"total":10}`,
		`stack[2] {"big":…,"input":{"n":5,"password":"[redacted]"},"total":10}`,
		`stack[2].steps[0] {"big":…,"input":{"n":5,"password":"[redacted]"},"total":10,"x":1}`,
		`stack[2].steps[0] {"big":…,"input":{"n":5,"password":"[redacted]"},"total":11,"x":2}`,
		`stack[3] {"big":…,"input":{"n":5,"password":"[redacted]"},"total":13,"x":2}`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("trace variables:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if big := string(res.Trace[2].Vars["big"]); big != `"(too big to keep: more than 8192 bytes of JSON)"` {
		t.Errorf("a variable over the bound: %s", big)
	}
	if strings.Contains(varsOf(t, res.Trace[0]), "s3cret") {
		t.Error("env reached the trace")
	}
}

// A failed run without a trace (a production run) keeps, in its record,
// the failing step with the variables it saw.
func TestFailedRunKeepsItsFailingStepsVariables(t *testing.T) {
	st := engine.NewMemoryStore(100)
	e := load(t, engine.Config{Store: st}, scoped)
	res, err := e.Run(context.Background(), "scoped", map[string]any{"n": 5}, engine.RunOptions{})
	if err == nil {
		t.Fatal("the run did not fail")
	}
	rec, gerr := st.Get(context.Background(), res.ExecutionID)
	if gerr != nil {
		t.Fatal(gerr)
	}
	if len(rec.Trace) != 1 {
		t.Fatalf("record trace: %d entries, want the failing step alone", len(rec.Trace))
	}
	en := rec.Trace[0]
	delete(en.Vars, "big")
	got := en.Path + " " + en.Type + " " + varsOf(t, en) + " " + en.Error
	want := `stack[3] precondition {"input":{"n":5,"password":null},"total":13,"x":2} total is 13`
	if got != want {
		t.Errorf("failing step:\n%s\nwant\n%s", got, want)
	}
	// a run that succeeds keeps no trace
	res, err = e.Run(context.Background(), "scoped", map[string]any{"n": 1}, engine.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rec, _ := st.Get(context.Background(), res.ExecutionID); len(rec.Trace) != 0 {
		t.Errorf("a run that succeeded kept a trace of %d entries", len(rec.Trace))
	}
}
