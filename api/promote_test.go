package api_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/funcstack/funcstack/api"
	"github.com/funcstack/funcstack/engine"
)

// call sends one request and returns the status, headers and body.
func call(t testing.TB, method, url, body string, admin bool) (int, http.Header, []byte) {
	t.Helper()
	h := map[string]string{}
	if body != "" {
		h["Content-Type"] = "application/json"
	}
	if admin {
		h["Authorization"] = "Bearer " + token
	}
	resp, b := send(t, method, url, h, body)
	return resp.StatusCode, resp.Header, b
}

// send makes one request with headers and returns the answer and its body.
func send(t testing.TB, method, url string, headers map[string]string, body string) (*http.Response, []byte) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// waitRecord polls the execution record at url until its status is final,
// and returns it normalised; first is the status seen on the first read.
func waitRecord(t *testing.T, url string) (first string, rec string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		st, _, b := call(t, "GET", url, "", true)
		if st != 200 {
			t.Fatalf("GET %s: %d %s", url, st, b)
		}
		var r engine.ExecutionRecord
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatal(err)
		}
		if first == "" {
			first = r.Status
		}
		if engine.Final(r.Status) {
			return first, normalise(t, b)
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s still %s after 10s", url, r.Status)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestPromoteAfter: a sync run with "promote_after" that outgrows it is
// answered 202 with its execution ID and status URL, and goes on to its
// end past the sync timeout; one without it stops at the sync timeout with
// 504 and the execution ID.
func TestPromoteAfter(t *testing.T) {
	tests := []struct {
		name, method, url, body string
		admin                   bool
		status                  int
		want                    string // the body; for 202, the final record
		first                   string // for 202: the status first read
	}{
		{name: "fast enough: answered as usual", method: "POST", url: "/function/p_promoted", body: `{"ms": 5}`, status: 200, want: `"done"`},
		{name: "promoted, then outlives the sync timeout", method: "POST", url: "/function/p_promoted", body: `{"ms": 600}`, status: 202, first: "running",
			want: `{"id": "<id>", "function": "p_promoted", "mode": "sync", "status": "succeeded", "input": {"ms": 600}, "output": "done",
				"attempts": 1, "created_at": "<time>", "started_at": "<time>", "finished_at": "<time>", "duration_ms": "<ms>"}`},
		{name: "endpoint fast enough: after-middleware runs", method: "GET", url: "/p/slow/5", status: 200, want: `{"data": {"slept": 5}}`},
		{name: "endpoint promoted", method: "GET", url: "/p/slow/400", status: 202, first: "running",
			want: `{"id": "<id>", "function": "p_slow_endpoint", "mode": "sync", "status": "succeeded", "input": {"ms": "400"}, "output": {"slept": 400},
				"request": {"method": "GET", "path": "/p/slow/400", "status": 200, "headers": {"accept-encoding": "gzip", "user-agent": "Go-http-client/1.1"}},
				"attempts": 1, "created_at": "<time>", "started_at": "<time>", "finished_at": "<time>", "duration_ms": "<ms>"}`},
		{name: "promoted run that fails later", method: "POST", url: "/function/p_failing", status: 202, first: "running",
			want: `{"id": "<id>", "function": "p_failing", "mode": "sync", "status": "failed", "input": {}, "attempts": 1,
				"error": {"code": "late", "message": "broke late", "status": 409, "definition": "p_failing", "path": "stack[1]", "execution_id": "<id>"},
				"trace": [{"definition": "p_failing", "path": "stack[0]", "type": "sleep", "start_ns": "<ns>", "duration_ns": "<ns>"},
					{"definition": "p_failing", "path": "stack[1]", "type": "throw", "start_ns": "<ns>", "duration_ns": "<ns>", "vars": {"input": {}}, "error": "broke late"}],
				"created_at": "<time>", "started_at": "<time>", "finished_at": "<time>", "duration_ms": "<ms>"}`},
		{name: "no promote_after: 504 at the sync timeout", method: "POST", url: "/function/p_sleepy", status: 504,
			want: `{"error": {"code": "timeout", "message": "run timed out after 300ms (limit sync_timeout); raise it (--timeout, FUNCSTACK_SYNC_TIMEOUT), run the work async, or make the stack faster",
				"definition": "p_sleepy", "path": "stack[0]", "execution_id": "<id>"}}`},
	}
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			st := b.open(t)
			ts := newServerWith(t, st, engine.Config{Limits: engine.Limits{SyncTimeout: 300 * time.Millisecond}}, api.Config{}, "testdata/promote")
			for _, tc := range tests {
				start := time.Now()
				status, h, body := call(t, tc.method, ts.URL+tc.url, tc.body, tc.admin)
				if status != tc.status {
					t.Errorf("%s: status %d, want %d: %s", tc.name, status, tc.status, body)
					continue
				}
				id := h.Get(api.HeaderExecutionID)
				if !uuidRE.MatchString(id) {
					t.Errorf("%s: %s %q", tc.name, api.HeaderExecutionID, id)
				}
				if status != http.StatusAccepted {
					if g, w := normalise(t, body), normalise(t, []byte(tc.want)); g != w {
						t.Errorf("%s: body\n got %s\nwant %s", tc.name, g, w)
					}
					continue
				}
				if d := time.Since(start); d > 250*time.Millisecond {
					t.Errorf("%s: 202 after %s; promote_after is 100ms", tc.name, d)
				}
				var p struct {
					ID        string `json:"id"`
					StatusURL string `json:"status_url"`
				}
				if err := json.Unmarshal(body, &p); err != nil {
					t.Fatal(err)
				}
				if p.ID != id || h.Get(api.HeaderCallID) != id || p.StatusURL != "/_/api/executions/"+id || h.Get("Location") != p.StatusURL {
					t.Errorf("%s: body %s, X-Call-Id %q, Location %q", tc.name, body, h.Get(api.HeaderCallID), h.Get("Location"))
				}
				first, rec := waitRecord(t, ts.URL+p.StatusURL)
				if first != tc.first {
					t.Errorf("%s: first status %q, want %q", tc.name, first, tc.first)
				}
				if w := normalise(t, []byte(tc.want)); rec != w {
					t.Errorf("%s: record\n got %s\nwant %s", tc.name, rec, w)
				}
			}
		})
	}
}
