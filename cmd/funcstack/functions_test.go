package main

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/funcstack/funcstack/engine/exprfn"
)

// The committed docs/functions.md must be what the catalogue gives today.
func TestFunctionsDocUpToDate(t *testing.T) {
	code, out, errOut := cli(t, "functions", "--markdown")
	if code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, errOut)
	}
	committed, err := os.ReadFile("../../docs/functions.md")
	if err != nil {
		t.Fatal(err)
	}
	if string(committed) != out {
		t.Errorf("docs/functions.md is stale: run make docs")
	}
}

func TestFunctions(t *testing.T) {
	code, out, errOut := cli(t, "functions")
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 1+len(exprfn.Catalogue()) || !strings.HasPrefix(lines[0], "CATEGORY  FUNCTION") {
		t.Fatalf("want a header and one line per function (%d), got %d lines:\n%s", len(exprfn.Catalogue()), len(lines), out)
	}
	if !strings.Contains(out, "\nsecurity  md5(text) → text ") {
		t.Errorf("no line for md5:\n%s", out)
	}

	code, out, _ = cli(t, "functions", "padStart")
	want := "padStart(text, length, pad?) → text\n" +
		"  The text made length characters long by adding the pad (a space by default) at its start.\n" +
		"  category: text\n  example:  padStart('7', 3, '0')\n  result:   \"007\"\n"
	if code != 0 || out != want {
		t.Errorf("functions padStart: exit %d\n got  %q\n want %q", code, out, want)
	}

	code, out, _ = cli(t, "functions", "math", "--json")
	var fns []map[string]string
	if err := json.Unmarshal([]byte(out), &fns); code != 0 || err != nil {
		t.Fatalf("functions math --json: exit %d, %v", code, err)
	}
	for _, f := range fns {
		if f["category"] != "math" || len(f) != 6 {
			t.Errorf("functions math --json gave %v", f)
		}
	}

	code, _, errOut = cli(t, "functions", "padstart")
	if want := "funcstack functions: no function or category \"padstart\" (did you mean padStart?); categories: text, math, array, object, time, security, type, other\n"; code != 1 || errOut != want {
		t.Errorf("functions padstart: exit %d\n got  %q\n want %q", code, errOut, want)
	}
}
