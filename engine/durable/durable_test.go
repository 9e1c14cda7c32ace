package durable_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/durable"
	"github.com/funcstack/funcstack/engine/durable/durabletest"
	"github.com/funcstack/funcstack/engine/enginetest"
	"github.com/funcstack/funcstack/engine/store"
	"github.com/funcstack/funcstack/engine/store/storetest"
	_ "github.com/funcstack/funcstack/steps"
)

type backend struct {
	name string
	open func(t testing.TB) *store.Store
}

func backends() []backend {
	return []backend{
		{"sqlite", func(t testing.TB) *store.Store { return openStore(t, store.Options{DataDir: t.TempDir()}) }},
		{"postgres", func(t testing.TB) *store.Store {
			return openStore(t, store.Options{DatabaseURL: storetest.PostgresURL(t)})
		}},
	}
}

func openStore(t testing.TB, o store.Options) *store.Store {
	t.Helper()
	o.Logf = t.Logf
	st, err := store.Open(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// both runs f once per backend.
func both(t *testing.T, f func(t *testing.T, b backend)) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) { f(t, b) })
	}
}

// node is one process's engine and durable runner.
type node struct {
	eng *engine.Engine
	r   *durable.Runner
	st  *store.Store
}

// start makes an engine running defs on st with a started runner.
func start(t testing.TB, st *store.Store, opt durable.Options, defs ...string) *node {
	t.Helper()
	eng, r := durabletest.Start(t, st, opt, defs...)
	return &node{eng: eng, r: r, st: st}
}

// wait waits until execution id has a final status and returns its record.
func wait(t testing.TB, n *node, id string, within time.Duration) *engine.ExecutionRecord {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		rec, err := n.st.Executions().Get(context.Background(), id)
		if err == nil && engine.Final(rec.Status) {
			return rec
		}
		if time.Now().After(deadline) {
			status := "(none)"
			if rec != nil {
				status = rec.Status
			}
			t.Fatalf("execution %s did not end within %s: status %s, err %v", id, within, status, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func enqueue(t testing.TB, n *node, name string, input map[string]any, opt engine.DurableOptions) string {
	t.Helper()
	id, err := n.eng.EnqueueDurable(context.Background(), name, input, opt)
	if err != nil {
		t.Fatalf("enqueue %s: %v", name, err)
	}
	return id
}

const double = `{"kind": "function", "name": "double", "input": [{"name": "n", "type": "int", "required": true}],
	"stack": [], "response": "input.n * 2"}`

func TestDurableRunRecordsEveryState(t *testing.T) {
	both(t, func(t *testing.T, b backend) {
		n := start(t, b.open(t), durable.Options{}, double)
		id := enqueue(t, n, "double", map[string]any{"n": json.Number("21")}, engine.DurableOptions{})
		rec, err := n.eng.Get(context.Background(), id)
		if err != nil {
			t.Fatalf("the record must exist once queued: %v", err)
		}
		if rec.Mode != engine.ModeDurable || rec.Function != "double" {
			t.Errorf("queued record: %+v", rec)
		}
		rec = wait(t, n, id, 10*time.Second)
		if rec.Status != engine.StatusSucceeded || fmt.Sprint(rec.Output) != "42" || rec.Attempts != 1 {
			t.Fatalf("record: status %s output %v attempts %d error %v", rec.Status, rec.Output, rec.Attempts, rec.Error)
		}
		if rec.StartedAt.IsZero() || rec.FinishedAt.Before(rec.StartedAt) || rec.CreatedAt.After(rec.StartedAt) {
			t.Errorf("times: created %s started %s finished %s", rec.CreatedAt, rec.StartedAt, rec.FinishedAt)
		}
		// Bad input is refused at once, naming the field.
		_, err = n.eng.EnqueueDurable(context.Background(), "double", map[string]any{"n": "x"}, engine.DurableOptions{})
		if e := engine.AsError(err); e == nil || e.HTTPStatus() != 400 || !strings.Contains(e.Error(), "n") {
			t.Errorf("bad input: %v", err)
		}
		_, err = n.eng.EnqueueDurable(context.Background(), "nope", nil, engine.DurableOptions{})
		if e := engine.AsError(err); e == nil || e.HTTPStatus() != 404 {
			t.Errorf("unknown function: %v", err)
		}
	})
}

func TestIdempotencyKeyGivesTheSameExecution(t *testing.T) {
	caller := `{"kind": "function", "name": "caller", "input": [{"name": "n", "type": "int"}], "stack": [
		{"type": "call", "function": "double", "durable": true, "async": true, "input": {"n": "input.n"}, "idempotency_key": "'in-run'", "as": "id"}],
		"response": "id"}`
	both(t, func(t *testing.T, b backend) {
		n := start(t, b.open(t), durable.Options{}, double, caller)
		ctx := context.Background()
		in := map[string]any{"n": json.Number("1")}
		a := enqueue(t, n, "double", in, engine.DurableOptions{IdempotencyKey: "k1"})
		b2 := enqueue(t, n, "double", map[string]any{"n": json.Number("1.0")}, engine.DurableOptions{IdempotencyKey: "k1"})
		c := enqueue(t, n, "double", in, engine.DurableOptions{IdempotencyKey: "k2"})
		if a != b2 || a == c {
			t.Fatalf("ids: %s %s %s", a, b2, c)
		}
		// The same key with another input is refused, naming the key, the
		// function and the first execution; nothing is queued.
		_, err := n.eng.EnqueueDurable(ctx, "double", map[string]any{"n": json.Number("2")}, engine.DurableOptions{IdempotencyKey: "k1"})
		e := engine.AsError(err)
		if err == nil || e.Code != engine.CodeIdempotencyKeyReused || e.HTTPStatus() != 422 || e.ExecutionID != a ||
			!strings.Contains(e.Message, `idempotency key "k1"`) || !strings.Contains(e.Message, "function double") || !strings.Contains(e.Message, "Send a new key") {
			t.Fatalf("the same key with another input: %+v", e)
		}
		// Requests arriving together (one batch, one transaction): the one
		// with a reused key fails alone.
		var wg sync.WaitGroup
		errs := make([]error, 8)
		ids := make([]string, 8)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				opt := engine.DurableOptions{}
				v := json.Number(fmt.Sprint(10 + i))
				if i == 0 {
					opt.IdempotencyKey, v = "k2", "3"
				}
				ids[i], errs[i] = n.eng.EnqueueDurable(ctx, "double", map[string]any{"n": v}, opt)
			}()
		}
		wg.Wait()
		if engine.AsError(errs[0]).Code != engine.CodeIdempotencyKeyReused {
			t.Errorf("reused key in a batch: %v", errs[0])
		}
		for i := 1; i < len(errs); i++ {
			if errs[i] != nil {
				t.Errorf("request %d of the batch failed with the reused key: %v", i, errs[i])
			}
		}
		// A durable call in a run: the same, as an error of the run.
		first, err := n.eng.Run(ctx, "caller", map[string]any{"n": 5}, engine.RunOptions{})
		if err != nil || first.Error != nil {
			t.Fatalf("caller: %v %v", err, first.Error)
		}
		same, err := n.eng.Run(ctx, "caller", map[string]any{"n": 5}, engine.RunOptions{})
		if err != nil || same.Error != nil || same.Output != first.Output {
			t.Fatalf("caller again with the same input: %v %v, want %v", same.Output, err, first.Output)
		}
		other, err := n.eng.Run(ctx, "caller", map[string]any{"n": 6}, engine.RunOptions{})
		if err == nil || other.Error == nil || other.Error.Code != engine.CodeIdempotencyKeyReused || other.Error.Path != "stack[0]" ||
			other.Error.ExecutionID != other.ExecutionID || !strings.Contains(other.Error.Message, first.Output.(string)) {
			t.Fatalf("caller with another input: %+v", other.Error)
		}
		for _, id := range append([]string{a, c, first.Output.(string)}, ids[1:]...) {
			wait(t, n, id, 10*time.Second)
		}
		time.Sleep(200 * time.Millisecond)
		recs, err := n.st.ExecutionRecords().List(ctx, store.ListOptions{Function: "double"})
		if want := 3 + len(ids) - 1; err != nil || len(recs) != want {
			t.Fatalf("want %d executions, got %d (%v)", want, len(recs), err)
		}
	})
}

// attemptTimes returns the times of the attempt log entries.
func attemptTimes(rec *engine.ExecutionRecord) []time.Time {
	var out []time.Time
	for _, l := range rec.Logs {
		if l.Path == "attempt" {
			out = append(out, l.Time)
		}
	}
	return out
}

func TestRetriesFollowThePolicy(t *testing.T) {
	defs := []string{
		`{"kind": "function", "name": "flaky", "settings": {"retries": {"max_attempts": 3, "backoff": "300ms"}},
			"stack": [{"type": "throw", "message": "down", "code": "upstream_down"}]}`,
		`{"kind": "function", "name": "bad_request", "settings": {"retries": {"max_attempts": 3, "backoff": "100ms"}},
			"stack": [{"type": "throw", "message": "no", "status": 422}]}`,
		`{"kind": "function", "name": "declined", "settings": {"retries": {"max_attempts": 3, "backoff": "100ms", "non_retryable": ["declined"]}},
			"stack": [{"type": "throw", "message": "card declined", "code": "declined"}]}`,
		`{"kind": "function", "name": "slow", "settings": {"timeout": "200ms", "retries": {"max_attempts": 2, "backoff": "100ms"}},
			"stack": [{"type": "sleep", "ms": "2000"}]}`,
	}
	both(t, func(t *testing.T, b backend) {
		n := start(t, b.open(t), durable.Options{}, defs...)
		flaky := enqueue(t, n, "flaky", nil, engine.DurableOptions{})
		bad := enqueue(t, n, "bad_request", nil, engine.DurableOptions{})
		declined := enqueue(t, n, "declined", nil, engine.DurableOptions{})
		slow := enqueue(t, n, "slow", nil, engine.DurableOptions{})

		rec := wait(t, n, flaky, 15*time.Second)
		at := attemptTimes(rec)
		if rec.Status != engine.StatusFailed || rec.Attempts != 3 || len(at) != 3 {
			t.Fatalf("flaky: status %s attempts %d attempt entries %d", rec.Status, rec.Attempts, len(at))
		}
		if rec.Error == nil || rec.Error.Code != "upstream_down" {
			t.Errorf("flaky error: %v", rec.Error)
		}
		// 2nd after the backoff, 3rd after twice it.
		for i, want := range []time.Duration{300 * time.Millisecond, 600 * time.Millisecond} {
			gap := at[i+1].Sub(at[i])
			if gap < want || gap > want+2*time.Second {
				t.Errorf("wait before attempt %d: %s, want about %s", i+2, gap, want)
			}
		}
		for _, id := range []string{bad, declined} {
			rec := wait(t, n, id, 10*time.Second)
			if rec.Status != engine.StatusFailed || rec.Attempts != 1 || len(attemptTimes(rec)) != 1 {
				t.Errorf("%s: not retryable, want failed after 1 attempt: status %s attempts %d", rec.Function, rec.Status, rec.Attempts)
			}
		}
		rec = wait(t, n, slow, 15*time.Second)
		if rec.Status != engine.StatusTimedOut || rec.Attempts != 2 || !strings.Contains(rec.Error.Message, "timeout") {
			t.Errorf("slow: status %s attempts %d error %v", rec.Status, rec.Attempts, rec.Error)
		}
	})
}

func TestDefaultBackoffIsOneThenTwoMinutes(t *testing.T) {
	st := openStore(t, store.Options{DataDir: t.TempDir()})
	n := start(t, st, durable.Options{}, `{"kind": "function", "name": "once", "stack": [{"type": "throw", "message": "x"}]}`)
	id := enqueue(t, n, "once", nil, engine.DurableOptions{})
	deadline := time.Now().Add(10 * time.Second)
	for {
		rec, err := n.st.Executions().Get(context.Background(), id)
		if err == nil && rec.Attempts == 1 && rec.Status == engine.StatusQueued && len(rec.Logs) > 0 {
			entry := rec.Logs[len(rec.Logs)-1].Value.(map[string]any)
			retry, err := time.Parse(time.RFC3339Nano, entry["retry_at"].(string))
			if err != nil {
				t.Fatal(err)
			}
			if d := retry.Sub(rec.Logs[len(rec.Logs)-1].Time); d < 59*time.Second || d > 61*time.Second {
				t.Fatalf("2nd attempt planned %s after the 1st, want 1m", d)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no failed first attempt recorded: %+v %v", rec, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// receiver is a real HTTP server recording the callbacks it gets; it
// answers failFirst requests for each ID with 503.
type receiver struct {
	*httptest.Server
	mu        sync.Mutex
	got       map[string][]http.Header
	bodies    map[string]string
	failFirst int
}

func newReceiver(t *testing.T, failFirst int) *receiver {
	rv := &receiver{got: map[string][]http.Header{}, bodies: map[string]string{}, failFirst: failFirst}
	rv.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		id := r.Header.Get("X-Call-Id")
		rv.mu.Lock()
		rv.got[id] = append(rv.got[id], r.Header.Clone())
		n := len(rv.got[id])
		rv.bodies[id] = string(b)
		rv.mu.Unlock()
		if n <= rv.failFirst {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(rv.Close)
	return rv
}

func (rv *receiver) count(id string) int {
	rv.mu.Lock()
	defer rv.mu.Unlock()
	return len(rv.got[id])
}

func TestCallbacksArriveOnceWithTheirHeaders(t *testing.T) {
	defs := []string{double, `{"kind": "function", "name": "broken", "settings": {"retries": 1}, "stack": [{"type": "throw", "message": "broken"}]}`}
	both(t, func(t *testing.T, b backend) {
		n := start(t, b.open(t), durable.Options{CallbackBackoff: 100 * time.Millisecond}, defs...)
		rv := newReceiver(t, 0)
		var ids []string
		for i := 0; i < 10; i++ {
			ids = append(ids, enqueue(t, n, "double", map[string]any{"n": i}, engine.DurableOptions{CallbackURL: rv.URL + "/done"}))
		}
		failed := enqueue(t, n, "broken", nil, engine.DurableOptions{CallbackURL: rv.URL})
		flaky := newReceiver(t, 2) // two 503s, then 204
		retried := enqueue(t, n, "double", map[string]any{"n": 5}, engine.DurableOptions{CallbackURL: flaky.URL})
		waitFor(t, 15*time.Second, func() bool {
			for _, id := range append(ids, failed) {
				if rv.count(id) == 0 {
					return false
				}
			}
			return flaky.count(retried) >= 3
		})
		time.Sleep(500 * time.Millisecond) // nothing more may come
		for i, id := range ids {
			if c := rv.count(id); c != 1 {
				t.Errorf("execution %s: %d callbacks, want 1", id, c)
			}
			h := rv.got[id][0]
			if h.Get("X-Function-Status") != "succeeded" || h.Get("X-Function-Name") != "double" || h.Get("X-Duration-Seconds") == "" {
				t.Errorf("callback headers: %v", h)
			}
			if rv.bodies[id] != fmt.Sprint(2*i) {
				t.Errorf("callback body %q, want %d", rv.bodies[id], 2*i)
			}
		}
		if h := rv.got[failed][0]; h.Get("X-Function-Status") != "failed" || !strings.Contains(rv.bodies[failed], "broken") {
			t.Errorf("failed run's callback: %v %s", h, rv.bodies[failed])
		}
		if c := flaky.count(retried); c != 3 {
			t.Errorf("a refused callback is delivered again until accepted, then never: %d requests, want 3", c)
		}
	})
}

func waitFor(t testing.TB, within time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("condition not met within %s", within)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestCallbacksToPrivateAddressesAreRefused(t *testing.T) {
	st := openStore(t, store.Options{DataDir: t.TempDir()})
	g, _ := durable.NewGuard(nil)
	n := start(t, st, durable.Options{HTTPClient: g.Client(), CallbackBackoff: 50 * time.Millisecond}, double)
	rv := newReceiver(t, 0)
	id := enqueue(t, n, "double", map[string]any{"n": 1}, engine.DurableOptions{CallbackURL: rv.URL})
	wait(t, n, id, 10*time.Second)
	time.Sleep(500 * time.Millisecond)
	if c := rv.count(id); c != 0 {
		t.Fatalf("a loopback callback was delivered %d times without an allowlist", c)
	}
}

func TestDurableCallJoinsTheTransaction(t *testing.T) {
	defs := []string{
		`{"kind": "function", "name": "child", "input": [{"name": "tag", "type": "text"}], "stack": [], "response": "'child ' + input.tag"}`,
		`{"kind": "function", "name": "parent", "input": [{"name": "fail", "type": "bool"}, {"name": "tag", "type": "text"}],
			"stack": [
				{"type": "var", "name": "id", "value": "''"},
				{"type": "db.transaction", "steps": [
					{"type": "call", "function": "child", "durable": true, "async": true, "input": {"tag": "input.tag"}, "as": "cid"},
					{"type": "set", "name": "id", "value": "cid"},
					{"type": "if", "cond": "input.fail", "then": [{"type": "throw", "message": "rolled back"}]}
				]}
			], "response": "id"}`,
		`{"kind": "function", "name": "waits", "stack": [
				{"type": "call", "function": "child", "durable": true, "input": {"tag": "'sync'"}, "as": "out"},
				{"type": "call", "function": "child", "durable": true, "async": true, "input": {"tag": "'later'"}, "as": "id"},
				{"type": "await", "ids": "id", "as": "later"}
			], "response": "[out, later]"}`,
		`{"kind": "function", "name": "in_tx_sync", "stack": [
				{"type": "db.transaction", "steps": [{"type": "call", "function": "child", "durable": true, "input": {"tag": "'x'"}, "as": "out"}]}
			]}`,
	}
	both(t, func(t *testing.T, b backend) {
		n := start(t, b.open(t), durable.Options{}, defs...)
		ctx := context.Background()
		res, err := n.eng.Run(ctx, "parent", map[string]any{"fail": false, "tag": "kept"}, engine.RunOptions{})
		if err != nil {
			t.Fatal(err)
		}
		rec := wait(t, n, res.Output.(string), 10*time.Second)
		if rec.Status != engine.StatusSucceeded || rec.Output != "child kept" || rec.Parent != res.ExecutionID {
			t.Fatalf("committed child: %+v", rec)
		}
		if _, err := n.eng.Run(ctx, "parent", map[string]any{"fail": true, "tag": "gone"}, engine.RunOptions{}); err == nil {
			t.Fatal("the parent must fail")
		}
		time.Sleep(300 * time.Millisecond)
		recs, err := n.st.ExecutionRecords().List(ctx, store.ListOptions{Function: "child"})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			if r.Input.(map[string]any)["tag"] == "gone" {
				t.Fatalf("a durable call in a rolled-back transaction ran: %+v", r)
			}
		}
		if len(recs) != 1 {
			t.Fatalf("want 1 child execution, got %d", len(recs))
		}
		res, err = n.eng.Run(ctx, "waits", nil, engine.RunOptions{})
		if err != nil || fmt.Sprint(res.Output) != "[child sync child later]" {
			t.Fatalf("sync durable call and await: %v %v", res.Output, err)
		}
		_, err = n.eng.Run(ctx, "in_tx_sync", nil, engine.RunOptions{})
		if err == nil || !strings.Contains(err.Error(), "async") {
			t.Fatalf("a sync durable call inside db.transaction must be refused, got %v", err)
		}
	})
}

func TestNamedQueuesBoundConcurrency(t *testing.T) {
	defs := []string{`{"kind": "function", "name": "nap", "settings": {"queue": "narrow"}, "stack": [{"type": "sleep", "ms": "250"}]}`}
	both(t, func(t *testing.T, b backend) {
		n := start(t, b.open(t), durable.Options{Queues: map[string]int{"narrow": 2}}, defs...)
		var ids []string
		for i := 0; i < 6; i++ {
			ids = append(ids, enqueue(t, n, "nap", nil, engine.DurableOptions{}))
		}
		type span struct{ from, to time.Time }
		var spans []span
		for _, id := range ids {
			rec := wait(t, n, id, 15*time.Second)
			if rec.Status != engine.StatusSucceeded {
				t.Fatalf("nap: %s %v", rec.Status, rec.Error)
			}
			spans = append(spans, span{rec.StartedAt, rec.FinishedAt})
		}
		// The most runs overlapping at one moment.
		type ev struct {
			at time.Time
			d  int
		}
		var evs []ev
		for _, s := range spans {
			evs = append(evs, ev{s.from, 1}, ev{s.to, -1})
		}
		sort.Slice(evs, func(i, j int) bool {
			if evs[i].at.Equal(evs[j].at) {
				return evs[i].d < evs[j].d
			}
			return evs[i].at.Before(evs[j].at)
		})
		cur, peak := 0, 0
		for _, e := range evs {
			cur += e.d
			peak = max(peak, cur)
		}
		if peak != 2 {
			t.Fatalf("queue narrow=2 ran %d at once, want 2", peak)
		}
	})
}

func TestScheduledTaskRunsOncePerTickAcrossNodes(t *testing.T) {
	task := `{"kind": "task", "name": "tick", "schedule": {"every": "1s"}, "stack": [], "response": "'tock'"}`
	both(t, func(t *testing.T, b backend) {
		st := b.open(t)
		a := start(t, st, durable.Options{NodeID: "node_a"}, task)
		start(t, st, durable.Options{NodeID: "node_b"}, task)
		start(t, st, durable.Options{NodeID: "node_c"}, task)
		list := func() []*engine.ExecutionRecord {
			if err := st.ExecutionRecords().Flush(context.Background()); err != nil {
				t.Fatal(err)
			}
			recs, err := a.st.ExecutionRecords().List(context.Background(), store.ListOptions{Function: "tick"})
			if err != nil {
				t.Fatal(err)
			}
			return recs
		}
		waitFor(t, 15*time.Second, func() bool { return len(list()) > 0 })
		time.Sleep(3200 * time.Millisecond)
		recs := list()
		for _, r := range recs {
			t.Logf("tick run %s created %s status %s", r.ID, r.CreatedAt.Format("15:04:05.000"), r.Status)
		}
		// Once per tick, judged by when the runs were created rather than
		// by when this test saw them (a loaded machine delays the test
		// and may delay a tick's run until the next tick is due): runs
		// for distinct ticks are about a second apart, so runs created
		// within span are at most span/1s (rounded) + 1, plus one catch-up
		// run (logged as such) for ticks a late node missed.
		if len(recs) < 3 {
			t.Fatalf("a task every 1s on three nodes ran %d times in 3.2s after its first run, want at least 3", len(recs))
		}
		var first, last time.Time
		catchUps := 0
		for _, r := range recs {
			if len(r.Logs) > 0 && r.Logs[0].Path == "schedule" {
				catchUps++
			}
			if first.IsZero() || r.CreatedAt.Before(first) {
				first = r.CreatedAt
			}
			if r.CreatedAt.After(last) {
				last = r.CreatedAt
			}
		}
		if most := int((last.Sub(first)+500*time.Millisecond)/time.Second) + 1 + catchUps; len(recs) > most || catchUps > 1 {
			t.Fatalf("a task every 1s on three nodes ran %d times (%d catch-up) within %s, want at most %d", len(recs), catchUps, last.Sub(first), most)
		}
		for _, r := range recs {
			if engine.Final(r.Status) && r.Output != "tock" {
				t.Errorf("task run: %+v", r)
			}
		}
	})
}

func TestReloadedProgramBringsItsTasksAndQueues(t *testing.T) {
	st := openStore(t, store.Options{DataDir: t.TempDir()})
	n := start(t, st, durable.Options{}, double)
	n.eng.Load(enginetest.Compile(t, double,
		`{"kind": "task", "name": "later", "schedule": {"every": "1s"}, "stack": [], "response": "'ran'"}`,
		`{"kind": "function", "name": "queued", "settings": {"queue": "fresh"}, "stack": [], "response": "'fresh'"}`))
	id := enqueue(t, n, "queued", nil, engine.DurableOptions{})
	if rec := wait(t, n, id, 10*time.Second); rec.Output != "fresh" {
		t.Fatalf("a function on a queue new with the reload: %+v", rec)
	}
	waitFor(t, 15*time.Second, func() bool {
		st.ExecutionRecords().Flush(context.Background())
		recs, _ := st.ExecutionRecords().List(context.Background(), store.ListOptions{Function: "later", Status: engine.StatusSucceeded})
		return len(recs) > 0
	})
}

func TestCancelStopsQueuedAndRunningExecutions(t *testing.T) {
	defs := []string{`{"kind": "function", "name": "long", "settings": {"queue": "single"}, "stack": [{"type": "sleep", "ms": "5000"}], "response": "'done'"}`}
	both(t, func(t *testing.T, b backend) {
		n := start(t, b.open(t), durable.Options{Queues: map[string]int{"single": 1}}, defs...)
		rv := newReceiver(t, 0)
		running := enqueue(t, n, "long", nil, engine.DurableOptions{CallbackURL: rv.URL})
		waiting := enqueue(t, n, "long", nil, engine.DurableOptions{CallbackURL: rv.URL})
		waitFor(t, 10*time.Second, func() bool {
			rec, err := n.eng.Get(context.Background(), running)
			return err == nil && rec.Status == engine.StatusRunning
		})
		if !n.eng.Cancel(waiting) {
			t.Fatal("cancel of a queued durable execution: no job found")
		}
		if rec := wait(t, n, waiting, time.Second); rec.Status != engine.StatusCancelled || rec.StartedAt.IsZero() == false {
			t.Errorf("cancelled while queued: %s, started %s", rec.Status, rec.StartedAt)
		}
		began := time.Now()
		if !n.eng.Cancel(running) {
			t.Fatal("cancel of a running durable execution: no job found")
		}
		rec := wait(t, n, running, 5*time.Second)
		if rec.Status != engine.StatusCancelled || time.Since(began) > 3*time.Second {
			t.Errorf("cancelled while running: %s after %s (%v)", rec.Status, time.Since(began), rec.Error)
		}
		waitFor(t, 5*time.Second, func() bool { return rv.count(waiting) == 1 && rv.count(running) == 1 })
		rv.mu.Lock()
		for _, id := range []string{waiting, running} {
			if h := rv.got[id][0]; h.Get("X-Function-Status") != "cancelled" {
				t.Errorf("callback of cancelled %s: %v", id, h)
			}
		}
		rv.mu.Unlock()
		// River records the job's end in batches, later on a loaded
		// machine: until it has, a cancel still finds the job.
		deadline := time.Now().Add(10 * time.Second)
		for n.eng.Cancel(running) {
			if time.Now().After(deadline) {
				t.Fatal("a second cancel must find nothing to cancel")
			}
			time.Sleep(50 * time.Millisecond)
		}
	})
}

func TestDurableRecursionStopsAtTheCallDepthLimit(t *testing.T) {
	st := openStore(t, store.Options{DataDir: t.TempDir()})
	n := start(t, st, durable.Options{}, `{"kind": "function", "name": "forever", "input": [{"name": "i", "type": "int"}],
		"stack": [{"type": "if", "cond": "input.i >= 0", "then": [
			{"type": "call", "function": "forever", "durable": true, "async": true, "input": {"i": "input.i + 1"}, "as": "id"}]}]}`)
	enqueue(t, n, "forever", map[string]any{"i": 0}, engine.DurableOptions{})
	var failed []*engine.ExecutionRecord
	waitFor(t, 30*time.Second, func() bool {
		st.ExecutionRecords().Flush(context.Background())
		failed, _ = st.ExecutionRecords().List(context.Background(), store.ListOptions{Function: "forever", Status: engine.StatusFailed})
		return len(failed) > 0
	})
	if !strings.Contains(failed[0].Error.Message, "call depth limit") || failed[0].Attempts != 1 {
		t.Fatalf("the last link: %+v", failed[0].Error)
	}
	all, _ := st.ExecutionRecords().List(context.Background(), store.ListOptions{Function: "forever", Limit: 1000})
	if len(all) != 33 {
		t.Errorf("%d links, want 33 (depths 0 to 32)", len(all))
	}
}

func TestCronTaskRuns(t *testing.T) {
	st := openStore(t, store.Options{DataDir: t.TempDir()})
	start(t, st, durable.Options{}, `{"kind": "task", "name": "each_second", "schedule": {"cron": "* * * * * *"}, "stack": [], "response": "1"}`)
	waitFor(t, 15*time.Second, func() bool {
		st.ExecutionRecords().Flush(context.Background())
		recs, _ := st.ExecutionRecords().List(context.Background(), store.ListOptions{Function: "each_second", Status: engine.StatusSucceeded})
		return len(recs) >= 2
	})
}

// TestMaxDurableDescendants: the durable runs one run and the runs it
// starts queue are counted together, through durable jobs, on every node;
// past max_durable_descendants the queueing step fails with an error a
// try catches.
func TestMaxDurableDescendants(t *testing.T) {
	defs := []string{
		`{"kind": "function", "name": "leaf", "stack": [], "response": "1"}`,
		`{"kind": "function", "name": "mid", "stack": [
			{"type": "for", "from": "1", "to": "2", "as": "i", "steps": [{"type": "call", "function": "leaf", "durable": true, "async": true, "as": "id"}]}
		], "response": "'queued'"}`,
		`{"kind": "function", "name": "top", "stack": [{"type": "call", "function": "mid", "durable": true, "async": true, "as": "id"}], "response": "id"}`,
		`{"kind": "function", "name": "fan", "stack": [
			{"type": "var", "name": "n", "value": "0"},
			{"type": "try", "steps": [
				{"type": "for", "from": "1", "to": "5", "as": "i", "steps": [
					{"type": "call", "function": "leaf", "durable": true, "async": true, "as": "id"},
					{"type": "set", "name": "n", "value": "n + 1"}]}
			], "catch": [{"type": "return", "value": "{queued: n, code: error.code, message: error.message}"}]}
		], "response": "{queued: n}"}`,
	}
	both(t, func(t *testing.T, b backend) {
		st := b.open(t)
		eng, r := durabletest.StartWith(t, st, engine.Config{Limits: engine.Limits{MaxDurableDescendants: 2}}, durable.Options{}, defs...)
		n := &node{eng: eng, r: r, st: st}
		ctx := context.Background()
		// one run queues three: the third is refused, and a try catches it
		res, err := eng.Run(ctx, "fan", nil, engine.RunOptions{})
		if err != nil {
			t.Fatal(err)
		}
		want := fmt.Sprintf(`map[code:limit_exceeded message:execution %s and the runs it started have queued 3 durable runs, more than 2 (limit max_durable_descendants); queue fewer from one run, e.g. a page at a time from a task queued:2]`, res.ExecutionID)
		if got := fmt.Sprint(res.Output); got != want {
			t.Fatalf("fan:\n got %s\nwant %s", got, want)
		}
		// through a durable job: top queues mid (1), mid queues two leaves (2, 3): mid fails at the second
		res, err = eng.Run(ctx, "top", nil, engine.RunOptions{})
		if err != nil {
			t.Fatal(err)
		}
		rec := wait(t, n, res.Output.(string), 20*time.Second)
		if rec.Status != engine.StatusFailed || rec.Error == nil || rec.Error.Code != engine.CodeLimit ||
			!strings.Contains(rec.Error.Message, "execution "+res.ExecutionID+" and the runs it started have queued 3 durable runs, more than 2") {
			t.Fatalf("mid, queued by top's durable call: %+v %+v", rec, rec.Error)
		}
	})
}
