package api_test

import (
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/funcstack/funcstack/engine"
)

// TestAdminPublishWithDependencies: an endpoint whose function and table
// are drafts is refused naming them, listed by the dry run, and published
// with them in one request; the endpoint then answers.
func TestAdminPublishWithDependencies(t *testing.T) {
	const (
		notes = `{"kind": "table", "name": "t_notes", "fields": [{"name": "label", "type": "text"}]}`
		greet = `{"kind": "function", "name": "t_greet2", "input": [{"name": "who", "type": "text"}], "stack": [
			{"type": "db.query", "table": "t_notes", "as": "rows"}], "response": "'Hello, ' + input.who"}`
		hello = `{"kind": "endpoint", "name": "t_hello", "method": "GET", "path": "/t/hello/:who",
			"input": [{"name": "who", "type": "text"}],
			"stack": [{"type": "call", "function": "t_greet2", "input": {"who": "input.who"}, "as": "text"}], "response": "text"}`
		deps = `[{"name": "t_greet2", "kind": "function", "version": 1, "published": 0, "used_by": "t_hello",
				"reason": "t_hello calls t_greet2, which has never been published"},
			{"name": "t_notes", "kind": "table", "version": 1, "published": 0, "used_by": "t_greet2",
				"reason": "t_greet2 uses the table t_notes, which has never been published"}]`
	)
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			_, ts := storeServer(t, b.open(t), 0)
			runAdmin(t, ts.URL, []adminCase{
				{name: "save the table", method: "POST", url: "/_/api/definitions", body: notes, status: 201},
				{name: "save the function", method: "POST", url: "/_/api/definitions", body: greet, status: 201},
				{name: "save the endpoint", method: "POST", url: "/_/api/definitions", body: hello, status: 201},
				{name: "the dry run lists the drafts", method: "GET", url: "/_/api/definitions/t_hello/dependencies", status: 200,
					want: map[string]any{"": `{"name": "t_hello", "version": 1, "dependencies": ` + deps + `, "ok": true, "diagnostics": []}`}},
				{name: "publishing alone is refused in words", method: "POST", url: "/_/api/definitions/t_hello/publish", status: 409,
					want: map[string]any{"": `{"error": {"code": "needs_dependencies", "definition": "t_hello",
						"message": "t_hello cannot be published alone: t_hello calls t_greet2, which has never been published; t_greet2 uses the table t_notes, which has never been published; publish them with t_hello; nothing was published",
						"dependencies": ` + deps + `}}`}},
				{name: "nothing was published", method: "GET", url: "/t/hello/ann", status: 404},
				{name: "publish with dependencies", method: "POST", url: "/_/api/definitions/t_hello/publish", body: `{"with_dependencies": true}`, status: 200,
					want: map[string]any{"": `{"name": "t_hello", "published": 1, "dependencies": ` + deps + `}`}},
				{name: "the endpoint answers", method: "GET", url: "/t/hello/ann", status: 200, want: map[string]any{"": `"Hello, ann"`}},
				{name: "nothing left to publish with it", method: "GET", url: "/_/api/definitions/t_hello/dependencies", status: 200,
					want: map[string]any{"": `{"name": "t_hello", "version": 1, "dependencies": [], "ok": true, "diagnostics": []}`}},
				{name: "the dry run of an unknown name", method: "GET", url: "/_/api/definitions/t_helo/dependencies", status: 404,
					want: map[string]any{"": `{"error": {"code": "not_found", "definition": "t_helo", "message": "no definition named \"t_helo\" (did you mean \"t_hello\"?)"}}`}},
			})
		})
	}
}

// TestAdminRenameUpdatesCallers: renaming a called function is refused
// naming its callers in words; with update_callers each caller gets a new
// version calling the new name (the live one published), and the
// endpoint keeps answering.
func TestAdminRenameUpdatesCallers(t *testing.T) {
	const (
		greet = `{"kind": "function", "name": "t_greet3", "input": [{"name": "who", "type": "text"}], "response": "'Hi, ' + input.who"}`
		hello = `{"kind": "endpoint", "name": "t_hello3", "method": "GET", "path": "/t/hello3/:who", "input": [{"name": "who", "type": "text"}],
			"stack": [{"type": "call", "function": "t_greet3", "input": {"who": "input.who"}, "as": "text"}], "response": "text"}`
	)
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			_, ts := storeServer(t, b.open(t), 0)
			runAdmin(t, ts.URL, []adminCase{
				{name: "save and publish the function", method: "POST", url: "/_/api/definitions?publish=true", body: greet, status: 201},
				{name: "save and publish the endpoint", method: "POST", url: "/_/api/definitions?publish=true", body: hello, status: 201},
				{name: "renaming is refused naming the callers", method: "POST", url: "/_/api/definitions/t_greet3/rename", body: `{"to": "t_say_hi"}`, status: 409,
					want: map[string]any{"": `{"error": {"code": "has_callers", "definition": "t_greet3", "callers": ["t_hello3"],
						"message": "t_greet3 is used by t_hello3; renaming it to t_say_hi changes it too (a new version of each, published where it was live)"}}`}},
				{name: "rename with the callers", method: "POST", url: "/_/api/definitions/t_greet3/rename", body: `{"to": "t_say_hi", "update_callers": true}`, status: 200,
					want: map[string]any{"": `{"name": "t_say_hi", "version": 1, "callers": [{"name": "t_hello3", "version": 2, "published": true}]}`}},
				{name: "the caller calls the new name", method: "GET", url: "/_/api/definitions/t_hello3", status: 200,
					want: map[string]any{"version": 2, "published": 2, "content.stack.0.function": "t_say_hi", "diagnostics": []any{}}},
				{name: "its version says why", method: "GET", url: "/_/api/definitions/t_hello3/versions", status: 200,
					want: map[string]any{"items.0.note": "calls t_say_hi, renamed from t_greet3"}},
				{name: "the endpoint still answers", method: "GET", url: "/t/hello3/ann", status: 200, want: map[string]any{"": `"Hi, ann"`}},
				{name: "a rename without callers answers an empty list", method: "POST", url: "/_/api/definitions/t_hello3/rename", body: `{"to": "t_hello4", "update_callers": true}`, status: 200,
					want: map[string]any{"": `{"name": "t_hello4", "version": 2, "callers": []}`}},
			})
		})
	}
}

// TestAdminTestToken: the admin API mints a JWT with the server's secret
// that a jwt endpoint accepts; bad lifetimes are refused in words; it
// needs the admin token.
func TestAdminTestToken(t *testing.T) {
	const me = `{"kind": "endpoint", "name": "t_me", "method": "GET", "path": "/t/me", "auth": "jwt", "response": "auth.sub"}`
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			_, ts := storeServer(t, b.open(t), 0)
			var tok string
			runAdmin(t, ts.URL, []adminCase{
				{name: "publish a jwt endpoint", method: "POST", url: "/_/api/definitions?publish=true", body: me, status: 201},
				{name: "mint a token", method: "POST", url: "/_/api/test-token", body: `{"claims": {"sub": "user-7"}, "expires_in": "10m"}`, status: 200,
					afterRequest: func(t *testing.T, body []byte) { tok, _ = at(t, body, "token").(string) }},
				{name: "too long a life", method: "POST", url: "/_/api/test-token", body: `{"claims": {}, "expires_in": "30d"}`, status: 400,
					want: map[string]any{"": `{"error": {"code": "bad_request", "message": "expires_in: \"30d\" is not a duration from 1s to 24h, such as \"1h\"; send {\"claims\": {\"sub\": 1}, \"expires_in\": \"1h\"}"}}`}},
				{name: "admin only", method: "POST", url: "/_/api/test-token", body: `{"claims": {}}`, noAuth: true, status: 401},
			})
			req, _ := http.NewRequest("GET", ts.URL+"/t/me", nil)
			req.Header.Set("Authorization", "Bearer "+tok)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != 200 || string(body) != `"user-7"` {
				t.Errorf("GET /t/me with the minted token: %d %s, want 200 \"user-7\"", res.StatusCode, body)
			}
		})
	}
}

// TestAdminTestInputs: named test inputs are kept on the server per
// definition, follow a rename, are exported beside the definitions and
// imported back.
func TestAdminTestInputs(t *testing.T) {
	const fn = `{"kind": "function", "name": "t_sum", "input": [{"name": "n", "type": "int"}], "response": "input.n"}`
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			_, ts := storeServer(t, b.open(t), 0)
			runAdmin(t, ts.URL, []adminCase{
				{name: "save", method: "POST", url: "/_/api/definitions", body: fn, status: 201},
				{name: "none yet", method: "GET", url: "/_/api/definitions/t_sum/test-inputs", status: 200, want: map[string]any{"": `{"items": []}`}},
				{name: "keep one", method: "PUT", url: "/_/api/definitions/t_sum/test-inputs/three", body: `{"n": 3}`, status: 200,
					want: map[string]any{"name": "three", "input": map[string]any{"n": 3}}},
				{name: "keep another", method: "PUT", url: "/_/api/definitions/t_sum/test-inputs/big%20one", body: `{"n": 1000}`, status: 200},
				{name: "replace one", method: "PUT", url: "/_/api/definitions/t_sum/test-inputs/three", body: `{"n": 33}`, status: 200},
				{name: "not an object", method: "PUT", url: "/_/api/definitions/t_sum/test-inputs/x", body: `[1]`, status: 400,
					want: map[string]any{"": `{"error": {"code": "invalid_input", "message": "the request body must be a JSON object such as {\"n\": 20}, got a list"}}`}},
				{name: "an unknown definition", method: "PUT", url: "/_/api/definitions/t_sun/test-inputs/x", body: `{}`, status: 404,
					want: map[string]any{"": `{"error": {"code": "not_found", "definition": "t_sun", "message": "no definition named \"t_sun\" (did you mean \"t_sum\"?)"}}`}},
				{name: "rename", method: "POST", url: "/_/api/definitions/t_sum/rename", body: `{"to": "t_total"}`, status: 200},
				{name: "listed by name under the new name", method: "GET", url: "/_/api/definitions/t_total/test-inputs", status: 200,
					want: map[string]any{"items.0.name": "big one", "items.0.input": map[string]any{"n": 1000}, "items.1.name": "three", "items.1.input": map[string]any{"n": 33}, "items.2": nil}},
				{name: "exported beside the definitions", method: "GET", url: "/_/api/export", status: 200,
					want: map[string]any{"test_inputs.t_total.0.name": "big one", "test_inputs.t_total.1.input": map[string]any{"n": 33}}},
				{name: "delete one", method: "DELETE", url: "/_/api/definitions/t_total/test-inputs/three", status: 204},
				{name: "delete it again", method: "DELETE", url: "/_/api/definitions/t_total/test-inputs/three", status: 404,
					want: map[string]any{"": `{"error": {"code": "not_found", "definition": "t_total", "message": "definition t_total has no test input \"three\": not found"}}`}},
				{name: "import with test inputs", method: "POST", url: "/_/api/import", status: 200,
					body: `{"definitions": [` + fn + `], "publish": false, "test_inputs": {"t_sum": [{"name": "five", "input": {"n": 5}}], "t_other": [{"name": "x", "input": {}}]}}`},
				{name: "imported", method: "GET", url: "/_/api/definitions/t_sum/test-inputs", status: 200,
					want: map[string]any{"items.0.name": "five", "items.0.input": map[string]any{"n": 5}, "items.1": nil}},
			})
		})
	}
}

// TestAdminDefinitionFields: the builder's settings form reads the
// registered definition fields with their schemas.
func TestAdminDefinitionFields(t *testing.T) {
	_, ts := storeServer(t, backends[0].open(t), 0)
	want, err := json.Marshal(engine.DefinitionFields())
	if err != nil {
		t.Fatal(err)
	}
	runAdmin(t, ts.URL, []adminCase{
		{name: "the fields", method: "GET", url: "/_/api/definition-fields", status: 200, want: map[string]any{
			"": string(want), "0.name": "auth", "1.name": "cors", "2.name": "rate_limit", "2.kinds": []any{"endpoint", "function"},
			"2.schema.required": []any{"limit", "window"}}},
		{name: "admin only", method: "GET", url: "/_/api/definition-fields", noAuth: true, status: 401},
	})
}
