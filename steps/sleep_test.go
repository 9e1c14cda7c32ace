package steps_test

import (
	"testing"
	"time"

	"github.com/funcstack/funcstack/engine"
)

func TestSleep(t *testing.T) {
	runCases(t, []stepCase{
		{name: "pauses", defs: []string{mainFn(`[{"type": "sleep", "ms": "20"}]`, "'woke'")}, want: `"woke"`,
			check: func(t *testing.T, res *engine.Result) {
				if res.Duration < 20*time.Millisecond {
					t.Errorf("run took %s, want at least 20ms", res.Duration)
				}
			}},
		{name: "duration text", defs: []string{mainFn(`[{"type": "sleep", "ms": "'15ms'"}]`, "'woke'")}, want: `"woke"`,
			check: func(t *testing.T, res *engine.Result) {
				if res.Duration < 15*time.Millisecond {
					t.Errorf("run took %s, want at least 15ms", res.Duration)
				}
			}},
		{name: "honours the run deadline", opt: engine.RunOptions{Timeout: 50 * time.Millisecond},
			defs:     []string{mainFn(`[{"type": "sleep", "ms": "5000"}]`, "'woke'")},
			wantErr:  "main: stack[0]: run timed out after 50ms (limit timeout); raise the run's timeout, run the work async, or make the stack faster (execution exec-1)",
			wantCode: engine.CodeTimeout, wantStatus: 504,
			check: func(t *testing.T, res *engine.Result) {
				if res.Duration > time.Second {
					t.Errorf("run took %s; the sleep should end at the 50ms deadline", res.Duration)
				}
			}},
		{name: "honours settings.timeout", defs: []string{`{"kind": "function", "name": "main", "settings": {"timeout": "40ms"},
			"stack": [{"type": "sleep", "ms": "5000"}]}`},
			wantErr:  "main: stack[0]: run timed out after 40ms (limit settings.timeout of main); raise the function's settings.timeout or make it faster (execution exec-1)",
			wantCode: engine.CodeTimeout},
		{name: "negative", defs: []string{mainFn(`[{"type": "sleep", "ms": "-1"}]`, "")},
			wantErr: "main: stack[0].ms: `-1` gave -1; a duration cannot be negative (execution exec-1)"},
		{name: "bad duration text", defs: []string{mainFn(`[{"type": "sleep", "ms": "'soon'"}]`, "")},
			wantErr: `main: stack[0].ms: "soon" is not a duration; write it like "30s", "15m" or "2h" (execution exec-1)`},
	})
}
