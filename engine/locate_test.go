package engine

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestLocate: a diagnostic's JSON path turns into the line and column
// where its value starts in the file, or where the object that lacks it
// starts.
func TestLocate(t *testing.T) {
	doc := []byte(`{ "kind": "function", "name": "f",
  "stack": [
    {"type": "var", "name": "x", "value": "1"},
    {"type": "if", "cond": "x > 2",
      "then": [ {"type": "set", "name": "y", "value": "totl"} ] },
    {"type": "call", "input": {"n": "1", "m": [1, {"k": "v"}]}}
  ],
  "response": "x" }`)
	for _, c := range []struct {
		path      string
		line, col int
	}{
		{"", 1, 1},
		{"name", 1, 31},
		{"stack", 2, 12},
		{"stack[0]", 3, 5},
		{"stack[0].value", 3, 43},
		{"stack[1].then[0].value", 5, 55},
		{"stack[2].function", 6, 5},      // missing: the step that lacks it
		{"stack[2].input.m[1].k", 6, 57}, // deep in lists and objects
		{"stack[2].input.m[7]", 6, 47},   // no such item: the list
		{"stack[0].value.deeper", 3, 43}, // a text where the path wants more
		{"response", 8, 15},
		{"nope.at.all", 1, 1},
	} {
		line, col, ok := Locate(doc, c.path)
		if !ok || line != c.line || col != c.col {
			t.Errorf("Locate(%q) = %d:%d %v, want %d:%d", c.path, line, col, ok, c.line, c.col)
		}
	}
}

// TestCompileDiagnosticsHavePositions: diagnostics of definitions read
// from files say where in the file, for the CLI (file:line:col).
func TestCompileDiagnosticsHavePositions(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "f.json")
	if err := os.WriteFile(f, []byte("{\"kind\": \"function\", \"name\": \"f\",\n \"stack\": [{\"type\": \"var\", \"name\": \"x\", \"value\": \"totl\"}],\n \"nope\": 1}"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, diags := LoadAndCompile(dir)
	var got []string
	for _, d := range diags {
		got = append(got, fmt.Sprintf("%d:%d %s %s", d.Line, d.Col, d.Path, d.Code))
	}
	want := []string{"3:10 nope unknown_field", "2:50 stack[0].value expression"}
	if !slices.Equal(got, want) {
		t.Fatalf("diagnostics %q, want %q", got, want)
	}
	// Definitions that did not come from files (the admin API) have none.
	var more Diagnostics
	d := ParseDefinition("", []byte(`{"kind": "function", "name": "g", "stack": [{"type": "var", "name": "x", "value": "totl"}]}`), &more)
	_, cd := Compile([]*Definition{d})
	cd.Locate([]*Definition{d})
	if len(cd) != 1 || cd[0].Line != 0 {
		t.Fatalf("diagnostics of a definition from no file %+v, want no position", cd)
	}
}
