package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/funcstack/funcstack/api"
	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/store"
	"github.com/funcstack/funcstack/engine/store/storetest"
)

// publishWorkspace saves and publishes every definition of dirs in st and
// syncs their tables, as funcstack serve does.
func publishWorkspace(t testing.TB, st *store.Store, dirs ...string) {
	t.Helper()
	ctx := context.Background()
	var defs []*engine.Definition
	for _, dir := range dirs {
		d, diags := engine.LoadWorkspace(dir)
		if diags.HasErrors() {
			t.Fatalf("%s: %v", dir, diags.Err())
		}
		defs = append(defs, d...)
	}
	if err := st.SyncTables(ctx, defs, false); err != nil {
		t.Fatal(err)
	}
	for _, d := range defs {
		v, _, err := st.SaveDefinition(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		if err := st.Publish(ctx, d.Name, v); err != nil {
			t.Fatal(err)
		}
	}
}

// storeServer serves what st has published, reloading as serve does.
func storeServer(t testing.TB, st *store.Store, interval time.Duration) (*api.Server, *httptest.Server) {
	t.Helper()
	eng := engine.New(engine.Config{DB: st, Store: st.Executions(), Secrets: map[string][]byte{engine.SecretJWT: []byte(jwtSecret)}})
	t.Cleanup(eng.Close)
	p, disabled, err := api.CompilePublished(context.Background(), st)
	if err != nil || len(disabled) > 0 {
		t.Fatalf("compiling the published definitions: %v %v", err, disabled)
	}
	eng.Load(p)
	logger := slog.New(slog.NewTextHandler(testLog{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	srv, err := api.New(api.Config{Engine: eng, Store: st, AdminToken: token, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	if interval > 0 {
		go srv.Watch(ctx, interval)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return srv, ts
}

// adminCall makes one request (with the admin token when admin) and returns
// the status and body.
func adminCall(t testing.TB, base, method, url, body string, admin bool) (int, []byte) {
	t.Helper()
	st, _, b := call(t, method, base+url, body, admin)
	return st, b
}

// at reads a value of a JSON body by a dotted path (list indexes as
// numbers): at(b, "items.0.name").
func at(t testing.TB, body []byte, path string) any {
	t.Helper()
	var v any
	d := json.NewDecoder(strings.NewReader(string(body)))
	d.UseNumber()
	if err := d.Decode(&v); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, body)
	}
	if path == "" {
		return v
	}
	for _, k := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			v = x[k]
		case []any:
			i, err := strconv.Atoi(k)
			if err != nil || i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	if n, ok := v.(json.Number); ok {
		if i, err := n.Int64(); err == nil {
			return int(i)
		}
		f, _ := n.Float64()
		return f
	}
	return v
}

// adminCase is one request to the admin API and what the answer holds:
// the status, and values at paths of the JSON body (see at); "" names the
// whole body normalised (see normalise).
type adminCase struct {
	name         string
	method, url  string
	body         string
	noAuth       bool
	status       int
	want         map[string]any
	contains     []string // substrings of the body
	wantNoBody   bool
	afterRequest func(t *testing.T, body []byte)
}

func runAdmin(t *testing.T, base string, cases []adminCase) {
	t.Helper()
	for _, tc := range cases {
		st, body := adminCall(t, base, tc.method, tc.url, tc.body, !tc.noAuth)
		if st != tc.status {
			t.Errorf("%s: %s %s: status %d, want %d\n%s", tc.name, tc.method, tc.url, st, tc.status, body)
			continue
		}
		if tc.wantNoBody {
			if len(body) != 0 {
				t.Errorf("%s: want no body, got %s", tc.name, body)
			}
			continue
		}
		for path, w := range tc.want {
			var g any
			if path == "" {
				g = normalise(t, body)
				w = normalise(t, []byte(w.(string)))
			} else {
				g = at(t, body, path)
			}
			if gb, _ := json.Marshal(g); string(gb) != mustJSON(w) {
				t.Errorf("%s: %s %s: %s = %s, want %s\n%s", tc.name, tc.method, tc.url, path, gb, mustJSON(w), body)
			}
		}
		for _, s := range tc.contains {
			if !strings.Contains(string(body), s) {
				t.Errorf("%s: %s %s: body lacks %q\n%s", tc.name, tc.method, tc.url, s, body)
			}
		}
		if tc.afterRequest != nil {
			tc.afterRequest(t, body)
		}
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

const double = `{"kind": "function", "name": "t_double", "input": [{"name": "x", "type": "int", "required": true}],
	"stack": [{"type": "var", "name": "y", "value": "input.x * 2"}, {"type": "log", "value": "y"}], "response": "{y: y}"}`

const doubleEndpoint = `{"kind": "endpoint", "name": "t_double_api", "method": "GET", "path": "/t/double/:x",
	"input": [{"name": "x", "type": "int", "required": true}],
	"stack": [{"type": "call", "function": "t_double", "input": {"x": "input.x"}, "as": "r"}], "response": "r"}`

// doubleZ is t_double with its input renamed: it breaks t_double_api.
var doubleZ = strings.NewReplacer(`"x"`, `"z"`, "input.x", "input.z").Replace(double)

func TestAdminDefinitions(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			st := b.open(t)
			publishWorkspace(t, st, "../workflows")
			_, ts := storeServer(t, st, 0)
			runAdmin(t, ts.URL, []adminCase{
				// The workspace is listed, sorted by kind then name.
				{name: "list", method: "GET", url: "/_/api/definitions", status: 200, want: map[string]any{
					"items.0.name": "api_login", "items.0.kind": "endpoint", "items.0.method": "POST", "items.0.path": "/api/login",
					"items.0.latest": 1, "items.0.published": 1, "items.0.draft": false}},
				{name: "get", method: "GET", url: "/_/api/definitions/sum_squares", status: 200, want: map[string]any{
					"name": "sum_squares", "kind": "function", "version": 1, "latest": 1, "published": 1,
					"content.stack.0.name": "total", "diagnostics": []any{}}},
				{name: "unknown, did you mean", method: "GET", url: "/_/api/definitions/sum_square", status: 404, want: map[string]any{
					"": `{"error": {"code": "not_found", "definition": "sum_square", "message": "no definition named \"sum_square\" (did you mean \"sum_squares\"?)"}}`}},
				{name: "unknown version", method: "GET", url: "/_/api/definitions/sum_squares?version=9", status: 404,
					contains: []string{"definition sum_squares has no version 9 (newest: 1)"}},
				{name: "bad version", method: "GET", url: "/_/api/definitions/sum_squares?version=x", status: 400,
					contains: []string{`query parameter version=\"x\" must be a whole number`}},

				// Create.
				{name: "create", method: "POST", url: "/_/api/definitions", body: double, status: 201, want: map[string]any{
					"": `{"name": "t_double", "version": 1, "changed": true, "published": false, "diagnostics": []}`}},
				{name: "create again", method: "POST", url: "/_/api/definitions", body: double, status: 409,
					contains: []string{"a definition named t_double already exists"}},
				{name: "create bad JSON", method: "POST", url: "/_/api/definitions", body: `{"kind": "function",`, status: 400,
					want: map[string]any{"error.code": "invalid_json"}},
				{name: "create empty", method: "POST", url: "/_/api/definitions", status: 400,
					contains: []string{"the request body is empty; send a definition as JSON"}},
				{name: "create invalid", method: "POST", url: "/_/api/definitions", status: 422,
					body: `{"kind": "function", "name": "t_bad", "stack": [{"type": "var", "name": "total", "value": "0"}, {"type": "set", "name": "total", "value": "totl + 1"}], "response": "total"}`,
					want: map[string]any{"error.code": "invalid_definition", "error.diagnostics.0.definition": "t_bad",
						"error.diagnostics.0.path": "stack[1].value", "error.diagnostics.0.severity": "error"},
					contains: []string{"unknown name totl"}},
				{name: "create with a bad kind", method: "POST", url: "/_/api/definitions", status: 422,
					body: `{"kind": "fuction", "name": "t_bad"}`,
					want: map[string]any{"error.diagnostics.0.path": "kind", "error.diagnostics.0.message": `unknown kind "fuction" (did you mean "function"?)`}},
				{name: "create calling an unknown function", method: "POST", url: "/_/api/definitions", status: 422,
					body: `{"kind": "function", "name": "t_bad", "stack": [{"type": "call", "function": "t_dubble", "input": {}, "as": "r"}], "response": "r"}`,
					want: map[string]any{"error.diagnostics.0.path": "stack[0].function"}},
				{name: "draft is not served", method: "POST", url: "/function/t_double", body: `{"x": 2}`, status: 404},

				// Update and publish.
				{name: "endpoint calling a draft: refused, naming it", method: "POST", url: "/_/api/definitions?publish=true", body: doubleEndpoint, status: 409,
					want: map[string]any{"": `{"error": {"code": "needs_dependencies", "definition": "t_double_api",
						"message": "t_double_api cannot be published alone: t_double_api calls t_double, which has never been published; publish it with t_double_api; nothing was published",
						"dependencies": [{"name": "t_double", "kind": "function", "version": 1, "published": 0, "used_by": "t_double_api",
							"reason": "t_double_api calls t_double, which has never been published"}]}}`}},
				{name: "publish t_double", method: "POST", url: "/_/api/definitions/t_double/publish", status: 200,
					want: map[string]any{"": `{"name": "t_double", "published": 1}`}},
				{name: "endpoint published at once", method: "POST", url: "/_/api/definitions?publish=true", body: doubleEndpoint, status: 201,
					want: map[string]any{"published": true, "version": 1}},
				{name: "served now", method: "GET", url: "/t/double/4", status: 200, want: map[string]any{"": `{"y": 8}`}},
				{name: "update unchanged", method: "PUT", url: "/_/api/definitions/t_double", body: double, status: 200,
					want: map[string]any{"version": 1, "changed": false}},
				{name: "update", method: "PUT", url: "/_/api/definitions/t_double",
					body: strings.Replace(double, "input.x * 2", "input.x * 3", 1), status: 200,
					want: map[string]any{"version": 2, "changed": true, "published": false}},
				{name: "still the published version", method: "GET", url: "/t/double/4", status: 200, want: map[string]any{"": `{"y": 8}`}},
				{name: "update and publish", method: "PUT", url: "/_/api/definitions/t_double?publish=true",
					body: strings.Replace(double, "input.x * 2", "input.x * 5", 1), status: 200,
					want: map[string]any{"version": 3, "published": true}},
				{name: "the new version serves at once", method: "GET", url: "/t/double/4", status: 200, want: map[string]any{"": `{"y": 20}`}},
				{name: "update name mismatch", method: "PUT", url: "/_/api/definitions/t_triple", body: double, status: 400,
					contains: []string{`the definition's name is \"t_double\" but the URL names \"t_triple\"`}},
				{name: "update unknown", method: "PUT", url: "/_/api/definitions/t_doubel", body: strings.Replace(double, "t_double", "t_doubel", 1), status: 404,
					contains: []string{`(did you mean \"t_double\"?)`}},
				{name: "publishing a breaking version is refused", method: "PUT", url: "/_/api/definitions/t_double?publish=true",
					body: doubleZ, status: 422,
					want:     map[string]any{"error.diagnostics.0.definition": "t_double_api", "error.diagnostics.0.path": "stack[0].input.x"},
					contains: []string{"would break the published workspace; nothing was published"}},
				{name: "nothing saved", method: "GET", url: "/_/api/definitions/t_double", status: 200, want: map[string]any{"version": 3}},
				{name: "save the breaking draft", method: "PUT", url: "/_/api/definitions/t_double", body: doubleZ, status: 200,
					want: map[string]any{"version": 4, "diagnostics.0.severity": "warning", "diagnostics.0.definition": "t_double_api"}},
				{name: "publishing the draft is refused", method: "POST", url: "/_/api/definitions/t_double/publish", body: `{"version": 4}`, status: 422,
					want: map[string]any{"error.diagnostics.0.definition": "t_double_api"}},
				{name: "publish unknown version", method: "POST", url: "/_/api/definitions/t_double/publish", body: `{"version": 40}`, status: 404},
				{name: "publish bad version", method: "POST", url: "/_/api/definitions/t_double/publish", body: `{"version": "x"}`, status: 400},

				// Versions, diff, restore.
				{name: "versions", method: "GET", url: "/_/api/definitions/t_double/versions", status: 200, want: map[string]any{
					"items.0.version": 4, "items.0.published": false, "items.1.version": 3, "items.1.published": true, "items.3.version": 1}},
				{name: "diff", method: "GET", url: "/_/api/definitions/t_double/diff?from=1&to=2", status: 200, want: map[string]any{
					"from": 1, "to": 2, "changes": []any{map[string]any{"path": "stack[0].value", "op": "replace", "old": "input.x * 2", "new": "input.x * 3"}}},
					contains: []string{`--- v1\n+++ v2\n@@ `, `-      \"value\": \"input.x * 2\"\n+      \"value\": \"input.x * 3\"`}},
				{name: "diff default: published to newest", method: "GET", url: "/_/api/definitions/t_double/diff", status: 200, want: map[string]any{
					"from": 3, "to": 4}},
				{name: "diff out of range", method: "GET", url: "/_/api/definitions/t_double/diff?from=0", status: 400},
				{name: "restore", method: "POST", url: "/_/api/definitions/t_double/restore", body: `{"version": 3}`, status: 200,
					want: map[string]any{"": `{"name": "t_double", "version": 5}`}},
				{name: "restore without version", method: "POST", url: "/_/api/definitions/t_double/restore", body: `{}`, status: 400},
				{name: "restore unknown", method: "POST", url: "/_/api/definitions/t_doubl/restore", body: `{"version": 1}`, status: 404,
					contains: []string{`did you mean \"t_double\"`}},

				// Validate without saving.
				{name: "validate ok", method: "POST", url: "/_/api/validate", body: double, status: 200, want: map[string]any{"ok": true}},
				{name: "validate breaking change names the callers", method: "POST", url: "/_/api/validate",
					body: doubleZ, status: 200,
					want: map[string]any{"ok": false, "diagnostics.0.definition": "t_double_api", "diagnostics.0.path": "stack[0].input.x"}},
				{name: "validate a list", method: "POST", url: "/_/api/validate", status: 200,
					body: `{"definitions": [{"kind": "function", "name": "t_a", "stack": [{"type": "if", "cond": "nope", "then": []}]}, {"kind": "table", "name": "t_b", "fields": [{"name": "x", "type": "txt"}]}]}`,
					want: map[string]any{"ok": false, "diagnostics.0.definition": "t_a", "diagnostics.0.path": "stack[0].cond",
						"diagnostics.1.definition": "t_b", "diagnostics.1.path": "fields[0].type"}},

				// Delete and rename.
				{name: "delete a called function", method: "DELETE", url: "/_/api/definitions/sum_squares", status: 409,
					want: map[string]any{"error.message": "sum_squares is used by api_sum_squares; change them first, or delete with ?force=true (they then fail to compile and are not served)"}},
				{name: "rename a called function", method: "POST", url: "/_/api/definitions/sum_squares/rename", body: `{"to": "squares"}`, status: 409},
				{name: "rename", method: "POST", url: "/_/api/definitions/collatz/rename", body: `{"to": "collatz_steps"}`, status: 200,
					want: map[string]any{"": `{"name": "collatz_steps", "version": 1}`}},
				{name: "renamed keeps its history", method: "GET", url: "/_/api/definitions/collatz_steps", status: 200,
					want: map[string]any{"content.name": "collatz_steps", "published": 1}},
				{name: "renamed is served", method: "POST", url: "/function/collatz_steps", body: `{"n": 6}`, status: 200},
				{name: "old name gone", method: "POST", url: "/function/collatz", body: `{"n": 6}`, status: 404},
				{name: "rename to a taken name", method: "POST", url: "/_/api/definitions/collatz_steps/rename", body: `{"to": "sum_squares"}`, status: 409},
				{name: "rename to a bad name", method: "POST", url: "/_/api/definitions/collatz_steps/rename", body: `{"to": "Bad"}`, status: 400},
				{name: "rename a table", method: "POST", url: "/_/api/definitions/product/rename", body: `{"to": "products"}`, status: 400},
				{name: "delete the endpoint", method: "DELETE", url: "/_/api/definitions/t_double_api", status: 204, wantNoBody: true},
				{name: "its route is gone", method: "GET", url: "/t/double/4", status: 404},
				{name: "delete unknown", method: "DELETE", url: "/_/api/definitions/t_double_api", status: 404},
				{name: "force delete", method: "DELETE", url: "/_/api/definitions/sum_squares?force=true", status: 204},
				{name: "its caller is left out", method: "GET", url: "/api/sum-squares/3", status: 404},
				{name: "status names it", method: "GET", url: "/_/api/status", status: 200, want: map[string]any{"disabled.0.definition": "api_sum_squares"}},

				// Export and import.
				{name: "export", method: "GET", url: "/_/api/export", status: 200, want: map[string]any{"definitions.0.name": "api_login"}},
				{name: "import", method: "POST", url: "/_/api/import", status: 200,
					body: `{"definitions": [` + double + `, {"kind": "function", "name": "sum_squares", "input": [{"name": "n", "type": "int", "required": true}], "stack": [], "response": "input.n"}]}`,
					want: map[string]any{"": `{"created": ["sum_squares"], "updated": ["t_double"], "unchanged": []}`}},
				{name: "imported and published", method: "GET", url: "/api/sum-squares/3", status: 200, want: map[string]any{"": `3`}},
				{name: "import invalid", method: "POST", url: "/_/api/import", status: 422,
					body: `{"definitions": [{"kind": "function", "name": "t_x", "response": "nope"}]}`,
					want: map[string]any{"error.diagnostics.0.path": "response"}},
				{name: "import not a list", method: "POST", url: "/_/api/import", body: `{"definitions": 3}`, status: 400,
					contains: []string{"definitions must be a list"}},
				// The export is what is published; ?drafts=true adds the newest versions.
				{name: "save a draft", method: "POST", url: "/_/api/definitions", status: 201,
					body: `{"kind": "function", "name": "t_draft_only", "stack": [], "response": "1"}`},
				{name: "export leaves the draft out", method: "GET", url: "/_/api/export", status: 200, afterRequest: func(t *testing.T, body []byte) {
					if strings.Contains(string(body), "t_draft_only") {
						t.Errorf("the default export has the draft t_draft_only")
					}
				}},
				{name: "export with drafts", method: "GET", url: "/_/api/export?drafts=true", status: 200, contains: []string{`"name":"t_draft_only"`}},
				{name: "export with a bad drafts", method: "GET", url: "/_/api/export?drafts=yes", status: 400,
					want: map[string]any{"error.message": `drafts must be true or false, not "yes"`}},
			})
		})
	}
}

func TestAdminAuth(t *testing.T) {
	st := backends[0].open(t)
	publishWorkspace(t, st, "../workflows")
	_, ts := storeServer(t, st, 0)
	routes := [][2]string{
		{"GET", "/_/api/definitions"}, {"POST", "/_/api/definitions"}, {"GET", "/_/api/definitions/sum_squares"},
		{"PUT", "/_/api/definitions/sum_squares"}, {"DELETE", "/_/api/definitions/sum_squares"},
		{"POST", "/_/api/definitions/sum_squares/rename"}, {"POST", "/_/api/definitions/sum_squares/publish"},
		{"GET", "/_/api/definitions/sum_squares/versions"}, {"GET", "/_/api/definitions/sum_squares/diff"},
		{"POST", "/_/api/definitions/sum_squares/restore"}, {"POST", "/_/api/validate"}, {"GET", "/_/api/export"},
		{"POST", "/_/api/import"}, {"POST", "/_/api/run"}, {"GET", "/_/api/executions"},
		{"POST", "/_/api/executions/x/cancel"}, {"POST", "/_/api/executions/x/retry"}, {"GET", "/_/api/tables"},
		{"GET", "/_/api/tables/product/records"}, {"POST", "/_/api/tables/product/records"},
		{"PATCH", "/_/api/tables/product/records/1"}, {"DELETE", "/_/api/tables/product/records/1"}, {"GET", "/_/api/status"},
	}
	for _, r := range routes {
		for _, auth := range []string{"", "Bearer wrong", "Basic " + token} {
			req, _ := http.NewRequest(r[0], ts.URL+r[1], strings.NewReader(`{}`))
			if auth != "" {
				req.Header.Set("Authorization", auth)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 401 || !strings.Contains(string(b), `"code":"unauthorized"`) {
				t.Errorf("%s %s with %q: %d %s", r[0], r[1], auth, resp.StatusCode, b)
			}
		}
	}
	// Nothing changed.
	if s, b := adminCall(t, ts.URL, "GET", "/_/api/definitions/sum_squares", "", true); s != 200 || at(t, b, "latest") != 1 {
		t.Errorf("after refused requests: %d %s", s, b)
	}
}

// TestHotReloadAcrossNodes runs two servers on one database: what one
// publishes, the other serves within about a second, and what one
// deletes the other stops serving.
func TestHotReloadAcrossNodes(t *testing.T) {
	for _, b := range []struct {
		name string
		opts func(t *testing.T) store.Options
	}{
		{"sqlite", func(t *testing.T) store.Options { return store.Options{DataDir: t.TempDir()} }},
		{"postgres", func(t *testing.T) store.Options { return store.Options{DatabaseURL: storetest.PostgresURL(t)} }},
	} {
		t.Run(b.name, func(t *testing.T) {
			opt := b.opts(t)
			st1 := openStore(t, opt)
			publishWorkspace(t, st1, "../workflows")
			st2 := openStore(t, opt)
			_, a := storeServer(t, st1, time.Second)
			_, bsrv := storeServer(t, st2, time.Second)

			// Node A publishes t_double and an endpoint; A serves them at once.
			for _, d := range []string{double, doubleEndpoint} {
				if s, body := adminCall(t, a.URL, "POST", "/_/api/definitions?publish=true", d, true); s != 201 {
					t.Fatalf("publishing on A: %d %s", s, body)
				}
			}
			published := time.Now()
			if s, body := adminCall(t, a.URL, "GET", "/t/double/4", "", false); s != 200 || string(body) != `{"y":8}` {
				t.Fatalf("A right after publishing: %d %s", s, body)
			}
			// B serves them within about a second (its poll interval).
			waitFor(t, "B to serve the new endpoint", 3*time.Second, func() bool {
				s, body := adminCall(t, bsrv.URL, "GET", "/t/double/4", "", false)
				return s == 200 && string(body) == `{"y":8}`
			})
			t.Logf("%s: B served the endpoint published on A after %s", b.name, time.Since(published).Round(time.Millisecond))
			if d := time.Since(published); d > 2500*time.Millisecond {
				t.Errorf("B took %s to reload; want about the 1s poll interval", d)
			} else if b.name == "postgres" && d > 700*time.Millisecond {
				t.Errorf("B took %s to reload; on PostgreSQL the notification should wake it at once", d)
			}

			// A change on B reaches A.
			if s, body := adminCall(t, bsrv.URL, "PUT", "/_/api/definitions/t_double?publish=true", strings.Replace(double, "* 2", "* 7", 1), true); s != 200 {
				t.Fatalf("publishing on B: %d %s", s, body)
			}
			waitFor(t, "A to serve B's change", 3*time.Second, func() bool {
				_, body := adminCall(t, a.URL, "GET", "/t/double/4", "", false)
				return string(body) == `{"y":28}`
			})

			// A deletes the endpoint; B stops serving it.
			if s, body := adminCall(t, a.URL, "DELETE", "/_/api/definitions/t_double_api", "", true); s != 204 {
				t.Fatalf("deleting on A: %d %s", s, body)
			}
			waitFor(t, "B to drop the deleted endpoint", 3*time.Second, func() bool {
				s, _ := adminCall(t, bsrv.URL, "GET", "/t/double/4", "", false)
				return s == 404
			})
		})
	}
}

func waitFor(t *testing.T, what string, limit time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("waited %s for %s", limit, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestReloadUnderLoad publishes new versions while requests run: every
// request gets an answer from one version or the next, never an error.
func TestReloadUnderLoad(t *testing.T) {
	st := backends[0].open(t)
	publishWorkspace(t, st, "../workflows")
	_, ts := storeServer(t, st, 50*time.Millisecond)
	for _, d := range []string{double, doubleEndpoint} {
		if s, body := adminCall(t, ts.URL, "POST", "/_/api/definitions?publish=true", d, true); s != 201 {
			t.Fatalf("%d %s", s, body)
		}
	}
	stop := make(chan struct{})
	errs := make(chan string, 100)
	done := make(chan int)
	for range 2 {
		go func() {
			n := 0
			defer func() { done <- n }()
			for {
				select {
				case <-stop:
					return
				default:
				}
				s, body := adminCall(t, ts.URL, "GET", "/t/double/1", "", false)
				n++
				time.Sleep(time.Millisecond)
				if s != 200 || !strings.HasPrefix(string(body), `{"y":`) {
					select {
					case errs <- fmt.Sprintf("%d %s", s, body):
					default:
					}
				}
			}
		}()
	}
	for i := 2; i < 12; i++ {
		body := strings.Replace(double, "input.x * 2", "input.x * "+strconv.Itoa(i), 1)
		if s, b := adminCall(t, ts.URL, "PUT", "/_/api/definitions/t_double?publish=true", body, true); s != 200 {
			t.Fatalf("publishing version %d: %d %s", i, s, b)
		}
	}
	close(stop)
	total := 0
	for range 2 {
		total += <-done
	}
	close(errs)
	for e := range errs {
		t.Errorf("a request during reloads failed: %s", e)
	}
	if s, body := adminCall(t, ts.URL, "GET", "/t/double/1", "", false); string(body) != `{"y":11}` {
		t.Errorf("after the last publish: %d %s", s, body)
	}
	t.Logf("%d requests during 10 publishes", total)
}

// TestAdminBadBodies sends every admin route that takes a body malformed
// JSON, a body that is not an object, and a body that is not JSON.
func TestAdminBadBodies(t *testing.T) {
	st := backends[0].open(t)
	publishWorkspace(t, st, "../workflows")
	_, ts := storeServer(t, st, 0)
	routes := [][2]string{
		{"POST", "/_/api/definitions"}, {"PUT", "/_/api/definitions/sum_squares"},
		{"POST", "/_/api/definitions/sum_squares/rename"}, {"POST", "/_/api/definitions/sum_squares/publish"},
		{"POST", "/_/api/definitions/sum_squares/restore"}, {"POST", "/_/api/validate"}, {"POST", "/_/api/import"},
		{"POST", "/_/api/run"}, {"POST", "/_/api/tables/product/records"}, {"PATCH", "/_/api/tables/product/records/1"},
	}
	for _, r := range routes {
		for _, tc := range []struct {
			body, ctype string
			status      int
			code        string
		}{
			{`{"kind": "function",`, "application/json", 400, "invalid_json"},
			{`{"a": 1} x`, "application/json", 400, "invalid_json"},
			{`[1, 2]`, "application/json", 400, "invalid_input"},
			{`name=x`, "application/x-www-form-urlencoded", 415, "unsupported_media_type"},
		} {
			req, _ := http.NewRequest(r[0], ts.URL+r[1], strings.NewReader(tc.body))
			req.Header.Set("Authorization", "Bearer "+token)
			req.Header.Set("Content-Type", tc.ctype)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.status || at(t, b, "error.code") != tc.code {
				t.Errorf("%s %s with %q: %d %s; want %d %s", r[0], r[1], tc.body, resp.StatusCode, b, tc.status, tc.code)
			}
		}
	}
	// Nothing changed.
	if s, b := adminCall(t, ts.URL, "GET", "/_/api/definitions/sum_squares/versions", "", true); s != 200 || at(t, b, "items.1") != nil {
		t.Errorf("after refused requests: %d %s", s, b)
	}
}
