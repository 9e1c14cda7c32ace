package engine_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/funcstack/funcstack/engine"
	_ "github.com/funcstack/funcstack/steps"
)

// load compiles defs (JSON documents) into a fresh engine.
func load(t *testing.T, cfg engine.Config, docs ...string) *engine.Engine {
	t.Helper()
	var diags engine.Diagnostics
	var defs []*engine.Definition
	for i, d := range docs {
		if def := engine.ParseDefinition("doc"+string(rune('a'+i))+".json", []byte(d), &diags); def != nil {
			defs = append(defs, def)
		}
	}
	p, more := engine.Compile(defs)
	diags = append(diags, more...)
	if diags.HasErrors() {
		t.Fatalf("definitions do not compile:\n%v", diags.Err())
	}
	e := engine.New(cfg)
	t.Cleanup(e.Close)
	e.Load(p)
	return e
}

const sleeper = `{"kind": "function", "name": "sleeper",
	"input": [{"name": "ms", "type": "int", "required": true}],
	"stack": [{"type": "sleep", "ms": "input.ms"}], "response": "input.ms"}`

func TestAwaitFromAnotherRun(t *testing.T) {
	e := load(t, engine.Config{}, sleeper,
		`{"kind": "function", "name": "start", "stack": [
			{"type": "call", "function": "sleeper", "async": true, "input": {"ms": "30"}, "as": "id"}], "response": "id"}`,
		`{"kind": "function", "name": "collect", "input": [{"name": "id", "type": "text", "required": true}],
		  "stack": [{"type": "await", "ids": "input.id", "as": "out"}], "response": "out"}`)
	ctx := context.Background()
	res, err := e.Run(ctx, "start", nil, engine.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	id := res.Output.(string)
	rec, err := e.Get(ctx, id)
	if err != nil || (rec.Status != engine.StatusQueued && rec.Status != engine.StatusRunning) {
		t.Fatalf("right after the call the child is %v (%v), want queued or running", rec, err)
	}
	res, err = e.Run(ctx, "collect", map[string]any{"id": id}, engine.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Output != 30 {
		t.Errorf("await from another run gave %v, want 30", res.Output)
	}
	rec, err = e.Get(ctx, id)
	if err != nil || rec.Status != engine.StatusSucceeded || rec.Output != 30 || rec.Parent == "" {
		t.Errorf("record after the run: %+v, %v", rec, err)
	}
}

func TestAsyncChildOutlivesReturnedCallerButNotItsBudget(t *testing.T) {
	e := load(t, engine.Config{}, sleeper,
		`{"kind": "function", "name": "start", "input": [{"name": "ms", "type": "int"}], "stack": [
			{"type": "call", "function": "sleeper", "async": true, "input": {"ms": "input.ms"}, "as": "id"}], "response": "id"}`)
	ctx := context.Background()

	// The caller returns at once; a child within the caller's budget runs to its end.
	res, err := e.Run(ctx, "start", map[string]any{"ms": 50}, engine.RunOptions{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	out, err := e.Await(ctx, []string{res.Output.(string)}, 0)
	if err != nil || out[0].Status != engine.StatusSucceeded {
		t.Fatalf("child within budget: %+v, %v", out, err)
	}

	// A child that needs more than the caller had left times out with it.
	res, err = e.Run(ctx, "start", map[string]any{"ms": 5000}, engine.RunOptions{Timeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	begin := time.Now()
	out, err = e.Await(ctx, []string{res.Output.(string)}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if out[0].Status != engine.StatusTimedOut || time.Since(begin) > time.Second {
		t.Fatalf("child past the caller's budget: status %s after %s, want timed_out within the budget", out[0].Status, time.Since(begin))
	}
	if !strings.Contains(out[0].Error.Message, "the caller's remaining budget") {
		t.Errorf("timeout message %q should name the limit", out[0].Error.Message)
	}
}

// A pool whose every worker awaits executions queued behind it must not
// deadlock: the awaiter runs what is still queued itself.
func TestAwaitingWorkersDoNotDeadlock(t *testing.T) {
	e := load(t, engine.Config{Workers: 2}, sleeper,
		`{"kind": "function", "name": "middle", "stack": [
			{"type": "call", "function": "sleeper", "async": true, "input": {"ms": "1"}, "as": "id"},
			{"type": "await", "ids": "id", "as": "out"}], "response": "out"}`,
		`{"kind": "function", "name": "top", "stack": [
			{"type": "var", "name": "ids", "value": "[]"},
			{"type": "for", "count": "20", "as": "i", "steps": [
				{"type": "call", "function": "middle", "async": true, "as": "id"},
				{"type": "set", "name": "ids", "value": "append(ids, id)"}]},
			{"type": "await", "ids": "ids", "as": "outs"}], "response": "sum(outs)"}`)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := e.Run(ctx, "top", nil, engine.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Output != 20 {
		t.Errorf("got %v, want 20", res.Output)
	}
}

func TestQueueFull(t *testing.T) {
	e := load(t, engine.Config{Workers: 1, QueueSize: 1}, sleeper,
		`{"kind": "function", "name": "flood", "stack": [
			{"type": "for", "count": "10", "as": "i", "steps": [
				{"type": "call", "function": "sleeper", "async": true, "input": {"ms": "200"}}]}]}`)
	_, err := e.Run(context.Background(), "flood", nil, engine.RunOptions{})
	var fe *engine.Error
	if !errors.As(err, &fe) || fe.Code != engine.CodeQueueFull || fe.Path != "stack[0].steps[0]" ||
		!strings.Contains(fe.Message, "limit queue_size") {
		t.Fatalf("got %v, want a queue_full error at stack[0].steps[0] naming queue_size", err)
	}
}

func TestRecordsOfSyncRuns(t *testing.T) {
	e := load(t, engine.Config{}, `{"kind": "function", "name": "boom", "stack": [{"type": "throw", "message": "no", "status": 409}]}`)
	res, err := e.Run(context.Background(), "boom", nil, engine.RunOptions{})
	if err == nil {
		t.Fatal("want an error")
	}
	rec, gerr := e.Store().Get(context.Background(), res.ExecutionID)
	if gerr != nil {
		t.Fatal(gerr)
	}
	if rec.Status != engine.StatusFailed || rec.Error.Message != "no" || rec.Error.Status != 409 ||
		rec.Error.Path != "stack[0]" || rec.Error.ExecutionID != res.ExecutionID || rec.FinishedAt.IsZero() {
		t.Errorf("record %+v, error %+v", rec, rec.Error)
	}
}

func TestAwaitUnknownID(t *testing.T) {
	e := load(t, engine.Config{}, `{"kind": "function", "name": "w", "stack": [
		{"type": "await", "ids": "['01a20a56-0000-7000-8000-000000000000']", "as": "x"}]}`)
	_, err := e.Run(context.Background(), "w", nil, engine.RunOptions{})
	want := `w: stack[0]: no execution with ID "01a20a56-0000-7000-8000-000000000000"; await takes the IDs that async calls return`
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("got %v\nwant %s", err, want)
	}
}

func TestProgramSwapKeepsRunsConsistent(t *testing.T) {
	e := load(t, engine.Config{}, `{"kind": "function", "name": "v", "stack": [], "response": "1"}`)
	var diags engine.Diagnostics
	d := engine.ParseDefinition("v.json", []byte(`{"kind": "function", "name": "v", "stack": [], "response": "2"}`), &diags)
	p, _ := engine.Compile([]*engine.Definition{d})
	e.Load(p)
	res, err := e.Run(context.Background(), "v", nil, engine.RunOptions{})
	if err != nil || res.Output != 2 {
		t.Fatalf("after Load the new program runs: %v %v", res, err)
	}
}

// set x = append(x, ...) grows x in place, but nobody else holding the
// list may see a change.
func TestAppendKeepsSharedListsIntact(t *testing.T) {
	e := load(t, engine.Config{}, `{"kind": "function", "name": "lists", "stack": [
		{"type": "var", "name": "a", "value": "[]"},
		{"type": "set", "name": "a", "value": "append(a, 1)"},
		{"type": "set", "name": "a", "value": "append(a, 2)"},
		{"type": "var", "name": "b", "value": "a"},
		{"type": "set", "name": "a", "value": "append(a, 3)"},
		{"type": "set", "name": "b", "value": "append(b, 9)"},
		{"type": "var", "name": "c", "value": "a"},
		{"type": "set", "name": "a", "value": "b"},
		{"type": "set", "name": "a", "value": "append(a, 7, 8)"},
		{"type": "set", "name": "c", "value": "append(c, 4)"}],
		"response": "{a: a, b: b, c: c}"}`)
	res, err := e.Run(context.Background(), "lists", nil, engine.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := json.Marshal(res.Output)
	if want := `{"a":[1,2,9,7,8],"b":[1,2,9],"c":[1,2,3,4]}`; string(got) != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

// Async children given the same object must not write to it (run with
// -race to see a write).
func TestAsyncChildrenShareInputs(t *testing.T) {
	e := load(t, engine.Config{}, `{"kind": "function", "name": "child",
		"input": [{"name": "data", "type": "json"}, {"name": "obj", "type": "object"}],
		"stack": [], "response": "len(input.data.list) + input.obj.a"}`,
		`{"kind": "function", "name": "parent", "stack": [
		{"type": "var", "name": "o", "value": "{a: 1, list: [1, 2, {x: 1}]}"},
		{"type": "var", "name": "ids", "value": "[]"},
		{"type": "for", "count": "20", "as": "i", "steps": [
			{"type": "call", "function": "child", "async": true, "input": {"data": "o", "obj": "o"}, "as": "id"},
			{"type": "set", "name": "ids", "value": "append(ids, id)"}]},
		{"type": "await", "ids": "ids", "as": "outs"}], "response": "sum(outs)"}`)
	res, err := e.Run(context.Background(), "parent", nil, engine.RunOptions{})
	if err != nil || res.Output != 80 {
		t.Fatalf("got %v, %v; want 80", res.Output, err)
	}
}

func TestCancel(t *testing.T) {
	e := load(t, engine.Config{Workers: 1}, sleeper,
		`{"kind": "function", "name": "ticker", "stack": [
			{"type": "var", "name": "n", "value": "0"},
			{"type": "while", "cond": "n < 1000", "steps": [
				{"type": "sleep", "ms": "5"}, {"type": "set", "name": "n", "value": "n + 1"}]}], "response": "n"}`)
	ctx := context.Background()
	running, err := e.StartAsync(ctx, "ticker", nil, engine.AsyncOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// With the only worker busy, this one stays queued.
	queued, err := e.StartAsync(ctx, "sleeper", map[string]any{"ms": 1}, engine.AsyncOptions{})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(30 * time.Millisecond)
	if !e.Cancel(running) || !e.Cancel(queued) {
		t.Fatal("Cancel did not find the executions")
	}
	begin := time.Now()
	out, err := e.Await(ctx, []string{running, queued}, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range out {
		if r.Status != engine.StatusCancelled || r.Error == nil || r.Error.Code != engine.CodeCancelled {
			t.Errorf("execution %d: status %s, error %+v; want cancelled", i, r.Status, r.Error)
		}
	}
	if time.Since(begin) > time.Second {
		t.Errorf("cancel took %s", time.Since(begin))
	}
	if e.Cancel(running) {
		t.Error("Cancel of an ended execution reports success")
	}
}

// Sensitive inputs never reach execution records; the run sees them.
func TestSensitiveInputsAreRedacted(t *testing.T) {
	e := load(t, engine.Config{}, `{"kind": "function", "name": "login",
		"input": [{"name": "email", "type": "text"}, {"name": "password", "type": "text", "sensitive": true},
			{"name": "cards", "type": "object", "list": true, "fields": [
				{"name": "last4", "type": "text"}, {"name": "number", "type": "text", "sensitive": true}]}],
		"stack": [], "response": "len(input.password) + len(input.cards[0].number)"}`)
	in := map[string]any{"email": "a@b.co", "password": "hunter22", "cards": []any{map[string]any{"last4": "4242", "number": "4242424242424242"}}}
	res, err := e.Run(context.Background(), "login", in, engine.RunOptions{})
	if err != nil || res.Output != 24 {
		t.Fatalf("the run must see the values: %v, %v", res, err)
	}
	rec, err := e.Store().Get(context.Background(), res.ExecutionID)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := json.Marshal(rec.Input)
	if want := `{"cards":[{"last4":"4242","number":"[redacted]"}],"email":"a@b.co","password":"[redacted]"}`; string(got) != want {
		t.Errorf("record input %s, want %s", got, want)
	}
	if in["password"] != "hunter22" {
		t.Error("Redact changed the caller's input")
	}
}
