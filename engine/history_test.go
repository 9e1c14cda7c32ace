package engine_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/funcstack/funcstack/engine"
)

// historyFn is scoped (trace_vars_test.go) under a history policy.
func historyFn(name, policy string) string {
	return strings.Replace(strings.Replace(scoped, `"name": "scoped"`, `"name": "`+name+`"`, 1), `"stack":`, `"history": `+policy+`, "stack":`, 1)
}

// Successful production runs keep their trace as history.trace says: none
// ("errors", the default), every one ("all"), a random fraction
// ("sample:R"); failed runs always keep theirs.
func TestHistoryTracePolicy(t *testing.T) {
	st := engine.NewMemoryStore(10_000)
	e := load(t, engine.Config{Store: st}, historyFn("h_errors", `{"trace": "errors"}`), historyFn("h_all", `{"trace": "all"}`),
		historyFn("h_sample", `{"trace": "sample:0.25"}`), historyFn("h_none", `{}`))
	ctx := context.Background()
	run := func(name string, n int) *engine.ExecutionRecord {
		t.Helper()
		res, _ := e.Run(ctx, name, map[string]any{"n": n}, engine.RunOptions{})
		rec, err := st.Get(ctx, res.ExecutionID)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return rec
	}
	whole := []string{"%s stack[0] var", "%s stack[1] var", "%s stack[2] foreach", "%s stack[2].steps[0] set", "%s stack[2].steps[0] set", "%s stack[3] precondition"}
	for _, c := range []struct {
		name string
		keep bool
	}{{"h_errors", false}, {"h_none", false}, {"h_all", true}} {
		var want []string
		if c.keep {
			for _, w := range whole {
				want = append(want, fmt.Sprintf(w, c.name))
			}
		}
		if got := traceLines(t, run(c.name, 1).Trace); strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("%s, a successful run's trace:\n%s\nwant\n%s", c.name, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		// failed runs always keep it, with the failing step's variables
		want = nil
		for _, w := range whole {
			want = append(want, fmt.Sprintf(w, c.name))
		}
		want[5] += ` error="total is 13" vars={"input":{"n":5},"total":13,"x":2}`
		if got := traceLines(t, run(c.name, 5).Trace); strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("%s, a failed run's trace:\n%s\nwant\n%s", c.name, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
	// sample:0.25 of 800 runs: 200 expected, sd 12.2; 140..260 is ±4.9 sd
	kept := 0
	for i := 0; i < 800; i++ {
		switch n := len(run("h_sample", 1).Trace); n {
		case 0:
		case 6:
			kept++
		default:
			t.Fatalf("a sampled trace of %d entries", n)
		}
	}
	if kept < 140 || kept > 260 {
		t.Errorf("sample:0.25 kept the trace of %d of 800 runs; want about 200", kept)
	}
}

// history.records "off": a successful sync run leaves no record; a failed
// one, and an async run, still do.
func TestHistoryRecordsOff(t *testing.T) {
	st := engine.NewMemoryStore(100)
	e := load(t, engine.Config{Store: st}, historyFn("quiet", `{"records": "off"}`))
	ctx := context.Background()
	res, err := e.Run(ctx, "quiet", map[string]any{"n": 1}, engine.RunOptions{})
	if err != nil || res.Output != 5 {
		t.Fatalf("the run: %v %v", res.Output, err)
	}
	if _, err := st.Get(ctx, res.ExecutionID); !errors.Is(err, engine.ErrNoExecution) {
		t.Errorf("a successful run left a record: %v", err)
	}
	res, _ = e.Run(ctx, "quiet", map[string]any{"n": 5}, engine.RunOptions{})
	if rec, err := st.Get(ctx, res.ExecutionID); err != nil || rec.Status != engine.StatusFailed || rec.Error.Message != "total is 13" {
		t.Errorf("a failed run's record: %+v %v", rec, err)
	}
	id, err := e.StartAsync(ctx, "quiet", map[string]any{"n": 1}, engine.AsyncOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if out, err := e.Await(ctx, []string{id}, 5*time.Second); err != nil || out[0].Output != 5 {
		t.Fatalf("await: %+v %v", out, err)
	}
	if rec, err := st.Get(ctx, id); err != nil || rec.Status != engine.StatusSucceeded || rec.Output != 5 {
		t.Errorf("an async run's record: %+v %v", rec, err)
	}
}

// Every mistake in history is found when the definition is read, naming
// the definition, the path and what to write instead.
func TestHistoryValidation(t *testing.T) {
	for _, c := range []struct{ kind, history, want string }{
		{"function", `{"keep": "7 days"}`, `f: history.keep: keep "7 days" is not a duration; write how long this definition's records are kept, e.g. "7d", "12h" or "30m"`},
		{"function", `{"keep": "0s"}`, `f: history.keep: keep "0s" keeps nothing; write how long this definition's records are kept, e.g. "7d", "12h" or "30m" (to keep no record of successful runs, write records "off")`},
		{"function", `{"keep": 7}`, `f: history.keep: expected a string, got number 7`},
		{"function", `{"trace": "some"}`, `f: history.trace: trace "some" must be "errors" (only failed runs keep their per-step trace; the default), "all" (every run keeps it) or "sample:R" (a fraction R of successful runs keep it, e.g. "sample:0.01")`},
		{"function", `{"trace": "sample:2"}`, `f: history.trace: trace "sample:2": the sampled fraction must be a number above 0 and at most 1, e.g. "sample:0.01" for 1 % of successful runs`},
		{"function", `{"trace": "sample:1%"}`, `f: history.trace: trace "sample:1%": the sampled fraction must be a number above 0 and at most 1, e.g. "sample:0.01" for 1 % of successful runs`},
		{"function", `{"trace": "sample:NaN"}`, `f: history.trace: trace "sample:NaN": the sampled fraction must be a number above 0 and at most 1, e.g. "sample:0.01" for 1 % of successful runs`},
		{"function", `{"records": "no"}`, `f: history.records: records "no" must be "on" (every run is recorded; the default) or "off" (no record for a successful sync run; failures are still recorded)`},
		{"task", `{"records": "off"}`, `f: history.records: records "off" does not apply to a task: its runs are durable, and their records carry their outcome; remove it, or use trace "errors" and a short keep`},
		{"function", `{"record": "off"}`, `f: history.record: unknown field "record" (did you mean "records"?)`},
		{"function", `"all"`, `f: history: expected an object, got string "all"`},
		{"table", `{}`, `f: history: unknown field "history"; known fields: kind, name, description, id, fields, indexes, triggers`},
	} {
		doc := `{"kind": "` + c.kind + `", "name": "f", "history": ` + c.history + `, "stack": []}`
		if c.kind == "table" {
			doc = `{"kind": "table", "name": "f", "history": {}, "fields": [{"name": "a", "type": "text"}]}`
		}
		var diags engine.Diagnostics
		engine.ParseDefinition("f.json", []byte(doc), &diags)
		var got []string
		for _, d := range diags {
			got = append(got, d.String())
		}
		if strings.Join(got, "\n") != c.want {
			t.Errorf("%s %s:\n got %s\nwant %s", c.kind, c.history, strings.Join(got, "\n"), c.want)
		}
	}
	// records off with a trace of successful runs: a warning
	var diags engine.Diagnostics
	engine.ParseDefinition("f.json", []byte(`{"kind": "endpoint", "name": "f", "method": "GET", "path": "/f", "history": {"trace": "all", "records": "off", "keep": "12h"}, "stack": []}`), &diags)
	if len(diags) != 1 || diags[0].Severity != engine.SeverityWarning || diags[0].String() != `f: history.trace: trace "all" keeps the trace of successful runs in their records, but records "off" writes none for successful sync runs; it applies to async and durable runs only` {
		t.Errorf("records off with trace all: %v", diags)
	}
}

// A program says which definitions keep their records longer or shorter
// than the store's retention.
func TestHistoryKeeps(t *testing.T) {
	e := load(t, engine.Config{}, historyFn("a", `{"keep": "30d"}`), historyFn("b", `{"keep": "12h", "trace": "all"}`), historyFn("c", `{"trace": "all"}`), scoped)
	got := e.Program().HistoryKeeps()
	if len(got) != 2 || got["a"] != 30*24*time.Hour || got["b"] != 12*time.Hour {
		t.Errorf("keeps: %v", got)
	}
}

// RedactHeaders keeps no credential: the whole value of a credential
// header is [redacted], but for the registered scheme of an
// Authorization value.
func TestRedactHeaders(t *testing.T) {
	h := http.Header{}
	for k, v := range map[string]string{
		"Authorization": "Bearer x", "X-Api-Key": "fsk_abc", "Cookie": "a=1", "Proxy-Authorization": "fsk_abc def",
		"X-Encryption-KEY": "k", "X-Client-Secret": "s", "X-User-Password": "p", "X-Csrf-Token": "t", "X-Session": "s",
		"Sec-Websocket-Key": "nonce", "Idempotency-Key": "order-7", "X-Request-Id": "r1", "Keep-Alive": "timeout=5",
	} {
		h.Set(k, v)
	}
	h.Add("Accept", "a")
	h.Add("Accept", "b")
	got := engine.RedactHeaders(h)
	want := map[string]string{
		"authorization": "Bearer [redacted]", "x-api-key": "[redacted]", "cookie": "[redacted]", "proxy-authorization": "[redacted]",
		"x-encryption-key": "[redacted]", "x-client-secret": "[redacted]", "x-user-password": "[redacted]", "x-csrf-token": "[redacted]",
		"x-session": "[redacted]", "sec-websocket-key": "[redacted]", "idempotency-key": "order-7", "x-request-id": "r1",
		"keep-alive": "timeout=5", "accept": "a, b",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got  %v\nwant %v", got, want)
	}
	for _, c := range []struct{ in, want string }{
		{"Basic dXNlcjpwdw==", "Basic [redacted]"}, {"bearer x", "bearer [redacted]"}, {"Bearer", "[redacted]"},
		{"fsk_live_abc", "[redacted]"}, {"", "[redacted]"}, {"  Digest a=1", "Digest [redacted]"},
	} {
		if g := engine.RedactHeaders(http.Header{"Authorization": {c.in}})["authorization"]; g != c.want {
			t.Errorf("Authorization %q: %q, want %q", c.in, g, c.want)
		}
	}
}
