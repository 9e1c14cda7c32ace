package main

import (
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"
)

// TestServeTracing: serve with --otel-endpoint sends the spans of a
// request to an OTLP/HTTP receiver (decoding the official protobufs),
// the last of them when it shuts down; without it, it makes no tracer.
func TestServeTracing(t *testing.T) {
	var mu sync.Mutex
	var spans []*tracepb.Span
	var paths []string
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var ex coltracepb.ExportTraceServiceRequest
		if err := proto.Unmarshal(b, &ex); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		mu.Lock()
		paths = append(paths, r.URL.Path)
		for _, rs := range ex.ResourceSpans {
			for _, ss := range rs.ScopeSpans {
				spans = append(spans, ss.Spans...)
			}
		}
		mu.Unlock()
		w.Header().Set("Content-Type", "application/x-protobuf")
	}))
	defer rcv.Close()

	t.Setenv("FUNCSTACK_OTEL_ENDPOINT", "")
	base, out, stop := startServe(t, "--data", t.TempDir(), "--otel-endpoint", rcv.URL)
	if want := "funcstack: tracing to " + rcv.URL + "/v1/traces as service funcstack\n"; !strings.Contains(out.String(), want) {
		t.Errorf("serve's output lacks %q:\n%s", want, out)
	}
	req, _ := http.NewRequest("GET", base+"/api/sum-squares/3", nil)
	req.Header.Set("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if code := stop(); code != 0 || resp.StatusCode != 200 {
		t.Fatalf("status %d, serve's exit %d", resp.StatusCode, code)
	}
	mu.Lock()
	defer mu.Unlock()
	// The spans as a tree, each under its parent in the order they started.
	sort.Slice(spans, func(i, j int) bool { return spans[i].StartTimeUnixNano < spans[j].StartTimeUnixNano })
	var b strings.Builder
	var walk func(parent string, depth int)
	walk = func(parent string, depth int) {
		for _, s := range spans {
			if hex.EncodeToString(s.ParentSpanId) == parent && hex.EncodeToString(s.TraceId) == "0af7651916cd43dd8448eb211c80319c" {
				fmt.Fprintf(&b, "%s%s\n", strings.Repeat("  ", depth), s.Name)
				walk(hex.EncodeToString(s.SpanId), depth+1)
			}
		}
	}
	walk("b7ad6b7169203331", 0)
	want := `endpoint GET /api/sum-squares/:n
  step call
    step var
    step for
      step set
      step set
      step set
    step if
      step var
`
	if b.String() != want || len(spans) != 9 {
		t.Errorf("%d spans:\n%s\nwant 9:\n%s", len(spans), b.String(), want)
	}
	for _, p := range paths {
		if p != "/v1/traces" {
			t.Errorf("spans sent to %s, want /v1/traces", p)
		}
	}

	// Without the flag or the variable: no tracer, nothing said of it.
	_, out, stop = startServe(t, "--data", t.TempDir())
	stop()
	if strings.Contains(out.String(), "tracing") {
		t.Errorf("serve without an endpoint speaks of tracing:\n%s", out)
	}
	code, _, errOut := cli(t, "serve", "--workspace", ws, "--data", t.TempDir(), "--addr", "127.0.0.1:0", "--otel-endpoint", "127.0.0.1:4318")
	if want := "funcstack serve: --otel-endpoint: the OTLP endpoint \"127.0.0.1:4318\" is not an http or https URL (e.g. http://127.0.0.1:4318)\n"; code != 1 || errOut != want {
		t.Errorf("an endpoint without a scheme: exit %d %q, want 1 %q", code, errOut, want)
	}
}
