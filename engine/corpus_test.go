package engine_test

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/funcstack/funcstack/engine"
	_ "github.com/funcstack/funcstack/steps"
)

var update = flag.Bool("update", false, "rewrite testdata/bad/*.err from the current diagnostics")

// supportDefs loads the helper definitions the bad cases refer to (a callee
// function, an endpoint, a name to collide with).
func supportDefs(t *testing.T) []*engine.Definition {
	t.Helper()
	defs, diags := engine.LoadWorkspace(filepath.Join("testdata", "bad", "_support"))
	if len(diags) > 0 || len(defs) == 0 {
		t.Fatalf("support definitions: %d loaded, diagnostics:\n%s", len(defs), engine.DiagnosticsError(diags))
	}
	if _, more := engine.Compile(defs); len(more) > 0 {
		t.Fatalf("support definitions do not compile cleanly:\n%s", engine.DiagnosticsError(more))
	}
	return defs
}

// diagnose parses and compiles one file together with the support
// definitions and returns every diagnostic.
func diagnose(t *testing.T, file string, support []*engine.Definition) engine.Diagnostics {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var diags engine.Diagnostics
	d := engine.ParseDefinition(filepath.ToSlash(file), data, &diags)
	defs := append([]*engine.Definition(nil), support...)
	if d != nil {
		defs = append(defs, d)
	}
	_, more := engine.Compile(defs)
	return append(diags, more...)
}

func lines(ds engine.Diagnostics) string {
	var b strings.Builder
	for _, d := range ds {
		b.WriteString(d.String())
		b.WriteByte('\n')
	}
	return b.String()
}

// knownBad lists cases whose current diagnostics are wrong or unhelpful.
// Their .err files hold what the diagnostics should say (-update leaves
// them alone); delete the entry once the engine says it.
var knownBad = map[string]string{}

// TestBadDefinitions checks the error diagnostics of every
// testdata/bad/*.json against its .err file (go test -update rewrites them).
func TestBadDefinitions(t *testing.T) {
	support := supportDefs(t)
	files, err := filepath.Glob(filepath.Join("testdata", "bad", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 25 {
		t.Fatalf("only %d bad cases; keep at least 25", len(files))
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".json")
		t.Run(name, func(t *testing.T) {
			if why, ok := knownBad[name]; ok {
				// The .err file holds the message the case should give.
				t.Skip(why)
			}
			errs := diagnose(t, file, support).Errors()
			got := lines(errs)
			if len(errs) == 0 {
				t.Fatalf("%s compiles without errors; a bad case must fail", file)
			}
			for _, d := range errs {
				if d.Code == "" || d.Message == "" {
					t.Errorf("diagnostic without code or message: %+v", d)
				}
			}
			errFile := strings.TrimSuffix(file, ".json") + ".err"
			if *update {
				if err := os.WriteFile(errFile, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(errFile)
			if err != nil {
				t.Fatalf("%v (run go test -run TestBadDefinitions -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("diagnostics of %s:\n--- got\n%s--- want\n%s", file, got, want)
			}
		})
	}
	// Every .err file has its .json.
	errFiles, _ := filepath.Glob(filepath.Join("testdata", "bad", "*.err"))
	for _, e := range errFiles {
		if _, err := os.Stat(strings.TrimSuffix(e, ".err") + ".json"); err != nil {
			t.Errorf("%s has no matching .json", e)
		}
	}
}

// TestWarnings checks definitions that compile but deserve a warning.
func TestWarnings(t *testing.T) {
	cases := []struct {
		name string
		def  string
		want string // the warnings, one String() a line
	}{
		{name: "async ID never awaited", def: `{"kind": "function", "name": "fire", "stack": [
			{"type": "call", "function": "double", "input": {"n": "1"}, "async": true, "as": "job"}]}`,
			want: `fire: stack[0]: the async execution ID in job is never awaited or used; add an await step, or drop "as" to fire and forget`},
		{name: "async ID copied but never awaited", def: `{"kind": "function", "name": "fire2", "stack": [
			{"type": "call", "function": "double", "input": {"n": "1"}, "async": true, "as": "job"},
			{"type": "var", "name": "copy", "value": "job"}]}`,
			want: `fire2: stack[0]: the async execution ID in job is never awaited or used; add an await step, or drop "as" to fire and forget`},
		{name: "async ID awaited: no warning", def: `{"kind": "function", "name": "fire3", "stack": [
			{"type": "call", "function": "double", "input": {"n": "1"}, "async": true, "as": "job"},
			{"type": "await", "ids": "job", "as": "r"}], "response": "r"}`},
		{name: "async ID returned: no warning", def: `{"kind": "function", "name": "fire4", "stack": [
			{"type": "call", "function": "double", "input": {"n": "1"}, "async": true, "as": "job"}], "response": "{id: job}"}`},
		{name: "while condition cannot change", def: `{"kind": "function", "name": "stuck", "stack": [
			{"type": "var", "name": "n", "value": "10"},
			{"type": "var", "name": "m", "value": "0"},
			{"type": "while", "cond": "n > 0", "steps": [{"type": "set", "name": "m", "value": "m + 1"}]}]}`,
			want: `stuck: stack[2].cond: the condition n > 0 reads nothing the loop body changes, so it cannot become false; the loop will run until the iteration limit`},
		{name: "while condition changed in a nested block: no warning", def: `{"kind": "function", "name": "unstuck", "stack": [
			{"type": "var", "name": "n", "value": "10"},
			{"type": "while", "cond": "n > 0", "steps": [{"type": "if", "cond": "true", "then": [{"type": "set", "name": "n", "value": "n - 1"}]}]}]}`},
		{name: "while with break: no warning", def: `{"kind": "function", "name": "breaks", "stack": [
			{"type": "while", "cond": "true", "steps": [{"type": "break"}]}]}`},
		{name: "function calling itself unconditionally", def: `{"kind": "function", "name": "forever", "input": [{"name": "n", "type": "int"}], "stack": [
			{"type": "call", "function": "forever", "input": {"n": "input.n + 1"}, "as": "r"}], "response": "r"}`,
			want: `forever: stack[0].function: forever calls itself unconditionally; it will always hit the call depth limit`},
		{name: "recursion under a condition: no warning", def: `{"kind": "function", "name": "countdown", "input": [{"name": "n", "type": "int"}], "stack": [
			{"type": "if", "cond": "input.n > 0", "then": [{"type": "call", "function": "countdown", "input": {"n": "input.n - 1"}}]}]}`},
		{name: "unreachable step", def: `{"kind": "function", "name": "dead", "stack": [
			{"type": "return", "value": "1"},
			{"type": "var", "name": "x", "value": "2"},
			{"type": "var", "name": "y", "value": "3"}]}`,
			want: `dead: stack[1]: this step can never run: the step before it always ends the block`},
		{name: "task without schedule", def: `{"kind": "task", "name": "manual", "stack": []}`,
			want: `manual: schedule: task has no schedule; it only runs when started by hand`},
		{name: "task catch-up none: no diagnostic", def: `{"kind": "task", "name": "nightly", "schedule": {"cron": "0 3 * * *", "catch_up": "none"}, "stack": []}`},
		{name: "promote_after on a task", def: `{"kind": "task", "name": "nightly", "schedule": {"every": "24h"}, "settings": {"promote_after": "5s"}, "stack": []}`,
			want: `nightly: settings.promote_after: promote_after has no effect on a task: only endpoints and functions called over HTTP are promoted`},
		{name: "input constraints that have no effect", def: `{"kind": "function", "name": "limits", "input": [
			{"name": "flag", "type": "bool", "min": 1, "values": ["yes"]},
			{"name": "n", "type": "int", "min": 10, "max": 5, "values": ["1"]},
			{"name": "tags", "type": "bool", "list": true, "min": 1, "max": 3},
			{"name": "size", "type": "text", "min": 1, "max": 3, "values": ["s", "m"]},
			{"name": "o", "type": "object", "fields": [{"name": "at", "type": "timestamp", "max": 1}]}], "stack": []}`,
			want: `limits: input[0].min: min has no effect on a bool input: it bounds int and decimal values, the length of text, the size of file and the number of items of a list
limits: input[0].values: values has no effect on a bool input: only text inputs are checked against values
limits: input[1].max: max 5 is less than min 10: no value can pass; swap them
limits: input[1].values: values has no effect on an int input: only text inputs are checked against values
limits: input[4].fields[0].max: max has no effect on a timestamp input: it bounds int and decimal values, the length of text, the size of file and the number of items of a list`},
		{name: "promote_after twice", def: `{"kind": "endpoint", "name": "twice", "method": "GET", "path": "/twice", "promote_after": "5s", "settings": {"promote_after": "2s"}, "stack": []}`,
			want: `twice: settings.promote_after: promote_after is given twice; the endpoint's own (5s) wins over settings.promote_after`},
	}
	support := supportDefs(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var diags engine.Diagnostics
			d := engine.ParseDefinition("warn.json", []byte(tc.def), &diags)
			if d == nil {
				t.Fatalf("does not parse:\n%s", lines(diags))
			}
			_, more := engine.Compile(append(append([]*engine.Definition(nil), support...), d))
			diags = append(diags, more...)
			if diags.HasErrors() {
				t.Fatalf("errors:\n%s", lines(diags.Errors()))
			}
			want := tc.want
			if want != "" {
				want += "\n"
			}
			if got := lines(diags.Warnings()); got != want {
				t.Errorf("warnings:\n--- got\n%s--- want\n%s", got, want)
			}
			for _, w := range diags.Warnings() {
				if w.Severity != engine.SeverityWarning || w.Code == "" {
					t.Errorf("bad warning %+v", w)
				}
			}
			if diags.Err() != nil {
				t.Errorf("warnings alone must not make Err() non-nil")
			}
		})
	}
}
