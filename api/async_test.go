package api_test

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/funcstack/funcstack/api"
	"github.com/funcstack/funcstack/engine/durable"
	"github.com/funcstack/funcstack/engine/durable/durabletest"
	"github.com/funcstack/funcstack/engine/store"
)

// durableServer serves defs with a started durable queue.
func durableServer(t testing.TB, st *store.Store, defs ...string) *httptest.Server {
	t.Helper()
	eng, _ := durabletest.Start(t, st, durable.Options{}, defs...)
	srv, err := api.New(api.Config{Engine: eng, Store: st, AdminToken: token,
		Logger: slog.New(slog.NewTextHandler(testLog{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return ts
}

func post(t testing.TB, url string, admin bool, headers map[string]string, body string) (*http.Response, map[string]any) {
	t.Helper()
	h := map[string]string{"Content-Type": "application/json"}
	if admin {
		h["Authorization"] = "Bearer " + token
	}
	maps.Copy(h, headers)
	resp, b := send(t, http.MethodPost, url, h, body)
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	return resp, out
}

// finished polls an execution's status URL with the admin token until
// its run succeeded or failed (or 10 s pass), and returns its record.
func finished(t *testing.T, url string) map[string]any {
	t.Helper()
	var rec map[string]any
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, b := send(t, http.MethodGet, url, map[string]string{"Authorization": "Bearer " + token}, "")
		rec = nil
		_ = json.Unmarshal(b, &rec)
		if rec["status"] == "succeeded" || rec["status"] == "failed" || time.Now().After(deadline) {
			return rec
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestAsyncFunction(t *testing.T) {
	defs := []string{
		`{"kind": "function", "name": "double", "input": [{"name": "n", "type": "int", "required": true}], "stack": [], "response": "input.n * 2"}`,
		`{"kind": "function", "name": "open_double", "settings": {"public": true}, "input": [{"name": "n", "type": "int", "required": true}], "stack": [], "response": "input.n * 2"}`,
		`{"kind": "function", "name": "open_echo", "settings": {"public": true}, "input": [{"name": "body", "type": "text"}], "stack": [], "response": "input"}`,
	}
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			ts := durableServer(t, b.open(t), defs...)
			var mu sync.Mutex
			var calls []http.Header
			var bodies []string
			rv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body, _ := io.ReadAll(r.Body)
				mu.Lock()
				calls = append(calls, r.Header.Clone())
				bodies = append(bodies, string(body))
				mu.Unlock()
			}))
			defer rv.Close()

			resp, _ := post(t, ts.URL+"/async-function/double", false, nil, `{"n": 1}`)
			if resp.StatusCode != 401 {
				t.Errorf("private function without the token: %d, want 401", resp.StatusCode)
			}
			resp, out := post(t, ts.URL+"/async-function/nope", true, nil, `{}`)
			if resp.StatusCode != 404 || !strings.Contains(fmt.Sprint(out), "nope") {
				t.Errorf("unknown function: %d %v, want 404", resp.StatusCode, out)
			}
			resp, out = post(t, ts.URL+"/async-function/double", true, nil, `{"n": "x"}`)
			if resp.StatusCode != 400 {
				t.Errorf("bad input: %d %v, want 400", resp.StatusCode, out)
			}
			resp, _ = post(t, ts.URL+"/async-function/double", true, map[string]string{"X-Callback-Url": "ftp://x"}, `{"n": 1}`)
			if resp.StatusCode != 400 {
				t.Errorf("bad callback URL: %d, want 400", resp.StatusCode)
			}

			resp, out = post(t, ts.URL+"/async-function/open_double", false, map[string]string{"X-Callback-Url": rv.URL + "/hook"}, `{"n": 21}`)
			id := resp.Header.Get("X-Call-Id")
			if resp.StatusCode != 202 || id == "" || out["id"] != id || out["status_url"] != "/_/api/executions/"+id {
				t.Fatalf("public function: %d X-Call-Id %q body %v", resp.StatusCode, id, out)
			}
			rec := finished(t, ts.URL+out["status_url"].(string))
			if rec["status"] != "succeeded" || fmt.Sprint(rec["output"]) != "42" || rec["mode"] != "durable" {
				t.Fatalf("execution record: %v", rec)
			}
			// A raw text body is input.body, as OpenFaaS gives it.
			resp, out = post(t, ts.URL+"/async-function/open_echo", false, map[string]string{"Content-Type": "text/plain"}, "just text")
			if resp.StatusCode != 202 {
				t.Fatalf("a raw text body to /async-function: %d %v", resp.StatusCode, out)
			}
			if rec := finished(t, ts.URL+out["status_url"].(string)); rec["status"] != "succeeded" || fmt.Sprint(rec["output"]) != "map[body:just text]" {
				t.Fatalf("a raw text body to /async-function: record %v", rec)
			}
			waitUntil(t, func() bool { mu.Lock(); defer mu.Unlock(); return len(calls) > 0 })
			time.Sleep(300 * time.Millisecond)
			mu.Lock()
			if len(calls) != 1 || calls[0].Get("X-Call-Id") != id || calls[0].Get("X-Function-Status") != "succeeded" ||
				calls[0].Get("X-Function-Name") != "open_double" || calls[0].Get("X-Duration-Seconds") == "" || bodies[0] != "42" {
				t.Errorf("callbacks: %v %v", calls, bodies)
			}
			mu.Unlock()

			k := map[string]string{"Idempotency-Key": "order-7"}
			r1, o1 := post(t, ts.URL+"/async-function/double", true, k, `{"n": 2}`)
			r2, o2 := post(t, ts.URL+"/async-function/double", true, k, `{"n": 2}`)
			if r1.StatusCode != 202 || r2.StatusCode != 202 || o1["id"] != o2["id"] || r2.Header.Get("X-Call-Id") != o1["id"] {
				t.Errorf("Idempotency-Key: %v %v", o1, o2)
			}
			// The same input written otherwise is the same request.
			r2, o2 = post(t, ts.URL+"/async-function/double", true, k, "{\n  \"n\": 2.0\n}")
			if r2.StatusCode != 202 || o2["id"] != o1["id"] {
				t.Errorf("Idempotency-Key with the same input reformatted: %d %v, want 202 %v", r2.StatusCode, o2, o1["id"])
			}
			// Another input under the same key is refused (Stripe, IETF
			// Idempotency-Key draft): 422 naming the key, the function and
			// the first execution, and what to do.
			r3, o3 := post(t, ts.URL+"/async-function/double", true, k, `{"n": 3}`)
			e, _ := o3["error"].(map[string]any)
			msg := fmt.Sprint(e["message"])
			if r3.StatusCode != 422 || e["code"] != "idempotency_key_reused" || e["execution_id"] != o1["id"] || r3.Header.Get("X-Call-Id") != "" ||
				!strings.Contains(msg, `"order-7"`) || !strings.Contains(msg, "function double") || !strings.Contains(msg, fmt.Sprint(o1["id"])) ||
				!strings.Contains(msg, "Send a new key for a new run, or send the first input again") {
				t.Errorf("Idempotency-Key with another input: %d %v", r3.StatusCode, o3)
			}
		})
	}
}

func waitUntil(t testing.TB, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 10s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestAdminCancelAndRetryDurableExecutions(t *testing.T) {
	defs := []string{
		`{"kind": "function", "name": "long", "stack": [{"type": "sleep", "ms": "5000"}], "response": "'done'"}`,
		`{"kind": "function", "name": "double", "input": [{"name": "n", "type": "int", "required": true}], "stack": [], "response": "input.n * 2"}`,
	}
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			ts := durableServer(t, b.open(t), defs...)
			getRec := func(id string) map[string]any {
				req, _ := http.NewRequest(http.MethodGet, ts.URL+"/_/api/executions/"+id, nil)
				req.Header.Set("Authorization", "Bearer "+token)
				r, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer r.Body.Close()
				var rec map[string]any
				json.NewDecoder(r.Body).Decode(&rec)
				return rec
			}
			_, out := post(t, ts.URL+"/async-function/long", true, nil, `{}`)
			id := out["id"].(string)
			waitUntil(t, func() bool { return getRec(id)["status"] == "running" })
			resp, body := post(t, ts.URL+"/_/api/executions/"+id+"/cancel", true, nil, "")
			if resp.StatusCode != 200 || body["status"] != "cancelled" {
				t.Fatalf("cancel a running durable execution: %d %v", resp.StatusCode, body)
			}
			_, out = post(t, ts.URL+"/async-function/double", true, nil, `{"n": 4}`)
			first := out["id"].(string)
			waitUntil(t, func() bool { return getRec(first)["status"] == "succeeded" })
			resp, out = post(t, ts.URL+"/_/api/executions/"+first+"/retry", true, nil, "")
			again, _ := out["id"].(string)
			if resp.StatusCode != 202 || again == "" || again == first {
				t.Fatalf("retry: %d %v", resp.StatusCode, out)
			}
			waitUntil(t, func() bool { return getRec(again)["status"] == "succeeded" })
			if rec := getRec(again); rec["mode"] != "durable" || fmt.Sprint(rec["output"]) != "8" {
				t.Errorf("the retry of a durable execution: %v", rec)
			}
		})
	}
}
