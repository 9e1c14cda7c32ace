package durable_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/durable"
	"github.com/funcstack/funcstack/engine/store"
)

// logLines captures a Runner's structured log (JSON lines).
type logLines struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logLines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logLines) logger() *slog.Logger {
	return slog.New(slog.NewJSONHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// events returns the lines with message msg for execution id (any
// execution when id is ""), without their time, and with the node's
// incarnation replaced by "*" once checked to follow node.
func (l *logLines) events(t *testing.T, msg, id, node string) []map[string]any {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(l.buf.String()), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) != nil || m["msg"] != msg || (id != "" && m["execution_id"] != id) {
			continue
		}
		delete(m, "time")
		if n, _ := m["node"].(string); !strings.HasPrefix(n, node+"/") || len(n) <= len(node)+1 {
			t.Errorf("%s: node %q, want %s/<incarnation>", msg, n, node)
		}
		m["node"] = node + "/*"
		out = append(out, m)
	}
	return out
}

// waitEvents waits until l holds n lines msg of execution id.
func (l *logLines) waitEvents(t *testing.T, msg, id, node string, n int) []map[string]any {
	t.Helper()
	var got []map[string]any
	waitFor(t, 15*time.Second, func() bool { got = l.events(t, msg, id, node); return len(got) >= n })
	return got
}

// retryAt takes the retry_at of an event out, checked to be about after
// from now.
func retryAt(t *testing.T, ev map[string]any, after time.Duration) {
	t.Helper()
	at, err := time.Parse(time.RFC3339Nano, ev["retry_at"].(string))
	if d := time.Until(at); err != nil || d > after+time.Second || d < -5*time.Second {
		t.Errorf("%s: retry_at %v (%v), want about %s from now", ev["msg"], ev["retry_at"], err, after)
	}
	delete(ev, "retry_at")
}

func sameEvent(t *testing.T, got, want map[string]any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		g, _ := json.Marshal(got)
		w, _ := json.Marshal(want)
		t.Errorf("log line\n got %s\nwant %s", g, w)
	}
}

// TestFailuresAndRetriesAreLogged: every failed attempt of a durable run
// writes one line naming the execution, function, attempt and node: a
// retry scheduled (with when), the retries exhausted, or a run failed
// that is not retried.
func TestFailuresAndRetriesAreLogged(t *testing.T) {
	defs := []string{
		`{"kind": "function", "name": "flaky", "settings": {"retries": {"max_attempts": 2, "backoff": "200ms"}},
			"stack": [{"type": "throw", "message": "down", "code": "upstream_down"}]}`,
		`{"kind": "function", "name": "bad_request", "stack": [{"type": "throw", "message": "no", "status": 422}]}`,
	}
	both(t, func(t *testing.T, b backend) {
		var log logLines
		n := start(t, b.open(t), durable.Options{NodeID: "events_node", Logger: log.logger()}, defs...)
		flaky := enqueue(t, n, "flaky", nil, engine.DurableOptions{})
		bad := enqueue(t, n, "bad_request", nil, engine.DurableOptions{})

		retry := log.waitEvents(t, "retry scheduled", flaky, "events_node", 1)
		retryAt(t, retry[0], 200*time.Millisecond)
		sameEvent(t, retry[0], map[string]any{"level": "WARN", "msg": "retry scheduled", "execution_id": flaky, "function": "flaky",
			"attempt": 1.0, "max_attempts": 2.0, "status": "queued", "code": "upstream_down", "error": "down", "node": "events_node/*"})
		exhausted := log.waitEvents(t, "retries exhausted", flaky, "events_node", 1)
		sameEvent(t, exhausted[0], map[string]any{"level": "ERROR", "msg": "retries exhausted", "execution_id": flaky, "function": "flaky",
			"attempt": 2.0, "max_attempts": 2.0, "status": "failed", "code": "upstream_down", "error": "down", "node": "events_node/*"})
		failed := log.waitEvents(t, "run failed", bad, "events_node", 1)
		sameEvent(t, failed[0], map[string]any{"level": "ERROR", "msg": "run failed", "execution_id": bad, "function": "bad_request",
			"attempt": 1.0, "max_attempts": 3.0, "status": "failed", "code": "error", "error": "no", "retryable": false, "node": "events_node/*"})
		if got := len(log.events(t, "retry scheduled", flaky, "events_node")); got != 1 {
			t.Errorf("%d retry lines for 2 attempts, want 1", got)
		}
	})
}

// TestCallbackDeliveryIsLoggedAndRecorded: each delivery writes a line
// (failed with when it is tried next, delivered, exhausted) and the
// execution record holds the delivery's state.
func TestCallbackDeliveryIsLoggedAndRecorded(t *testing.T) {
	both(t, func(t *testing.T, b backend) {
		var log logLines
		n := start(t, b.open(t), durable.Options{NodeID: "events_node", Logger: log.logger(), CallbackBackoff: 100 * time.Millisecond, CallbackAttempts: 2}, double)
		flaky := newReceiver(t, 1) // a 503, then 204
		down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusInternalServerError) }))
		t.Cleanup(down.Close)
		ok := enqueue(t, n, "double", map[string]any{"n": 1}, engine.DurableOptions{CallbackURL: flaky.URL + "/hook?token=s3cret"})
		lost := enqueue(t, n, "double", map[string]any{"n": 2}, engine.DurableOptions{CallbackURL: down.URL + "/hook"})

		f := log.waitEvents(t, "callback failed", ok, "events_node", 1)
		retryAt(t, f[0], 100*time.Millisecond)
		sameEvent(t, f[0], map[string]any{"level": "WARN", "msg": "callback failed", "execution_id": ok, "function": "double", "attempt": 1.0, "max_attempts": 2.0,
			"url": flaky.URL + "/hook", "status": 503.0, "error": "callback of execution " + ok + " to " + flaky.URL + "/hook: answered 503 Service Unavailable", "node": "events_node/*"})
		d := log.waitEvents(t, "callback delivered", ok, "events_node", 1)
		sameEvent(t, d[0], map[string]any{"level": "INFO", "msg": "callback delivered", "execution_id": ok, "function": "double", "attempt": 2.0, "max_attempts": 2.0,
			"url": flaky.URL + "/hook", "status": 204.0, "node": "events_node/*"})
		x := log.waitEvents(t, "callback exhausted", lost, "events_node", 1)
		sameEvent(t, x[0], map[string]any{"level": "ERROR", "msg": "callback exhausted", "execution_id": lost, "function": "double", "attempt": 2.0, "max_attempts": 2.0,
			"url": down.URL + "/hook", "status": 500.0, "error": "callback of execution " + lost + " to " + down.URL + "/hook: answered 500 Internal Server Error", "node": "events_node/*"})
		if strings.Contains(log.buf.String(), "s3cret") {
			t.Error("a callback URL's query reached the log")
		}

		var rec *engine.ExecutionRecord
		waitFor(t, 10*time.Second, func() bool {
			rec = wait(t, n, ok, 5*time.Second)
			return rec.Callback != nil && rec.Callback.State == engine.CallbackDelivered
		})
		cb := *rec.Callback
		if cb.DeliveredAt.IsZero() || time.Since(cb.DeliveredAt) > time.Minute {
			t.Errorf("delivered_at %s", cb.DeliveredAt)
		}
		cb.DeliveredAt = time.Time{}
		if want := (engine.CallbackInfo{URL: flaky.URL + "/hook", State: "delivered", Attempts: 2, LastStatus: 204}); cb != want {
			t.Errorf("callback state %+v, want %+v", cb, want)
		}
		waitFor(t, 10*time.Second, func() bool {
			rec = wait(t, n, lost, 5*time.Second)
			return rec.Callback != nil && rec.Callback.State == engine.CallbackFailed
		})
		if want := (engine.CallbackInfo{URL: down.URL + "/hook", State: "failed", Attempts: 2, LastStatus: 500,
			LastError: "callback of execution " + lost + " to " + down.URL + "/hook: answered 500 Internal Server Error"}); *rec.Callback != want {
			t.Errorf("callback state %+v, want %+v", *rec.Callback, want)
		}
	})
}

// TestRefusedCallbackURLIsRefusedAtEnqueue: a callback URL the outbound
// guard would refuse is an invalid_input error naming the rule, and
// nothing is queued.
func TestRefusedCallbackURLIsRefusedAtEnqueue(t *testing.T) {
	st := openStore(t, storeOptionsSQLite(t))
	g, _ := durable.NewGuard(nil)
	n := start(t, st, durable.Options{HTTPClient: g.Client(), Guard: g}, double)
	for url, want := range map[string]string{
		"http://127.0.0.1:9/hook": "the X-Callback-Url is refused: outbound address refused: 127.0.0.1 is a loopback address; outbound requests go only to public addresses unless allowed (--outbound-allow 127.0.0.1)",
		"http://10.1.2.3/hook":    "the X-Callback-Url is refused: outbound address refused: 10.1.2.3 is a private address; outbound requests go only to public addresses unless allowed (--outbound-allow 10.1.2.3)",
		"http://localhost:8080/x": "the X-Callback-Url is refused: host localhost: outbound address refused: ",
	} {
		_, err := n.eng.EnqueueDurable(t.Context(), "double", map[string]any{"n": 1}, engine.DurableOptions{CallbackURL: url})
		e := engine.AsError(err)
		if err == nil || e.Code != engine.CodeInvalidInput || e.HTTPStatus() != 400 || !strings.HasPrefix(e.Message, want) {
			t.Errorf("%s: %v, want a 400 invalid_input %q", url, err, want)
		}
	}
	allowed, _ := durable.NewGuard([]string{"127.0.0.1"})
	n2 := start(t, openStore(t, storeOptionsSQLite(t)), durable.Options{HTTPClient: allowed.Client(), Guard: allowed}, double)
	if _, err := n2.eng.EnqueueDurable(t.Context(), "double", map[string]any{"n": 1}, engine.DurableOptions{CallbackURL: "http://127.0.0.1:9/hook"}); err != nil {
		t.Errorf("an allowed address: %v", err)
	}
}

// TestTaskTicksAreLogged: a tick this node runs is logged with its run's
// execution ID; ticks no node ran are logged as caught up or skipped.
func TestTaskTicksAreLogged(t *testing.T) {
	both(t, func(t *testing.T, b backend) {
		st := b.open(t)
		last := time.Now().UTC().Truncate(time.Second).Add(-10 * time.Second)
		claimFirst(t, st, "drop", last)
		var log logLines
		start(t, st, durable.Options{NodeID: "events_node", Logger: log.logger()},
			`{"kind": "task", "name": "drop", "schedule": {"every": "1s", "catch_up": "none"}, "stack": [], "response": "'ran'"}`)
		run := log.waitEvents(t, "task tick run", "", "events_node", 1)[0]
		id, _ := run["execution_id"].(string)
		if _, err := time.Parse(time.RFC3339Nano, run["tick"].(string)); err != nil || id == "" {
			t.Errorf("task tick run: %v", run)
		}
		delete(run, "tick")
		sameEvent(t, run, map[string]any{"level": "INFO", "msg": "task tick run", "task": "drop", "function": "drop", "execution_id": id, "node": "events_node/*"})
		skipped := log.waitEvents(t, "task ticks skipped", "", "events_node", 1)[0]
		if m, _ := skipped["missed"].(float64); m < 9 {
			t.Errorf("missed %v, want at least 9", skipped["missed"])
		}
		delete(skipped, "missed")
		delete(skipped, "tick")
		sameEvent(t, skipped, map[string]any{"level": "WARN", "msg": "task ticks skipped", "task": "drop", "at_least": false,
			"last_tick_run": last.Format(time.RFC3339), "catch_up": "none", "node": "events_node/*"})
	})
}

func storeOptionsSQLite(t *testing.T) store.Options { return store.Options{DataDir: t.TempDir()} }
