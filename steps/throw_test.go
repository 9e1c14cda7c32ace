package steps_test

import (
	"encoding/json"
	"strconv"
	"testing"

	"github.com/funcstack/funcstack/engine"
)

func TestThrowAndPrecondition(t *testing.T) {
	runCases(t, []stepCase{
		{name: "throw with status and code", defs: []string{mainFn(`[
			{"type": "var", "name": "name", "value": "'widget'"},
			{"type": "throw", "message": "out of stock: {{name}}", "status": 409, "code": "out_of_stock"}]`, "")},
			wantErr: "main: stack[1]: out of stock: widget (execution exec-1)", wantCode: "out_of_stock", wantStatus: 409},
		{name: "throw defaults", defs: []string{mainFn(`[{"type": "throw", "message": "boom"}]`, "")},
			wantErr: "main: stack[0]: boom (execution exec-1)", wantCode: engine.CodeThrown, wantStatus: 500},
		{name: "throw a non-text message", defs: []string{mainFn(`[{"type": "throw", "message": "42"}]`, "")},
			wantErr: "main: stack[0]: 42 (execution exec-1)", wantCode: engine.CodeThrown},
		{name: "throw inside a branch names its path", defs: []string{mainFn(`[
			{"type": "if", "cond": "true", "then": [{"type": "throw", "message": "deep", "status": 422}]}]`, "")},
			wantErr: "main: stack[0].then[0]: deep (execution exec-1)", wantStatus: 422},
		{name: "precondition holds", defs: []string{fn("main", `[{"name": "qty", "type": "int"}]`, `[
			{"type": "precondition", "cond": "input.qty > 0", "message": "qty must be positive"}]`, "'ok'")},
			input: map[string]any{"qty": 1}, want: `"ok"`},
		{name: "precondition fails", defs: []string{fn("main", `[{"name": "qty", "type": "int"}]`, `[
			{"type": "precondition", "cond": "input.qty > 0", "message": "qty must be positive"}]`, "'ok'")},
			input:   map[string]any{"qty": 0},
			wantErr: "main: stack[0]: qty must be positive (execution exec-1)", wantCode: engine.CodePrecondition, wantStatus: 400},
		{name: "precondition with status and code", defs: []string{mainFn(`[
			{"type": "precondition", "cond": "1 > 2", "message": "nope", "status": 403, "code": "forbidden"}]`, "")},
			wantErr: "main: stack[0]: nope (execution exec-1)", wantCode: "forbidden", wantStatus: 403},
		{name: "precondition message from the issue", defs: []string{fn("main", `[{"name": "age", "type": "int"}]`, `[
			{"type": "precondition", "cond": "input.age >= 18", "message": "too young"}]`, "")},
			input: map[string]any{"age": 12}, wantErr: "main: stack[0]: too young (execution exec-1)"},
		{name: "template parts", defs: []string{fn("main", `[{"name": "sku", "type": "text"}]`, `[
			{"type": "var", "name": "product", "value": "{stock: 3}"},
			{"type": "precondition", "cond": "product.stock >= 5", "message": "only {{product.stock}} of {{input.sku}} left", "status": 409}]`, "")},
			input: map[string]any{"sku": "pear"}, wantErr: "main: stack[1]: only 3 of pear left (execution exec-1)", wantStatus: 409},
		{name: "an old quoted message still means its text", defs: []string{mainFn(`[{"type": "throw", "message": "'out of stock'"}]`, "")},
			wantErr: "main: stack[0]: out of stock (execution exec-1)"},
		{name: "a part that fails names the template", defs: []string{mainFn(`[
			{"type": "var", "name": "l", "value": "[1]"},
			{"type": "throw", "message": "item {{l[1] + 1}}"}]`, "")},
			wantErr: "main: stack[1].message: index out of range: 1 (array length is 1) (1:2) in `l[1] + 1` (execution exec-1)"},
	})
}

// TestTemplateValues checks how each kind of value shows in a template.
func TestTemplateValues(t *testing.T) {
	cases := []struct{ value, want string }{
		{"'text'", "text"},
		{"42", "42"},
		{"-7", "-7"},
		{"1e6", "1000000"},
		{"6 / 2", "3"},
		{"7 / 2", "3.5"},
		{"0.1 + 0.2", "0.3"},
		{"1 / 3", "0.333333333333333"},
		{"123456789.125", "123456789.125"},
		{"1e21", "1e+21"},
		{"1e-7", "1e-7"},
		{"0.000001", "0.000001"},
		{"-0.0", "0"},
		{"nil", ""},
		{"true", "true"},
		{"[1, 'a', nil]", `[1,"a",null]`},
		{"{b: 1.5, a: {c: [true]}}", `{"a":{"c":[true]},"b":1.5}`},
		{"date('2026-03-01T10:00:00Z')", "2026-03-01T10:00:00Z"},
		{"duration('90s')", "1m30s"},
	}
	for _, tc := range cases {
		t.Run(tc.value, func(t *testing.T) {
			runCase(t, stepCase{defs: []string{mainFn(`[
				{"type": "var", "name": "v", "value": `+strconv.Quote(tc.value)+`},
				{"type": "throw", "message": "<{{v}}>"}]`, "")},
				wantErr: "main: stack[1]: <" + tc.want + "> (execution exec-1)"})
		})
	}
}

// TestTemplateSyntax checks where parts begin and end.
func TestTemplateSyntax(t *testing.T) {
	cases := []struct{ template, want string }{
		{"no parts", "no parts"},
		{"{{ '{{' }} is text", "{{ is text"},
		{"{{ {a: 1}.a }}", "1"},
		{"{{{a: 2}.a}}", "2"},
		{"{{ '}}' }}", "}}"},
		{`{{ "a\"}}" }}`, `a"}}`},
		{"a } b }} c", "a } b }} c"},
		{"{{1}}{{2}}", "12"},
		{"line 1\nline {{1 + 1}}", "line 1\nline 2"},
		{"日本 {{'語'}}", "日本 語"},
	}
	for _, tc := range cases {
		t.Run(tc.template, func(t *testing.T) {
			msg, _ := json.Marshal(tc.template)
			runCase(t, stepCase{defs: []string{mainFn(`[{"type": "throw", "message": `+string(msg)+`}]`, "")},
				wantErr: "main: stack[0]: " + tc.want + " (execution exec-1)"})
		})
	}
}
