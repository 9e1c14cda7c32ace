package steps_test

import (
	"testing"

	"github.com/funcstack/funcstack/engine"
)

func TestLog(t *testing.T) {
	res := runCase(t, stepCase{defs: []string{mainFn(`[
		{"type": "var", "name": "total", "value": "3"},
		{"type": "log", "message": "total is {{total}}"},
		{"type": "foreach", "items": "[1, 2]", "as": "i", "steps": [{"type": "log", "value": "{i: i}"}]}]`, "total")},
		want: `3`})
	type entry struct {
		Path  string
		Value any
	}
	var got []entry
	for _, l := range res.Logs {
		got = append(got, entry{l.Path, l.Value})
		if l.Time.IsZero() {
			t.Errorf("log entry %s has no time", l.Path)
		}
	}
	want := `[{"Path":"stack[1]","Value":"total is 3"},{"Path":"stack[2].steps[0]","Value":{"i":1}},{"Path":"stack[2].steps[0]","Value":{"i":2}}]`
	if g := jsonOf(t, got); g != want {
		t.Errorf("logs:\n got  %s\n want %s", g, want)
	}
}

func TestLogsOfCalleeAndLimit(t *testing.T) {
	res := runCase(t, stepCase{
		cfg: engine.Config{Limits: engine.Limits{MaxLogEntries: 2}},
		defs: []string{mainFn(`[
			{"type": "log", "value": "'main'"},
			{"type": "call", "function": "child"},
			{"type": "log", "value": "'dropped'"}]`, "1"),
			fn("child", "", `[{"type": "log", "value": "'child'"}]`, "")},
		want: `1`})
	var got []any
	for _, l := range res.Logs {
		got = append(got, l.Value)
	}
	if g := jsonOf(t, got); g != `["main","child"]` {
		t.Errorf("logs = %s, want [\"main\",\"child\"]", g)
	}
}

func TestLogCompileErrors(t *testing.T) {
	wantDiagnostics(t, []diagCase{
		{name: "neither", stack: `[{"type": "log"}]`,
			want: "error: main: stack[0]: give either message (text with {{ expression }} parts) or value (an expression), not both and not neither"},
		{name: "both", stack: `[{"type": "log", "message": "a", "value": "1"}]`,
			want: "error: main: stack[0]: give either message (text with {{ expression }} parts) or value (an expression), not both and not neither"},
	})
}
