package engine_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/funcstack/funcstack/engine"
	_ "github.com/funcstack/funcstack/steps"
)

// Fuzz targets. `go test ./engine/` runs their seeds and the committed
// corpora under testdata/fuzz/<FuzzName>/ as regression tests; `make fuzz`
// fuzzes each for FUZZTIME.

const (
	// fuzzRunTimeout is the sync timeout of every fuzzed run.
	fuzzRunTimeout = 100 * time.Millisecond
	// fuzzHang is how long a run may take before the fuzzer calls it a
	// hang: far past fuzzRunTimeout, so that a busy machine is no excuse.
	fuzzHang = 5 * time.Second
)

// errNoNetwork is what the http step gets while fuzzing.
var errNoNetwork = errors.New("network disabled while fuzzing")

type noNetwork struct{}

func (noNetwork) RoundTrip(*http.Request) (*http.Response, error) { return nil, errNoNetwork }

// fuzzConfig is an engine with small limits and no network.
func fuzzConfig() engine.Config {
	return engine.Config{
		Limits: engine.Limits{
			SyncTimeout:       fuzzRunTimeout,
			AsyncTimeout:      fuzzRunTimeout,
			MaxLoopIterations: 1000,
			MaxCallDepth:      8,
			MaxExprMemory:     100_000,
			MaxLogEntries:     50,
			MaxTraceEntries:   200,
			MaxHTTPBodyBytes:  1 << 10,
		},
		Workers:    4,
		QueueSize:  64,
		Store:      engine.NewMemoryStore(1000),
		HTTPClient: &http.Client{Transport: noNetwork{}},
	}
}

// workflowDocs returns every definition of the example workspace.
func workflowDocs(tb testing.TB) map[string][]byte {
	tb.Helper()
	files, err := filepath.Glob(filepath.Join("..", "workflows", "*.json"))
	if err != nil {
		tb.Fatal(err)
	}
	out := map[string][]byte{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		out[filepath.Base(f)] = data
	}
	if len(out) == 0 {
		tb.Fatal("no workflows/*.json found")
	}
	return out
}

// compileDocs parses and compiles docs; it returns the program and every
// diagnostic.
func compileDocs(docs map[string][]byte) (*engine.Program, engine.Diagnostics) {
	var diags engine.Diagnostics
	var defs []*engine.Definition
	for name, data := range docs {
		if d := engine.ParseDefinition(name, data, &diags); d != nil {
			defs = append(defs, d)
		}
	}
	p, more := engine.Compile(defs)
	return p, append(diags, more...)
}

// mustProgram compiles docs or fails.
func mustProgram(tb testing.TB, docs ...string) *engine.Program {
	tb.Helper()
	m := map[string][]byte{}
	for i, d := range docs {
		m[fmt.Sprintf("doc%d.json", i)] = []byte(d)
	}
	p, diags := compileDocs(m)
	if diags.HasErrors() {
		tb.Fatalf("definitions do not compile:\n%v", diags.Err())
	}
	return p
}

// checkedRun runs name and fails on a hang or on a panic that the engine
// recovered into an internal error. Any other error is fine.
func checkedRun(t *testing.T, e *engine.Engine, name string, input any, what string) (*engine.Result, error) {
	t.Helper()
	type outcome struct {
		res   *engine.Result
		err   error
		panic any
	}
	done := make(chan outcome, 1)
	go func() {
		var o outcome
		defer func() {
			if r := recover(); r != nil {
				o.panic = r
			}
			done <- o
		}()
		o.res, o.err = e.Run(context.Background(), name, input, engine.RunOptions{Timeout: fuzzRunTimeout})
	}()
	var o outcome
	select {
	case o = <-done:
	case <-time.After(fuzzHang):
		t.Fatalf("%s: run of %s with input %#v did not return within %s (run timeout %s): a hang", what, name, input, fuzzHang, fuzzRunTimeout)
	}
	if o.panic != nil {
		t.Fatalf("%s: Run of %s with input %#v panicked: %v", what, name, input, o.panic)
	}
	failOnRecoveredPanic(t, o.err, what)
	return o.res, o.err
}

// failOnRecoveredPanic fails when err is a panic the engine turned into an
// internal error: nothing may panic on bad input, recovered or not.
func failOnRecoveredPanic(t *testing.T, err error, what string) {
	t.Helper()
	var e *engine.Error
	if !errors.As(err, &e) || e.Code != engine.CodeInternal {
		return
	}
	if e.Cause != nil && strings.HasPrefix(e.Cause.Error(), "panic:") {
		t.Fatalf("%s: the run panicked (recovered as an internal error): %s\n%s", what, e.Error(), e.Cause)
	}
}

// closeWithin closes e and fails when that takes longer than fuzzHang (an
// async child that never ends).
func closeWithin(t *testing.T, e *engine.Engine, what string) {
	t.Helper()
	done := make(chan struct{})
	go func() { e.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(fuzzHang):
		t.Fatalf("%s: Engine.Close did not return within %s: an async execution hangs", what, fuzzHang)
	}
}

// hostileDefinitions are seeds that probe the loader and compiler.
var hostileDefinitions = []string{
	``,
	`null`,
	`[]`,
	`"function"`,
	`{}`,
	`{"kind": "function"}`,
	`{"kind": "function", "name": "f"}`,
	`{"kind": "function", "name": "f", "stack": null, "input": null, "response": null}`,
	`{"kind": "function", "name": "f", "stack": {}, "input": {}, "response": 1}`,
	`{"kind": "function", "name": "f", "stack": [1, "x", null, [], true]}`,
	`{"kind": "function", "name": "f", "stack": [{"type": 1}, {"type": null}, {"type": "nope"}, {"type": "var"}]}`,
	`{"kind": "function", "name": "f", "input": [{"name": "n", "type": "int", "min": 1e400, "max": -1e400, "default": 1e309}]}`,
	`{"kind": "function", "name": "f", "input": [{"name": "n", "type": "int", "default": "x"}, {"name": "n", "type": "nope"}]}`,
	`{"kind": "function", "name": "f", "stack": [{"type": "var", "name": "x", "value": "99999999999999999999999999999"}], "response": "x * x"}`,
	`{"kind": "function", "name": "f", "stack": [{"type": "var", "name": "x", "value": "1e400"}], "response": "x"}`,
	`{"kind": "function", "name": "f", "stack": [{"type": "var", "name": "x", "value": "-9223372036854775808 / -1"}], "response": "x"}`,
	`{"kind": "function", "name": "f", "stack": [{"type": "var", "name": "x", "value": "9223372036854775807 + 1"}], "response": "x % 0"}`,
	`{"kind": "function", "name": "f\u0000", "stack": [{"type": "var\u0000", "name": "x\u0000", "value": "'\u0000'"}]}`,
	`{"kind": "function", "name": "ünï", "stack": [{"type": "var", "name": "ünï", "value": "'日本語' + '🙂'"}], "response": "1"}`,
	`{"kind": "function", "name": "f", "stack": [{"type": "var", "name": "s", "value": "'\ud800'"}], "response": "len(s)"}`,
	`{"kind": "function", "name": "f", "name": "g", "kind": "task", "stack": []}`,
	`{"kind": "function", "name": "f", "settings": {"timeout": "-1s", "retries": "x", "queue": 1}}`,
	`{"kind": "function", "name": "f", "settings": {"timeout": "1ns"}, "stack": [{"type": "while", "cond": "true", "steps": []}]}`,
	`{"kind": "function", "name": "f", "stack": [{"type": "while", "cond": "true", "steps": [{"type": "sleep", "ms": "1000000"}]}]}`,
	`{"kind": "function", "name": "f", "stack": [{"type": "for", "from": "-9223372036854775808", "to": "9223372036854775807", "as": "i", "steps": []}]}`,
	`{"kind": "function", "name": "f", "stack": [{"type": "for", "count": "1e18", "as": "i", "steps": [{"type": "continue"}]}]}`,
	`{"kind": "function", "name": "f", "stack": [{"type": "foreach", "items": "1..1000000", "as": "i", "steps": []}]}`,
	`{"kind": "function", "name": "f", "stack": [{"type": "var", "name": "x", "value": "[]"}, {"type": "set", "name": "x", "path": "a[999999999999].b", "value": "1"}], "response": "x"}`,
	`{"kind": "function", "name": "f", "stack": [{"type": "var", "name": "x", "value": "{}"}, {"type": "set", "name": "x", "path": "[0]", "value": "1"}, {"type": "set", "name": "x", "path": "..", "value": "1"}]}`,
	`{"kind": "function", "name": "f", "stack": [{"type": "call", "function": "f", "input": {}, "as": "r"}]}`,
	`{"kind": "function", "name": "f", "stack": [{"type": "call", "function": "f", "async": true, "as": "r"}, {"type": "await", "ids": "r", "as": "o"}]}`,
	`{"kind": "function", "name": "f", "stack": [{"type": "await", "ids": "['nope', 1, null]", "settle": true, "timeout": "1ms", "as": "o"}], "response": "o"}`,
	`{"kind": "function", "name": "f", "stack": [{"type": "try", "steps": [{"type": "throw", "message": "x", "status": 99999999999}], "catch": [{"type": "throw", "message": "{{error.message}}", "status": -1}], "finally": [{"type": "return", "value": "error"}]}]}`,
	`{"kind": "function", "name": "f", "stack": [{"type": "switch", "value": "1", "cases": [{"match": "1"}, {"match": 1, "steps": 1}, null], "default": [{"type": "break"}]}]}`,
	`{"kind": "function", "name": "f", "stack": [{"type": "http", "method": "GET", "url": "'http://127.0.0.1:1/'", "timeout": "1ms", "as": "r"}], "response": "r"}`,
	`{"kind": "function", "name": "f", "stack": [{"type": "log", "value": "repeat('x', 100000)"}, {"type": "sleep", "ms": "'1h'"}]}`,
	`{"kind": "endpoint", "name": "e", "method": "GET", "path": "/x/:id", "stack": [{"type": "return", "value": "request.params.id"}]}`,
	`{"kind": "task", "name": "t", "schedule": {"cron": "* * * * * * *", "every": "0s"}, "stack": []}`,
	`{"kind": "table", "name": "t", "fields": [{"name": "a", "type": "text"}], "triggers": [{"on": ["insert"], "function": "nope"}]}`,
	`{"kind": "middleware", "name": "m", "stack": [{"type": "precondition", "cond": "1", "message": "2"}]}`,
	`{"kind": "function", "name": "f", "stack": [` + strings.Repeat(`{"type": "if", "cond": "true", "then": [`, 200) + `{"type": "return", "value": "1"}` + strings.Repeat(`]}`, 200) + `]}`,
	`{"kind": "function", "name": "f", "stack": [{"type": "var", "name": "x", "value": "` + strings.Repeat("(", 500) + "1" + strings.Repeat(")", 500) + `"}]}`,
	strings.Repeat("[", 10000) + strings.Repeat("]", 10000),
	`{"kind": "function", "name": "f", "stack": [{"type": "var", "name": "x", "value": "[` + strings.Repeat("[", 2000) + strings.Repeat("]", 2000) + `]"}]}`,
	`{"kind": "function", "name": "f"` + strings.Repeat(`, "response": "1"`, 100) + `}`,
	"{\"kind\": \"function\", \"name\": \"f\", \"stack\": [{\"type\": \"var\", \"name\": \"x\", \"value\": \"1\"}]}\x00",
	"\xef\xbb\xbf{\"kind\": \"function\", \"name\": \"f\"}",
	"{\"kind\": \"function\", \"name\": \"f\xff\"}",
}

func FuzzCompile(f *testing.F) {
	docs := workflowDocs(f)
	for _, data := range docs {
		f.Add(data)
	}
	for _, h := range hostileDefinitions {
		f.Add([]byte(h))
	}
	// companions are the example definitions that load cleanly (not the
	// JSON Schema beside them).
	var companions []string
	for name, data := range docs {
		var diags engine.Diagnostics
		if engine.ParseDefinition(name, data, &diags) != nil && !diags.HasErrors() {
			companions = append(companions, name)
		}
	}
	sort.Strings(companions)
	if len(companions) == 0 {
		f.Fatal("no example definition loads cleanly")
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var diags engine.Diagnostics
		def := engine.ParseDefinition("fuzz.json", data, &diags)
		for _, d := range diags {
			_ = d.String()
		}
		if def == nil {
			if !diags.HasErrors() {
				t.Fatalf("ParseDefinition gave no definition and no error")
			}
			return
		}
		// Compile the definition beside the example workspace, so that
		// calls have something to call.
		var defs []*engine.Definition
		for _, name := range companions {
			var ignored engine.Diagnostics
			if wd := engine.ParseDefinition(name, docs[name], &ignored); wd != nil && wd.Name != def.Name {
				defs = append(defs, wd)
			}
		}
		defs = append(defs, def)
		p, more := engine.Compile(defs)
		for _, d := range more {
			_ = d.String()
		}
		if diags.HasErrors() || more.HasErrors() {
			if err := more.Err(); err != nil {
				_ = err.Error()
			}
			return
		}
		if p == nil {
			t.Fatal("Compile gave no program and no error")
		}
		if _, ok := p.Functions[def.Name]; !ok {
			return // a table
		}
		e := engine.New(fuzzConfig())
		e.Load(p)
		if res, err := checkedRun(t, e, def.Name, map[string]any{}, "FuzzCompile"); err == nil && res == nil {
			t.Fatal("Run gave neither a result nor an error")
		}
		closeWithin(t, e, "FuzzCompile")
	})
}

// exprFunction is the function FuzzExpr compiles src into: src is the value
// of a var step in a function with one int input.
func exprFunction(src string) []byte {
	doc := map[string]any{
		"kind":  "function",
		"name":  "fuzz_expr",
		"input": []any{map[string]any{"name": "x", "type": "int"}},
		"stack": []any{
			map[string]any{"type": "var", "name": "v", "value": src},
		},
		"response": "v",
	}
	b, err := json.Marshal(doc)
	if err != nil {
		panic(err)
	}
	return b
}

var exprSeeds = []string{
	"1", "input.x", "input.x * input.x + 1", "input.x / 0", "input.x % 0", "1 / 0.0",
	"'a' + 'b'", "'日本' + '🙂'", "len('\u0000')", "[1, 2, 3][5]", "[1,2][-1]", "{a: 1}.b.c",
	"nil.x", "input.nope", "input", "env", "auth", "v", "totl", "-", "(", "((((((1))))))",
	"9223372036854775807 + 1", "-9223372036854775808 / -1", "1e400", "0x7fffffffffffffff * 2",
	"1..10", "1..100000000", "map(1..1000, # * #)", "filter(1..100, # % 2 == 0)",
	"reduce(1..100, #acc + #, 0)", "repeat('x', 1000000)", "repeat('x', -1)", "repeat('ab', 9223372036854775807)",
	"sortBy([{a: 2}, {a: 1}], .a)", "toJSON({a: [1, nil, 'x']})", "fromJSON('{')", "fromJSON('[[[[[[[[[[')",
	"fromBase64('!!!')", "date('nope')", "duration('1x')", "now() - now()", "int('x')", "float('1e999')",
	"string(nil)", "upper(1)", "split('a,b', '')", "replace('aaa', '', 'b')", "join([1, 2], ',')",
	"let y = input.x; y * y", "input.x > 0 ? 'pos' : 'neg'", "input.x ?? 3", "input?.x?.y",
	"'a' matches '('", "'a' matches '(a*)*b'", "max()", "min([])", "mean([])", "median([])",
	"first([])", "last([])", "get({}, 'a')", "keys(1)", "take([1], -1)", "flatten([[[[1]]]])",
	"bitshl(1, 1000)", "bitshr(1, -1)", "abs(-9223372036854775808)", "round(1e308 * 10)",
	"concat([1], 2)", "uniq([1, 1, [1]])", "toPairs({a: 1})", "fromPairs([[1, 2]])", "fromPairs([[]])",
	"all([1], #)", "count([1, 2], #)", "sum(['a'])", "groupBy([1, 2], #)", "findLastIndex([1], # > 0)",
	"1 in [1]", "'a' in {a: 1}", "1 in 1", "not 1", "!nil", "[1][0:99]", "'abc'[1:0]", "'abc'[-10:]",
	"$env", "#", "#index", ".a", "trim('', '')", "timezone('Nowhere/Nope')",
	strings.Repeat("1 + ", 3000) + "1",
	strings.Repeat("[", 600) + strings.Repeat("]", 600),
	"\x00", "\xff\xfe", "`raw`", "\"dq\"", "'unterminated",
	// funcstack's functions (engine/exprfn), with arguments at and past their limits.
	"md5(string(input.x))", "hmacSha256('x', 'k', 'base32')", "secureCompare('a', nil)", "randomText(1e9)", "randomText(3, '')",
	"randomInt(input.x, -input.x)", "fromBase64Url('__4_')", "urlDecode('%zz')", "padStart('x', 1e9, '0')", "padEnd('x', input.x, '')",
	"sprintf('%999999999d', 1)", "sprintf('%d %s', input.x)", "sprintf('%[1]d', 1)", "formatNumber(1e308, 20)", "formatNumber(input.x, 21)",
	"regexMatch('a', '(')", "regexReplace(repeat('a', 1000), '', repeat('b', 20000))", "regexFindAll('ab', 'a|(b)', 1)", "slugify('Ça va?')",
	"pow(2, 64)", "pow(-8, 1 / 3)", "sqrt(-1)", "clamp(1, 10, 0)", "merge({a: 1}, nil, [1])", "pick({a: 1}, [1])", "fromEntries([{key: [1]}])",
	"groupBy([1, '1'], #)", "fromPairs([[{}, 1]])", "keys(groupBy(1..9, # % 3))", "toJSON(groupBy([nil, true], #))", "string(1..3)",
	"parseDate('31/02/2026', 'DD/MM/YYYY')", "formatDate(now(), 'YYYYY')", "formatDate(fromUnixMs(input.x), 'dddd [the] D', 'Asia/Tokyo')",
	"dateAdd(now(), '8000y')", "dateAdd(now(), input.x)", "unixMs('nope')", "fromUnixMs(9223372036854775807)", "split(repeat('a', 1000000), '')",
}

func FuzzExpr(f *testing.F) {
	for _, s := range exprSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		var diags engine.Diagnostics
		def := engine.ParseDefinition("fuzz_expr.json", exprFunction(src), &diags)
		if def == nil {
			t.Fatalf("the wrapper document did not parse: %v", diags.Err())
		}
		p, more := engine.Compile([]*engine.Definition{def})
		diags = append(diags, more...)
		for _, d := range diags {
			_ = d.String()
		}
		if diags.HasErrors() {
			return
		}
		e := engine.New(fuzzConfig())
		e.Load(p)
		checkedRun(t, e, "fuzz_expr", map[string]any{"x": 7}, "FuzzExpr")
		checkedRun(t, e, "fuzz_expr", map[string]any{}, "FuzzExpr without x")
		checkedRun(t, e, "fuzz_expr", map[string]any{"x": -9223372036854775808.0}, "FuzzExpr with min int")
		closeWithin(t, e, "FuzzExpr")
	})
}

// fuzzEach is the foreach/try stack of FuzzRun: it squares every item,
// catching what cannot be squared, with break, continue, finally and a
// nested call.
const fuzzEach = `{"kind": "function", "name": "fuzz_each",
	"input": [{"name": "items", "type": "json"}, {"name": "s", "type": "text"}],
	"stack": [
		{"type": "var", "name": "acc", "value": "[]"},
		{"type": "var", "name": "done", "value": "0"},
		{"type": "var", "name": "list", "value": "type(input.items) == 'array' ? input.items : [input.items]"},
		{"type": "foreach", "items": "list", "as": "it", "index": "k", "steps": [
			{"type": "if", "cond": "k >= 64", "then": [{"type": "break"}]},
			{"type": "if", "cond": "it == nil", "then": [{"type": "continue"}]},
			{"type": "try",
				"steps": [
					{"type": "var", "name": "sq", "value": "it * it"},
					{"type": "if", "cond": "type(it) == 'int' && it >= 0 && it <= 1000", "then": [
						{"type": "call", "function": "sum_squares", "input": {"n": "it"}, "as": "r"},
						{"type": "set", "name": "sq", "value": "r.total"}
					]},
					{"type": "set", "name": "done", "value": "done + 1"},
					{"type": "set", "name": "acc", "value": "concat(acc, [sq])"}
				],
				"catch": [
					{"type": "set", "name": "acc", "value": "concat(acc, [error.code])"},
					{"type": "if", "cond": "error.code == 'limit_exceeded'", "then": [{"type": "throw", "message": "{{error.message}}", "code": "'again'"}]}
				],
				"finally": [{"type": "log", "value": "k"}]}
		]},
		{"type": "switch", "value": "input.s", "cases": [
			{"match": "'throw'", "steps": [{"type": "throw", "message": "asked to: {{input.s}}", "status": 418}]},
			{"match": "'return'", "steps": [{"type": "return", "value": "done"}]}
		]}
	],
	"response": "{acc: acc, done: done, s: input.s}"}`

// fuzzFuncs is the stack of FuzzRun that calls every funcstack function
// with the fuzzed text, number and JSON (text as a regex, a format, a date
// layout, an amount of time): each group of calls in a try, so that one
// refused argument does not hide the others. The ok_ flags are round
// trips FuzzRun checks whenever their group succeeded.
const fuzzFuncs = `{"kind": "function", "name": "fuzz_funcs",
	"input": [{"name": "s", "type": "text"}, {"name": "n", "type": "int"}, {"name": "items", "type": "json"}],
	"stack": [
		{"type": "var", "name": "out", "value": "{}"},
		{"type": "var", "name": "s", "value": "input.s ?? ''"},
		{"type": "var", "name": "n", "value": "input.n ?? 0"},
		{"type": "var", "name": "items", "value": "input.items"},
		{"type": "var", "name": "groups", "value": "[]"},
		{"type": "try", "steps": [{"type": "set", "name": "out", "value": "merge(out, {hash: [md5(s), sha1(s), sha256(s), sha512(s), hmacSha256(s, s, 'base64')], ok_compare: secureCompare(s, s), ok_b64: fromBase64Url(toBase64Url(s)) == s})"}],
			"catch": [{"type": "set", "name": "groups", "value": "append(groups, 'security: ' + error.message)"}]},
		{"type": "try", "steps": [{"type": "set", "name": "out", "value": "merge(out, {ok_url: urlDecode(urlEncode(s)) == s})"}],
			"catch": [{"type": "set", "name": "groups", "value": "append(groups, 'url: ' + error.message)"}]},
		{"type": "try", "steps": [{"type": "set", "name": "out", "value": "merge(out, {re: [regexMatch(s, s), regexFind(s, s), regexFindAll(s, s), regexReplace(s, s, '<$0>')]})"}],
			"catch": [{"type": "set", "name": "groups", "value": "append(groups, 're: ' + error.message)"}]},
		{"type": "try", "steps": [{"type": "set", "name": "out", "value": "merge(out, {re2: [regexReplace(s, '.', '[$0]'), regexFindAll(s, '(.)(.)?', 2)]})"}],
			"catch": [{"type": "set", "name": "groups", "value": "append(groups, 're2: ' + error.message)"}]},
		{"type": "try", "steps": [{"type": "set", "name": "out", "value": "merge(out, {sprintf0: sprintf(s)})"}],
			"catch": [{"type": "set", "name": "groups", "value": "append(groups, 'sprintf0: ' + error.message)"}]},
		{"type": "try", "steps": [{"type": "set", "name": "out", "value": "merge(out, {sprintf: sprintf(s, n)})"}],
			"catch": [{"type": "set", "name": "groups", "value": "append(groups, 'sprintf: ' + error.message)"}]},
		{"type": "try", "steps": [{"type": "set", "name": "out", "value": "merge(out, {text: [padStart(s, n % 100, s + '.'), padEnd(s, n % 100), capitalize(s), slugify(s), formatNumber(n, n % 21, s, s), urlEncode(n)]})"}],
			"catch": [{"type": "set", "name": "groups", "value": "append(groups, 'text: ' + error.message)"}]},
		{"type": "try", "steps": [{"type": "set", "name": "out", "value": "merge(out, {math: [sqrt(abs(n)), clamp(n, -5, 5), pow(n % 10, n % 20)]})"}],
			"catch": [{"type": "set", "name": "groups", "value": "append(groups, 'math: ' + error.message)"}]},
		{"type": "try", "steps": [{"type": "set", "name": "out", "value": "merge(out, {pow: [pow(n, n % 70), pow(n, 0.5)]})"}],
			"catch": [{"type": "set", "name": "groups", "value": "append(groups, 'pow: ' + error.message)"}]},
		{"type": "try", "steps": [{"type": "set", "name": "out", "value": "merge(out, {arith: [n % 2 == 0 ? n / 2 : 3 * n + 1, n * n, n + n, -n, n % 7, n ** 3, sum([n, n]), n / 3], ok_whole: type(n * 2 / 2) == 'int' && n * 2 / 2 == n})"}],
			"catch": [{"type": "set", "name": "out", "value": "merge(out, {ok_arith_code: error.code == 'arithmetic_error'})"}]},
		{"type": "try", "steps": [{"type": "set", "name": "out", "value": "merge(out, {objects: [merge(items, {s: s}), pick(items, keys(items)), omit(items, s), values(items), toPairs(items)], ok_entries: fromEntries(entries(items)) == items, ok_pairs: fromPairs(toPairs(items)) == items})"}],
			"catch": [{"type": "set", "name": "groups", "value": "append(groups, 'objects: ' + error.message)"}]},
		{"type": "try", "steps": [{"type": "set", "name": "out", "value": "merge(out, {lists: [fromEntries(items), fromPairs(items), groupBy(items, string(#)), toJSON(items), string(items)]})"}],
			"catch": [{"type": "set", "name": "groups", "value": "append(groups, 'lists: ' + error.message)"}]},
		{"type": "try", "steps": [{"type": "set", "name": "out", "value": "merge(out, {parse: [fromJSON(s), split(s, ','), splitAfter(s, s, n % 5), uuid() != uuid(), len(randomText(n % 64, s)), randomInt(-abs(n), abs(n))]})"}],
			"catch": [{"type": "set", "name": "groups", "value": "append(groups, 'parse: ' + error.message)"}]},
		{"type": "try", "steps": [
				{"type": "var", "name": "at", "value": "fromUnixMs(n)"},
				{"type": "set", "name": "out", "value": "merge(out, {ok_date: parseDate(formatDate(at, 'YYYY-MM-DDTHH:mm:ss.SSSZ'), 'YYYY-MM-DDTHH:mm:ss.SSSZ') == at && unixMs(at) == n})"}],
			"catch": [{"type": "set", "name": "groups", "value": "append(groups, 'date: ' + error.message)"}]},
		{"type": "try", "steps": [{"type": "set", "name": "out", "value": "merge(out, {dates: [formatDate(fromUnixMs(n % 100000000000000), s), parseDate(s, s), parseDate(s, 'DD/MM/YYYY HH:mm'), dateAdd(date('2026-03-01'), s), unixMs(s)]})"}],
			"catch": [{"type": "set", "name": "groups", "value": "append(groups, 'dates: ' + error.message)"}]}
	],
	"response": "merge(out, {groups: groups})"}`

func FuzzRun(f *testing.F) {
	docs := workflowDocs(f)
	sq := string(docs["sum_squares.json"])
	p := mustProgram(f, sq, fuzzEach, fuzzFuncs)
	f.Add(0, "", []byte(`{"n": 3}`))
	f.Add(1772323200123, "YYYY-MM-DD HH:mm", []byte(`{"b": 1, "a": [2]}`))
	f.Add(42, "%05d|%s", []byte(`[["k", 1], {"key": "j", "value": 2}]`))
	f.Add(-7, "(a+)+$", []byte(`["a", "a", 1, "1", null, true]`))
	f.Add(1<<40, "1y2mo3d4h5m6s7ms", []byte(`{"1": 1, "key": "x", "value": []}`))
	f.Add(999, "ça va? Très bien", []byte(`[[1, 2], [true, null], [{}, 3]]`))
	f.Add(1, "return", []byte(`[1, 2, 3]`))
	f.Add(1000, "throw", []byte(`{"items": [1, "a", null, 2.5, [1], {"a": 1}]}`))
	f.Add(1001, "x", []byte(`{"n": 1e400}`))
	f.Add(-1, "\x00", []byte(`{"n": -1}`))
	f.Add(1<<62, "日本", []byte(`{"n": "12"}`))
	f.Add(-1<<63, "", []byte(`null`))
	f.Add(10, "", []byte(`{"items": 9223372036854775807}`))
	f.Add(7, "", []byte(`{"n": 9.5, "items": [`+strings.Repeat("1000,", 100)+`1]}`))
	f.Add(3, "", []byte(`not json`))
	f.Fuzz(func(t *testing.T, n int, s string, raw []byte) {
		e := engine.New(fuzzConfig())
		e.Load(p)
		defer closeWithin(t, e, "FuzzRun")

		res, err := checkedRun(t, e, "sum_squares", map[string]any{"n": n}, "sum_squares(n)")
		if n >= 0 && n <= 1000 {
			if err != nil {
				t.Fatalf("sum_squares(%d) failed: %v", n, err)
			}
			want := n * (n + 1) * (2*n + 1) / 6
			out, _ := res.Output.(map[string]any)
			if out == nil || out["total"] != want {
				t.Fatalf("sum_squares(%d) = %#v, want total %d", n, res.Output, want)
			}
			label := "small"
			if want > 1000 {
				label = "big"
			}
			if out["label"] != label {
				t.Fatalf("sum_squares(%d) label = %#v, want %q", n, out["label"], label)
			}
		}

		var in any
		if json.Unmarshal(raw, &in) != nil {
			in = string(raw)
		}
		checkedRun(t, e, "sum_squares", in, "sum_squares(raw)")
		checkedRun(t, e, "fuzz_each", in, "fuzz_each(raw)")
		checkedRun(t, e, "fuzz_each", map[string]any{"items": in, "s": s}, "fuzz_each(items: raw)")
		res, err = checkedRun(t, e, "fuzz_each", map[string]any{"items": []any{n, s, float64(n) / 3}, "s": s}, "fuzz_each(n, s)")
		if err == nil && res == nil {
			t.Fatal("Run gave neither a result nor an error")
		}
		res, err = checkedRun(t, e, "fuzz_funcs", map[string]any{"s": s, "n": n, "items": in}, "fuzz_funcs(s, n, raw)")
		if err == nil {
			checkFuzzFuncs(t, res.Output)
		}
	})
}

// checkFuzzFuncs checks what fuzz_funcs answered: JSON, as every answer
// must be, with every round trip it made true.
func checkFuzzFuncs(t *testing.T, out any) {
	t.Helper()
	if _, err := json.Marshal(out); err != nil {
		t.Fatalf("fuzz_funcs answered what JSON cannot write: %v (%#v)", err, out)
	}
	m, _ := out.(map[string]any)
	for k, v := range m {
		if strings.HasPrefix(k, "ok_") && v != true {
			t.Errorf("fuzz_funcs: %s is %#v, want true (%#v)", k, v, m)
		}
	}
}
