package api_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/funcstack/funcstack/api"
)

// The hostile-input suite (docs/design.md §21): requests an anonymous or
// JWT client can send, on both backends. Each answers with the status it
// should, no answer shows internals, and the history stays readable.

// leakRE matches what must never reach a client that is not the admin:
// driver text, a connection string, a Go stack.
var leakRE = regexp.MustCompile(`SQLSTATE|postgres(ql)?://|user=\w+|database=\w+|sslmode|goroutine \d+|\.go:\d+|runtime/debug|no_such_table_h`)

// hostileCall sends one request and returns its status and body; it fails
// the test when the body leaks internals.
func hostileCall(t *testing.T, method, url, body string, headers map[string]string) (int, string, http.Header) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if m := leakRE.FindString(string(b)); m != "" && headers["Authorization"] != "Bearer "+token {
		t.Errorf("%s %s: the answer shows internals (%q):\n%s", method, url, m, b)
	}
	return resp.StatusCode, string(b), resp.Header
}

// TestHostileInput is the scenario table of item 3 of issue 16 (hostile
// input cannot break history) on both backends.
func TestHostileInput(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			st := b.open(t)
			ts := newServer(t, st, api.Config{}, "testdata/hostile")
			cases := []struct {
				name, method, url, body string
				status                  int
				want                    string // the whole answer, normalised
			}{
				{"an infinite json number", "POST", "/h/echo", `{"data": 1e999999}`, 400,
					`{"error":{"code":"invalid_input","message":"invalid input","definition":"h_echo","execution_id":"<id>","fields":[{"field":"data","code":"not_finite","message":"1e999999 is too large to be a number; send at most 1.8e308 in size"}]}}`},
				{"an infinite number deep in json", "POST", "/h/echo", `{"data": {"a": [1, -1e400]}}`, 400,
					`{"error":{"code":"invalid_input","message":"invalid input","definition":"h_echo","execution_id":"<id>","fields":[{"field":"data.a[1]","code":"not_finite","message":"-1e400 is too large to be a number; send at most 1.8e308 in size"}]}}`},
				{"an infinite decimal", "POST", "/h/echo", `{"n": 2e308}`, 400,
					`{"error":{"code":"invalid_input","message":"invalid input","definition":"h_echo","execution_id":"<id>","fields":[{"field":"n","code":"not_finite","message":"2e308 is too large to be a number; send at most 1.8e308 in size"}]}}`},
				{"an infinite number in a list of objects", "POST", "/h/echo", `{"items": [{"v": 1}, {"v": 1e999}]}`, 400,
					`{"error":{"code":"invalid_input","message":"invalid input","definition":"h_echo","execution_id":"<id>","fields":[{"field":"items[1].v","code":"not_finite","message":"1e999 is too large to be a number; send at most 1.8e308 in size"}]}}`},
				{"an infinite number in an unknown field (dropped)", "POST", "/h/echo", `{"zz": 1e999999}`, 200,
					`{"data":null,"n":null,"t":null}`},
				{"a NUL in a text", "POST", "/h/echo", `{"t": "a\u0000b", "data": {"k\u0000": "\u0000"}}`, 200,
					`{"data":{"k\u0000":"\u0000"},"n":null,"t":"a\u0000b"}`},
				{"invalid UTF-8 in the query", "POST", "/h/echo?t=%FF%00x", ``, 200,
					`{"data":null,"n":null,"t":"\ufffd\u0000x"}`},
				{"a huge exact number", "POST", "/h/echo", `{"data": 123456789012345678901234567890123456789012345678901234567890e200}`, 200,
					`{"data":1.2345678901234568e+259,"n":null,"t":null}`},
				{"a number too close to zero", "POST", "/h/echo", `{"data": [1e-999999]}`, 400,
					`{"error":{"code":"invalid_input","message":"invalid input","definition":"h_echo","execution_id":"<id>","fields":[{"field":"data[0]","code":"not_finite","message":"1e-999999 is too close to zero to be a number; send 0, or at least 2.3e-308 in size"}]}}`},
			}
			for _, c := range cases {
				st, body, _ := hostileCall(t, c.method, ts.URL+c.url, c.body, nil)
				if st != c.status {
					t.Errorf("%s: status %d, want %d: %s", c.name, st, c.status, body)
					continue
				}
				if g, w := normalise(t, []byte(body)), normalise(t, []byte(c.want)); g != w {
					t.Errorf("%s: answer\n got %s\nwant %s", c.name, g, w)
				}
			}
			// Every run above is in the history, which still answers: as
			// a list, filtered, and one by one.
			waitRecords(t, ts.URL, "h_echo", len(cases)-1)
			for _, u := range []string{"/_/api/executions?limit=1000", "/_/api/executions?function=h_echo"} {
				if st, body, _ := hostileCall(t, "GET", ts.URL+u, "", map[string]string{"Authorization": "Bearer " + token}); st != 200 {
					t.Errorf("GET %s: %d %s", u, st, body)
				}
			}
		})
	}
}

// waitRecords waits until the history holds n records of function fn.
func waitRecords(t *testing.T, base, fn string, n int) []map[string]any {
	t.Helper()
	var recs []map[string]any
	deadline := time.Now().Add(20 * time.Second)
	for {
		st, body, _ := hostileCall(t, "GET", base+"/_/api/executions?limit=1000&function="+fn, "", map[string]string{"Authorization": "Bearer " + token})
		var env struct {
			Executions []map[string]any `json:"items"`
		}
		_ = json.Unmarshal([]byte(body), &env)
		recs = env.Executions
		if st == 200 && len(recs) >= n {
			return recs
		}
		if time.Now().After(deadline) {
			t.Fatalf("the history of %s holds %d records, want %d: %d %s", fn, len(recs), n, st, body)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestHostileSurface is the scenario table of item 4 of issue 16 (nothing
// internal leaks) on both backends: generic 5xx answers that name the
// execution, whose record keeps the cause; tokens kept out of records;
// /healthz, /metrics and client disconnects.
func TestHostileSurface(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			st := b.open(t)
			var logs syncBuffer
			logger := slog.New(slog.NewJSONHandler(&logs, nil))
			ts := newServer(t, st, api.Config{Logger: logger}, "testdata/hostile")
			jwtTok := sign(t, jwt.SigningMethodHS256, []byte(jwtSecret), jwt.MapClaims{"sub": "ada", "exp": time.Now().Add(time.Hour).Unix()})
			admin := map[string]string{"Authorization": "Bearer " + token}
			generic := `{"error":{"code":"%s","message":"the server could not complete this request; its operator finds the cause under execution ID <id>","definition":"%s","execution_id":"<id>"}}`
			cases := []struct {
				name, method, url, body string
				headers                 map[string]string
				status                  int
				want                    string // the whole answer, normalised ("": any)
			}{
				{"a driver error, anonymous", "GET", "/h/boom", "", nil, 500, fmt.Sprintf(generic, "internal", "h_boom")},
				{"an expression error, JWT client", "GET", "/h/private", "", bearer(jwtTok), 500, fmt.Sprintf(generic, "expression_error", "h_private")},
				{"a throw keeps its words", "GET", "/h/thrown", "", nil, 503,
					`{"error":{"code":"closed","message":"the shop is closed","definition":"h_thrown","path":"stack[0]","execution_id":"<id>"}}`},
				{"a first member", "POST", "/h/join", `{"email": "ada@example.com"}`, nil, 200, `{"id":1}`},
				{"a unique conflict shows no driver text", "POST", "/h/join", `{"email": "ada@example.com"}`, nil, 409,
					`{"error":{"code":"conflict","message":"h_member: another record has the same email (email must be unique); use another value, or change that record with db.edit or db.upsert","definition":"h_join","path":"stack[0]","execution_id":"<id>"}}`},
				{"a token is answered", "POST", "/h/login", `{"user": "ada", "password": "pw-123456"}`, nil, 200, ""},
				{"metrics need a token", "GET", "/metrics", "", nil, 401, ""},
				{"metrics with the admin token", "GET", "/metrics", "", admin, 200, ""},
			}
			ids := map[string]string{}
			var answered string
			for _, c := range cases {
				st, body, h := hostileCall(t, c.method, ts.URL+c.url, c.body, c.headers)
				ids[c.name] = h.Get(api.HeaderExecutionID)
				if st != c.status {
					t.Errorf("%s: status %d, want %d: %s", c.name, st, c.status, body)
					continue
				}
				if c.name == "a token is answered" {
					answered = body
				}
				if c.want == "" {
					continue
				}
				if g, w := normalise(t, []byte(body)), normalise(t, []byte(c.want)); g != w {
					t.Errorf("%s: answer\n got %s\nwant %s", c.name, g, w)
				}
			}
			// The admin sees the cause, in the answer and in the record.
			if st, body, _ := hostileCall(t, "GET", ts.URL+"/h/boom", "", admin); st != 500 || !strings.Contains(body, "no_such_table_h") {
				t.Errorf("the admin's answer does not name the cause: %d %s", st, body)
			}
			rec := storedRecord(t, ts.URL, ids["a driver error, anonymous"])
			if msg, _ := at(t, rec, "error.message").(string); !strings.Contains(msg, "no_such_table_h") {
				t.Errorf("the record does not keep the cause: %s", rec)
			}
			// The token reached the client but not the record.
			var tok struct {
				Token  string `json:"token"`
				Nested struct {
					Again string `json:"again"`
				} `json:"nested"`
			}
			if err := json.Unmarshal([]byte(answered), &tok); err != nil || strings.Count(tok.Token, ".") != 2 || tok.Nested.Again != tok.Token {
				t.Fatalf("h_login answered %s", answered)
			}
			rec = storedRecord(t, ts.URL, ids["a token is answered"])
			if strings.Contains(string(rec), tok.Token) || strings.Contains(string(rec), "pw-123456") {
				t.Errorf("the record keeps the token or the password: %s", rec)
			}
			if g, w := mustJSON(at(t, rec, "output")), `{"nested":{"again":"[redacted]"},"token":"[redacted]"}`; g != w {
				t.Errorf("record output %s, want %s", g, w)
			}
			if g := mustJSON(at(t, rec, "logs.0.value")); g != `"made [redacted]"` {
				t.Errorf("record log %s", g)
			}
			// A client that leaves is logged as 499, not as a failure.
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			req, _ := http.NewRequestWithContext(ctx, "GET", ts.URL+"/h/slow", nil)
			if resp, err := http.DefaultClient.Do(req); err == nil {
				resp.Body.Close()
				t.Errorf("/h/slow answered before the client left: %d", resp.StatusCode)
			}
			cancel()
			waitFor(t, "the log line of the request the client left", 10*time.Second, func() bool {
				return strings.Contains(logs.String(), `"route":"/h/slow","status":499`)
			})
			if strings.Contains(logs.String(), `"route":"/h/slow","status":500`) {
				t.Errorf("a client that left is logged as 500:\n%s", logs.String())
			}
			// /healthz names no database when it cannot reach it.
			if st, body, _ := hostileCall(t, "GET", ts.URL+"/healthz", "", nil); st != 200 || body != `{"status":"ok"}` {
				t.Errorf("/healthz: %d %s", st, body)
			}
			st.SQL().Close()
			st2, body, _ := hostileCall(t, "GET", ts.URL+"/healthz", "", nil)
			if want := `{"error":{"code":"unavailable","message":"database unreachable; the server log says why"}}`; st2 != 503 || body != want {
				t.Errorf("/healthz on a closed database: %d %s, want 503 %s", st2, body, want)
			}
		})
	}
}

// storedRecord waits for the stored record of execution id and returns it
// as the admin API gives it.
func storedRecord(t *testing.T, base, id string) []byte {
	t.Helper()
	var body string
	var st int
	waitFor(t, "the record of "+id, 20*time.Second, func() bool {
		st, body, _ = hostileCall(t, "GET", base+"/_/api/executions/"+id, "", map[string]string{"Authorization": "Bearer " + token})
		return st == 200 && !strings.Contains(body, `"status":"running"`)
	})
	return []byte(body)
}

// syncBuffer is a bytes.Buffer safe for the logger and the test at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestPathCleaning: a path is routed as cleaned, so dot segments cannot
// carry a request past the admin token to /_/api.
func TestPathCleaning(t *testing.T) {
	ts := newServer(t, backends[0].open(t), api.Config{}, "testdata/hostile")
	for _, c := range []struct {
		path   string
		status int
	}{
		{"/api/../_/api/definitions", 401},
		{"/h/../_/api/executions", 401},
		{"/h//../_/api/definitions", 401},
		{"/h/./thrown", 503},
		{"/h//thrown", 503},
	} {
		req, _ := http.NewRequest("GET", ts.URL+"/", nil)
		req.URL.Opaque = c.path // sent as written, dots and all
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.status {
			t.Errorf("GET %s: %d %s, want %d", c.path, resp.StatusCode, b, c.status)
		}
	}
}

// TestReadTimeout: a client sending its body one byte at a time is cut
// off with 408 once the read timeout passes, over a real connection.
func TestReadTimeout(t *testing.T) {
	ts := newServer(t, backends[0].open(t), api.Config{ReadTimeout: 500 * time.Millisecond}, "testdata/hostile")
	conn, err := net.Dial("tcp", ts.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	start := time.Now()
	fmt.Fprintf(conn, "POST /h/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{")
	go func() {
		for i := 0; i < 100; i++ {
			time.Sleep(200 * time.Millisecond)
			if _, err := conn.Write([]byte(" ")); err != nil {
				return
			}
		}
	}()
	_ = conn.SetReadDeadline(time.Now().Add(15 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer to a slow body after %s: %v", time.Since(start), err)
	}
	b, _ := io.ReadAll(resp.Body)
	if took := time.Since(start); resp.StatusCode != 408 || took > 10*time.Second {
		t.Errorf("a slow body: %d %s after %s, want 408 soon after 500ms", resp.StatusCode, b, took)
	}
	if want := `{"error":{"code":"body_timeout","message":"the request body did not arrive in time; send it at once"}}`; string(b) != want {
		t.Errorf("body %s, want %s", b, want)
	}
}
