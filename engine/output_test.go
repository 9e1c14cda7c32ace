package engine_test

import (
	"context"
	"strings"
	"testing"

	"github.com/funcstack/funcstack/engine"
)

// TestOutputDeclaration: a declared output is checked in debug runs, and a
// run whose answer does not fit it logs one warning naming every field;
// production runs answer the same without the check.
func TestOutputDeclaration(t *testing.T) {
	e := load(t, engine.Config{},
		`{"kind": "function", "name": "order_total", "input": [{"name": "bad", "type": "bool"}],
		  "output": [{"name": "total", "type": "int", "required": true}, {"name": "lines", "type": "object", "list": true,
		              "fields": [{"name": "sku", "type": "text", "required": true}]}],
		  "stack": [], "response": "input.bad ? {total: 'many', lines: [{qty: 1}]} : {total: 3, lines: [{sku: 'A-1'}]}"}`,
		`{"kind": "function", "name": "count_all", "output": {"type": "int", "list": true, "min": 0},
		  "stack": [], "response": "[1, -2]"}`)
	cases := []struct {
		name, fn string
		input    map[string]any
		want     string
	}{
		{"fits", "order_total", map[string]any{"bad": false}, ""},
		{"object fields", "order_total", map[string]any{"bad": true},
			"warning: the answer does not fit the declared output: output.total: expected int, got text; output.lines[0].sku: required"},
		{"one value", "count_all", nil,
			"warning: the answer does not fit the declared output: output[1]: must be at least 0"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, err := e.Run(context.Background(), c.fn, c.input, engine.RunOptions{Trace: true})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, l := range res.Logs {
				if l.Path == "output" {
					got = append(got, l.Value.(string))
				}
			}
			if strings.Join(got, "\n") != c.want {
				t.Errorf("output warnings:\n got %q\nwant %q", got, c.want)
			}
			prod, err := e.Run(context.Background(), c.fn, c.input, engine.RunOptions{})
			if err != nil || len(prod.Logs) != 0 {
				t.Errorf("production run: %v, logs %v", err, prod.Logs)
			}
		})
	}
}
