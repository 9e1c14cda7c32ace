package steps_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/funcstack/funcstack/engine"
)

// Tests of whole runs that no one step owns: the trace, and one program run
// from many goroutines.

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
