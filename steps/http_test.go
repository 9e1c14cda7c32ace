package steps_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/funcstack/funcstack/engine"
)

func TestHTTP(t *testing.T) {
	type seen struct {
		Method, Path, Query, ContentType, Auth, Body string
	}
	reqs := make(chan seen, 10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		reqs <- seen{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Get("Content-Type"), r.Header.Get("Authorization"), string(b)}
		switch r.URL.Path {
		case "/json":
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("X-Thing", "yes")
			_, _ = io.WriteString(w, `{"n": 1, "f": 1.5, "list": [true, null], "s": "x"}`)
		case "/echo":
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			w.WriteHeader(201)
			_, _ = w.Write(b)
		case "/text":
			_, _ = io.WriteString(w, "plain")
		case "/missing":
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(404)
			_, _ = io.WriteString(w, `{"error": "not found"}`)
		case "/slow":
			select {
			case <-time.After(2 * time.Second):
			case <-r.Context().Done():
			}
		}
	}))
	defer srv.Close()
	if !strings.HasPrefix(srv.URL, "http://127.0.0.1:") {
		t.Fatalf("test server at %s, want 127.0.0.1", srv.URL)
	}
	env := engine.Config{Env: map[string]any{"base": srv.URL}}
	httpCase := func(step, response string) []string {
		return []string{mainFn(`[`+step+`]`, response)}
	}
	cases := []struct {
		stepCase
		wantReq *seen
	}{
		{stepCase{name: "GET JSON body decoded", cfg: env, defs: httpCase(
			`{"type": "http", "url": "env.base + '/json'", "as": "resp"}`, "{status: resp.status, body: resp.body, thing: resp.headers['x-thing'], sum: resp.body.n + 1}"),
			want: `{"body":{"f":1.5,"list":[true,null],"n":1,"s":"x"},"status":200,"sum":2,"thing":"yes"}`},
			&seen{Method: "GET", Path: "/json"}},
		{stepCase{name: "POST JSON body sent", cfg: env, defs: httpCase(
			`{"type": "http", "method": "POST", "url": "env.base + '/echo'", "body": "{order: 7, items: ['a']}", "as": "resp"}`, "{status: resp.status, body: resp.body}"),
			want: `{"body":{"items":["a"],"order":7},"status":201}`},
			&seen{Method: "POST", Path: "/echo", ContentType: "application/json", Body: `{"items":["a"],"order":7}`}},
		{stepCase{name: "text body sent as is", cfg: env, defs: httpCase(
			`{"type": "http", "method": "PUT", "url": "env.base + '/text'", "body": "'hello'", "as": "resp"}`, "resp.body"),
			want: `"plain"`},
			&seen{Method: "PUT", Path: "/text", ContentType: "text/plain; charset=utf-8", Body: "hello"}},
		{stepCase{name: "headers and query", cfg: env, defs: httpCase(
			`{"type": "http", "url": "env.base + '/text'", "headers": {"Authorization": "'Bearer ' + 'tok'"}, "query": {"q": "'a b'", "n": "2"}, "as": "resp"}`, "resp.status"),
			want: `200`},
			&seen{Method: "GET", Path: "/text", Query: "n=2&q=a+b", Auth: "Bearer tok"}},
		{stepCase{name: "non-2xx is a result", cfg: env, defs: httpCase(
			`{"type": "http", "url": "env.base + '/missing'", "as": "resp"}`, "{status: resp.status, body: resp.body}"),
			want: `{"body":{"error":"not found"},"status":404}`},
			&seen{Method: "GET", Path: "/missing"}},
		{stepCase{name: "step timeout", cfg: env, defs: httpCase(
			`{"type": "http", "url": "env.base + '/slow'", "timeout": "50ms", "as": "resp"}`, "resp"),
			wantErr:  "main: stack[0]: GET " + srv.URL + "/slow: no answer within 50ms (the step's timeout) (execution exec-1)",
			wantCode: engine.CodeTimeout,
			check: func(t *testing.T, res *engine.Result) {
				if res.Duration > time.Second {
					t.Errorf("run took %s; the request should give up at 50ms", res.Duration)
				}
			}}, &seen{Method: "GET", Path: "/slow"}},
		{stepCase{name: "run deadline ends the request", cfg: env, opt: engine.RunOptions{Timeout: 50 * time.Millisecond}, defs: httpCase(
			`{"type": "http", "url": "env.base + '/slow'", "as": "resp"}`, "resp"),
			wantErr:  "main: stack[0]: run timed out after 50ms (limit timeout); raise the run's timeout, run the work async, or make the stack faster (execution exec-1)",
			wantCode: engine.CodeTimeout}, &seen{Method: "GET", Path: "/slow"}},
		{stepCase{name: "not an http URL", cfg: env, defs: httpCase(
			`{"type": "http", "url": "'ftp://example.com/x'", "as": "resp"}`, "resp"),
			wantErr: `main: stack[0].url: "ftp://example.com/x" is not an http or https URL (execution exec-1)`, wantCode: engine.CodeHTTP}, nil},
		{stepCase{name: "connection refused", defs: httpCase(
			`{"type": "http", "url": "'http://127.0.0.1:1/x?secret=1'", "as": "resp"}`, "resp"),
			wantErr: "main: stack[0]: GET http://127.0.0.1:1/x: dial tcp 127.0.0.1:1: connect: connection refused (execution exec-1)", wantCode: engine.CodeHTTP}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for len(reqs) > 0 {
				<-reqs
			}
			runCase(t, tc.stepCase)
			if tc.wantReq == nil {
				return
			}
			select {
			case got := <-reqs:
				if got != *tc.wantReq {
					t.Errorf("request:\n got  %+v\n want %+v", got, *tc.wantReq)
				}
			case <-time.After(time.Second):
				t.Errorf("the server got no request")
			}
		})
	}
}
