package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/funcstack/funcstack/api"
	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/store"
	"github.com/funcstack/funcstack/engine/store/storetest"
	"github.com/funcstack/funcstack/engine/value"
	_ "github.com/funcstack/funcstack/steps"
)

const token = "test-admin-token"

// jwtSecret is the JWT secret of the test servers and of auth.token.
const jwtSecret = "api-test-jwt-secret-0123456789abcdef"

// backends opens a fresh store of each kind; PostgreSQL skips (or, under
// CI or FUNCSTACK_TEST_POSTGRES=require, fails) when it is unreachable.
var backends = []struct {
	name string
	open func(t testing.TB) *store.Store
}{
	{"sqlite", func(t testing.TB) *store.Store { return openStore(t, store.Options{DataDir: t.TempDir()}) }},
	{"postgres", func(t testing.TB) *store.Store {
		return openStore(t, store.Options{DatabaseURL: storetest.PostgresURL(t)})
	}},
}

func openStore(t testing.TB, opt store.Options) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// program loads the example workspace and the test definitions of
// testdata/ws together, and makes their tables.
func program(t testing.TB, st *store.Store, dirs ...string) *engine.Program {
	t.Helper()
	var defs []*engine.Definition
	for _, dir := range dirs {
		d, diags := engine.LoadWorkspace(dir)
		if diags.HasErrors() {
			t.Fatalf("%s: %v", dir, diags.Err())
		}
		defs = append(defs, d...)
	}
	p, diags := engine.Compile(defs)
	if diags.HasErrors() {
		t.Fatal(diags.Err())
	}
	if err := st.SyncTables(context.Background(), defs, false); err != nil {
		t.Fatal(err)
	}
	return p
}

// newServer serves the workspaces over a real loopback server.
func newServer(t testing.TB, st *store.Store, cfg api.Config, dirs ...string) *httptest.Server {
	t.Helper()
	return newServerWith(t, st, engine.Config{}, cfg, dirs...)
}

// newServerWith is newServer with an engine configuration (limits).
func newServerWith(t testing.TB, st *store.Store, ec engine.Config, cfg api.Config, dirs ...string) *httptest.Server {
	t.Helper()
	ec.DB, ec.Store, ec.Secrets = st, st.Executions(), map[string][]byte{engine.SecretJWT: []byte(jwtSecret)}
	eng := engine.New(ec)
	t.Cleanup(eng.Close)
	eng.Load(program(t, st, dirs...))
	cfg.Engine, cfg.Store, cfg.AdminToken = eng, st, token
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(testLog{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	srv, err := api.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return ts
}

// testLog writes log lines to the test's log.
type testLog struct{ t testing.TB }

func (w testLog) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimSuffix(string(b), "\n"))
	return len(b), nil
}

var (
	uuidRE = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)
	timeRE = regexp.MustCompile(`"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)"`)
	durRE  = regexp.MustCompile(`"duration_ms":[0-9.eE+-]+`)
	// nsRE: a trace entry's times
	nsRE = regexp.MustCompile(`"(start_ns|duration_ns)":[0-9]+`)
)

// normalise replaces execution IDs with <id> and times with <time>, and
// gives the JSON a canonical form (sorted keys, no spaces).
func normalise(t *testing.T, b []byte) string {
	t.Helper()
	s := uuidRE.ReplaceAllString(string(b), "<id>")
	s = timeRE.ReplaceAllString(s, `"<time>"`)
	s = durRE.ReplaceAllString(s, `"duration_ms":"<ms>"`)
	s = nsRE.ReplaceAllString(s, `"$1":"<ns>"`)
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("the body is not JSON: %v\n%s", err, b)
	}
	out, _ := json.Marshal(v)
	return string(out)
}

type scenario struct {
	name    string
	method  string
	url     string // {name} is replaced by an execution ID saved before
	admin   bool   // send the admin token
	headers map[string]string
	body    string
	chunked bool // send the body without a Content-Length
	status  int
	want    string // the whole JSON body (normalised), "" for none
	header  map[string]string
	save    string // save X-Execution-Id as {save}
}

func runScenarios(t *testing.T, base string, scenarios []scenario) {
	t.Helper()
	saved := map[string]string{}
	for _, sc := range scenarios {
		url := sc.url
		for k, v := range saved {
			url = strings.ReplaceAll(url, "{"+k+"}", v)
		}
		var body io.Reader
		if sc.body != "" {
			body = strings.NewReader(sc.body)
			if sc.chunked {
				body = io.MultiReader(body)
			}
		}
		req, err := http.NewRequest(sc.method, base+url, body)
		if err != nil {
			t.Fatal(err)
		}
		if sc.body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		if sc.admin {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		for k, v := range sc.headers {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", sc.name, err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != sc.status {
			t.Errorf("%s: %s %s: status %d, want %d\n%s", sc.name, sc.method, url, resp.StatusCode, sc.status, got)
			continue
		}
		if sc.want == "" {
			if len(got) != 0 {
				t.Errorf("%s: want no body, got %s", sc.name, got)
			}
		} else if g, w := normalise(t, got), normalise(t, []byte(sc.want)); g != w {
			t.Errorf("%s: %s %s: body\n got %s\nwant %s", sc.name, sc.method, url, g, w)
		}
		if ct := resp.Header.Get("Content-Type"); sc.want != "" && ct != "application/json; charset=utf-8" {
			t.Errorf("%s: Content-Type %q", sc.name, ct)
		}
		for k, v := range sc.header {
			if g := uuidRE.ReplaceAllString(resp.Header.Get(k), "<id>"); g != v {
				t.Errorf("%s: header %s: %q, want %q", sc.name, k, g, v)
			}
		}
		// An execution ID in an error is the one in the header.
		var env struct {
			Error struct {
				ExecutionID string `json:"execution_id"`
			} `json:"error"`
		}
		if resp.StatusCode >= 400 && json.Unmarshal(got, &env) == nil && env.Error.ExecutionID != "" && env.Error.ExecutionID != resp.Header.Get(api.HeaderExecutionID) {
			t.Errorf("%s: execution_id %s but %s %q", sc.name, env.Error.ExecutionID, api.HeaderExecutionID, resp.Header.Get(api.HeaderExecutionID))
		}
		if sc.save != "" {
			saved[sc.save] = resp.Header.Get(api.HeaderExecutionID)
		}
	}
}

var withID = map[string]string{api.HeaderExecutionID: "<id>"}

func TestAPI(t *testing.T) {
	typeCat, err := json.Marshal(value.Catalogue())
	if err != nil {
		t.Fatal(err)
	}
	cat, err := json.Marshal(engine.Catalogue())
	if err != nil {
		t.Fatal(err)
	}
	big := `{"x": "` + strings.Repeat("a", 1<<20) + `"}`
	scenarios := []scenario{
		// Health.
		{name: "healthz", method: "GET", url: "/healthz", status: 200, want: `{"status": "ok"}`},

		// Generated endpoints of the example workspace.
		{name: "sum squares", method: "GET", url: "/api/sum-squares/20", status: 200, want: `{"label": "big", "total": 2870}`, header: withID, save: "sum"},
		{name: "sum squares small", method: "GET", url: "/api/sum-squares/3", status: 200, want: `{"label": "small", "total": 14}`, header: withID},
		{name: "sum squares not an int", method: "GET", url: "/api/sum-squares/x", status: 400, header: withID,
			want: `{"error": {"code": "invalid_input", "message": "invalid input", "definition": "api_sum_squares", "execution_id": "<id>",
				"fields": [{"field": "n", "code": "type", "message": "expected int, got text"}]}}`},
		{name: "sum squares too large for an int", method: "GET", url: "/api/sum-squares/12345678901234567890", status: 400,
			want: `{"error": {"code": "invalid_input", "message": "invalid input", "definition": "api_sum_squares", "execution_id": "<id>",
				"fields": [{"field": "n", "code": "type", "message": "expected int, got 12345678901234567890, a whole number too large: an int is from -9223372036854775808 to 9223372036854775807; send it as text if you need it whole"}]}}`},
		{name: "sum squares over max", method: "GET", url: "/api/sum-squares/100001", status: 400,
			want: `{"error": {"code": "invalid_input", "message": "invalid input", "definition": "api_sum_squares", "execution_id": "<id>",
				"fields": [{"field": "n", "code": "max", "message": "must be at most 100000"}]}}`},
		{name: "restock new product", method: "POST", url: "/api/products/apple/restock", body: `{"qty": 3, "name": "Apple", "price": 0.5}`,
			status: 200, want: `{"sku": "apple", "stock": 3}`},
		{name: "restock new product without name", method: "POST", url: "/api/products/kiwi/restock", body: `{"qty": 1}`, status: 400,
			want: `{"error": {"code": "precondition_failed", "message": "a new product needs a name", "definition": "restock",
				"path": "stack[0].steps[1].then[0]", "execution_id": "<id>"}}`},
		{name: "low stock", method: "GET", url: "/api/products/low-stock", status: 200,
			want: `{"items": [{"sku": "apple", "stock": 3}], "total": 1}`},
		{name: "restock again, path wins over body", method: "POST", url: "/api/products/apple/restock", body: `{"qty": 10, "sku": "banana"}`,
			status: 200, want: `{"sku": "apple", "stock": 13}`},
		{name: "low stock below 20 (query)", method: "GET", url: "/api/products/low-stock?below=20", status: 200,
			want: `{"items": [{"sku": "apple", "stock": 13}], "total": 1}`},
		{name: "low stock default", method: "GET", url: "/api/products/low-stock", status: 200, want: `{"items": [], "total": 0}`},
		{name: "low stock bad query", method: "GET", url: "/api/products/low-stock?below=lots", status: 400,
			want: `{"error": {"code": "invalid_input", "message": "invalid input", "definition": "api_low_stock", "execution_id": "<id>",
				"fields": [{"field": "below", "code": "type", "message": "expected int, got text"}]}}`},

		// Input merging, request, status.
		{name: "echo merges path, query and body", method: "POST", url: "/t/echo/7?q=from-query&both=query&id=1&tags=a&extra=1",
			headers: map[string]string{"X-Test": "yes"}, body: `{"both": "body", "id": 2, "body": {"n": 1.5, "l": [1, "x"]}}`,
			status: 201, header: withID,
			want: `{"input": {"id": 7, "q": "from-query", "both": "body", "tags": ["a"], "body": {"n": 1.5, "l": [1, "x"]}},
				"method": "POST", "path": "/t/echo/7", "params": {"id": "7"},
				"query": {"q": "from-query", "both": "query", "id": "1", "tags": "a", "extra": "1"}, "header": "yes", "ip": "127.0.0.1"}`},
		{name: "echo repeated query", method: "POST", url: "/t/echo/1?tags=a&tags=b", status: 201,
			want: `{"input": {"id": 1, "tags": ["a", "b"]},
				"method": "POST", "path": "/t/echo/1", "params": {"id": "1"}, "query": {"tags": ["a", "b"]}, "header": null, "ip": "127.0.0.1"}`},
		{name: "every failing field", method: "POST", url: "/t/signup", body: `{"email": "not-an-email", "age": 12}`, status: 400,
			want: `{"error": {"code": "invalid_input", "message": "invalid input", "definition": "t_signup", "execution_id": "<id>", "fields": [
				{"field": "name", "code": "required", "message": "required"},
				{"field": "email", "code": "type", "message": "expected email, got text"},
				{"field": "age", "code": "min", "message": "must be at least 18"}]}}`},
		{name: "signup ok", method: "POST", url: "/t/signup", body: `{"name": "Ada", "email": "ada@example.com"}`, status: 200, want: `{"name": "Ada"}`},
		{name: "thrown status and code", method: "GET", url: "/t/teapot", status: 418,
			want: `{"error": {"code": "teapot", "message": "short and stout", "definition": "t_teapot", "path": "stack[0]", "execution_id": "<id>"}}`},
		{name: "204 has no body", method: "DELETE", url: "/t/things/3", status: 204, header: withID},

		// Middleware: before (reject, add to input), after (reshape).
		{name: "before-middleware rejects", method: "GET", url: "/t/guarded", status: 403, header: withID,
			want: `{"error": {"code": "precondition_failed", "message": "no key", "definition": "t_guard", "path": "stack[0]", "execution_id": "<id>"}}`},
		{name: "before-middleware passes, after-middleware wraps", method: "GET", url: "/t/guarded?user=eve", headers: map[string]string{"X-Key": "ok"},
			status: 200, header: withID, want: `{"data": {"user": "eve"}, "status": 200}`},
		{name: "before-middleware adds to the input, its keys winning", method: "GET", url: "/t/guarded?user=eve",
			headers: map[string]string{"X-Key": "ok", "X-User": "ada"}, status: 200, want: `{"data": {"user": "ada"}, "status": 200}`},
		{name: "middleware validates its own input", method: "POST", url: "/t/doubled/11", status: 400,
			want: `{"error": {"code": "invalid_input", "message": "invalid input", "definition": "t_limit", "execution_id": "<id>",
				"fields": [{"field": "n", "code": "max", "message": "must be at most 10"}]}}`},
		{name: "middleware throws with its status", method: "POST", url: "/t/doubled/7", status: 422,
			want: `{"error": {"code": "unlucky", "message": "seven is unlucky", "definition": "t_limit", "path": "stack[0].then[0]", "execution_id": "<id>"}}`},
		{name: "middleware changes the input, the endpoint's status stays", method: "POST", url: "/t/doubled/5", status: 201,
			want: `{"data": 10, "status": 201}`},
		// A 5xx the stack did not throw: the client sees a generic message
		// (the record and the log keep the cause, docs/design.md §21).
		{name: "before-middleware answering a non-object", method: "POST", url: "/t/doubled/5", headers: map[string]string{"X-Bad": "1"}, status: 500,
			want: `{"error": {"code": "invalid_middleware_response", "definition": "t_bad_mw", "execution_id": "<id>",
				"message": "the server could not complete this request; its operator finds the cause under execution ID <id>"}}`},

		// Bad requests.
		{name: "malformed JSON", method: "POST", url: "/t/signup", body: "{\n  \"name\": \"Ada\",\n}", status: 400,
			want: `{"error": {"code": "invalid_json", "message": "the request body is not valid JSON: invalid character '}' looking for beginning of object key string at offset 19 (line 3, column 1)"}}`},
		{name: "truncated JSON", method: "POST", url: "/t/signup", body: `{"name": "Ada"`, status: 400,
			want: `{"error": {"code": "invalid_json", "message": "the request body is not valid JSON: unexpected end of JSON input at offset 14 (line 1, column 15)"}}`},
		{name: "two JSON values", method: "POST", url: "/t/signup", body: `{} {}`, status: 400,
			want: `{"error": {"code": "invalid_json", "message": "the request body is not valid JSON: unexpected data after the JSON value at offset 3 (line 1, column 4)"}}`},
		{name: "body not an object", method: "POST", url: "/t/signup", body: `[1, 2]`, status: 400,
			want: `{"error": {"code": "invalid_input", "message": "the request body must be a JSON object such as {\"n\": 20}, got a list"}}`},
		{name: "form fields", method: "POST", url: "/t/signup", body: `name=Ada&email=ada%40example.com`, headers: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, status: 200,
			want: `{"name": "Ada"}`},
		{name: "body too large", method: "POST", url: "/t/signup", body: big, status: 413,
			want: `{"error": {"code": "body_too_large", "message": "the request body is larger than 1048576 bytes (limit max_body_bytes); send less, or raise --max-body-bytes"}}`},
		{name: "body too large, chunked", method: "POST", url: "/function/t_hello", body: big, chunked: true, status: 413,
			want: `{"error": {"code": "body_too_large", "message": "the request body is larger than 1048576 bytes (limit max_body_bytes); send less, or raise --max-body-bytes"}}`},
		{name: "unknown route", method: "GET", url: "/api/nope", status: 404,
			want: `{"error": {"code": "not_found", "message": "no route GET /api/nope; generated endpoints are listed when funcstack serve starts"}}`},
		{name: "trailing slash is another route", method: "GET", url: "/healthz/", status: 404,
			want: `{"error": {"code": "not_found", "message": "no route GET /healthz/; generated endpoints are listed when funcstack serve starts"}}`},
		{name: "wrong method", method: "PUT", url: "/api/sum-squares/3", status: 405, header: map[string]string{"Allow": "GET, OPTIONS"},
			want: `{"error": {"code": "method_not_allowed", "message": "PUT is not allowed on /api/sum-squares/3; allowed: GET, OPTIONS"}}`},

		// POST /function/{name}.
		{name: "function", method: "POST", url: "/function/sum_squares", admin: true, body: `{"n": 20}`, status: 200,
			want: `{"label": "big", "total": 2870}`, header: withID, save: "fn"},
		{name: "function without token", method: "POST", url: "/function/sum_squares", body: `{"n": 20}`, status: 401,
			header: map[string]string{"WWW-Authenticate": `Bearer realm="funcstack"`},
			want:   `{"error": {"code": "unauthorized", "message": "POST /function/sum_squares needs the admin token: send Authorization: Bearer <token> (FUNCSTACK_ADMIN_TOKEN, or the token funcstack serve printed or saved)"}}`},
		{name: "function with a wrong token", method: "POST", url: "/function/sum_squares", headers: map[string]string{"Authorization": "Bearer " + token + "x"},
			body: `{"n": 20}`, status: 401, header: map[string]string{"WWW-Authenticate": `Bearer realm="funcstack", error="invalid_token"`},
			want: `{"error": {"code": "unauthorized", "message": "the Authorization header does not carry the admin token; POST /function/sum_squares needs Authorization: Bearer <token>"}}`},
		{name: "unknown function without token is not told apart", method: "POST", url: "/function/sum_squarez", status: 401,
			want: `{"error": {"code": "unauthorized", "message": "POST /function/sum_squarez needs the admin token: send Authorization: Bearer <token> (FUNCSTACK_ADMIN_TOKEN, or the token funcstack serve printed or saved)"}}`},
		{name: "unknown function", method: "POST", url: "/function/sum_squarez", admin: true, status: 404,
			want: `{"error": {"code": "not_found", "message": "no function named \"sum_squarez\" (did you mean \"sum_squares\"?)"}}`},
		{name: "endpoint is not a function", method: "POST", url: "/function/api_sum_squares", admin: true, status: 404,
			want: `{"error": {"code": "not_found", "message": "api_sum_squares is an endpoint, not a function; only functions are invoked by POST /function/{name}"}}`},
		{name: "public function, no body", method: "POST", url: "/function/t_hello", status: 200, want: `"hello world"`, header: withID},
		{name: "public function", method: "POST", url: "/function/t_hello", body: `{"who": "you"}`, status: 200, want: `"hello you"`},
		// The text \u0000 once crashed the process when its record was written.
		{name: "the text \\u0000", method: "POST", url: "/function/t_hello", body: `{"who": "\\u0000"}`, status: 200, want: `"hello \\u0000"`, save: "nul"},
		{name: "a NUL character", method: "POST", url: "/function/t_hello", body: `{"who": "\u0000"}`, status: 200, want: `"hello \u0000"`},
		{name: "its record", method: "GET", url: "/_/api/executions/{nul}", admin: true, status: 200,
			want: `{"id": "<id>", "function": "t_hello", "mode": "sync", "status": "succeeded", "input": {"who": "\\u0000"}, "output": "hello \\u0000",
				"attempts": 1, "created_at": "<time>", "started_at": "<time>", "finished_at": "<time>", "duration_ms": "<ms>"}`},
		{name: "function bad input", method: "POST", url: "/function/sum_squares", admin: true, body: `{"n": -1}`, status: 400,
			want: `{"error": {"code": "invalid_input", "message": "invalid input", "definition": "sum_squares", "execution_id": "<id>",
				"fields": [{"field": "n", "code": "min", "message": "must be at least 0"}]}}`},
		{name: "function thrown", method: "POST", url: "/function/price_check", admin: true, body: `{"sku": "kiwi", "qty": 1}`, status: 404,
			want: `{"error": {"code": "unknown_sku", "message": "unknown sku: kiwi", "definition": "price_check", "path": "stack[1].default[0]", "execution_id": "<id>"}}`},
		{name: "function timeout", method: "POST", url: "/function/t_slow", admin: true, status: 504, header: withID, save: "slow",
			want: `{"error": {"code": "timeout", "message": "run timed out after 100ms (limit settings.timeout of t_slow); raise the function's settings.timeout or make it faster",
				"definition": "t_slow", "path": "stack[0]", "execution_id": "<id>"}}`},
		{name: "function malformed JSON", method: "POST", url: "/function/sum_squares", admin: true, body: `{"n": 2`, status: 400,
			want: `{"error": {"code": "invalid_json", "message": "the request body is not valid JSON: unexpected end of JSON input at offset 7 (line 1, column 8)"}}`},
		{name: "function GET", method: "GET", url: "/function/sum_squares", status: 405,
			want: `{"error": {"code": "method_not_allowed", "message": "GET is not allowed on /function/sum_squares; allowed: POST, OPTIONS"}}`},

		// Admin API.
		{name: "steps", method: "GET", url: "/_/api/steps", admin: true, status: 200, want: string(cat)},
		{name: "types", method: "GET", url: "/_/api/types", admin: true, status: 200, want: string(typeCat)},
		{name: "steps without token", method: "GET", url: "/_/api/steps", status: 401,
			want: `{"error": {"code": "unauthorized", "message": "the admin API needs the admin token: send Authorization: Bearer <token> (FUNCSTACK_ADMIN_TOKEN, or the token funcstack serve printed or saved)"}}`},
		{name: "execution of an endpoint", method: "GET", url: "/_/api/executions/{sum}", admin: true, status: 200,
			want: `{"id": "<id>", "function": "api_sum_squares", "mode": "sync", "status": "succeeded", "input": {"n": "20"},
				"output": {"label": "big", "total": 2870}, "attempts": 1, "created_at": "<time>", "started_at": "<time>", "finished_at": "<time>", "duration_ms": "<ms>",
				"request": {"method": "GET", "path": "/api/sum-squares/20", "status": 200, "headers": {"accept-encoding": "gzip", "user-agent": "Go-http-client/1.1"}}}`},
		{name: "execution of a function", method: "GET", url: "/_/api/executions/{fn}", admin: true, status: 200,
			want: `{"id": "<id>", "function": "sum_squares", "mode": "sync", "status": "succeeded", "input": {"n": 20},
				"output": {"label": "big", "total": 2870}, "attempts": 1, "created_at": "<time>", "started_at": "<time>", "finished_at": "<time>", "duration_ms": "<ms>"}`},
		{name: "execution timed out", method: "GET", url: "/_/api/executions/{slow}", admin: true, status: 200,
			want: `{"id": "<id>", "function": "t_slow", "mode": "sync", "status": "timed_out", "input": {}, "attempts": 1,
				"error": {"code": "timeout", "message": "run timed out after 100ms (limit settings.timeout of t_slow); raise the function's settings.timeout or make it faster",
					"status": 504, "definition": "t_slow", "path": "stack[0]", "execution_id": "<id>"},
				"trace": [{"definition": "t_slow", "path": "stack[0]", "type": "sleep", "start_ns": "<ns>", "duration_ns": "<ns>", "vars": {"input": {}},
					"error": "run timed out after 100ms (limit settings.timeout of t_slow); raise the function's settings.timeout or make it faster"}],
				"created_at": "<time>", "started_at": "<time>", "finished_at": "<time>", "duration_ms": "<ms>"}`},
		{name: "execution without token", method: "GET", url: "/_/api/executions/{sum}", status: 401,
			want: `{"error": {"code": "unauthorized", "message": "the admin API needs the admin token: send Authorization: Bearer <token> (FUNCSTACK_ADMIN_TOKEN, or the token funcstack serve printed or saved)"}}`},
		{name: "unknown execution", method: "GET", url: "/_/api/executions/01900000-0000-7000-8000-000000000000", admin: true, status: 404,
			want: `{"error": {"code": "not_found", "message": "no execution \"<id>\"; it may be older than the retention (7 days) or from another database"}}`},
		{name: "execution ID not a UUID", method: "GET", url: "/_/api/executions/x'--", admin: true, status: 404,
			want: `{"error": {"code": "not_found", "message": "no execution \"x'--\"; it may be older than the retention (7 days) or from another database"}}`},
	}
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			st := b.open(t)
			ts := newServer(t, st, api.Config{}, "../workflows", "testdata/ws")
			runScenarios(t, ts.URL, scenarios)
		})
	}
}

// TestMaxBodyBytes: the body limit is configurable.
func TestMaxBodyBytes(t *testing.T) {
	st := backends[0].open(t)
	ts := newServer(t, st, api.Config{MaxBodyBytes: 16}, "../workflows")
	runScenarios(t, ts.URL, []scenario{
		{name: "fits", method: "POST", url: "/function/sum_squares", admin: true, body: `{"n": 3}`, status: 200, want: `{"label": "small", "total": 14}`},
		{name: "too large", method: "POST", url: "/function/sum_squares", admin: true, body: `{"n": 3,      "x": 1}`, status: 413,
			want: `{"error": {"code": "body_too_large", "message": "the request body is larger than 16 bytes (limit max_body_bytes); send less, or raise --max-body-bytes"}}`},
	})
}

// TestNewRejects: endpoints that cannot be served are reported by New,
// naming the definition, instead of panicking or shadowing funcstack's
// routes.
func TestNewRejects(t *testing.T) {
	tests := []struct {
		name, defs, want string
	}{
		{"reserved", `{"kind": "endpoint", "name": "e", "method": "GET", "path": "/healthz", "stack": []}`,
			"endpoint e: path /healthz: /healthz is reserved for funcstack; move the endpoint, e.g. under /api"},
		{"reserved admin", `{"kind": "endpoint", "name": "e", "method": "GET", "path": "/_/api/x", "stack": []}`,
			"endpoint e: path /_/api/x: /_ is reserved for funcstack; move the endpoint, e.g. under /api"},
		{"a parameter where a catch-all is", `{"kind": "endpoint", "name": "a", "method": "GET", "path": "/x/*rest", "stack": []}
			{"kind": "endpoint", "name": "b", "method": "GET", "path": "/x/:sku/y", "stack": []}`,
			"endpoint b: GET /x/:sku/y cannot be served: '/:sku/y' in new path '/x/:sku/y' conflicts with existing wildcard '/*rest' in existing prefix '/x/*rest'"},
		{"jwt without a secret", `{"kind": "endpoint", "name": "e", "method": "GET", "path": "/x", "auth": "jwt", "stack": []}`,
			"endpoint e: \"auth\": \"jwt\" needs a JWT secret to check tokens with; set FUNCSTACK_JWT_SECRET (api.Config.JWTSecret)"},
		{"duplicate", `{"kind": "endpoint", "name": "a", "method": "GET", "path": "/x", "stack": []}
			{"kind": "endpoint", "name": "b", "method": "GET", "path": "/x", "stack": []}`,
			"endpoints a and b both serve GET /x; give one of them another method or path"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			dec := json.NewDecoder(strings.NewReader(tc.defs))
			for i := 0; dec.More(); i++ {
				var raw json.RawMessage
				if err := dec.Decode(&raw); err != nil {
					t.Fatal(err)
				}
				if err := writeFile(dir, i, raw); err != nil {
					t.Fatal(err)
				}
			}
			defs, diags := engine.LoadWorkspace(dir)
			p, more := engine.Compile(defs)
			if diags = append(diags, more...); diags.HasErrors() {
				t.Fatal(diags.Err())
			}
			eng := engine.New(engine.Config{})
			defer eng.Close()
			eng.Load(p)
			_, err := api.New(api.Config{Engine: eng, AdminToken: token})
			if err == nil || err.Error() != tc.want {
				t.Errorf("New: %v\nwant %s", err, tc.want)
			}
		})
	}
	eng := engine.New(engine.Config{})
	defer eng.Close()
	eng.Load(&engine.Program{})
	if _, err := api.New(api.Config{Engine: eng}); err == nil || !strings.Contains(err.Error(), "no admin token") {
		t.Errorf("New without a token: %v", err)
	}
	if _, err := api.New(api.Config{Engine: eng, AdminToken: token, JWTSecret: []byte("short")}); err == nil ||
		err.Error() != "api: the JWT secret is 5 bytes long; HS256 needs at least 32: set a longer FUNCSTACK_JWT_SECRET" {
		t.Errorf("New with a short JWT secret: %v", err)
	}
}

func writeFile(dir string, i int, raw []byte) error {
	return os.WriteFile(filepath.Join(dir, fmt.Sprintf("d%d.json", i)), raw, 0o644)
}

// TestToken: the token file is made once, then read back.
func TestToken(t *testing.T) {
	file := t.TempDir() + "/admin_token"
	tok, created, err := api.LoadOrCreateToken(file)
	if err != nil || !created || len(tok) != 43 {
		t.Fatalf("first: %q %v %v", tok, created, err)
	}
	again, created, err := api.LoadOrCreateToken(file)
	if err != nil || created || again != tok {
		t.Fatalf("second: %q %v %v; want %q", again, created, err, tok)
	}
	if fi, err := os.Stat(file); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("token file mode: %v %v", fi, err)
	}
	if a, b := api.NewToken(), api.NewToken(); a == b {
		t.Error("two tokens alike")
	}
}

// TestHealthzDown: a closed database makes /healthz answer 503.
func TestHealthzDown(t *testing.T) {
	st := backends[0].open(t)
	ts := newServer(t, st, api.Config{}, "../workflows")
	st.Close()
	resp, err := http.Get(ts.URL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 503 || !bytes.Contains(b, []byte(`"code":"unavailable"`)) {
		t.Errorf("%d %s", resp.StatusCode, b)
	}
}
