package main

import (
	"os"
	"testing"
)

// The committed docs/steps.md must be what the registry gives today.
func TestStepsDocUpToDate(t *testing.T) {
	code, out, errOut := cli(t, "steps", "--markdown")
	if code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, errOut)
	}
	committed, err := os.ReadFile("../../docs/steps.md")
	if err != nil {
		t.Fatal(err)
	}
	if string(committed) != out {
		t.Errorf("docs/steps.md is stale: run make docs")
	}
}

// The page prints every key an entry has, the ones it has no place for
// included, so a new field of the registry reaches the docs without
// changing the generator.
func TestStepsMarkdown(t *testing.T) {
	catalogue := `[
	  {"type": "log", "category": "utility", "title": "Log", "summary": "log {value}",
	   "description": "The value goes to the execution's log | trace.", "since": "0.2",
	   "fields": [
	     {"name": "value", "kind": "expr", "required": true, "description": "what to log"},
	     {"name": "level", "kind": "enum", "values": ["info", "warn"], "default": "info", "description": "how loud", "unit": "none"}
	   ],
	   "example": {"type": "log", "value": "input"},
	   "common_fields": [{"name": "type", "kind": "string", "required": true, "description": "The step type."}]},
	  {"type": "set", "category": "variables", "description": "Change a variable.", "fields": [], "example": null}
	]`
	want := "# Step types\n\n" +
		"<!-- Generated from the step registry by `funcstack steps --markdown`; do not edit: run `make docs`. -->\n\n" +
		"Every step type funcstack knows, with its fields and an example, as the\n" +
		"registry in `steps/` declares them (`GET /_/api/steps` and `funcstack steps`\n" +
		"give the same as JSON). The format's rules are in [format.md](format.md).\n\n" +
		"Every step also accepts these fields:\n\n" +
		"| field | kind | required | default | description |\n|---|---|---|---|---|\n" +
		"| `type` | string | yes |  | The step type. |\n\n" +
		"## Contents\n\n" +
		"- **utility**: [`log`](#log)\n" +
		"- **variables**: [`set`](#set)\n\n" +
		"## utility\n\n" +
		"### log\n\n" +
		"**Log** · in the builder: `log {value}`\n\n" +
		"The value goes to the execution's log | trace.\n\n" +
		"- since: 0.2\n\n" +
		"| field | kind | required | default | description |\n|---|---|---|---|---|\n" +
		"| `value` | expr | yes |  | what to log |\n" +
		"| `level` | enum |  | `info` | how loud (one of `info`, `warn`) (unit: none) |\n\n" +
		"```json\n{\n  \"type\": \"log\",\n  \"value\": \"input\"\n}\n```\n\n" +
		"## variables\n\n" +
		"### set\n\n" +
		"Change a variable.\n"
	got, err := stepsMarkdown([]byte(catalogue))
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}

	if _, err := stepsMarkdown([]byte(`{"type": "log"}`)); err == nil ||
		err.Error() != "steps --markdown: the catalogue is not a list of objects: json: cannot unmarshal object into Go value of type []map[string]json.RawMessage" {
		t.Errorf("not a list: %v", err)
	}
}
