package engine_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/enginetest"
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

// A failed production run keeps, in its record, its per-step trace (path,
// type, times, error; no results) with the variables the failing step saw
// in that step's entry.
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
	if got, want := traceLines(t, rec.Trace), []string{
		"scoped stack[0] var",
		"scoped stack[1] var",
		"scoped stack[2] foreach",
		"scoped stack[2].steps[0] set",
		"scoped stack[2].steps[0] set",
		`scoped stack[3] precondition error="total is 13" vars={"input":{"n":5},"total":13,"x":2}`,
	}; strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("record trace:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
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

// traceLines renders a production trace one entry a line: definition,
// path, type, then the error, the variables (without "big") and the
// result when there are any. Times must run forward.
func traceLines(t *testing.T, tr []engine.TraceEntry) []string {
	t.Helper()
	var out []string
	last := int64(0)
	for _, en := range tr {
		if en.StartNs < last || en.DurationNs < 0 {
			t.Errorf("%s: start %d after %d, duration %d", en.Path, en.StartNs, last, en.DurationNs)
		}
		last = en.StartNs
		l := en.Definition + " " + en.Path + " " + en.Type
		if en.Error != "" {
			l += fmt.Sprintf(" error=%q", en.Error)
		}
		if en.Vars != nil {
			delete(en.Vars, "big")
			l += " vars=" + varsOf(t, en)
		}
		if en.Result != nil {
			l += fmt.Sprintf(" result=%v", en.Result)
		}
		out = append(out, l)
	}
	return out
}

// TestTraceTimes: a trace's times say where the time went. A step that
// follows another starts when that one ended; the first step of a block
// starts after its parent's own work (here a slow condition), which
// stays the parent's; every step ends within its parent.
func TestTraceTimes(t *testing.T) {
	e := engine.New(engine.Config{})
	t.Cleanup(e.Close)
	e.Load(enginetest.Compile(t, `{"kind": "function", "name": "timed", "stack": [
		{"type": "sleep", "ms": "30"},
		{"type": "if", "cond": "count(1..300000, # % 7 == 0) > 0", "then": [
			{"type": "var", "name": "a", "value": "1"},
			{"type": "sleep", "ms": "20"}]},
		{"type": "throw", "message": "end"}]}`))
	for _, debug := range []bool{false, true} {
		res, err := e.Run(context.Background(), "timed", nil, engine.RunOptions{Trace: debug})
		if err == nil {
			t.Fatal("the run did not fail")
		}
		tr := res.Trace
		if len(tr) != 5 {
			t.Fatalf("debug %v: %d entries, want 5: %+v", debug, len(tr), tr)
		}
		at := func(i int) (start, end time.Duration) {
			return time.Duration(tr[i].StartNs), time.Duration(tr[i].StartNs + tr[i].DurationNs)
		}
		s0, e0 := at(0)
		s1, e1 := at(1)
		s2, e2 := at(2)
		s3, e3 := at(3)
		s4, _ := at(4)
		if e0-s0 < 30*time.Millisecond || s1 != e0 || e3-s3 < 20*time.Millisecond || s3 != e2 || s4 != e1 || e3 > e1 {
			t.Errorf("debug %v: times do not add up: sleep %v–%v, if %v–%v, var %v–%v, sleep %v–%v, throw from %v", debug, s0, e0, s1, e1, s2, e2, s3, e3, s4)
		}
		if s2 <= s1 || e2-s2 > s2-s1 {
			t.Errorf("debug %v: the condition's time went to the first step of then: if from %v, var %v–%v", debug, s1, s2, e2)
		}
	}
}
