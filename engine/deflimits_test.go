package engine_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/funcstack/funcstack/engine"
	_ "github.com/funcstack/funcstack/steps"
)

// TestDefinitionLimits: a definition past a definition limit is refused
// with an error naming the limit (docs/design.md §7).
func TestDefinitionLimits(t *testing.T) {
	nested := `{"type": "var", "name": "x", "value": "1"}`
	for range engine.MaxNesting {
		nested = `{"type": "if", "cond": "true", "then": [` + nested + `]}`
	}
	vars := make([]string, engine.MaxVariables+1)
	for i := range vars {
		vars[i] = fmt.Sprintf(`{"type": "var", "name": "v%d", "value": "1"}`, i)
	}
	steps := make([]string, engine.MaxSteps+1)
	for i := range steps {
		steps[i] = `{"type": "set", "name": "x", "value": "1"}`
	}
	long := strings.Repeat("n", engine.MaxNameBytes+1)
	for _, c := range []struct{ name, def, want string }{
		{"a name of 64 bytes", `{"kind": "function", "name": "` + long + `", "stack": []}`,
			"error: " + long + ": name: name \"" + long + "\" is 64 characters long; at most 63 fit (limit max_name_bytes: names become PostgreSQL identifiers)"},
		{"65 blocks deep", `{"kind": "function", "name": "deep", "stack": [` + nested + `]}`,
			"error: deep: stack" + strings.Repeat("[0].then", engine.MaxNesting) + ": steps nest more than 64 blocks deep here (limit max_nesting); move the inner steps into a function and call it"},
		{"1001 variables", `{"kind": "function", "name": "many", "stack": [` + strings.Join(vars, ",") + `]}`,
			"error: many: stack: many declares 1001 variables; at most 1000 fit (limit max_variables): split it into functions"},
		{"10001 steps", `{"kind": "function", "name": "long", "stack": [{"type": "var", "name": "x", "value": "1"},` + strings.Join(steps[1:], ",") + `]}`,
			"error: long: stack[10000]: long has more than 10000 steps (limit max_steps); split it into functions"},
	} {
		var diags engine.Diagnostics
		d := engine.ParseDefinition("f.json", []byte(c.def), &diags)
		if !diags.HasErrors() {
			_, more := engine.Compile([]*engine.Definition{d})
			diags = append(diags, more...)
		}
		var got []string
		for _, e := range diags.Errors() {
			got = append(got, e.Severity+": "+e.String())
		}
		if len(got) != 1 || got[0] != c.want {
			t.Errorf("%s:\n got %q\nwant %q", c.name, got, c.want)
		}
	}
}
