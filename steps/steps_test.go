package steps_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/enginetest"
	_ "github.com/funcstack/funcstack/steps"
)

// execID is the fixed execution ID of every top-level run, so that error
// texts can be compared whole.
const execID = "exec-1"

// uuidRE matches the IDs of async children, which the tests cannot fix.
var uuidRE = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)

// fn builds a function definition.
func fn(name, input, stack, response string) string {
	if input == "" {
		input = "[]"
	}
	resp := ""
	if response != "" {
		b, _ := json.Marshal(response)
		resp = `, "response": ` + string(b)
	}
	return fmt.Sprintf(`{"kind": "function", "name": %q, "input": %s, "stack": %s%s}`, name, input, stack, resp)
}

// mainFn builds the function "main" that the cases run.
func mainFn(stack, response string) string { return fn("main", "", stack, response) }

// compile parses and compiles defs and fails the test on any error
// diagnostic.
func compile(t testing.TB, defs ...string) *engine.Program { return enginetest.Compile(t, defs...) }

// newEngine makes an engine running defs.
func newEngine(t *testing.T, cfg engine.Config, defs ...string) *engine.Engine {
	t.Helper()
	eng := engine.New(cfg)
	eng.Load(compile(t, defs...))
	t.Cleanup(eng.Close)
	return eng
}

// jsonOf renders v as JSON; the tests compare outputs this way.
func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("output is not JSON: %v (%#v)", err, v)
	}
	return string(b)
}

// errText is err's text with async child IDs replaced by <id>.
func errText(err error) string {
	if err == nil {
		return ""
	}
	return uuidRE.ReplaceAllString(err.Error(), "<id>")
}

// anyOutput as a case's want accepts any output (check inspects it).
const anyOutput = "<any>"

type stepCase struct {
	name  string
	defs  []string // the definitions; "main" is run
	input any
	cfg   engine.Config
	opt   engine.RunOptions
	// want is the JSON of the output; wantErr the whole error text.
	want    string
	wantErr string
	// wantCode, when set, is the error's code.
	wantCode string
	// wantStatus, when set, is the error's HTTP status.
	wantStatus int
	// check, when set, inspects the result further.
	check func(t *testing.T, res *engine.Result)
	skip  string
}

func runCases(t *testing.T, cases []stepCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.skip != "" {
				t.Skip(tc.skip)
			}
			runCase(t, tc)
		})
	}
}

func runCase(t *testing.T, tc stepCase) *engine.Result {
	t.Helper()
	eng := newEngine(t, tc.cfg, tc.defs...)
	opt := tc.opt
	opt.ExecutionID = execID
	opt.Trace = true
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	res, err := eng.Run(ctx, "main", tc.input, opt)
	if got := errText(err); got != tc.wantErr {
		t.Fatalf("error:\n got  %s\n want %s", got, tc.wantErr)
	}
	if err != nil {
		e := engine.AsError(err)
		if tc.wantCode != "" && e.Code != tc.wantCode {
			t.Errorf("error code %q, want %q", e.Code, tc.wantCode)
		}
		if tc.wantStatus != 0 && e.HTTPStatus() != tc.wantStatus {
			t.Errorf("error status %d, want %d", e.HTTPStatus(), tc.wantStatus)
		}
	} else if got := uuidRE.ReplaceAllString(jsonOf(t, res.Output), "<id>"); tc.want != anyOutput && got != tc.want {
		t.Fatalf("output:\n got  %s\n want %s", got, tc.want)
	}
	if tc.check != nil {
		tc.check(t, res)
	}
	return res
}

func TestVar(t *testing.T) {
	runCases(t, []stepCase{
		{name: "number", defs: []string{mainFn(`[{"type": "var", "name": "x", "value": "1 + 2"}]`, "x")}, want: `3`},
		{name: "text", defs: []string{mainFn(`[{"type": "var", "name": "x", "value": "'a' + 'b'"}]`, "x")}, want: `"ab"`},
		{name: "object and list", defs: []string{mainFn(`[{"type": "var", "name": "x", "value": "{a: 1, b: [1, 'two', true, nil]}"}]`, "x")},
			want: `{"a":1,"b":[1,"two",true,null]}`},
		{name: "reads earlier var", defs: []string{mainFn(`[
			{"type": "var", "name": "a", "value": "2"},
			{"type": "var", "name": "b", "value": "a * 10"}]`, "{a: a, b: b}")}, want: `{"a":2,"b":20}`},
		{name: "reads input", defs: []string{fn("main", `[{"name": "n", "type": "int", "required": true}]`,
			`[{"type": "var", "name": "x", "value": "input.n * 2"}]`, "x")}, input: map[string]any{"n": 21}, want: `42`},
		{name: "no response gives null", defs: []string{mainFn(`[{"type": "var", "name": "x", "value": "1"}]`, "")}, want: `null`},
		{name: "disabled step is skipped", defs: []string{mainFn(`[
			{"type": "var", "name": "x", "value": "1"},
			{"type": "set", "name": "x", "value": "2", "disabled": true}]`, "x")}, want: `1`},
		{name: "runtime expression error names step", defs: []string{mainFn(`[
			{"type": "var", "name": "l", "value": "[1]"},
			{"type": "var", "name": "x", "value": "l[0] / (l[0] - 1) > 0 ? fromJSON('{') : 0"}]`, "x")},
			wantErr:  "main: stack[1].value: unexpected end of JSON input (1:25) in `l[0] / (l[0] - 1) > 0 ? fromJSON('{') : 0` (execution exec-1)",
			wantCode: engine.CodeExpression},
	})
}

// TestValueLimits: a stack that grows a value without end stops with an
// error naming the variable and the limit, instead of taking the server's
// memory (a text doubled 40 times would be 16 TiB).
func TestValueLimits(t *testing.T) {
	small := engine.Config{Limits: engine.Limits{MaxTextBytes: 1000, MaxItems: 50, MaxDepth: 5}}
	runCases(t, []stepCase{
		{name: "a text doubled in a loop", cfg: small, defs: []string{mainFn(`[
			{"type": "var", "name": "s", "value": "'xxxxxxxxxxxxxxxx'"},
			{"type": "for", "count": "40", "as": "i", "steps": [{"type": "set", "name": "s", "value": "s + s"}]}]`, "len(s)")},
			wantErr:  "main: stack[1].steps[0]: s would hold 1.0 KiB of text (limit max_text_bytes, 1000 B); keep large data in a table, or raise the limit (--max-text-bytes) (execution exec-1)",
			wantCode: engine.CodeLimit},
		{name: "the default limit stops it too", defs: []string{mainFn(`[
			{"type": "var", "name": "s", "value": "'xxxxxxxxxxxxxxxx'"},
			{"type": "for", "count": "40", "as": "i", "steps": [{"type": "set", "name": "s", "value": "s + s"}]}]`, "len(s)")},
			wantErr:  "main: stack[1].steps[0]: s would hold 32.0 MiB of text (limit max_text_bytes, 16.0 MiB); keep large data in a table, or raise the limit (--max-text-bytes) (execution exec-1)",
			wantCode: engine.CodeLimit},
		{name: "a list appended to in nested loops", cfg: small, defs: []string{mainFn(`[
			{"type": "var", "name": "l", "value": "[]"},
			{"type": "for", "count": "10", "as": "i", "steps": [
				{"type": "for", "count": "10", "as": "j", "steps": [{"type": "set", "name": "l", "value": "append(l, i * j)"}]}]}]`, "len(l)")},
			wantErr:  "main: stack[1].steps[0].steps[0]: l would hold a list of 51 items (limit max_items, 50); page through the data, or raise the limit (--max-items) (execution exec-1)",
			wantCode: engine.CodeLimit},
		{name: "a list doubled with concat", cfg: small, defs: []string{mainFn(`[
			{"type": "var", "name": "l", "value": "[1, 2, 3]"},
			{"type": "while", "cond": "true", "steps": [{"type": "set", "name": "l", "value": "concat(l, l)"}]}]`, "len(l)")},
			wantErr:  "main: stack[1].steps[0]: l would hold a list of 96 items (limit max_items, 50); page through the data, or raise the limit (--max-items) (execution exec-1)",
			wantCode: engine.CodeLimit},
		{name: "an object of too many keys", cfg: small, defs: []string{mainFn(`[
			{"type": "var", "name": "o", "value": "fromPairs(map(1..60, [string(#), #]))"}]`, "o")},
			wantErr:  "main: stack[0]: o would hold an object of 60 items (limit max_items, 50); page through the data, or raise the limit (--max-items) (execution exec-1)",
			wantCode: engine.CodeLimit},
		{name: "an object wrapped in itself in a loop", defs: []string{mainFn(`[
			{"type": "var", "name": "o", "value": "{}"},
			{"type": "for", "count": "3000", "as": "i", "steps": [
				{"type": "for", "count": "3000", "as": "j", "steps": [{"type": "set", "name": "o", "value": "{a: o}"}]}]}]`, "o")},
			wantErr:  "main: stack[1].steps[0].steps[0]: o would nest lists and objects more than 1000 deep (limit max_depth); flatten the value, or raise the limit (--max-depth) (execution exec-1)",
			wantCode: engine.CodeLimit},
		{name: "a deep item appended", cfg: small, defs: []string{mainFn(`[
			{"type": "var", "name": "l", "value": "[]"},
			{"type": "set", "name": "l", "value": "append(l, [[[[1]]]])"},
			{"type": "set", "name": "l", "value": "append(l, [[[[[1]]]]])"}]`, "l")},
			wantErr:  "main: stack[2]: l would nest lists and objects more than 5 deep (limit max_depth); flatten the value, or raise the limit (--max-depth) (execution exec-1)",
			wantCode: engine.CodeLimit},
		{name: "lists nested by a builtin", cfg: small, defs: []string{mainFn(`[
			{"type": "var", "name": "l", "value": "[1]"},
			{"type": "while", "cond": "true", "steps": [{"type": "set", "name": "l", "value": "map([l], #)"}]}]`, "l")},
			wantErr:  "main: stack[1].steps[0]: l would nest lists and objects more than 5 deep (limit max_depth); flatten the value, or raise the limit (--max-depth) (execution exec-1)",
			wantCode: engine.CodeLimit},
		{name: "values within the limits pass", cfg: small, defs: []string{mainFn(`[
			{"type": "var", "name": "s", "value": "''"},
			{"type": "var", "name": "l", "value": "[]"},
			{"type": "for", "count": "50", "as": "i", "steps": [
				{"type": "set", "name": "s", "value": "s + 'abcdefghijklmnopqrst'"},
				{"type": "set", "name": "l", "value": "append(l, i)"}]}]`, "[len(s), len(l)]")},
			want: `[1000,50]`},
	})
}

func TestSet(t *testing.T) {
	runCases(t, []stepCase{
		{name: "whole value", defs: []string{mainFn(`[
			{"type": "var", "name": "total", "value": "1"},
			{"type": "set", "name": "total", "value": "total + 5"}]`, "total")}, want: `6`},
		{name: "path a.b[0].c leaves other holders unchanged", defs: []string{mainFn(`[
			{"type": "var", "name": "obj", "value": "{a: {b: [{c: 1, d: 2}, {c: 3}]}, e: 'x'}"},
			{"type": "var", "name": "copy", "value": "obj"},
			{"type": "var", "name": "inner", "value": "obj.a.b"},
			{"type": "set", "name": "obj", "path": "a.b[0].c", "value": "9"}]`, "{obj: obj, copy: copy, inner: inner}")},
			want: `{"copy":{"a":{"b":[{"c":1,"d":2},{"c":3}]},"e":"x"},"inner":[{"c":1,"d":2},{"c":3}],"obj":{"a":{"b":[{"c":9,"d":2},{"c":3}]},"e":"x"}}`},
		{name: "path leaves input unchanged", defs: []string{fn("main", `[{"name": "o", "type": "json"}]`, `[
			{"type": "var", "name": "o", "value": "input.o"},
			{"type": "set", "name": "o", "path": "k", "value": "'new'"}]`, "{o: o, input: input.o}")},
			input: map[string]any{"o": map[string]any{"k": "old"}},
			want:  `{"input":{"k":"old"},"o":{"k":"new"}}`},
		{name: "path creates missing objects", defs: []string{mainFn(`[
			{"type": "var", "name": "o", "value": "{}"},
			{"type": "set", "name": "o", "path": "x.y", "value": "1"}]`, "o")}, want: `{"x":{"y":1}}`},
		{name: "path index past end", defs: []string{mainFn(`[
			{"type": "var", "name": "o", "value": "{a: [1]}"},
			{"type": "set", "name": "o", "path": "a[5]", "value": "1"}]`, "o")},
			wantErr: "main: stack[1].path: cannot set o.a[5]: index 5 is past the end of a list of 1 (execution exec-1)"},
		{name: "path index into an object", defs: []string{mainFn(`[
			{"type": "var", "name": "o", "value": "{a: {}}"},
			{"type": "set", "name": "o", "path": "a[0]", "value": "1"}]`, "o")},
			wantErr: "main: stack[1].path: cannot set o.a[0]: [0] needs a list, found an object (execution exec-1)"},
		{name: "outer variable from inside a loop", defs: []string{mainFn(`[
			{"type": "var", "name": "s", "value": "''"},
			{"type": "foreach", "items": "['a', 'b', 'c']", "as": "x", "steps": [
				{"type": "set", "name": "s", "value": "s + x"}]}]`, "s")}, want: `"abc"`},
	})
}

// TestVariablesFastAndVM: variables live in slots, which the fast path
// reads; an expression the VM runs (builtins, predicates, $env) sees every
// change made before it, by any step, in the same iteration.
func TestVariablesFastAndVM(t *testing.T) {
	runCases(t, []stepCase{
		{name: "the VM sees what fast steps changed", defs: []string{mainFn(`[
			{"type": "var", "name": "total", "value": "0"},
			{"type": "var", "name": "trail", "value": "''"},
			{"type": "for", "from": "1", "to": "4", "as": "i", "steps": [
				{"type": "set", "name": "total", "value": "total + i * i"},
				{"type": "set", "name": "trail", "value": "trail + string(total) + ','"}]}]`, "{total: total, trail: trail}")},
			want: `{"total":30,"trail":"1,5,14,30,"}`},
		{name: "fast steps see what the VM computed", defs: []string{mainFn(`[
			{"type": "var", "name": "n", "value": "0"},
			{"type": "foreach", "items": "['a', 'bb', 'ccc']", "as": "w", "index": "k", "steps": [
				{"type": "set", "name": "n", "value": "n + len(w) * 10 + k"}]}]`, "n")},
			want: `63`},
		{name: "predicates read outer variables", defs: []string{mainFn(`[
			{"type": "var", "name": "limit", "value": "1"},
			{"type": "var", "name": "seen", "value": "[]"},
			{"type": "for", "from": "1", "to": "3", "as": "i", "steps": [
				{"type": "set", "name": "limit", "value": "limit + 1"},
				{"type": "set", "name": "seen", "value": "append(seen, len(filter([1, 2, 3, 4], # > limit)))"}]}]`, "seen")},
			want: `[2,1,0]`},
		{name: "$env holds the variables set so far", defs: []string{fn("main", `[{"name": "n", "type": "int"}]`, `[
			{"type": "var", "name": "a", "value": "1"},
			{"type": "set", "name": "a", "value": "a + 1"},
			{"type": "var", "name": "b", "value": "$env.a * 10 + $env.input.n"}]`, "b")},
			input: map[string]any{"n": 3}, want: `23`},
		{name: "a path set is seen by the fast path", defs: []string{mainFn(`[
			{"type": "var", "name": "o", "value": "{c: 1}"},
			{"type": "for", "count": "3", "as": "i", "steps": [
				{"type": "set", "name": "o", "path": "c", "value": "o.c * 2"}]}]`, "o.c + 1")},
			want: `9`},
		{name: "each call has its own variables", defs: []string{
			fn("main", "", `[
				{"type": "var", "name": "x", "value": "5"},
				{"type": "call", "function": "fact", "input": {"n": "x"}, "as": "r"}]`, "{x: x, r: r}"),
			fn("fact", `[{"name": "n", "type": "int", "required": true}]`, `[
				{"type": "var", "name": "x", "value": "input.n"},
				{"type": "if", "cond": "x <= 1", "then": [{"type": "return", "value": "1"}]},
				{"type": "call", "function": "fact", "input": {"n": "x - 1"}, "as": "r"}]`, "x * r")},
			want: `{"r":120,"x":5}`},
	})
}

func TestIf(t *testing.T) {
	ifDef := func(cond string) string {
		return mainFn(`[{"type": "if", "cond": "`+cond+`",
			"then": [{"type": "var", "name": "label", "value": "'then'"}],
			"else": [{"type": "var", "name": "label", "value": "'else'"}]}]`, "label")
	}
	runCases(t, []stepCase{
		{name: "then", defs: []string{ifDef("1 < 2")}, want: `"then"`},
		{name: "else", defs: []string{ifDef("1 > 2")}, want: `"else"`},
		{name: "null is false", defs: []string{ifDef("nil")}, want: `"else"`},
		{name: "not a bool", defs: []string{ifDef("1")},
			wantErr: "main: stack[0].cond: condition `1` gave an int (1), not true or false (execution exec-1)", wantCode: engine.CodeExpression},
		{name: "no else", defs: []string{mainFn(`[
			{"type": "var", "name": "x", "value": "0"},
			{"type": "if", "cond": "false", "then": [{"type": "set", "name": "x", "value": "1"}]}]`, "x")}, want: `0`},
		{name: "nested", defs: []string{mainFn(`[
			{"type": "var", "name": "x", "value": "0"},
			{"type": "if", "cond": "true", "then": [
				{"type": "if", "cond": "x == 0", "then": [{"type": "set", "name": "x", "value": "2"}]}]}]`, "x")}, want: `2`},
	})
}

func TestSwitch(t *testing.T) {
	sw := func(value string) string {
		return mainFn(`[{"type": "switch", "value": "`+value+`", "cases": [
			{"match": "1", "steps": [{"type": "var", "name": "r", "value": "'one'"}]},
			{"match": "'two'", "steps": [{"type": "var", "name": "r", "value": "'two'"}]},
			{"match": "[1, 2]", "steps": [{"type": "var", "name": "r", "value": "'list'"}]},
			{"match": "1", "steps": [{"type": "var", "name": "r", "value": "'second one'"}]}],
			"default": [{"type": "var", "name": "r", "value": "'default'"}]}]`, "r")
	}
	runCases(t, []stepCase{
		{name: "first matching case", defs: []string{sw("1")}, want: `"one"`},
		{name: "decimal equals int", defs: []string{sw("2.0 - 1")}, want: `"one"`},
		{name: "text", defs: []string{sw("'tw' + 'o'")}, want: `"two"`},
		{name: "list", defs: []string{sw("[1, 2]")}, want: `"list"`},
		{name: "default", defs: []string{sw("'three'")}, want: `"default"`},
		{name: "no match and no default", defs: []string{mainFn(`[
			{"type": "var", "name": "r", "value": "'none'"},
			{"type": "switch", "value": "5", "cases": [{"match": "1", "steps": [{"type": "set", "name": "r", "value": "'one'"}]}]}]`, "r")},
			want: `"none"`},
	})
}

func TestForeach(t *testing.T) {
	runCases(t, []stepCase{
		{name: "items and index", defs: []string{mainFn(`[
			{"type": "var", "name": "out", "value": "[]"},
			{"type": "foreach", "items": "['a', 'b', 'c']", "as": "it", "index": "i", "steps": [
				{"type": "set", "name": "out", "value": "concat(out, [it + string(i)])"}]}]`, "out")}, want: `["a0","b1","c2"]`},
		{name: "break", defs: []string{mainFn(`[
			{"type": "var", "name": "out", "value": "[]"},
			{"type": "foreach", "items": "[1, 2, 3, 4]", "as": "n", "steps": [
				{"type": "if", "cond": "n == 3", "then": [{"type": "break"}]},
				{"type": "set", "name": "out", "value": "concat(out, [n])"}]}]`, "out")}, want: `[1,2]`},
		{name: "continue", defs: []string{mainFn(`[
			{"type": "var", "name": "out", "value": "[]"},
			{"type": "foreach", "items": "[1, 2, 3, 4]", "as": "n", "steps": [
				{"type": "if", "cond": "n % 2 == 0", "then": [{"type": "continue"}]},
				{"type": "set", "name": "out", "value": "concat(out, [n])"}]}]`, "out")}, want: `[1,3]`},
		{name: "empty list", defs: []string{mainFn(`[
			{"type": "var", "name": "c", "value": "0"},
			{"type": "foreach", "items": "[]", "as": "n", "steps": [{"type": "set", "name": "c", "value": "c + 1"}]}]`, "c")}, want: `0`},
		{name: "null is empty", defs: []string{mainFn(`[
			{"type": "var", "name": "c", "value": "0"},
			{"type": "foreach", "items": "nil", "as": "n", "steps": [{"type": "set", "name": "c", "value": "c + 1"}]}]`, "c")}, want: `0`},
		{name: "not a list", defs: []string{mainFn(`[
			{"type": "foreach", "items": "'abc'", "as": "n", "steps": []}]`, "")},
			wantErr: "main: stack[0].items: `'abc'` gave text, expected a list (execution exec-1)"},
		{name: "input list", defs: []string{fn("main", `[{"name": "xs", "type": "int", "list": true}]`, `[
			{"type": "var", "name": "acc", "value": "0"},
			{"type": "foreach", "items": "input.xs", "as": "x", "steps": [{"type": "set", "name": "acc", "value": "acc + x"}]}]`, "acc")},
			input: map[string]any{"xs": []any{1, 2, 3}}, want: `6`},
		{name: "break leaves only the inner loop", defs: []string{mainFn(`[
			{"type": "var", "name": "out", "value": "[]"},
			{"type": "foreach", "items": "[1, 2]", "as": "a", "steps": [
				{"type": "foreach", "items": "[10, 20, 30]", "as": "b", "steps": [
					{"type": "if", "cond": "b == 20", "then": [{"type": "break"}]},
					{"type": "set", "name": "out", "value": "concat(out, [a * b])"}]}]}]`, "out")}, want: `[10,20]`},
	})
}

func TestFor(t *testing.T) {
	sum := func(loop string) string {
		return mainFn(`[{"type": "var", "name": "seen", "value": "[]"}, `+loop+`]`, "seen")
	}
	body := `"as": "i", "steps": [{"type": "set", "name": "seen", "value": "concat(seen, [i])"}]`
	runCases(t, []stepCase{
		{name: "from to inclusive", defs: []string{sum(`{"type": "for", "from": "1", "to": "4", ` + body + `}`)}, want: `[1,2,3,4]`},
		{name: "to without from starts at 0", defs: []string{sum(`{"type": "for", "to": "2", ` + body + `}`)}, want: `[0,1,2]`},
		{name: "count", defs: []string{sum(`{"type": "for", "count": "3", ` + body + `}`)}, want: `[0,1,2]`},
		{name: "from equal to", defs: []string{sum(`{"type": "for", "from": "5", "to": "5", ` + body + `}`)}, want: `[5]`},
		{name: "empty range", defs: []string{sum(`{"type": "for", "from": "5", "to": "1", ` + body + `}`)}, want: `[]`},
		{name: "count zero", defs: []string{sum(`{"type": "for", "count": "0", ` + body + `}`)}, want: `[]`},
		{name: "negative count", defs: []string{sum(`{"type": "for", "count": "-3", ` + body + `}`)}, want: `[]`},
		{name: "whole decimal bound", defs: []string{sum(`{"type": "for", "from": "1", "to": "6 / 2", ` + body + `}`)}, want: `[1,2,3]`},
		{name: "fractional bound", defs: []string{sum(`{"type": "for", "from": "1", "to": "2.5", ` + body + `}`)},
			wantErr: "main: stack[1].to: `2.5` gave a decimal (2.5), expected a whole number (execution exec-1)"},
		{name: "break and continue", defs: []string{sum(`{"type": "for", "from": "1", "to": "10", "as": "i", "steps": [
			{"type": "if", "cond": "i == 2", "then": [{"type": "continue"}]},
			{"type": "if", "cond": "i == 5", "then": [{"type": "break"}]},
			{"type": "set", "name": "seen", "value": "concat(seen, [i])"}]}`)}, want: `[1,3,4]`},
		{name: "sum_squares", defs: []string{fn("main", `[{"name": "n", "type": "int", "required": true, "min": 0}]`, `[
			{"type": "var",  "name": "total", "value": "0"},
			{"type": "for",  "from": "1", "to": "input.n", "as": "i", "steps": [
				{"type": "set", "name": "total", "value": "total + i * i"}]}]`, "total")},
			input: map[string]any{"n": 10}, want: `385`},
		{name: "over the loop limit", cfg: engine.Config{Limits: engine.Limits{MaxLoopIterations: 50}},
			defs:    []string{sum(`{"type": "for", "count": "51", ` + body + `}`)},
			wantErr: "main: stack[1]: loop ran more than 50 iterations (limit max_loop_iterations); add a break or a tighter condition (execution exec-1)", wantCode: engine.CodeLimit},
		{name: "exactly the loop limit", cfg: engine.Config{Limits: engine.Limits{MaxLoopIterations: 3}},
			defs: []string{sum(`{"type": "for", "count": "3", ` + body + `}`)}, want: `[0,1,2]`},
	})
}

func TestWhile(t *testing.T) {
	collatz := fn("main", `[{"name": "n", "type": "int", "required": true, "min": 1}]`, `[
		{"type": "var", "name": "n", "value": "input.n"},
		{"type": "var", "name": "steps", "value": "0"},
		{"type": "while", "cond": "n > 1", "steps": [
			{"type": "if", "cond": "n % 2 == 0",
				"then": [{"type": "set", "name": "n", "value": "int(n / 2)"}],
				"else": [{"type": "set", "name": "n", "value": "3 * n + 1"}]},
			{"type": "set", "name": "steps", "value": "steps + 1"}]}]`, "{n: n, steps: steps}")
	runCases(t, []stepCase{
		{name: "collatz", defs: []string{collatz}, input: map[string]any{"n": 27}, want: `{"n":1,"steps":111}`},
		{name: "false at once", defs: []string{collatz}, input: map[string]any{"n": 1}, want: `{"n":1,"steps":0}`},
		{name: "loop limit", cfg: engine.Config{Limits: engine.Limits{MaxLoopIterations: 50}},
			defs: []string{collatz}, input: map[string]any{"n": 27},
			wantErr: "main: stack[2]: loop ran more than 50 iterations (limit max_loop_iterations); add a break or a tighter condition (execution exec-1)", wantCode: engine.CodeLimit},
		{name: "break", defs: []string{mainFn(`[
			{"type": "var", "name": "i", "value": "0"},
			{"type": "while", "cond": "true", "steps": [
				{"type": "set", "name": "i", "value": "i + 1"},
				{"type": "if", "cond": "i >= 7", "then": [{"type": "break"}]}]}]`, "i")}, want: `7`},
		{name: "continue", defs: []string{mainFn(`[
			{"type": "var", "name": "i", "value": "0"},
			{"type": "var", "name": "odd", "value": "[]"},
			{"type": "while", "cond": "i < 6", "steps": [
				{"type": "set", "name": "i", "value": "i + 1"},
				{"type": "if", "cond": "i % 2 == 0", "then": [{"type": "continue"}]},
				{"type": "set", "name": "odd", "value": "concat(odd, [i])"}]}]`, "odd")}, want: `[1,3,5]`},
		{name: "non-bool condition", defs: []string{mainFn(`[
			{"type": "var", "name": "i", "value": "'yes'"},
			{"type": "while", "cond": "i", "steps": [{"type": "set", "name": "i", "value": "nil"}]}]`, "i")},
			wantErr: "main: stack[1].cond: condition `i` gave text (yes), not true or false (execution exec-1)"},
	})
}

func TestLoopControlInsideTry(t *testing.T) {
	runCases(t, []stepCase{
		{name: "break inside try is not caught", defs: []string{mainFn(`[
			{"type": "var", "name": "c", "value": "0"},
			{"type": "var", "name": "caught", "value": "false"},
			{"type": "for", "count": "5", "as": "i", "steps": [
				{"type": "try", "steps": [
					{"type": "if", "cond": "i == 2", "then": [{"type": "break"}]},
					{"type": "set", "name": "c", "value": "c + 1"}],
				 "catch": [{"type": "set", "name": "caught", "value": "true"}]}]}]`, "{c: c, caught: caught}")},
			want: `{"c":2,"caught":false}`},
		{name: "return inside try inside loop", defs: []string{mainFn(`[
			{"type": "for", "count": "5", "as": "i", "steps": [
				{"type": "try", "steps": [
					{"type": "if", "cond": "i == 3", "then": [{"type": "return", "value": "'returned ' + string(i)"}]}],
				 "catch": [{"type": "return", "value": "'caught'"}]}]}]`, "'fell through'")},
			want: `"returned 3"`},
	})
}

func TestReturn(t *testing.T) {
	runCases(t, []stepCase{
		{name: "early return skips the rest and the response", defs: []string{mainFn(`[
			{"type": "var", "name": "x", "value": "1"},
			{"type": "return", "value": "{early: x}"},
			{"type": "set", "name": "x", "value": "2"}]`, "{late: x}")}, want: `{"early":1}`},
		{name: "return without value", defs: []string{mainFn(`[{"type": "return"}]`, "'response'")}, want: `null`},
		{name: "return from a nested loop", defs: []string{mainFn(`[
			{"type": "foreach", "items": "[1, 2, 3]", "as": "a", "steps": [
				{"type": "foreach", "items": "[1, 2, 3]", "as": "b", "steps": [
					{"type": "if", "cond": "a * b == 6", "then": [{"type": "return", "value": "[a, b]"}]}]}]}]`, "nil")},
			want: `[2,3]`},
		{name: "return in a callee ends only the callee", defs: []string{
			mainFn(`[{"type": "call", "function": "child", "as": "r"}]`, "{r: r, after: true}"),
			fn("child", "", `[{"type": "return", "value": "'from child'"}]`, "'not this'")},
			want: `{"after":true,"r":"from child"}`},
	})
}

func TestThrowAndPrecondition(t *testing.T) {
	runCases(t, []stepCase{
		{name: "throw with status and code", defs: []string{mainFn(`[
			{"type": "var", "name": "name", "value": "'widget'"},
			{"type": "throw", "message": "'out of stock: ' + name", "status": 409, "code": "out_of_stock"}]`, "")},
			wantErr: "main: stack[1]: out of stock: widget (execution exec-1)", wantCode: "out_of_stock", wantStatus: 409},
		{name: "throw defaults", defs: []string{mainFn(`[{"type": "throw", "message": "'boom'"}]`, "")},
			wantErr: "main: stack[0]: boom (execution exec-1)", wantCode: engine.CodeThrown, wantStatus: 500},
		{name: "throw a non-text message", defs: []string{mainFn(`[{"type": "throw", "message": "42"}]`, "")},
			wantErr: "main: stack[0]: 42 (execution exec-1)", wantCode: engine.CodeThrown},
		{name: "throw inside a branch names its path", defs: []string{mainFn(`[
			{"type": "if", "cond": "true", "then": [{"type": "throw", "message": "'deep'", "status": 422}]}]`, "")},
			wantErr: "main: stack[0].then[0]: deep (execution exec-1)", wantStatus: 422},
		{name: "precondition holds", defs: []string{fn("main", `[{"name": "qty", "type": "int"}]`, `[
			{"type": "precondition", "cond": "input.qty > 0", "message": "'qty must be positive'"}]`, "'ok'")},
			input: map[string]any{"qty": 1}, want: `"ok"`},
		{name: "precondition fails", defs: []string{fn("main", `[{"name": "qty", "type": "int"}]`, `[
			{"type": "precondition", "cond": "input.qty > 0", "message": "'qty must be positive'"}]`, "'ok'")},
			input:   map[string]any{"qty": 0},
			wantErr: "main: stack[0]: qty must be positive (execution exec-1)", wantCode: engine.CodePrecondition, wantStatus: 400},
		{name: "precondition with status and code", defs: []string{mainFn(`[
			{"type": "precondition", "cond": "1 > 2", "message": "'nope'", "status": 403, "code": "forbidden"}]`, "")},
			wantErr: "main: stack[0]: nope (execution exec-1)", wantCode: "forbidden", wantStatus: 403},
	})
}

func TestTry(t *testing.T) {
	runCases(t, []stepCase{
		{name: "catch sees the error", defs: []string{mainFn(`[
			{"type": "var", "name": "e", "value": "nil"},
			{"type": "try", "steps": [
				{"type": "var", "name": "a", "value": "1"},
				{"type": "if", "cond": "a == 1", "then": [{"type": "throw", "message": "'bad'", "status": 418, "code": "teapot"}]}],
			 "catch": [{"type": "set", "name": "e", "value": "error"}]}]`, "e")},
			want: `{"code":"teapot","definition":"main","execution_id":"","message":"bad","status":418,"step":"stack[1].steps[1].then[0]"}`},
		{name: "catch an expression error", defs: []string{mainFn(`[
			{"type": "var", "name": "l", "value": "[]"},
			{"type": "try", "steps": [{"type": "var", "name": "x", "value": "l[0].a"}],
			 "catch": [{"type": "var", "name": "x", "value": "error.code + ' at ' + error.step"}]}]`, "x")},
			want: `"expression_error at stack[1].steps[0].value"`},
		{name: "error from a callee names the callee's step", defs: []string{
			mainFn(`[{"type": "try", "steps": [{"type": "call", "function": "child", "as": "r"}],
				"catch": [{"type": "var", "name": "r", "value": "error.definition + ': ' + error.step + ': ' + error.message"}]}]`, "r"),
			fn("child", "", `[{"type": "var", "name": "x", "value": "1"}, {"type": "throw", "message": "'child failed'"}]`, "")},
			want: `"child: stack[1]: child failed"`},
		{name: "finally runs on success", defs: []string{mainFn(`[
			{"type": "var", "name": "log", "value": "[]"},
			{"type": "try", "steps": [{"type": "set", "name": "log", "value": "concat(log, ['steps'])"}],
			 "catch": [{"type": "set", "name": "log", "value": "concat(log, ['catch'])"}],
			 "finally": [{"type": "set", "name": "log", "value": "concat(log, ['finally'])"}]}]`, "log")},
			want: `["steps","finally"]`},
		{name: "finally runs after catch", defs: []string{mainFn(`[
			{"type": "var", "name": "log", "value": "[]"},
			{"type": "try", "steps": [{"type": "throw", "message": "'x'"}],
			 "catch": [{"type": "set", "name": "log", "value": "concat(log, ['catch'])"}],
			 "finally": [{"type": "set", "name": "log", "value": "concat(log, ['finally'])"}]}]`, "log")},
			want: `["catch","finally"]`},
		{name: "finally runs when nothing catches", defs: []string{mainFn(`[
			{"type": "try", "steps": [{"type": "throw", "message": "'uncaught'"}],
			 "finally": [{"type": "log", "value": "'finally ran'"}]}]`, "")},
			wantErr: "main: stack[0].steps[0]: uncaught (execution exec-1)",
			check: func(t *testing.T, res *engine.Result) {
				if len(res.Logs) != 1 || res.Logs[0].Value != "finally ran" {
					t.Errorf("logs = %+v, want one entry 'finally ran'", res.Logs)
				}
			}},
		{name: "finally runs after return", defs: []string{mainFn(`[
			{"type": "try", "steps": [{"type": "return", "value": "'r'"}],
			 "finally": [{"type": "log", "value": "'finally ran'"}]}]`, "")},
			want: `"r"`,
			check: func(t *testing.T, res *engine.Result) {
				if len(res.Logs) != 1 || res.Logs[0].Value != "finally ran" {
					t.Errorf("logs = %+v, want one entry 'finally ran'", res.Logs)
				}
			}},
		{name: "error in catch propagates", defs: []string{mainFn(`[
			{"type": "try", "steps": [{"type": "throw", "message": "'first'"}],
			 "catch": [{"type": "throw", "message": "'second: ' + error.message"}]}]`, "")},
			wantErr: "main: stack[0].catch[0]: second: first (execution exec-1)"},
		{name: "error is not visible after catch", defs: []string{mainFn(`[
			{"type": "try", "steps": [{"type": "throw", "message": "'inner'"}],
			 "catch": [{"type": "try", "steps": [{"type": "throw", "message": "'nested'"}],
				"catch": [{"type": "var", "name": "n", "value": "error.message"}]},
				{"type": "var", "name": "outer", "value": "error.message + '/' + n"}]}]`, "outer")},
			want: `"inner/nested"`},
		{name: "does not catch a timeout", opt: engine.RunOptions{Timeout: 50 * time.Millisecond}, defs: []string{mainFn(`[
			{"type": "var", "name": "caught", "value": "false"},
			{"type": "try", "steps": [{"type": "sleep", "ms": "5000"}],
			 "catch": [{"type": "set", "name": "caught", "value": "true"}]}]`, "caught")},
			wantErr:  "main: stack[1].steps[0]: run timed out after 50ms (limit timeout); raise the run's timeout, run the work async, or make the stack faster (execution exec-1)",
			wantCode: engine.CodeTimeout, wantStatus: 504},
		{name: "does not catch a callee's own timeout", defs: []string{
			mainFn(`[
			{"type": "var", "name": "caught", "value": "false"},
			{"type": "try", "steps": [{"type": "call", "function": "slow"}],
			 "catch": [{"type": "set", "name": "caught", "value": "true"}]}]`, "caught"),
			`{"kind": "function", "name": "slow", "settings": {"timeout": "30ms"}, "stack": [{"type": "sleep", "ms": "5000"}]}`},
			wantErr:  "slow: stack[0]: run timed out after 30ms (limit settings.timeout of slow); raise the function's settings.timeout or make it faster (execution exec-1)",
			wantCode: engine.CodeTimeout},
		{name: "a busy loop stops at the timeout", opt: engine.RunOptions{Timeout: 50 * time.Millisecond}, defs: []string{mainFn(`[
			{"type": "var", "name": "n", "value": "0"},
			{"type": "for", "count": "100000", "as": "i", "steps": [
				{"type": "for", "count": "100000", "as": "j", "steps": [{"type": "set", "name": "n", "value": "n + 1"}]}]}]`, "n")},
			wantErr:  "main: stack[1].steps[0]: run timed out after 50ms (limit timeout); raise the run's timeout, run the work async, or make the stack faster (execution exec-1)",
			wantCode: engine.CodeTimeout, wantStatus: 504},
	})
}

// TestTimeoutWithoutLoops: a run that never loops, only calls (an
// exponential recursion), still stops at its deadline.
func TestTimeoutWithoutLoops(t *testing.T) {
	eng := newEngine(t, engine.Config{},
		mainFn(`[{"type": "call", "function": "fib", "input": {"n": "30"}, "as": "f"}]`, "f"),
		`{"kind": "function", "name": "fib", "input": [{"name": "n", "type": "int", "required": true}], "stack": [
			{"type": "if", "cond": "input.n < 2", "then": [{"type": "return", "value": "input.n"}]},
			{"type": "call", "function": "fib", "input": {"n": "input.n - 1"}, "as": "a"},
			{"type": "call", "function": "fib", "input": {"n": "input.n - 2"}, "as": "b"}], "response": "a + b"}`)
	start := time.Now()
	_, err := eng.Run(context.Background(), "main", nil, engine.RunOptions{Timeout: 50 * time.Millisecond})
	if e := engine.AsError(err); e == nil || e.Code != engine.CodeTimeout || !strings.Contains(e.Message, "run timed out after 50ms (limit timeout)") {
		t.Fatalf("fib(30) with a 50ms timeout gave %v, want a timeout", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("the timeout took %s to stop the run", d)
	}
}

func TestCall(t *testing.T) {
	double := fn("double", `[{"name": "n", "type": "int", "required": true}, {"name": "by", "type": "int", "default": 2}]`,
		`[]`, "input.n * input.by")
	recurse := fn("main", `[{"name": "n", "type": "int", "default": 0}]`, `[
		{"type": "if", "cond": "input.n < 100", "then": [
			{"type": "call", "function": "main", "input": {"n": "input.n + 1"}, "as": "r"},
			{"type": "return", "value": "r"}]}]`, "input.n")
	runCases(t, []stepCase{
		{name: "sync with default input", defs: []string{mainFn(`[
			{"type": "call", "function": "double", "input": {"n": "21"}, "as": "r"}]`, "r"), double}, want: `42`},
		{name: "sync with every input", defs: []string{mainFn(`[
			{"type": "call", "function": "double", "input": {"n": "5", "by": "3"}, "as": "r"}]`, "r"), double}, want: `15`},
		{name: "without as", defs: []string{mainFn(`[
			{"type": "call", "function": "double", "input": {"n": "5"}}]`, "'done'"), double}, want: `"done"`},
		{name: "callee input validation", defs: []string{mainFn(`[
			{"type": "call", "function": "double", "input": {"n": "'abc'"}, "as": "r"}]`, "r"), double},
			wantErr: "main: stack[0]: invalid input for double; n: expected int, got text (execution exec-1)", wantCode: engine.CodeInvalidInput},
		{name: "callee input too large for an int", defs: []string{mainFn(`[
			{"type": "call", "function": "double", "input": {"n": "1e20"}, "as": "r"}]`, "r"), double},
			wantErr: "main: stack[0]: invalid input for double; n: expected int, got 1e+20, a whole number too large: an int is from -9223372036854775808 to 9223372036854775807; send it as text if you need it whole (execution exec-1)", wantCode: engine.CodeInvalidInput},
		{name: "callee required input is null", defs: []string{mainFn(`[
			{"type": "call", "function": "double", "input": {"n": "nil"}, "as": "r"}]`, "r"), double},
			wantErr: "main: stack[0]: invalid input for double; n: required (execution exec-1)", wantCode: engine.CodeInvalidInput},
		{name: "recursion within the depth limit", cfg: engine.Config{Limits: engine.Limits{MaxCallDepth: 200}},
			defs: []string{recurse}, want: `100`},
		{name: "call depth limit", cfg: engine.Config{Limits: engine.Limits{MaxCallDepth: 3}},
			defs:    []string{recurse},
			wantErr: "main: stack[0].then[0]: call depth limit reached calling main: more than 3 nested calls (limit max_call_depth); look for unbounded recursion (execution exec-1)", wantCode: engine.CodeLimit},
		{name: "callee sees the caller's auth", opt: engine.RunOptions{Auth: map[string]any{"sub": "u1"}}, defs: []string{
			mainFn(`[{"type": "call", "function": "who", "as": "r"}]`, "r"),
			fn("who", "", `[]`, "auth.sub")}, want: `"u1"`},
		{name: "callee does not see the caller's variables", defs: []string{
			mainFn(`[{"type": "var", "name": "x", "value": "1"}, {"type": "call", "function": "child", "as": "r"}]`, "{x: x, r: r}"),
			fn("child", "", `[{"type": "var", "name": "x", "value": "2"}]`, "x")}, want: `{"r":2,"x":1}`},
	})
}

// asyncDefs are the callees of the async cases.
var asyncDefs = []string{
	fn("slow", `[{"name": "ms", "type": "int", "required": true}, {"name": "v", "type": "json"}]`,
		`[{"type": "sleep", "ms": "input.ms"}]`, "input.v"),
	fn("fail", "", `[{"type": "throw", "message": "'child failed'", "status": 409, "code": "conflict"}]`, ""),
}

func withAsync(main string) []string { return append([]string{main}, asyncDefs...) }

func TestAsyncAwait(t *testing.T) {
	runCases(t, []stepCase{
		{name: "one id", defs: withAsync(mainFn(`[
			{"type": "call", "function": "slow", "input": {"ms": "10", "v": "'a'"}, "async": true, "as": "id"},
			{"type": "await", "ids": "id", "as": "r"}]`, "r")), want: `"a"`},
		{name: "async result is an ID", defs: withAsync(mainFn(`[
			{"type": "call", "function": "slow", "input": {"ms": "0"}, "async": true, "as": "id"},
			{"type": "await", "ids": "id", "as": "r"}]`, "id")), want: anyOutput,
			check: func(t *testing.T, res *engine.Result) {
				if s, _ := res.Output.(string); !uuidRE.MatchString(s) {
					t.Errorf("output %v is not a UUID", res.Output)
				}
			}},
		{name: "list keeps order", defs: withAsync(mainFn(`[
			{"type": "call", "function": "slow", "input": {"ms": "80", "v": "'first'"}, "async": true, "as": "a"},
			{"type": "call", "function": "slow", "input": {"ms": "0", "v": "'second'"}, "async": true, "as": "b"},
			{"type": "call", "function": "slow", "input": {"ms": "40", "v": "{third: 3}"}, "async": true, "as": "c"},
			{"type": "await", "ids": "[a, b, c]", "as": "r"}]`, "r")), want: `["first","second",{"third":3}]`},
		{name: "empty list", defs: withAsync(mainFn(`[{"type": "await", "ids": "[]", "as": "r"}]`, "r")), want: `[]`},
		{name: "settle", defs: withAsync(mainFn(`[
			{"type": "call", "function": "slow", "input": {"ms": "0", "v": "1"}, "async": true, "as": "a"},
			{"type": "call", "function": "fail", "async": true, "as": "b"},
			{"type": "await", "ids": "[a, b]", "settle": true, "as": "r"}]`,
			"{ids_match: r[0].id == a && r[1].id == b, r: r}")),
			want: `{"ids_match":true,"r":[{"error":null,"id":"<id>","output":1,"status":"succeeded"},{"error":{"code":"conflict","message":"child failed","status":409,"step":"stack[0]"},"id":"<id>","output":null,"status":"failed"}]}`},
		{name: "failed child raises its error", defs: withAsync(mainFn(`[
			{"type": "call", "function": "fail", "async": true, "as": "b"},
			{"type": "await", "ids": "b", "as": "r"}]`, "r")),
			wantErr:  "main: stack[1]: awaited execution <id> failed: fail: stack[0]: child failed (execution exec-1)",
			wantCode: "conflict", wantStatus: 409},
		{name: "failed child error can be caught", defs: withAsync(mainFn(`[
			{"type": "call", "function": "fail", "async": true, "as": "b"},
			{"type": "try", "steps": [{"type": "await", "ids": "b", "as": "r"}],
			 "catch": [{"type": "var", "name": "r", "value": "error.code"}]}]`, "r")), want: `"conflict"`},
		{name: "await timeout", defs: withAsync(mainFn(`[
			{"type": "call", "function": "slow", "input": {"ms": "200"}, "async": true, "as": "id"},
			{"type": "await", "ids": "id", "timeout": "10ms", "as": "r"}]`, "r")),
			wantErr:  "main: stack[1]: await timed out after 10ms; the executions go on: await them again later or raise timeout (execution exec-1)",
			wantCode: engine.CodeTimeout,
			check: func(t *testing.T, res *engine.Result) {
				if res.Duration > 150*time.Millisecond {
					t.Errorf("run took %s; the await should give up after 10ms", res.Duration)
				}
			}},
		{name: "idempotency key gives the same ID", defs: withAsync(mainFn(`[
			{"type": "call", "function": "slow", "input": {"ms": "0", "v": "1"}, "async": true, "idempotency_key": "'k-' + 'same'", "as": "a"},
			{"type": "call", "function": "slow", "input": {"v": "1", "ms": "0"}, "async": true, "idempotency_key": "'k-same'", "as": "b"},
			{"type": "call", "function": "slow", "input": {"ms": "0", "v": "3"}, "async": true, "idempotency_key": "'k-other'", "as": "c"},
			{"type": "await", "ids": "[a, b, c]", "as": "r"}]`, "{same: a == b, other: a != c, r: r}")),
			want: `{"other":true,"r":[1,1,3],"same":true}`},
		{name: "idempotency key reused with another input", defs: withAsync(mainFn(`[
			{"type": "call", "function": "slow", "input": {"ms": "0", "v": "1"}, "async": true, "idempotency_key": "'k-same'", "as": "a"},
			{"type": "call", "function": "slow", "input": {"ms": "0", "v": "2"}, "async": true, "idempotency_key": "'k-same'", "as": "b"}]`, "b")),
			wantErr: `main: stack[1]: the idempotency key "k-same" was first used for function slow with a different input, by execution <id>; ` +
				`a key stays bound to its first input for 24h. Send a new key for a new run, or send the first input again to get execution <id> (execution exec-1)`,
			wantCode: engine.CodeIdempotencyKeyReused, wantStatus: 422},
		{name: "await a bad ID", defs: withAsync(mainFn(`[{"type": "await", "ids": "'no-such-id'", "as": "r"}]`, "r")),
			wantErr: `main: stack[0]: no execution with ID "no-such-id"; await takes the IDs that async calls return (execution exec-1)`, wantCode: engine.CodeNotFound},
		{name: "await something that is not an ID", defs: withAsync(mainFn(`[{"type": "await", "ids": "42", "as": "r"}]`, "r")),
			wantErr: "main: stack[0].ids: `42` gave an int; await takes an execution ID or a list of them (execution exec-1)"},
		{name: "async child input validation", defs: withAsync(mainFn(`[
			{"type": "call", "function": "slow", "input": {"ms": "'soon'"}, "async": true, "as": "id"},
			{"type": "await", "ids": "id", "as": "r"}]`, "r")),
			wantErr: "main: stack[0]: invalid input for slow; ms: expected int, got text (execution exec-1)", wantCode: engine.CodeInvalidInput},
	})
}

// TestAsyncDeadlinePropagates checks that an async child never outlives the
// budget its caller had left.
func TestAsyncDeadlinePropagates(t *testing.T) {
	eng := newEngine(t, engine.Config{}, withAsync(mainFn(`[
		{"type": "call", "function": "slow", "input": {"ms": "5000"}, "async": true, "as": "id"},
		{"type": "return", "value": "id"}]`, ""))...)
	res, err := eng.Run(context.Background(), "main", nil, engine.RunOptions{Timeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	id, _ := res.Output.(string)
	deadline := time.Now().Add(2 * time.Second)
	for {
		rec, err := eng.Get(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if engine.Final(rec.Status) {
			if rec.Status != engine.StatusTimedOut || rec.Error == nil ||
				!strings.Contains(rec.Error.Message, "(limit the caller's remaining budget)") || rec.Parent != res.ExecutionID {
				t.Fatalf("child record: status %s, parent %s, error %v", rec.Status, rec.Parent, rec.Error)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("child still %s after 2s; it should have timed out with its caller's 100ms budget", rec.Status)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestSleep(t *testing.T) {
	runCases(t, []stepCase{
		{name: "pauses", defs: []string{mainFn(`[{"type": "sleep", "ms": "20"}]`, "'woke'")}, want: `"woke"`,
			check: func(t *testing.T, res *engine.Result) {
				if res.Duration < 20*time.Millisecond {
					t.Errorf("run took %s, want at least 20ms", res.Duration)
				}
			}},
		{name: "duration text", defs: []string{mainFn(`[{"type": "sleep", "ms": "'15ms'"}]`, "'woke'")}, want: `"woke"`,
			check: func(t *testing.T, res *engine.Result) {
				if res.Duration < 15*time.Millisecond {
					t.Errorf("run took %s, want at least 15ms", res.Duration)
				}
			}},
		{name: "honours the run deadline", opt: engine.RunOptions{Timeout: 50 * time.Millisecond},
			defs:     []string{mainFn(`[{"type": "sleep", "ms": "5000"}]`, "'woke'")},
			wantErr:  "main: stack[0]: run timed out after 50ms (limit timeout); raise the run's timeout, run the work async, or make the stack faster (execution exec-1)",
			wantCode: engine.CodeTimeout, wantStatus: 504,
			check: func(t *testing.T, res *engine.Result) {
				if res.Duration > time.Second {
					t.Errorf("run took %s; the sleep should end at the 50ms deadline", res.Duration)
				}
			}},
		{name: "honours settings.timeout", defs: []string{`{"kind": "function", "name": "main", "settings": {"timeout": "40ms"},
			"stack": [{"type": "sleep", "ms": "5000"}]}`},
			wantErr:  "main: stack[0]: run timed out after 40ms (limit settings.timeout of main); raise the function's settings.timeout or make it faster (execution exec-1)",
			wantCode: engine.CodeTimeout},
		{name: "negative", defs: []string{mainFn(`[{"type": "sleep", "ms": "-1"}]`, "")},
			wantErr: "main: stack[0].ms: `-1` gave -1; a duration cannot be negative (execution exec-1)"},
		{name: "bad duration text", defs: []string{mainFn(`[{"type": "sleep", "ms": "'soon'"}]`, "")},
			wantErr: `main: stack[0].ms: "soon" is not a duration; write it like "30s", "15m" or "2h" (execution exec-1)`},
	})
}

func TestLog(t *testing.T) {
	res := runCase(t, stepCase{defs: []string{mainFn(`[
		{"type": "var", "name": "total", "value": "3"},
		{"type": "log", "value": "'total is ' + string(total)"},
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

func TestTrace(t *testing.T) {
	res := runCase(t, stepCase{defs: []string{mainFn(`[
		{"type": "var", "name": "x", "value": "1"},
		{"type": "if", "cond": "x == 1", "then": [{"type": "set", "name": "x", "value": "2"}]}]`, "x")}, want: `2`})
	var got []string
	for _, e := range res.Trace {
		got = append(got, fmt.Sprintf("%s %s %v", e.Path, e.Type, e.Result))
	}
	want := "stack[0] var 1|stack[1] if true|stack[1].then[0] set 2"
	if g := strings.Join(got, "|"); g != want {
		t.Errorf("trace:\n got  %s\n want %s", g, want)
	}
}

func TestHTTP(t *testing.T) {
	type seen struct {
		Method, Path, Query, ContentType, Auth, Body string
	}
	reqs := make(chan seen, 10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		reqs <- seen{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Get("Content-Type"), r.Header.Get("Authorization"), string(b)}
		switch r.URL.Path {
		case "/json":
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("X-Thing", "yes")
			_, _ = io.WriteString(w, `{"n": 1, "f": 1.5, "list": [true, null], "s": "x"}`)
		case "/echo":
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			w.WriteHeader(201)
			_, _ = w.Write(b)
		case "/text":
			_, _ = io.WriteString(w, "plain")
		case "/missing":
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(404)
			_, _ = io.WriteString(w, `{"error": "not found"}`)
		case "/slow":
			select {
			case <-time.After(2 * time.Second):
			case <-r.Context().Done():
			}
		}
	}))
	defer srv.Close()
	if !strings.HasPrefix(srv.URL, "http://127.0.0.1:") {
		t.Fatalf("test server at %s, want 127.0.0.1", srv.URL)
	}
	env := engine.Config{Env: map[string]any{"base": srv.URL}}
	httpCase := func(step, response string) []string {
		return []string{mainFn(`[`+step+`]`, response)}
	}
	cases := []struct {
		stepCase
		wantReq *seen
	}{
		{stepCase{name: "GET JSON body decoded", cfg: env, defs: httpCase(
			`{"type": "http", "url": "env.base + '/json'", "as": "resp"}`, "{status: resp.status, body: resp.body, thing: resp.headers['x-thing'], sum: resp.body.n + 1}"),
			want: `{"body":{"f":1.5,"list":[true,null],"n":1,"s":"x"},"status":200,"sum":2,"thing":"yes"}`},
			&seen{Method: "GET", Path: "/json"}},
		{stepCase{name: "POST JSON body sent", cfg: env, defs: httpCase(
			`{"type": "http", "method": "POST", "url": "env.base + '/echo'", "body": "{order: 7, items: ['a']}", "as": "resp"}`, "{status: resp.status, body: resp.body}"),
			want: `{"body":{"items":["a"],"order":7},"status":201}`},
			&seen{Method: "POST", Path: "/echo", ContentType: "application/json", Body: `{"items":["a"],"order":7}`}},
		{stepCase{name: "text body sent as is", cfg: env, defs: httpCase(
			`{"type": "http", "method": "PUT", "url": "env.base + '/text'", "body": "'hello'", "as": "resp"}`, "resp.body"),
			want: `"plain"`},
			&seen{Method: "PUT", Path: "/text", ContentType: "text/plain; charset=utf-8", Body: "hello"}},
		{stepCase{name: "headers and query", cfg: env, defs: httpCase(
			`{"type": "http", "url": "env.base + '/text'", "headers": {"Authorization": "'Bearer ' + 'tok'"}, "query": {"q": "'a b'", "n": "2"}, "as": "resp"}`, "resp.status"),
			want: `200`},
			&seen{Method: "GET", Path: "/text", Query: "n=2&q=a+b", Auth: "Bearer tok"}},
		{stepCase{name: "non-2xx is a result", cfg: env, defs: httpCase(
			`{"type": "http", "url": "env.base + '/missing'", "as": "resp"}`, "{status: resp.status, body: resp.body}"),
			want: `{"body":{"error":"not found"},"status":404}`},
			&seen{Method: "GET", Path: "/missing"}},
		{stepCase{name: "step timeout", cfg: env, defs: httpCase(
			`{"type": "http", "url": "env.base + '/slow'", "timeout": "50ms", "as": "resp"}`, "resp"),
			wantErr:  "main: stack[0]: GET " + srv.URL + "/slow: no answer within 50ms (the step's timeout) (execution exec-1)",
			wantCode: engine.CodeTimeout,
			check: func(t *testing.T, res *engine.Result) {
				if res.Duration > time.Second {
					t.Errorf("run took %s; the request should give up at 50ms", res.Duration)
				}
			}}, &seen{Method: "GET", Path: "/slow"}},
		{stepCase{name: "run deadline ends the request", cfg: env, opt: engine.RunOptions{Timeout: 50 * time.Millisecond}, defs: httpCase(
			`{"type": "http", "url": "env.base + '/slow'", "as": "resp"}`, "resp"),
			wantErr:  "main: stack[0]: run timed out after 50ms (limit timeout); raise the run's timeout, run the work async, or make the stack faster (execution exec-1)",
			wantCode: engine.CodeTimeout}, &seen{Method: "GET", Path: "/slow"}},
		{stepCase{name: "not an http URL", cfg: env, defs: httpCase(
			`{"type": "http", "url": "'ftp://example.com/x'", "as": "resp"}`, "resp"),
			wantErr: `main: stack[0].url: "ftp://example.com/x" is not an http or https URL (execution exec-1)`, wantCode: engine.CodeHTTP}, nil},
		{stepCase{name: "connection refused", defs: httpCase(
			`{"type": "http", "url": "'http://127.0.0.1:1/x?secret=1'", "as": "resp"}`, "resp"),
			wantErr: "main: stack[0]: GET http://127.0.0.1:1/x: dial tcp 127.0.0.1:1: connect: connection refused (execution exec-1)", wantCode: engine.CodeHTTP}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for len(reqs) > 0 {
				<-reqs
			}
			runCase(t, tc.stepCase)
			if tc.wantReq == nil {
				return
			}
			select {
			case got := <-reqs:
				if got != *tc.wantReq {
					t.Errorf("request:\n got  %+v\n want %+v", got, *tc.wantReq)
				}
			case <-time.After(time.Second):
				t.Errorf("the server got no request")
			}
		})
	}
}

// TestConcurrentRuns runs one program from many goroutines (go test -race).
func TestConcurrentRuns(t *testing.T) {
	eng := newEngine(t, engine.Config{}, fn("main", `[{"name": "n", "type": "int", "required": true}]`, `[
		{"type": "var", "name": "total", "value": "0"},
		{"type": "for", "from": "1", "to": "input.n", "as": "i", "steps": [
			{"type": "set", "name": "total", "value": "total + i"}]}]`, "total"))
	errs := make(chan error, 20)
	for g := 0; g < 20; g++ {
		go func(n int) {
			res, err := eng.Run(context.Background(), "main", map[string]any{"n": n}, engine.RunOptions{})
			if err == nil && res.Output != n*(n+1)/2 {
				err = fmt.Errorf("n=%d: got %v", n, res.Output)
			}
			errs <- err
		}(g * 10)
	}
	for g := 0; g < 20; g++ {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
