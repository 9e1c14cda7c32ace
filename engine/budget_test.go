package engine_test

import (
	"context"
	"encoding/json"
	"errors"
	"sort"
	"testing"
	"time"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/enginetest"
)

// cpuBound is the issue 15 example: about n² steps of closures in one
// expression, under settings.timeout of 1 s.
const cpuBound = `{"kind": "function", "name": "hot", "settings": {"timeout": "1s"},
	"input": [{"name": "n", "type": "int", "required": true}],
	"stack": [{"type": "var", "name": "l", "value": "1..input.n"},
		{"type": "return", "value": "count(l, let x = #; count(l, # < x) == x - 1)"}]}`

const quick = `{"kind": "function", "name": "quick", "stack": [{"type": "return", "value": "map(1..10, # * 2)"}]}`

// TestExpressionObeysDeadline: a CPU-bound expression stops with the
// run's timeout soon after it, and the engine answers other runs
// meanwhile (issue 15: it ran 21 s and succeeded; at 90,000 items it held
// a core for 7 minutes).
func TestExpressionObeysDeadline(t *testing.T) {
	e := engine.New(engine.Config{Limits: engine.Limits{MaxExprSteps: 1 << 62}})
	t.Cleanup(e.Close)
	e.Load(enginetest.Compile(t, cpuBound, quick))

	done := make(chan time.Duration, 1)
	var hotErr error
	start := time.Now()
	go func() {
		_, hotErr = e.Run(context.Background(), "hot", map[string]any{"n": 12000}, engine.RunOptions{})
		done <- time.Since(start)
	}()
	// Other runs on the same engine answer while the hot one burns.
	time.Sleep(200 * time.Millisecond)
	var lat []time.Duration
	for range 5 {
		t0 := time.Now()
		res, err := e.Run(context.Background(), "quick", nil, engine.RunOptions{})
		lat = append(lat, time.Since(t0))
		if err != nil {
			t.Fatal(err)
		}
		if b, _ := json.Marshal(res.Output); string(b) != "[2,4,6,8,10,12,14,16,18,20]" {
			t.Fatalf("quick = %s", b)
		}
		time.Sleep(20 * time.Millisecond)
	}
	var took time.Duration
	select {
	case took = <-done:
		t.Fatalf("the hot run ended after %v, before the quick runs did: it did not run long enough to test anything", took)
	default:
	}
	took = <-done
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	t.Logf("hot run ended after %v; quick runs meanwhile: %v", took, lat)

	var ee *engine.Error
	if !errors.As(hotErr, &ee) {
		t.Fatalf("hot run: %v, want a timeout", hotErr)
	}
	want := "run timed out after 1s (limit settings.timeout of hot); raise the function's settings.timeout or make it faster"
	if ee.Code != engine.CodeTimeout || ee.Path != "stack[1]" || ee.Message != want {
		t.Errorf("hot run: %s at %s: %q\nwant timeout at stack[1]: %q", ee.Code, ee.Path, ee.Message, want)
	}
	if took > 1500*time.Millisecond {
		t.Errorf("the hot run ended %v after it started; want under 1.5 s for a 1 s limit", took)
	}
	if lat[0] > 50*time.Millisecond {
		t.Errorf("the quickest of 5 runs beside the hot one took %v; want under 50 ms", lat[0])
	}
}

// TestExprStepBudget: max_expr_steps stops one evaluation and names
// itself; a try catches it; each evaluation has the whole budget.
func TestExprStepBudget(t *testing.T) {
	e := engine.New(engine.Config{Limits: engine.Limits{MaxExprSteps: 1000}})
	t.Cleanup(e.Close)
	e.Load(enginetest.Compile(t, `{"kind": "function", "name": "main", "input": [{"name": "n", "type": "int", "required": true}],
		"stack": [{"type": "var", "name": "l", "value": "1..input.n"},
			{"type": "var", "name": "a", "value": "count(l, # > 0)"},
			{"type": "var", "name": "b", "value": "sum(map(l, # * 2))"},
			{"type": "return", "value": "count(l, let x = #; count(l, # < x) == x - 1)"}]}`,
		`{"kind": "function", "name": "caught", "stack": [
			{"type": "try", "steps": [{"type": "return", "value": "count(1..100, let x = #; count(1..100, # == x) > 0)"}],
			 "catch": [{"type": "return", "value": "error.code"}]}]}`))
	res, err := e.Run(context.Background(), "main", map[string]any{"n": 30}, engine.RunOptions{})
	if err != nil || res.Output != 30 {
		t.Fatalf("30 items: %v, %v; want 30", res, err)
	}
	_, err = e.Run(context.Background(), "main", map[string]any{"n": 40}, engine.RunOptions{})
	var ee *engine.Error
	if !errors.As(err, &ee) {
		t.Fatalf("40 items: %v, want a limit error", err)
	}
	want := "the expression took more than 1000 steps (limit max_expr_steps); make it do less work per item, or split it over steps (1:32) in `count(l, let x = #; count(l, # < x) == x - 1)`"
	if ee.Code != engine.CodeLimit || ee.Path != "stack[3].value" || ee.Message != want {
		t.Errorf("40 items: %s at %s: %q\nwant limit_exceeded at stack[3].value: %q", ee.Code, ee.Path, ee.Message, want)
	}
	res, err = e.Run(context.Background(), "caught", nil, engine.RunOptions{})
	if err != nil || res.Output != engine.CodeLimit {
		t.Errorf("caught: %v, %v; want %q", res, err, engine.CodeLimit)
	}
}

// TestExprMemoryBudget: max_expr_memory stops an evaluation that builds
// too much (here a range per item), names itself and is caught as a
// limit; an evaluation under it runs.
func TestExprMemoryBudget(t *testing.T) {
	e := engine.New(engine.Config{Limits: engine.Limits{MaxExprMemory: 10_000}})
	t.Cleanup(e.Close)
	e.Load(enginetest.Compile(t, `{"kind": "function", "name": "main", "input": [{"name": "n", "type": "int", "required": true}],
		"stack": [{"type": "return", "value": "count(1..input.n, let x = #; count(1..input.n, # > x) > 0)"}]}`,
		`{"kind": "function", "name": "caught", "stack": [
			{"type": "try", "steps": [{"type": "return", "value": "len(repeat('ab', 20000))"}],
			 "catch": [{"type": "return", "value": "error.code + ': ' + error.message"}]}]}`))
	res, err := e.Run(context.Background(), "main", map[string]any{"n": 50}, engine.RunOptions{})
	if err != nil || res.Output != 49 {
		t.Fatalf("50 items: %v, %v; want 49", res, err)
	}
	_, err = e.Run(context.Background(), "main", map[string]any{"n": 200}, engine.RunOptions{})
	var ee *engine.Error
	if !errors.As(err, &ee) {
		t.Fatalf("200 items: %v, want a limit error", err)
	}
	want := "the expression built more than 10000 list items, object entries and text bytes in one evaluation (limit max_expr_memory); work on fewer items at a time, for example with a foreach over them, or split it over steps (1:37) in `count(1..input.n, let x = #; count(1..input.n, # > x) > 0)`"
	if ee.Code != engine.CodeLimit || ee.Path != "stack[0].value" || ee.Message != want {
		t.Errorf("200 items: %s at %s: %q\nwant limit_exceeded at stack[0].value: %q", ee.Code, ee.Path, ee.Message, want)
	}
	res, err = e.Run(context.Background(), "caught", nil, engine.RunOptions{})
	wantCaught := "limit_exceeded: the expression built more than 10000 list items, object entries and text bytes in one evaluation (limit max_expr_memory); work on fewer items at a time, for example with a foreach over them, or split it over steps (1:5) in `len(repeat('ab', 20000))`"
	if err != nil || res.Output != wantCaught {
		t.Errorf("caught: %v, %v\nwant %q", res.Output, err, wantCaught)
	}
}
