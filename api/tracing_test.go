package api_test

import (
	"compress/gzip"
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/funcstack/funcstack/api"
	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/durable"
	"github.com/funcstack/funcstack/engine/durable/durabletest"
	"github.com/funcstack/funcstack/engine/enginetest"
	"github.com/funcstack/funcstack/engine/store"
	"github.com/funcstack/funcstack/engine/store/storetest"
	"github.com/funcstack/funcstack/engine/telemetry"
)

// otlpReceiver is an OTLP/HTTP trace receiver, as a collector's: it
// decodes the official protobufs (ExportTraceServiceRequest) POSTed to
// /v1/traces and keeps the spans.
type otlpReceiver struct {
	URL   string
	mu    sync.Mutex
	spans []*gotSpan
	bad   []string
}

// gotSpan is one span as received.
type gotSpan struct {
	TraceID, SpanID, ParentID string
	Name, Kind, Status        string
	Service                   string
	Start                     uint64
	Attrs                     map[string]string
}

func newReceiver(t *testing.T) *otlpReceiver {
	t.Helper()
	r := &otlpReceiver{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if err := r.receive(req); err != nil {
			r.mu.Lock()
			r.bad = append(r.bad, err.Error())
			r.mu.Unlock()
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		b, _ := proto.Marshal(&coltracepb.ExportTraceServiceResponse{})
		w.Header().Set("Content-Type", "application/x-protobuf")
		_, _ = w.Write(b)
	}))
	t.Cleanup(func() {
		srv.Close()
		r.mu.Lock()
		defer r.mu.Unlock()
		if len(r.bad) > 0 {
			t.Errorf("the receiver refused exports: %v", r.bad)
		}
	})
	r.URL = srv.URL
	return r
}

func (r *otlpReceiver) receive(req *http.Request) error {
	if req.Method != http.MethodPost || req.URL.Path != "/v1/traces" || req.Header.Get("Content-Type") != "application/x-protobuf" {
		return fmt.Errorf("%s %s with Content-Type %q: want POST /v1/traces, application/x-protobuf", req.Method, req.URL.Path, req.Header.Get("Content-Type"))
	}
	var body io.Reader = req.Body
	if req.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(req.Body)
		if err != nil {
			return err
		}
		body = zr
	}
	b, err := io.ReadAll(body)
	if err != nil {
		return err
	}
	var ex coltracepb.ExportTraceServiceRequest
	if err := proto.Unmarshal(b, &ex); err != nil {
		return fmt.Errorf("not an ExportTraceServiceRequest: %v", err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, rs := range ex.ResourceSpans {
		service := attrs(rs.GetResource().GetAttributes())["service.name"]
		for _, ss := range rs.ScopeSpans {
			for _, sp := range ss.Spans {
				g := &gotSpan{TraceID: hex.EncodeToString(sp.TraceId), SpanID: hex.EncodeToString(sp.SpanId), ParentID: hex.EncodeToString(sp.ParentSpanId),
					Name: sp.Name, Kind: strings.ToLower(strings.TrimPrefix(sp.Kind.String(), "SPAN_KIND_")), Service: service,
					Start: sp.StartTimeUnixNano, Attrs: attrs(sp.Attributes)}
				if sp.GetStatus().GetCode() == tracepb.Status_STATUS_CODE_ERROR {
					g.Status = "error: " + sp.Status.Message
				}
				r.spans = append(r.spans, g)
			}
		}
	}
	return nil
}

// attrs renders OTLP attributes as texts.
func attrs(kvs []*commonpb.KeyValue) map[string]string {
	m := make(map[string]string, len(kvs))
	for _, kv := range kvs {
		switch v := kv.Value.Value.(type) {
		case *commonpb.AnyValue_StringValue:
			m[kv.Key] = v.StringValue
		case *commonpb.AnyValue_IntValue:
			m[kv.Key] = fmt.Sprint(v.IntValue)
		case *commonpb.AnyValue_BoolValue:
			m[kv.Key] = fmt.Sprint(v.BoolValue)
		default:
			m[kv.Key] = kv.Value.String()
		}
	}
	return m
}

// trace returns the spans received of trace id.
func (r *otlpReceiver) trace(id string) []*gotSpan {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []*gotSpan
	for _, s := range r.spans {
		if s.TraceID == id {
			out = append(out, s)
		}
	}
	return out
}

// traceOf returns the trace ID of the span of execution id.
func (r *otlpReceiver) traceOf(t *testing.T, id string) string {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range r.spans {
		if s.Attrs["funcstack.execution.id"] == id {
			return s.TraceID
		}
	}
	t.Fatalf("no span of execution %s among %d", id, len(r.spans))
	return ""
}

// tree renders the spans of trace id, each under its parent in the order
// they started: name, kind, status and every attribute, with the values
// in names (execution IDs, span IDs) written as their names. A span whose
// parent is not in the trace's spans shows it after "parent=".
func (r *otlpReceiver) tree(id string, names map[string]string) string {
	spans := r.trace(id)
	sort.Slice(spans, func(i, j int) bool { return spans[i].Start < spans[j].Start })
	byID := map[string]bool{}
	for _, s := range spans {
		byID[s.SpanID] = true
	}
	name := func(v string) string {
		if n, ok := names[v]; ok {
			return n
		}
		return v
	}
	var b strings.Builder
	var walk func(parent string, depth int)
	walk = func(parent string, depth int) {
		for _, s := range spans {
			if (depth == 0 && byID[s.ParentID]) || (depth > 0 && s.ParentID != parent) {
				continue
			}
			fmt.Fprintf(&b, "%s%s [%s]", strings.Repeat("  ", depth), s.Name, s.Kind)
			if depth == 0 && s.ParentID != "" {
				fmt.Fprintf(&b, " parent=%s", name(s.ParentID))
			}
			if s.Status != "" {
				fmt.Fprintf(&b, " %s;", s.Status)
			}
			keys := make([]string, 0, len(s.Attrs))
			for k := range s.Attrs {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			for _, k := range keys {
				fmt.Fprintf(&b, " %s=%s", k, name(s.Attrs[k]))
			}
			b.WriteString("\n")
			walk(s.SpanID, depth+1)
		}
	}
	walk("", 0)
	return b.String()
}

// incoming is a W3C traceparent as a client sends it.
const (
	incomingTrace = "4bf92f3577b34da6a3ce929d0e0e4736"
	incomingSpan  = "00f067aa0ba902b7"
	incoming      = "00-" + incomingTrace + "-" + incomingSpan + "-01"
)

// tracingDefs are the definitions of the tracing tests.
var tracingDefs = []string{
	`{"kind": "endpoint", "name": "api_three", "method": "GET", "path": "/api/three",
		"stack": [{"type": "var", "name": "a", "value": "1"}, {"type": "var", "name": "b", "value": "a + 1"}, {"type": "var", "name": "c", "value": "a + b"}],
		"response": "c"}`,
	`{"kind": "endpoint", "name": "api_fail", "method": "GET", "path": "/api/fail",
		"stack": [{"type": "var", "name": "stock", "value": "0"},
			{"type": "if", "cond": "stock < 1", "then": [{"type": "throw", "message": "only {{stock}} left", "status": 409, "code": "out_of_stock"}]}]}`,
	`{"kind": "function", "name": "fan", "settings": {"public": true},
		"stack": [{"type": "call", "function": "child", "async": true, "as": "id"}, {"type": "await", "ids": "id", "as": "r"}],
		"response": "r"}`,
	`{"kind": "function", "name": "child", "stack": [{"type": "var", "name": "x", "value": "2"}], "response": "x * 3"}`,
	`{"kind": "function", "name": "fetch", "settings": {"public": true}, "input": [{"name": "url", "type": "text"}],
		"stack": [{"type": "http", "url": "input.url", "as": "resp"}], "response": "resp.status"}`,
	`{"kind": "function", "name": "job", "settings": {"public": true}, "stack": [{"type": "var", "name": "x", "value": "1"}], "response": "x"}`,
	`{"kind": "function", "name": "loop", "settings": {"public": true},
		"stack": [{"type": "var", "name": "t", "value": "0"}, {"type": "for", "count": "1000", "as": "i", "steps": [{"type": "set", "name": "t", "value": "t + i"}]}],
		"response": "t"}`,
}

// tracedServer serves tracingDefs with a durable queue on SQLite, tracing
// to a new receiver.
func tracedServer(t *testing.T) (*httptest.Server, *engine.Engine, *telemetry.Tracer, *otlpReceiver) {
	t.Helper()
	rcv := newReceiver(t)
	st := backends[0].open(t)
	eng, _ := durabletest.Start(t, st, durable.Options{}, tracingDefs...)
	tr, err := telemetry.New(context.Background(), telemetry.Options{Endpoint: rcv.URL, ServiceName: "shop-test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tr.Shutdown(context.Background()) })
	eng.SetTracer(tr)
	srv, err := api.New(api.Config{Engine: eng, Store: st, AdminToken: token, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return ts, eng, tr, rcv
}

func flush(t *testing.T, tr *telemetry.Tracer) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := tr.ForceFlush(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestTracing: with a tracer, every execution is a span and each step a
// child span, sent over OTLP/HTTP to a receiver decoding the official
// protobufs; the trees of spans are asserted whole.
func TestTracing(t *testing.T) {
	ts, eng, tr, rcv := tracedServer(t)
	node := eng.Node()
	names := func(kv ...string) map[string]string {
		m := map[string]string{node: "<node>", incomingSpan: "<incoming>"}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	get := func(path string, h map[string]string) (*http.Response, string) {
		resp, b := send(t, http.MethodGet, ts.URL+path, h, "")
		return resp, string(b)
	}

	t.Run("an endpoint of 3 steps is 1 + 3 spans", func(t *testing.T) {
		resp, body := get("/api/three", nil)
		if resp.StatusCode != 200 || body != "3" {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
		id := resp.Header.Get("X-Execution-Id")
		flush(t, tr)
		want := `endpoint GET /api/three [server] funcstack.definition=api_three funcstack.definition.kind=endpoint funcstack.execution.id=<exec> funcstack.mode=sync funcstack.node=<node> funcstack.status=succeeded funcstack.trigger=http funcstack.version=0 http.request.method=GET http.response.status_code=200 http.route=/api/three
  step var [internal] funcstack.definition=api_three funcstack.step.path=stack[0] funcstack.step.type=var
  step var [internal] funcstack.definition=api_three funcstack.step.path=stack[1] funcstack.step.type=var
  step var [internal] funcstack.definition=api_three funcstack.step.path=stack[2] funcstack.step.type=var
`
		tid := rcv.traceOf(t, id)
		if got := rcv.tree(tid, names(id, "<exec>")); got != want {
			t.Errorf("spans:\n%s\nwant:\n%s", got, want)
		}
		if spans := rcv.trace(tid); spans[0].Service != "shop-test" {
			t.Errorf("service.name %q, want shop-test", spans[0].Service)
		}
	})

	t.Run("an incoming traceparent is the execution span's parent", func(t *testing.T) {
		resp, body := get("/api/three", map[string]string{"traceparent": incoming})
		if resp.StatusCode != 200 || body != "3" {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
		flush(t, tr)
		want := `endpoint GET /api/three [server] parent=<incoming> funcstack.definition=api_three funcstack.definition.kind=endpoint funcstack.execution.id=<exec> funcstack.mode=sync funcstack.node=<node> funcstack.status=succeeded funcstack.trigger=http funcstack.version=0 http.request.method=GET http.response.status_code=200 http.route=/api/three
  step var [internal] funcstack.definition=api_three funcstack.step.path=stack[0] funcstack.step.type=var
  step var [internal] funcstack.definition=api_three funcstack.step.path=stack[1] funcstack.step.type=var
  step var [internal] funcstack.definition=api_three funcstack.step.path=stack[2] funcstack.step.type=var
`
		if got := rcv.tree(incomingTrace, names(resp.Header.Get("X-Execution-Id"), "<exec>")); got != want {
			t.Errorf("spans of trace %s:\n%s\nwant:\n%s", incomingTrace, got, want)
		}
	})

	t.Run("a failing step is an error with its code, and so are its enclosing step and execution", func(t *testing.T) {
		tp := "00-11111111111111111111111111111111-2222222222222222-01"
		resp, _ := get("/api/fail", map[string]string{"traceparent": tp})
		if resp.StatusCode != 409 {
			t.Fatalf("status %d", resp.StatusCode)
		}
		flush(t, tr)
		want := `endpoint GET /api/fail [server] parent=2222222222222222 error: only 0 left; error.type=out_of_stock funcstack.definition=api_fail funcstack.definition.kind=endpoint funcstack.error.code=out_of_stock funcstack.execution.id=<exec> funcstack.mode=sync funcstack.node=<node> funcstack.status=failed funcstack.trigger=http funcstack.version=0 http.request.method=GET http.response.status_code=409 http.route=/api/fail
  step var [internal] funcstack.definition=api_fail funcstack.step.path=stack[0] funcstack.step.type=var
  step if [internal] error: only 0 left; error.type=out_of_stock funcstack.definition=api_fail funcstack.error.code=out_of_stock funcstack.step.path=stack[1] funcstack.step.type=if
    step throw [internal] error: only 0 left; error.type=out_of_stock funcstack.definition=api_fail funcstack.error.code=out_of_stock funcstack.step.path=stack[1].then[0] funcstack.step.type=throw
`
		if got := rcv.tree("11111111111111111111111111111111", names(resp.Header.Get("X-Execution-Id"), "<exec>")); got != want {
			t.Errorf("spans:\n%s\nwant:\n%s", got, want)
		}
	})

	t.Run("an async call's execution is a child of the call step", func(t *testing.T) {
		tp := "00-33333333333333333333333333333333-4444444444444444-01"
		resp, b := send(t, http.MethodPost, ts.URL+"/function/fan", map[string]string{"traceparent": tp}, `{}`)
		if resp.StatusCode != 200 || string(b) != "6" {
			t.Fatalf("%d %s", resp.StatusCode, b)
		}
		flush(t, tr)
		spans := rcv.trace("33333333333333333333333333333333")
		var fan, child string
		for _, s := range spans {
			switch s.Name {
			case "function fan":
				fan = s.Attrs["funcstack.execution.id"]
			case "function child":
				child = s.Attrs["funcstack.execution.id"]
			}
		}
		want := `function fan [server] parent=4444444444444444 funcstack.definition=fan funcstack.definition.kind=function funcstack.execution.id=<fan> funcstack.mode=sync funcstack.node=<node> funcstack.status=succeeded funcstack.trigger=http funcstack.version=0
  step call [internal] funcstack.definition=fan funcstack.step.path=stack[0] funcstack.step.type=call
    function child [consumer] funcstack.definition=child funcstack.definition.kind=function funcstack.execution.id=<child> funcstack.mode=async funcstack.node=<node> funcstack.parent_execution.id=<fan> funcstack.status=succeeded funcstack.trigger=async funcstack.version=0
      step var [internal] funcstack.definition=child funcstack.step.path=stack[0] funcstack.step.type=var
  step await [internal] funcstack.definition=fan funcstack.step.path=stack[1] funcstack.step.type=await
`
		if got := rcv.tree("33333333333333333333333333333333", names(fan, "<fan>", child, "<child>")); got != want {
			t.Errorf("spans:\n%s\nwant:\n%s", got, want)
		}
	})

	t.Run("the http step sends the traceparent of its span", func(t *testing.T) {
		var mu sync.Mutex
		var got []string
		remote := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			got = append(got, r.Header.Values("Traceparent")...)
			mu.Unlock()
			w.WriteHeader(204)
		}))
		defer remote.Close()
		tp := "00-55555555555555555555555555555555-6666666666666666-01"
		resp, b := send(t, http.MethodPost, ts.URL+"/function/fetch", map[string]string{"traceparent": tp, "Content-Type": "application/json"},
			`{"url": "`+remote.URL+`/hook"}`)
		if resp.StatusCode != 200 || string(b) != "204" {
			t.Fatalf("%d %s", resp.StatusCode, b)
		}
		flush(t, tr)
		var step *gotSpan
		for _, s := range rcv.trace("55555555555555555555555555555555") {
			if s.Name == "step http" {
				step = s
			}
		}
		if step == nil {
			t.Fatal("no span of the http step")
		}
		mu.Lock()
		defer mu.Unlock()
		if want := []string{"00-55555555555555555555555555555555-" + step.SpanID + "-01"}; !slices.Equal(got, want) {
			t.Errorf("the remote got traceparent %q, want %q (the http step's span)", got, want)
		}
		want := `function fetch [server] parent=6666666666666666 funcstack.definition=fetch funcstack.definition.kind=function funcstack.execution.id=<exec> funcstack.mode=sync funcstack.node=<node> funcstack.status=succeeded funcstack.trigger=http funcstack.version=0
  step http [client] funcstack.definition=fetch funcstack.step.path=stack[0] funcstack.step.type=http
`
		if got := rcv.tree("55555555555555555555555555555555", names(resp.Header.Get("X-Execution-Id"), "<exec>")); got != want {
			t.Errorf("spans:\n%s\nwant:\n%s", got, want)
		}
	})

	t.Run("a durable run joins the trace of the request that queued it", func(t *testing.T) {
		tp := "00-77777777777777777777777777777777-8888888888888888-01"
		resp, out := post(t, ts.URL+"/async-function/job", false, map[string]string{"traceparent": tp}, `{}`)
		if resp.StatusCode != 202 {
			t.Fatalf("%d %v", resp.StatusCode, out)
		}
		id, _ := out["id"].(string)
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		if r, err := eng.Await(ctx, []string{id}, 0); err != nil || r[0].Status != engine.StatusSucceeded {
			t.Fatalf("%v %v", r, err)
		}
		flush(t, tr)
		want := `function job [consumer] parent=8888888888888888 funcstack.definition=job funcstack.definition.kind=function funcstack.execution.id=<exec> funcstack.mode=durable funcstack.node=<node> funcstack.status=succeeded funcstack.trigger=durable funcstack.version=0
  step var [internal] funcstack.definition=job funcstack.step.path=stack[0] funcstack.step.type=var
`
		if got := rcv.tree("77777777777777777777777777777777", names(id, "<exec>")); got != want {
			t.Errorf("spans:\n%s\nwant:\n%s", got, want)
		}
	})

	t.Run("a loop makes at most max_spans_per_execution step spans and counts the rest", func(t *testing.T) {
		tp := "00-99999999999999999999999999999999-aaaaaaaaaaaaaaaa-01"
		resp, b := send(t, http.MethodPost, ts.URL+"/function/loop", map[string]string{"traceparent": tp}, `{}`)
		if resp.StatusCode != 200 || string(b) != "499500" {
			t.Fatalf("%d %s", resp.StatusCode, b)
		}
		flush(t, tr)
		spans := rcv.trace("99999999999999999999999999999999")
		steps := 0
		var exec *gotSpan
		for _, s := range spans {
			if strings.HasPrefix(s.Name, "step ") {
				steps++
			} else {
				exec = s
			}
		}
		// var, for and 1,000 sets: 1,002 steps, of which 1,000 have a span
		if steps != telemetry.MaxSpansPerExecution || exec == nil || exec.Attrs["funcstack.spans_dropped"] != "2" {
			t.Errorf("%d step spans, execution span %+v; want %d and funcstack.spans_dropped=2", steps, exec, telemetry.MaxSpansPerExecution)
		}
	})
}

// TestTracingDurableAfterRestart: a durable call queued by a traced run
// on one process and run by another started later (a restart) joins the
// caller's trace, as a child of the call step's span: the traceparent is
// kept in the job's arguments. On both backends.
func TestTracingDurableAfterRestart(t *testing.T) {
	for _, b := range []struct {
		name string
		opt  func(t *testing.T) store.Options
	}{
		{"sqlite", func(t *testing.T) store.Options { return store.Options{DataDir: t.TempDir()} }},
		{"postgres", func(t *testing.T) store.Options { return store.Options{DatabaseURL: storetest.PostgresURL(t)} }},
	} {
		t.Run(b.name, func(t *testing.T) { tracingDurableAfterRestart(t, b.opt(t)) })
	}
}

func tracingDurableAfterRestart(t *testing.T, opt store.Options) {
	rcv := newReceiver(t)
	defs := []string{
		`{"kind": "function", "name": "order", "stack": [{"type": "call", "function": "mail", "durable": true, "async": true, "as": "id"}], "response": "id"}`,
		`{"kind": "function", "name": "mail", "stack": [{"type": "var", "name": "sent", "value": "true"}], "response": "sent"}`,
	}
	newTracer := func() *telemetry.Tracer {
		tr, err := telemetry.New(context.Background(), telemetry.Options{Endpoint: rcv.URL + "/v1/traces"})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = tr.Shutdown(context.Background()) })
		return tr
	}

	// The first process queues the durable call and never works it.
	st1 := openStore(t, opt)
	eng1 := engine.New(engine.Config{DB: st1, Store: st1.Executions()})
	t.Cleanup(eng1.Close)
	eng1.Load(enginetest.Compile(t, defs...))
	r1, err := durable.New(context.Background(), st1, eng1, durable.Options{NodeID: "first"})
	if err != nil {
		t.Fatal(err)
	}
	eng1.SetDurable(r1)
	tr1 := newTracer()
	eng1.SetTracer(tr1)
	res, err := eng1.Run(context.Background(), "order", map[string]any{}, engine.RunOptions{Traceparent: incoming})
	if err != nil {
		t.Fatal(err)
	}
	mailID, _ := res.Output.(string)
	flush(t, tr1)
	st1.Close()

	// The second one starts on the same database and runs it.
	st2 := openStore(t, opt)
	eng2, _ := durabletest.Start(t, st2, durable.Options{NodeID: "second"}, defs...)
	tr2 := newTracer()
	eng2.SetTracer(tr2)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if r, err := eng2.Await(ctx, []string{mailID}, 0); err != nil || r[0].Status != engine.StatusSucceeded {
		t.Fatalf("%v %v", r, err)
	}
	flush(t, tr2)
	want := `function order [internal] parent=<incoming> funcstack.definition=order funcstack.definition.kind=function funcstack.execution.id=<order> funcstack.mode=sync funcstack.node=<first> funcstack.status=succeeded funcstack.trigger=sync funcstack.version=0
  step call [internal] funcstack.definition=order funcstack.step.path=stack[0] funcstack.step.type=call
    function mail [consumer] funcstack.definition=mail funcstack.definition.kind=function funcstack.execution.id=<mail> funcstack.mode=durable funcstack.node=<second> funcstack.parent_execution.id=<order> funcstack.status=succeeded funcstack.trigger=durable funcstack.version=0
      step var [internal] funcstack.definition=mail funcstack.step.path=stack[0] funcstack.step.type=var
`
	names := map[string]string{incomingSpan: "<incoming>", res.ExecutionID: "<order>", mailID: "<mail>", eng1.Node(): "<first>", eng2.Node(): "<second>"}
	if got := rcv.tree(incomingTrace, names); got != want {
		t.Errorf("spans:\n%s\nwant:\n%s", got, want)
	}
}
