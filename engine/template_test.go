package engine_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/funcstack/funcstack/engine"
)

// checkDiagnostics compiles defs with the support definitions and
// compares every diagnostic, "severity: definition: path: message" a line.
func checkDiagnostics(t *testing.T, support []*engine.Definition, want string, defs ...string) {
	t.Helper()
	var diags engine.Diagnostics
	all := append([]*engine.Definition(nil), support...)
	for _, def := range defs {
		d := engine.ParseDefinition("case.json", []byte(def), &diags)
		if d == nil {
			t.Fatalf("does not parse:\n%s", lines(diags))
		}
		all = append(all, d)
	}
	_, more := engine.Compile(all)
	var b strings.Builder
	for _, d := range append(diags, more...) {
		b.WriteString(d.Severity + ": " + d.String() + "\n")
	}
	if want != "" {
		want += "\n"
	}
	if got := b.String(); got != want {
		t.Errorf("diagnostics:\n--- got\n%s--- want\n%s", got, want)
	}
}

func TestTemplateDiagnostics(t *testing.T) {
	fn := func(stack string) string {
		return `{"kind": "function", "name": "f", "input": [{"name": "age", "type": "int"}, {"name": "sku", "type": "text"}], "stack": ` + stack + `}`
	}
	cases := []struct{ name, def, want string }{
		{name: "plain text", def: fn(`[{"type": "precondition", "cond": "input.age >= 18", "message": "too young"}]`)},
		{name: "a word that is no name in scope is text", def: fn(`[{"type": "throw", "message": "Forbidden"}]`)},
		{name: "parts", def: fn(`[{"type": "var", "name": "product", "value": "{stock: 1}"},
			{"type": "throw", "message": "only {{product.stock}} of {{input.sku}} left"}]`)},
		{name: "unknown name, placed in the template", def: fn(`[{"type": "var", "name": "product", "value": "{stock: 1}"},
			{"type": "throw", "message": "only {{prodct.stock}} left"}]`),
			want: "error: f: stack[1].message: unknown name prodct (did you mean product?) (1:8)"},
		{name: "unknown input field on the second line", def: fn(`[{"type": "throw", "message": "sorry\nno {{input.skus}} left"}]`),
			want: "error: f: stack[0].message: unknown field skus (did you mean sku?) (2:12)"},
		{name: "unclosed part", def: fn(`[{"type": "throw", "message": "only {{input.age left"}]`),
			want: "error: f: stack[0].message: {{ at 1:6 is never closed; end the expression with }}, or write {{ '{{' }} for the text {{"},
		{name: "empty part", def: fn(`[{"type": "throw", "message": "a {{ }} b"}]`),
			want: "error: f: stack[0].message: {{ }} at 1:3 is empty; put an expression inside, e.g. {{ user.name }}"},
		{name: "not text", def: fn(`[{"type": "throw", "message": 42}]`),
			want: `error: f: stack[0].message: expected text, got number 42; write it in quotes, e.g. "42"`},
		{name: "old quoted message still works, with a warning", def: fn(`[{"type": "throw", "message": "'out of stock'"}]`),
			want: "warning: f: stack[0].message: message is text with {{ expression }} parts, so quotes are not needed around it; write out of stock"},
		{name: "old joined message is an error showing the template", def: fn(`[{"type": "var", "name": "product", "value": "{stock: 1}"},
			{"type": "throw", "message": "'only ' + string(product.stock) + ' of ' + input.sku + ' left'"}]`),
			want: "error: f: stack[1].message: message is text with {{ expression }} parts, and this reads as an expression: write only {{product.stock}} of {{input.sku}} left"},
		{name: "old message reading a variable is an error", def: fn(`[{"type": "try", "steps": [], "catch": [{"type": "throw", "message": "error.message"}]}]`),
			want: "error: f: stack[0].catch[0].message: message is text with {{ expression }} parts, and this reads as an expression: write {{error.message}}"},
		{name: "bare word in an expression field", def: fn(`[{"type": "var", "name": "x", "value": "Forbidden"}]`),
			want: "error: f: stack[0].value: unknown name Forbidden; to write text, put it in quotes: 'Forbidden'"},
		{name: "words in an expression field", def: fn(`[{"type": "var", "name": "x", "value": "too young"}]`),
			want: `error: f: stack[0].value: unexpected token Identifier("young") (1:5); to write text, put it in quotes: 'too young'`},
		{name: "a misspelt name keeps its suggestion", def: fn(`[{"type": "var", "name": "total", "value": "1"}, {"type": "var", "name": "x", "value": "totl"}]`),
			want: "error: f: stack[1].value: unknown name totl (did you mean total?) (1:1)"},
	}
	support := supportDefs(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { checkDiagnostics(t, support, tc.want, tc.def) })
	}
}

// templateText writes lit as template text that shows lit: a { that would
// open a part ({{, or a { just before one) is written as a part, {{'{'}}.
func templateText(lit string, beforePart bool) string {
	var b strings.Builder
	for i := 0; i < len(lit); i++ {
		if lit[i] == '{' && (i+1 < len(lit) && lit[i+1] == '{' || i+1 == len(lit) && beforePart) {
			b.WriteString("{{'{'}}")
			continue
		}
		b.WriteByte(lit[i])
	}
	return b.String()
}

// FuzzTemplate checks that a template shows what the expression joining
// the same texts with + and string() gives: before{{input.x}}after is
// before + string(input.x) + after.
func FuzzTemplate(f *testing.F) {
	f.Add("only ", " left", 0, int64(3), "pear", 1.5)
	f.Add("{{", "}}", 1, int64(0), "{{x}}", 0.0)
	f.Add("a{", "}b", 2, int64(-1), "", 2.5)
	f.Add("'\"`", "\\n\n", 3, int64(1<<62), "日本", 1e-3)
	f.Add("", "", 1, int64(0), "'", 0.0)
	f.Fuzz(func(t *testing.T, before, after string, kind int, n int64, s string, x float64) {
		if !utf8.ValidString(before) || !utf8.ValidString(after) || !utf8.ValidString(s) {
			return // JSON carries only valid UTF-8
		}
		var value any
		switch kind & 3 {
		case 0:
			value = int(n)
		case 1:
			value = s
		case 2:
			value = n%2 == 0
		case 3:
			// Where string() writes a decimal as a template does
			// (it writes 1e+06 where a template writes 1000000).
			if fmt.Sprint(x) != engine.Number(x) {
				return
			}
			value = x
		}
		tmpl, _ := json.Marshal(templateText(before, true) + "{{input.x}}" + templateText(after, false))
		joined, _ := json.Marshal(strconv.Quote(before) + " + string(input.x) + " + strconv.Quote(after))
		in := `[{"name": "x", "type": "json"}]`
		p := mustProgram(t,
			`{"kind": "function", "name": "tmpl", "input": `+in+`, "stack": [{"type": "throw", "message": `+string(tmpl)+`}]}`,
			`{"kind": "function", "name": "joined", "input": `+in+`, "response": `+string(joined)+`}`)
		e := engine.New(fuzzConfig())
		defer e.Close()
		e.Load(p)
		input := map[string]any{"x": value}
		_, terr := e.Run(context.Background(), "tmpl", input, engine.RunOptions{})
		res, err := e.Run(context.Background(), "joined", input, engine.RunOptions{})
		if err != nil {
			t.Fatalf("joined: %v", err)
		}
		got := engine.AsError(terr)
		if got == nil || got.Code != engine.CodeThrown {
			t.Fatalf("template %s: got %v, want the thrown message", tmpl, terr)
		}
		if got.Message != res.Output {
			t.Fatalf("template %s shows %q; %s gives %q", tmpl, got.Message, joined, res.Output)
		}
	})
}
