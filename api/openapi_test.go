package api_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"

	"github.com/funcstack/funcstack/api"
	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/enginetest"
)

// openapiValidator fetches /openapi.json, checks it against the OpenAPI
// 3.1 schema with libopenapi-validator and returns the validator and the
// document as plain JSON.
func openapiValidator(t *testing.T, base string) (validator.Validator, map[string]any) {
	t.Helper()
	status, h, b := call(t, "GET", base+"/openapi.json", "", false)
	if status != 200 || h.Get("Content-Type") != "application/json; charset=utf-8" {
		t.Fatalf("/openapi.json: %d %s %s", status, h.Get("Content-Type"), b)
	}
	doc, err := libopenapi.NewDocument(b)
	if err != nil {
		t.Fatal(err)
	}
	if v := doc.GetVersion(); v != "3.1.0" {
		t.Fatalf("version %s", v)
	}
	v, errs := validator.NewValidator(doc)
	if len(errs) > 0 {
		t.Fatalf("validator: %v", errs)
	}
	if ok, verrs := v.ValidateDocument(); !ok {
		for _, e := range verrs {
			t.Errorf("not valid OpenAPI 3.1: %s: %s", e.Message, e.Reason)
			for _, se := range e.SchemaValidationErrors {
				t.Errorf("  %s at %s", se.Reason, se.KeywordLocation)
			}
		}
		t.FailNow()
	}
	var plain map[string]any
	if err := json.Unmarshal(b, &plain); err != nil {
		t.Fatal(err)
	}
	return v, plain
}

// jsonAt walks a JSON document by keys.
func jsonAt(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// TestOpenAPI: the document is valid OpenAPI 3.1, says what each endpoint
// takes, and real requests and answers of the server conform to it.
func TestOpenAPI(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			ts := newServer(t, b.open(t), api.Config{}, "../workflows", "testdata/ws")
			v, doc := openapiValidator(t, ts.URL)

			checks := []struct{ what, want string }{
				{jsonOf(jsonAt(doc, "paths", "/api/sum-squares/{n}", "get", "parameters")),
					`[{"in":"path","name":"n","required":true,"schema":{"maximum":100000,"minimum":0,"type":"integer"}}]`},
				{jsonOf(jsonAt(doc, "paths", "/api/products/low-stock", "get", "parameters")),
					`[{"in":"query","name":"below","schema":{"default":5,"type":"integer"}}]`},
				{jsonOf(jsonAt(doc, "paths", "/api/signup", "post", "requestBody")),
					`{"content":{"application/json":{"schema":{"properties":{"email":{"format":"email","type":"string"},"password":{"maxLength":72,"minLength":8,"type":"string","writeOnly":true}},"required":["email","password"],"type":"object"}}},"required":true}`},
				{jsonOf(jsonAt(doc, "paths", "/api/orders", "post", "security")), `[{"jwt":[]}]`},
				{jsonOf(jsonAt(doc, "paths", "/api/signup", "post", "security")), `null`},
				{jsonOf(jsonAt(doc, "components", "securitySchemes")),
					`{"jwt":{"bearerFormat":"JWT","description":"An HS256 token with exp, signed with the server's JWT secret (the auth.token step makes them).","scheme":"bearer","type":"http"}}`},
				{jsonOf(jsonAt(doc, "paths", "/t/things/{id}", "delete", "responses", "204")), `{"description":"Done; no content."}`},
				{jsonOf(jsonAt(doc, "paths", "/t/guarded", "get", "parameters")), `[{"in":"query","name":"user","schema":{"type":"string"}}]`},
				{jsonOf(jsonAt(doc, "paths", "/t/doubled/{n}", "post", "parameters")), `[{"in":"path","name":"n","required":true,"schema":{"type":"integer"}}]`},
				{jsonOf(jsonAt(doc, "paths", "/api/orders", "post", "responses", "401")), `{"$ref":"#/components/responses/Error"}`},
				// A declared output is the success response's schema.
				{jsonOf(jsonAt(doc, "paths", "/api/sum-squares/{n}", "get", "responses", "200", "content", "application/json", "schema")),
					`{"properties":{"label":{"enum":["big","small"],"type":"string"},"total":{"type":"integer"}},"required":["total","label"],"type":"object"}`},
				// Public functions are documented under /function and /async-function.
				{jsonOf(jsonAt(doc, "paths", "/function/collatz", "post", "requestBody")),
					`{"content":{"application/json":{"schema":{"properties":{"n":{"minimum":1,"type":"integer"}},"required":["n"],"type":"object"}}},"required":true}`},
				{jsonOf(jsonAt(doc, "paths", "/function/collatz", "post", "responses", "200", "content", "application/json", "schema", "required")), `["n","steps"]`},
				{jsonOf(jsonAt(doc, "paths", "/async-function/collatz", "post", "responses", "202")),
					`{"content":{"application/json":{"schema":{"$ref":"#/components/schemas/Promoted"}}},"description":"Queued.","headers":{"X-Call-Id":{"description":"the execution ID","schema":{"format":"uuid","type":"string"}}}}`},
				{jsonOf(jsonAt(doc, "paths", "/function/sum_squares")), `null`}, // private: needs the admin token
			}
			for _, c := range checks {
				if c.what != c.want {
					t.Errorf("got  %s\nwant %s", c.what, c.want)
				}
			}

			// Real exchanges conform to the document.
			// (A request the document says is bad is checked for its answer
			// only.)
			exchanges := []struct {
				method, url, body string
				bad               bool
			}{
				{"GET", "/api/sum-squares/20", "", false},
				{"GET", "/api/sum-squares/x", "", true},
				{"GET", "/api/products/low-stock?below=5", "", false},
				{"POST", "/api/products/apple/restock", `{"qty": 2, "name": "Apple", "price": 0.5}`, false},
				{"POST", "/api/signup", `{"email": "ada@example.com", "password": "correct horse"}`, false},
				{"POST", "/api/signup", `{"email": "ada@example.com", "password": "correct horse"}`, false}, // 409
				{"GET", "/api/me", "", true},                                                                // 401
				{"POST", "/t/doubled/7", "", false},                                                         // 422 from middleware
				{"POST", "/function/collatz", `{"n": 6}`, false},
				{"POST", "/function/collatz", `{"n": 0}`, true}, // 400
				{"POST", "/async-function/collatz", `{"n": 6}`, false},
			}
			for _, x := range exchanges {
				var body io.Reader
				if x.body != "" {
					body = strings.NewReader(x.body)
				}
				req, _ := http.NewRequest(x.method, ts.URL+x.url, body)
				if x.body != "" {
					req.Header.Set("Content-Type", "application/json")
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				rb, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				resp.Body = io.NopCloser(bytes.NewReader(rb))
				vreq, _ := http.NewRequest(x.method, x.url, strings.NewReader(x.body))
				vreq.Header = req.Header
				check := v.ValidateHttpRequestResponse
				if x.bad {
					check = v.ValidateHttpResponse
				}
				if ok, errs := check(vreq, resp); !ok {
					for _, e := range errs {
						t.Errorf("%s %s → %d %s: %s: %s", x.method, x.url, resp.StatusCode, rb, e.Message, e.Reason)
					}
				}
			}
		})
	}
}

// TestOpenAPIFollowsTheProgram: loading another program changes the
// document at once.
func TestOpenAPIFollowsTheProgram(t *testing.T) {
	compile := func(defs ...string) *engine.Program {
		var ds []*engine.Definition
		var diags engine.Diagnostics
		for i, d := range defs {
			ds = append(ds, engine.ParseDefinition("d"+string(rune('0'+i))+".json", []byte(d), &diags))
		}
		p, more := engine.Compile(ds)
		if diags = append(diags, more...); diags.HasErrors() {
			t.Fatal(diags.Err())
		}
		return p
	}
	eng := engine.New(engine.Config{})
	defer eng.Close()
	eng.Load(compile(`{"kind": "endpoint", "name": "one", "method": "GET", "path": "/one", "stack": []}`))
	srv, err := api.New(api.Config{Engine: eng, AdminToken: token, Logger: slog.New(slog.NewTextHandler(testLog{t}, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	_, doc := openapiValidator(t, ts.URL)
	if got := jsonOf(jsonAt(doc, "paths", "/one", "get", "operationId")); got != `"one"` {
		t.Fatalf("first program: %s", jsonOf(doc["paths"]))
	}
	eng.Load(compile(`{"kind": "endpoint", "name": "two", "method": "POST", "path": "/two/:id", "promote_after": "1s",
		"input": [{"name": "id", "type": "uuid"}, {"name": "at", "type": "timestamp", "list": true, "max": 3}, {"name": "meta", "type": "json"}], "stack": []}`))
	_, doc = openapiValidator(t, ts.URL)
	if p := jsonOf(doc["paths"]); strings.Contains(p, `"/one"`) {
		t.Errorf("the old endpoint is still documented: %s", p)
	}
	op := jsonAt(doc, "paths", "/two/{id}", "post")
	for _, c := range []struct{ got, want string }{
		{jsonOf(jsonAt(op, "parameters")), `[{"in":"path","name":"id","required":true,"schema":{"format":"uuid","type":"string"}}]`},
		{jsonOf(jsonAt(op, "requestBody")), `{"content":{"application/json":{"schema":{"properties":{"at":{"items":{"anyOf":[{"format":"date-time","type":"string"},{"format":"date","type":"string"},{"description":"Unix milliseconds","type":"integer"}]},"maxItems":3,"type":"array"},"meta":{}},"type":"object"}}},"required":false}`},
		{jsonOf(jsonAt(op, "responses", "202", "content")), `{"application/json":{"schema":{"$ref":"#/components/schemas/Promoted"}}}`},
	} {
		if c.got != c.want {
			t.Errorf("got  %s\nwant %s", c.got, c.want)
		}
	}
}

// TestOpenAPIAfterPublish: an endpoint published through the admin API is
// in /openapi.json at once, and gone once deleted; on both backends.
func TestOpenAPIAfterPublish(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			st := b.open(t)
			publishWorkspace(t, st, "../workflows")
			_, ts := storeServer(t, st, 0)
			_, doc := openapiValidator(t, ts.URL)
			if jsonAt(doc, "paths", "/api/hello/{who}") != nil {
				t.Fatal("documented before it exists")
			}
			def := `{"kind": "endpoint", "name": "api_hello", "method": "GET", "path": "/api/hello/:who", "description": "greets",
				"input": [{"name": "who", "type": "text", "max": 20}, {"name": "loud", "type": "bool", "default": false}], "stack": [], "response": "'hello ' + input.who"}`
			if st, body := adminCall(t, ts.URL, "POST", "/_/api/definitions", def, true); st != 201 {
				t.Fatalf("create: %d %s", st, body)
			}
			if st, body := adminCall(t, ts.URL, "POST", "/_/api/definitions/api_hello/publish", "", true); st != 200 {
				t.Fatalf("publish: %d %s", st, body)
			}
			_, doc = openapiValidator(t, ts.URL)
			if got, want := jsonOf(jsonAt(doc, "paths", "/api/hello/{who}", "get", "parameters")),
				`[{"in":"path","name":"who","required":true,"schema":{"maxLength":20,"type":"string"}},{"in":"query","name":"loud","schema":{"default":false,"type":"boolean"}}]`; got != want {
				t.Errorf("published endpoint:\n got %s\nwant %s", got, want)
			}
			// It is served, counted and labelled with its route and name.
			if st, body := adminCall(t, ts.URL, "GET", "/api/hello/ada", "", false); st != 200 || string(body) != `"hello ada"` {
				t.Errorf("GET /api/hello/ada: %d %s", st, body)
			}
			k := sortLabels(`funcstack_http_requests_total{method=GET,route=/api/hello/:who,endpoint=api_hello,status=200}`)
			if n := scrape(t, ts.URL)[k]; n != 1 {
				t.Errorf("%s = %v, want 1", k, n)
			}
			if st, body := adminCall(t, ts.URL, "DELETE", "/_/api/definitions/api_hello", "", true); st != 204 {
				t.Fatalf("delete: %d %s", st, body)
			}
			_, doc = openapiValidator(t, ts.URL)
			if jsonAt(doc, "paths", "/api/hello/{who}") != nil {
				t.Error("still documented after it was deleted")
			}
		})
	}
}

// TestOpenAPIAnswerSchema: without a declared output, the schema of an
// endpoint's response is what the compiler knows of its answer.
func TestOpenAPIAnswerSchema(t *testing.T) {
	cases := []struct{ stack, response, want string }{
		{`[]`, `"1 + 2"`, `{"type":"integer"}`},
		{`[]`, `"'a' + 'b'"`, `{"type":"string"}`},
		{`[]`, `"1.5 * input.n"`, `{"type":"number"}`},
		{`[]`, `"1..3"`, `{"items":{"type":"integer"},"type":"array"}`},
		{`[{"type": "if", "cond": "input.n > 1", "then": [{"type": "return", "value": "input.n"}]}]`, `"0"`, `{"type":"integer"}`},
		{`[{"type": "if", "cond": "input.n > 1", "then": [{"type": "return", "value": "'many'"}]}]`, `"0"`, `{}`}, // disagree
		{`[]`, `"{a: 1}"`, `{}`}, // an object: fields unknown
		{`[{"type": "if", "cond": "input.n > 1", "then": [{"type": "return"}]}]`, `"0"`, `{}`}, // null
		{`[]`, `"now()"`, `{"format":"date-time","type":"string"}`},
	}
	for _, c := range cases {
		p := enginetest.Compile(t, `{"kind": "endpoint", "name": "e", "method": "GET", "path": "/e",
			"input": [{"name": "n", "type": "int", "required": true}], "stack": `+c.stack+`, "response": `+c.response+`}`)
		got := jsonOf(jsonAt(api.OpenAPI(p), "paths", "/e", "get", "responses", "200", "content", "application/json", "schema"))
		if got != c.want {
			t.Errorf("stack %s response %s: schema %s, want %s", c.stack, c.response, got, c.want)
		}
	}
}

// TestOpenAPISecurity: each accepted way of signing in is an alternative
// security requirement, with its scheme.
func TestOpenAPISecurity(t *testing.T) {
	p := enginetest.Compile(t, `{"kind": "endpoint", "name": "e", "method": "GET", "path": "/e", "auth": ["jwt", "api_key"], "stack": [], "response": "1"}`,
		`{"kind": "endpoint", "name": "k", "method": "GET", "path": "/k", "auth": "api_key", "stack": [], "response": "1"}`)
	doc := api.OpenAPI(p)
	for _, c := range []struct{ got, want string }{
		{jsonOf(jsonAt(doc, "paths", "/e", "get", "security")), `[{"jwt":[]},{"api_key":[]}]`},
		{jsonOf(jsonAt(doc, "paths", "/k", "get", "security")), `[{"api_key":[]}]`},
		{jsonOf(jsonAt(doc, "paths", "/k", "get", "responses", "403")), `{"$ref":"#/components/responses/Error"}`},
		{jsonOf(jsonAt(doc, "components", "securitySchemes", "api_key")),
			`{"description":"An API key (fsk_…) with a scope that allows the call; Authorization: Bearer fsk_… works too. Made with funcstack keys create or POST /_/api/keys.","in":"header","name":"X-Api-Key","type":"apiKey"}`},
	} {
		if c.got != c.want {
			t.Errorf("got  %s\nwant %s", c.got, c.want)
		}
	}
}
