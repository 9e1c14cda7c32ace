package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestMain points the default data folder at a temporary one, so that
// runs do not leave ./funcstack_data behind.
func TestMain(m *testing.M) {
	if os.Getenv(runMainEnv) == "1" { // a child process of a test: be funcstack
		os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	}
	dir, err := os.MkdirTemp("", "funcstack-cli-test-")
	if err != nil {
		panic(err)
	}
	os.Setenv("FUNCSTACK_DATA", dir)
	os.Unsetenv("FUNCSTACK_DATABASE_URL")
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// cli runs the command in-process and returns its exit code and outputs.
func cli(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

const ws = "../../workflows"

// TestWorkflowsRun runs every example function with a known input and
// checks its whole response: the examples must always validate and run.
func TestWorkflowsRun(t *testing.T) {
	tests := []struct {
		name, input, want string
	}{
		{"sum_squares", `{"n": 20}`, `{"label":"big","total":2870}`},
		{"sum_squares", `{"n": 3}`, `{"label":"small","total":14}`},
		{"sum_squares", `{"n": 0}`, `{"label":"small","total":0}`},
		{"collatz", `{"n": 27}`, `{"n":27,"steps":111}`},
		{"safe_divide", `{"a": 1, "b": 4}`, `{"ok":true,"value":0.25}`},
		{"safe_divide", `{"a": 1, "b": 0}`, `{"code":"div_zero","error":"cannot divide by zero","ok":false}`},
		{"price_check", `{"sku": "apple", "qty": 3}`, `{"price":1.5,"qty":3,"sku":"apple"}`},
		{"quote_order", `{"lines": [{"sku": "apple", "qty": 4}, {"sku": "banana", "qty": 2}]}`,
			`{"lines":[{"price":2,"qty":4,"sku":"apple"},{"price":0.5,"qty":2,"sku":"banana"}],"total":2.5}`},
	}
	for _, tc := range tests {
		t.Run(tc.name+tc.input, func(t *testing.T) {
			code, out, errOut := cli(t, "run", "--workspace", ws, tc.name, "--input", tc.input)
			if code != 0 {
				t.Fatalf("exit %d, stderr:\n%s", code, errOut)
			}
			if got := strings.TrimSpace(out); got != tc.want {
				t.Errorf("response\n got %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestRunFlagsAfterName(t *testing.T) {
	// The contract: flags may follow the function name.
	code, out, _ := cli(t, "run", "--workspace", ws, "sum_squares", "--input", `{"n":20}`)
	if code != 0 || strings.TrimSpace(out) != `{"label":"big","total":2870}` {
		t.Fatalf("exit %d, out %q", code, out)
	}
	code, out, _ = cli(t, "run", "sum_squares", "--workspace", ws, "--input", `{"n":20}`)
	if code != 0 || strings.TrimSpace(out) != `{"label":"big","total":2870}` {
		t.Fatalf("exit %d, out %q", code, out)
	}
}

func TestRunErrors(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		code  string
		match string
	}{
		{"wrong type", []string{"sum_squares", "--input", `{"n": "x"}`}, "invalid_input", `"fields":[{"field":"n","code":"type","message":"expected int, got text"}]`},
		{"missing", []string{"sum_squares", "--input", `{}`}, "invalid_input", `{"field":"n","code":"required","message":"required"}`},
		{"below min", []string{"sum_squares", "--input", `{"n": -1}`}, "invalid_input", `{"field":"n","code":"min","message":"must be at least 0"}`},
		{"malformed input", []string{"sum_squares", "--input", `{"n": `}, "invalid_input", `--input is not valid JSON`},
		{"unknown function", []string{"sum_squarez", "--input", `{}`}, "not_found", `no function, endpoint or task named \"sum_squarez\" (did you mean \"sum_squares\"?)`},
		{"loop limit", []string{"collatz", "--input", `{"n": 27}`, "--max-loop-iterations", "10"}, "limit_exceeded", `loop ran more than 10 iterations (limit max_loop_iterations)`},
		{"timeout", []string{"send_confirmation", "--input", `{"order_id": 1}`, "--timeout", "5ms"}, "timeout", `run timed out after 5ms (limit sync_timeout)`},
		{"thrown", []string{"price_check", "--input", `{"sku": "kiwi", "qty": 1}`}, "unknown_sku", `"message":"unknown sku: kiwi","status":404,"definition":"price_check","path":"stack[1].default[0]"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := cli(t, append([]string{"run", "--workspace", ws}, tc.args...)...)
			if code != 1 || out != "" {
				t.Fatalf("exit %d, stdout %q; want exit 1 and nothing on stdout", code, out)
			}
			var env struct {
				Error struct {
					Code        string `json:"code"`
					ExecutionID string `json:"execution_id"`
				} `json:"error"`
			}
			last := strings.TrimSpace(errOut)
			last = last[strings.LastIndexByte(last, '\n')+1:]
			if err := json.Unmarshal([]byte(last), &env); err != nil {
				t.Fatalf("stderr's last line is not the JSON error: %q", errOut)
			}
			if env.Error.Code != tc.code || !strings.Contains(last, tc.match) {
				t.Errorf("got %s\nwant code %s containing %s", last, tc.code, tc.match)
			}
		})
	}
}

func TestRunTrace(t *testing.T) {
	code, out, errOut := cli(t, "run", "--workspace", ws, "sum_squares", "--input", `{"n": 2}`, "--trace")
	if code != 0 || strings.TrimSpace(out) != `{"label":"small","total":5}` {
		t.Fatalf("exit %d, out %q, err %s", code, out, errOut)
	}
	for _, want := range []string{"trace of execution ", "sum_squares:stack[0]", "sum_squares:stack[1].steps[0]", "sum_squares:stack[2].else[0]", `"small"`} {
		if !strings.Contains(errOut, want) {
			t.Errorf("trace lacks %q:\n%s", want, errOut)
		}
	}
	if n := strings.Count(errOut, "sum_squares:stack[1].steps[0]"); n != 2 {
		t.Errorf("the set step ran twice but shows %d times in the trace", n)
	}
}

func writeWorkspace(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestValidate(t *testing.T) {
	code, out, errOut := cli(t, "validate", "--workspace", ws)
	if code != 0 || !strings.Contains(out, "definitions valid") {
		t.Fatalf("the example workspace must validate: exit %d\n%s%s", code, out, errOut)
	}

	dir := writeWorkspace(t, map[string]string{
		"a.json":     `{"kind": "function", "name": "a", "stack": [{"type": "var", "name": "x", "value": "totl"}]}`,
		"b.json":     `{"kind": "function", "name": "b", "stack": [{"type": "sett", "name": "x", "value": "1"}]}`,
		"sub/c.json": `{"kind": "function", "name": "c", "stack": [`,
		"d.json": `{"kind": "function", "name": "d", "stack": [
			{"type": "call", "function": "a", "async": true, "as": "id"}]}`,
	})
	code, out, errOut = cli(t, "validate", "--workspace", dir)
	if code != 1 || out != "" {
		t.Fatalf("exit %d, stdout %q", code, out)
	}
	want := strings.Join([]string{
		"error: " + filepath.Join(dir, "sub/c.json") + ": invalid JSON at line 1, column 45: unexpected end of JSON input",
		"error: " + filepath.Join(dir, "a.json") + ":1:83: a: stack[0].value: unknown name totl; to write text, put it in quotes: 'totl'",
		"error: " + filepath.Join(dir, "b.json") + `:1:54: b: stack[0].type: unknown step type "sett" (did you mean "set"?)`,
		"warning: " + filepath.Join(dir, "d.json") + ":2:4: d: stack[0]: the async execution ID in id is never awaited or used; add an await step, or drop \"as\" to fire and forget",
		dir + ": 3 error(s), 1 warning(s)",
	}, "\n") + "\n"
	if errOut != want {
		t.Errorf("validate output\n got:\n%s\nwant:\n%s", errOut, want)
	}
}

func TestSteps(t *testing.T) {
	code, out, _ := cli(t, "steps")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	var cat []struct {
		Type   string            `json:"type"`
		Fields []json.RawMessage `json:"fields"`
	}
	if err := json.Unmarshal([]byte(out), &cat); err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, c := range cat {
		got[c.Type] = true
	}
	for _, want := range []string{"var", "set", "if", "switch", "foreach", "for", "while", "break", "continue", "return",
		"throw", "precondition", "try", "call", "await", "http", "sleep", "log"} {
		if !got[want] {
			t.Errorf("step catalogue lacks %q", want)
		}
	}
}

func TestUsage(t *testing.T) {
	if code, _, errOut := cli(t); code != 2 || !strings.Contains(errOut, "Usage:") {
		t.Errorf("no args: exit %d, %q", code, errOut)
	}
	// Every command is on a Usage line.
	for _, c := range []string{"serve", "validate", "run", "import", "export", "migrate", "steps", "functions", "schema"} {
		if !strings.Contains(usage, "\n  funcstack "+c) {
			t.Errorf("usage has no line for %s", c)
		}
	}
	if code, _, errOut := cli(t, "frobnicate"); code != 2 || !strings.Contains(errOut, `unknown command "frobnicate"`) {
		t.Errorf("unknown command: exit %d, %q", code, errOut)
	}
	if code, _, errOut := cli(t, "run", "--workspace", ws); code != 2 || !strings.Contains(errOut, "give exactly one function name") {
		t.Errorf("run without name: exit %d, %q", code, errOut)
	}
}

// The committed schema must be what the registry gives today.
func TestSchemaUpToDate(t *testing.T) {
	code, out, _ := cli(t, "schema")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	committed, err := os.ReadFile(filepath.Join(ws, "funcstack.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	if string(committed) != out {
		t.Errorf("workflows/funcstack.schema.json is stale: run go run ./cmd/funcstack schema > workflows/funcstack.schema.json")
	}
}

// TestRunExprSteps: --max-expr-steps bounds an expression's closures,
// --max-expr-memory what it builds.
func TestRunExprSteps(t *testing.T) {
	dir := writeWorkspace(t, map[string]string{"busy.json": `{"kind": "function", "name": "busy", "stack": [], "response": "count(1..1000, # > 500)"}`})
	if code, out, errOut := cli(t, "run", "--workspace", dir, "--data", t.TempDir(), "busy"); code != 0 || strings.TrimSpace(out) != "500" {
		t.Fatalf("default limit: exit %d %s%s", code, out, errOut)
	}
	code, _, errOut := cli(t, "run", "--workspace", dir, "--data", t.TempDir(), "--max-expr-steps", "100", "busy")
	if code != 1 || !strings.Contains(errOut, `{"error":{"code":"limit_exceeded","message":"the expression took more than 100 steps (limit max_expr_steps); make it do less work per item, or split it over steps (1:18) in `+"`count(1..1000, # \\u003e 500)`"+`","definition":"busy","path":"response","execution_id":`) {
		t.Fatalf("--max-expr-steps 100: exit %d %s", code, errOut)
	}
	code, _, errOut = cli(t, "run", "--workspace", dir, "--data", t.TempDir(), "--max-expr-memory", "500", "busy")
	if code != 1 || !strings.Contains(errOut, `{"error":{"code":"limit_exceeded","message":"the expression built more than 500 list items, object entries and text bytes in one evaluation (limit max_expr_memory); work on fewer items at a time, for example with a foreach over them, or split it over steps (1:8) in `+"`count(1..1000, # \\u003e 500)`"+`","definition":"busy","path":"response","execution_id":`) {
		t.Fatalf("--max-expr-memory 500: exit %d %s", code, errOut)
	}
}
