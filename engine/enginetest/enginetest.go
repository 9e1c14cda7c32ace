// Package enginetest compiles definition sources for tests.
package enginetest

import (
	"fmt"
	"testing"

	"github.com/funcstack/funcstack/engine"
)

// Parse parses definition sources (JSON), named def0.json, def1.json…,
// failing t on errors.
func Parse(t testing.TB, defs ...string) []*engine.Definition {
	t.Helper()
	var diags engine.Diagnostics
	var parsed []*engine.Definition
	for i, d := range defs {
		if def := engine.ParseDefinition(fmt.Sprintf("def%d.json", i), []byte(d), &diags); def != nil {
			parsed = append(parsed, def)
		}
	}
	if diags.HasErrors() {
		t.Fatalf("parse errors:\n%s", diags.Err())
	}
	return parsed
}

// Compile parses and compiles definition sources, failing t on errors.
func Compile(t testing.TB, defs ...string) *engine.Program {
	t.Helper()
	prog, diags := engine.Compile(Parse(t, defs...))
	if diags.HasErrors() {
		t.Fatalf("compile errors:\n%s", diags.Err())
	}
	return prog
}
