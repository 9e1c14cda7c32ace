package api_test

import (
	"net/http/httptest"
	"regexp"
	"strconv"
	"testing"

	"github.com/funcstack/funcstack/api"
	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/enginetest"
)

var limitDefs = []string{
	`{"kind": "endpoint", "name": "rl_ep", "method": "GET", "path": "/rl/ep", "rate_limit": {"limit": 3, "window": "1h"}, "response": "{ok: true}"}`,
	`{"kind": "endpoint", "name": "rl_sub", "method": "GET", "path": "/rl/sub", "input": [{"name": "user", "type": "text"}],
	  "rate_limit": {"limit": 1, "window": "1h", "per": "input.user"}, "response": "input.user"}`,
	`{"kind": "function", "name": "rl_fn", "settings": {"public": true}, "rate_limit": {"limit": 2, "window": "1h", "per": "key"}, "response": "1"}`,
}

var retryRE = regexp.MustCompile(`try again in ([0-9]+) s`)

// call429 checks that GET/POST url is refused 429 with Retry-After, the
// RateLimit headers and the whole error (its seconds replaced by <s>).
func call429(t *testing.T, method, url, body string, headers map[string]string, limit, want string) {
	t.Helper()
	resp, b := send(t, method, url, headers, body)
	if resp.StatusCode != 429 {
		t.Fatalf("%s %s: %d %s, want 429", method, url, resp.StatusCode, b)
	}
	m := retryRE.FindSubmatch(b)
	if m == nil || resp.Header.Get("Retry-After") != string(m[1]) || resp.Header.Get("RateLimit-Reset") == "" ||
		resp.Header.Get("RateLimit-Limit") != limit || resp.Header.Get("RateLimit-Remaining") != "0" {
		t.Errorf("%s %s: headers %v\n%s", method, url, resp.Header, b)
		return
	}
	if s, _ := strconv.Atoi(string(m[1])); s < 1 || s > 3600 {
		t.Errorf("Retry-After %d s", s)
	}
	if got := retryRE.ReplaceAllString(string(b), "try again in <s> s"); got != want {
		t.Errorf("%s %s:\n got %s\nwant %s", method, url, got, want)
	}
}

// TestRateLimit: the N+1th call in a window gets 429 with Retry-After and
// the RateLimit headers, per address, per an expression and per key; two
// servers on one PostgreSQL database share the counter.
func TestRateLimit(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			st := b.open(t)
			eng := engine.New(engine.Config{DB: st, Store: st.Executions()})
			t.Cleanup(eng.Close)
			eng.Load(enginetest.Compile(t, limitDefs...))
			node := func() *httptest.Server {
				srv, err := api.New(api.Config{Engine: eng, Store: st, AdminToken: token})
				if err != nil {
					t.Fatal(err)
				}
				ts := httptest.NewServer(srv)
				t.Cleanup(ts.Close)
				return ts
			}
			a, other := node(), node()
			left := func(n int) map[string]string {
				return map[string]string{"RateLimit-Limit": "3", "RateLimit-Remaining": strconv.Itoa(n), "Retry-After": ""}
			}
			runScenarios(t, a.URL, []scenario{
				{name: "1st", method: "GET", url: "/rl/ep", status: 200, want: `{"ok": true}`, header: left(2)},
				{name: "2nd", method: "GET", url: "/rl/ep", status: 200, want: `{"ok": true}`, header: left(1)},
			})
			over := `{"error":{"code":"rate_limited","message":"endpoint rl_ep allows 3 calls per 1h0m0s for each client (by address); try again in <s> s (Retry-After)","definition":"rl_ep"}}`
			if b.name == "postgres" {
				// The other node counts on from the first's count.
				runScenarios(t, other.URL, []scenario{{name: "3rd, on the other node", method: "GET", url: "/rl/ep", status: 200, want: `{"ok": true}`, header: left(0)}})
				call429(t, "GET", other.URL+"/rl/ep", "", nil, "3", over)
				call429(t, "GET", a.URL+"/rl/ep", "", nil, "3", over)
			} else {
				// Each process counts its own.
				runScenarios(t, other.URL, []scenario{{name: "1st on the other process", method: "GET", url: "/rl/ep", status: 200, want: `{"ok": true}`, header: left(2)}})
				runScenarios(t, a.URL, []scenario{{name: "3rd", method: "GET", url: "/rl/ep", status: 200, want: `{"ok": true}`, header: left(0)}})
				call429(t, "GET", a.URL+"/rl/ep", "", nil, "3", over)
			}
			// Per an expression: each user has a call.
			runScenarios(t, a.URL, []scenario{
				{name: "ada", method: "GET", url: "/rl/sub?user=ada", status: 200, want: `"ada"`},
				{name: "bob", method: "GET", url: "/rl/sub?user=bob", status: 200, want: `"bob"`},
			})
			call429(t, "GET", a.URL+"/rl/sub?user=ada", "", nil, "1",
				`{"error":{"code":"rate_limited","message":"endpoint rl_sub allows 1 calls per 1h0m0s for each client (by input.user); try again in <s> s (Retry-After)","definition":"rl_sub"}}`)
			// Per key: without a key, by address.
			for i := range 2 {
				if resp, b := send(t, "POST", a.URL+"/function/rl_fn", nil, `{}`); resp.StatusCode != 200 {
					t.Fatalf("call %d of rl_fn: %d %s", i+1, resp.StatusCode, b)
				}
			}
			call429(t, "POST", a.URL+"/function/rl_fn", `{}`, nil, "2",
				`{"error":{"code":"rate_limited","message":"function rl_fn allows 2 calls per 1h0m0s for each client (by API key); try again in <s> s (Retry-After)","definition":"rl_fn"}}`)
			k, _ := newKey(t, a.URL, `{"name": "c", "scopes": ["call:rl_fn"]}`)
			if resp, b := send(t, "POST", a.URL+"/function/rl_fn", map[string]string{"X-Api-Key": k}, `{}`); resp.StatusCode != 200 {
				t.Errorf("a key has its own count: %d %s", resp.StatusCode, b)
			}

		})
	}
}
