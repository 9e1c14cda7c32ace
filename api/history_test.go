package api_test

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

const greetV1 = `{"kind": "function", "name": "t_greet", "input": [{"name": "name", "type": "text", "required": true}], "stack": [], "response": "'Hello, ' + input.name"}`

const helloEndpoint = `{"kind": "endpoint", "name": "t_hello", "method": "GET", "path": "/t/hello/:name",
	"input": [{"name": "name", "type": "text", "required": true}], "stack": [], "response": "'Hello, ' + input.name"}`

const refuseEndpoint = `{"kind": "endpoint", "name": "t_refuse", "method": "POST", "path": "/t/refuse",
	"stack": [{"type": "precondition", "cond": "false", "message": "no entry", "status": 403}], "response": "1"}`

// curl makes a request as a client would, with its own headers, and
// returns the status and the X-Execution-Id.
func curl(t *testing.T, method, url string, headers map[string]string) (int, string) {
	t.Helper()
	resp, _ := send(t, method, url, headers, "")
	return resp.StatusCode, resp.Header.Get("X-Execution-Id")
}

// onBackends runs f against a server on a fresh store of each backend.
func onBackends(t *testing.T, f func(t *testing.T, base string)) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			_, ts := storeServer(t, b.open(t), 0)
			f(t, ts.URL)
		})
	}
}

// greetDraft stores t_greet: version 1 ("Hello, "), published when
// publish, and a draft version 2 ("Hi, ").
func greetDraft(t *testing.T, base string, publish bool) {
	t.Helper()
	if s, body := adminCall(t, base, "POST", "/_/api/definitions?publish="+strconv.FormatBool(publish), greetV1, true); s != 201 {
		t.Fatalf("%d %s", s, body)
	}
	if s, body := adminCall(t, base, "PUT", "/_/api/definitions/t_greet", strings.Replace(greetV1, "Hello, ", "Hi, ", 1), true); s != 200 {
		t.Fatalf("%d %s", s, body)
	}
}

// TestRequestHistory: an endpoint's execution record keeps the request's
// method, path, status and headers (credentials redacted); the executions
// list finds records by ID or its beginning, time, status and function,
// and leaves the admin API's own runs out unless asked.
func TestRequestHistory(t *testing.T) {
	onBackends(t, func(t *testing.T, base string) {
		for _, d := range []string{helloEndpoint, refuseEndpoint, `{"kind": "table", "name": "t_note", "fields": [{"name": "body", "type": "text"}]}`} {
			if s, body := adminCall(t, base, "POST", "/_/api/definitions?publish=true", d, true); s != 201 {
				t.Fatalf("%d %s", s, body)
			}
		}
		s, id := curl(t, "GET", base+"/t/hello/ada?x=1", map[string]string{"Authorization": "Bearer secret-token", "Cookie": "session=abc",
			"X-Api-Key": "k-123", "X-Request-Source": "test-suite", "User-Agent": "curl/8.5.0", "Accept": "*/*"})
		if s != 200 || id == "" {
			t.Fatalf("GET /t/hello/ada: %d, execution %q", s, id)
		}
		s, refused := curl(t, "POST", base+"/t/refuse", map[string]string{"User-Agent": "curl/8.5.0", "Accept": "*/*", "X-Upstream-Auth": "hmac abc"})
		if s != 403 || refused == "" {
			t.Fatalf("POST /t/refuse: %d, execution %q", s, refused)
		}
		if s, body := adminCall(t, base, "POST", "/_/api/tables/t_note/records", `{"body": "hi"}`, true); s != 201 {
			t.Fatalf("adding a record: %d %s", s, body)
		}
		waitFor(t, "the records to be written", 5*time.Second, func() bool {
			_, body := adminCall(t, base, "GET", "/_/api/executions?internal=true", "", true)
			items, _ := at(t, body, "items").([]any)
			return len(items) == 3
		})
		hello := `{"id":"<id>","function":"t_hello","mode":"sync","status":"succeeded","input":{"name":"ada","x":"1"},"output":"Hello, ada",
				"attempts":1,"created_at":"<time>","started_at":"<time>","finished_at":"<time>","version":1,
				"request":{"method":"GET","path":"/t/hello/ada","status":200,"headers":{"accept":"*/*","accept-encoding":"gzip",
					"authorization":"Bearer [redacted]","cookie":"[redacted]","user-agent":"curl/8.5.0","x-api-key":"[redacted]","x-request-source":"test-suite"}},
				"duration_ms":"<ms>"}`
		refuse := `{"id":"<id>","function":"t_refuse","mode":"sync","status":"failed","input":{},
				"error":{"code":"precondition_failed","message":"no entry","status":403,"definition":"t_refuse","path":"stack[0]","execution_id":"<id>"},
				"attempts":1,"created_at":"<time>","started_at":"<time>","finished_at":"<time>","version":1,
				"request":{"method":"POST","path":"/t/refuse","status":403,"headers":{"accept":"*/*","accept-encoding":"gzip","content-length":"0","user-agent":"curl/8.5.0","x-upstream-auth":"[redacted]"}},
				"duration_ms":"<ms>"}`
		none := `{"items":[],"next":null}`
		list := func(items ...string) string { return `{"items":[` + strings.Join(items, ",") + `],"next":null}` }
		runAdmin(t, base, []adminCase{
			{name: "an endpoint's record: method, path, status, headers without credentials", method: "GET", url: "/_/api/executions/" + id, status: 200,
				want: map[string]any{"": hello}},
			{name: "the list, without the record editor's own run", method: "GET", url: "/_/api/executions", status: 200,
				want: map[string]any{"": list(refuse, hello)}},
			{name: "by ID", method: "GET", url: "/_/api/executions?id=" + id, status: 200, want: map[string]any{"": list(hello)}},
			{name: "by the beginning of the ID, in capitals", method: "GET", url: "/_/api/executions?id=" + strings.ToUpper(refused[:28]), status: 200,
				want: map[string]any{"": list(refuse)}},
			{name: "by status and function", method: "GET", url: "/_/api/executions?status=failed&function=t_refuse", status: 200,
				want: map[string]any{"": list(refuse)}},
			{name: "from a time to come", method: "GET", url: "/_/api/executions?from=" + time.Now().Add(time.Hour).UTC().Format(time.RFC3339), status: 200,
				want: map[string]any{"": none}},
			{name: "a date range that holds today", method: "GET", url: "/_/api/executions?function=t_hello&from=" + time.Now().UTC().Format(time.DateOnly) + "&to=" + time.Now().UTC().Format(time.DateOnly), status: 200,
				want: map[string]any{"": list(hello)}},
			{name: "before 2000", method: "GET", url: "/_/api/executions?to=2000-01-01", status: 200, want: map[string]any{"": none}},
			{name: "the admin API's own runs are left out", method: "GET", url: "/_/api/executions?function=admin_records_add", status: 200,
				want: map[string]any{"": none}},
			{name: "unless asked for", method: "GET", url: "/_/api/executions?function=admin_records_add&internal=true", status: 200,
				want: map[string]any{"items.0.mode": "internal", "items.0.function": "admin_records_add", "items.0.request": nil, "items.1": nil}},
			{name: "an ID with other letters", method: "GET", url: "/_/api/executions?id=order-7", status: 400,
				want: map[string]any{"": `{"error":{"code":"bad_request","message":"id=\"order-7\" is not an execution ID or its beginning; send hex digits and dashes, as in the X-Execution-Id header (0197a3c2-…)"}}`}},
			{name: "a time that is not one", method: "GET", url: "/_/api/executions?from=yesterday", status: 400,
				want: map[string]any{"": `{"error":{"code":"bad_request","message":"from=\"yesterday\" is not a time; send RFC 3339 (2025-01-31T09:30:00Z) or a date (2025-01-31)"}}`}},
			{name: "a range backwards", method: "GET", url: "/_/api/executions?from=2025-02-01&to=2025-01-01", status: 400,
				want: map[string]any{"": `{"error":{"code":"bad_request","message":"from=2025-02-01 is not before to=2025-01-01; nothing can match"}}`}},
			{name: "internal neither true nor false", method: "GET", url: "/_/api/executions?internal=yes", status: 400,
				want: map[string]any{"": `{"error":{"code":"bad_request","message":"query parameter internal=\"yes\" must be true or false"}}`}},
		})
	})
}

// TestRetryChoosesVersion: a retry of a run of a draft runs, as asked, the
// version it ran (with the drafts it ran with) or the published version,
// and says which; a run of an unsaved definition has no version to retry.
func TestRetryChoosesVersion(t *testing.T) {
	onBackends(t, func(t *testing.T, base string) {
		greetDraft(t, base, true)
		s, body := adminCall(t, base, "POST", "/_/api/run", `{"name": "t_greet", "input": {"name": "ada"}}`, true)
		if s != 200 || at(t, body, "output") != "Hi, ada" {
			t.Fatalf("the draft run: %d %s", s, body)
		}
		draftRun := at(t, body, "execution_id").(string)
		s, body = adminCall(t, base, "POST", "/_/api/run", `{"input": {"name": "bo"}, "definition": `+strings.Replace(greetV1, "Hello, ", "Yo, ", 1)+`}`, true)
		if s != 200 || at(t, body, "output") != "Yo, bo" {
			t.Fatalf("the unsaved run: %d %s", s, body)
		}
		unsavedRun := at(t, body, "execution_id").(string)
		var again, published string
		runAdmin(t, base, []adminCase{
			{name: "the draft run's record names its version", method: "GET", url: "/_/api/executions/" + draftRun, status: 200,
				want: map[string]any{"version": 2, "draft": true, "request": nil}},
			{name: "retry the version it ran: at once, and says which", method: "POST", url: "/_/api/executions/" + draftRun + "/retry", body: `{"version": "run"}`, status: 200,
				want:         map[string]any{"": `{"id":"<id>","status_url":"/_/api/executions/<id>","status":"succeeded","version":2,"draft":true}`},
				afterRequest: func(t *testing.T, body []byte) { again = at(t, body, "id").(string) }},
			{name: "retry the published version: queued, and says which", method: "POST", url: "/_/api/executions/" + draftRun + "/retry", body: `{"version": "published"}`, status: 202,
				want:         map[string]any{"": `{"id":"<id>","status_url":"/_/api/executions/<id>","version":1}`},
				afterRequest: func(t *testing.T, body []byte) { published = at(t, body, "id").(string) }},
			{name: "another choice", method: "POST", url: "/_/api/executions/" + draftRun + "/retry", body: `{"version": "latest"}`, status: 400,
				want: map[string]any{"": `{"error":{"code":"bad_request","message":"version \"latest\" is not a retry choice; send {\"version\": \"run\"} to run the version the execution ran, {\"version\": \"published\"} (the default) for the published one"}}`}},
			{name: "an unsaved definition's run has no version to retry", method: "POST", url: "/_/api/executions/" + unsavedRun + "/retry", body: `{"version": "run"}`, status: 409,
				want: map[string]any{"": `{"error":{"code":"conflict","message":"execution <id> ran an unsaved definition of t_greet, which was not kept; retry the published version ({\"version\": \"published\"}) or run it again from the builder"}}`}},
		})
		s, body = adminCall(t, base, "GET", "/_/api/executions/"+again, "", true)
		if s != 200 || at(t, body, "output") != "Hi, ada" || at(t, body, "version") != 2 || at(t, body, "draft") != true {
			t.Errorf("the retry of version 2: %d %s", s, body)
		}
		waitFor(t, "the retry of the published version", 5*time.Second, func() bool {
			_, body := adminCall(t, base, "GET", "/_/api/executions/"+published, "", true)
			return at(t, body, "status") == "succeeded" && at(t, body, "output") == "Hello, ada" && at(t, body, "version") == 1 && at(t, body, "draft") == nil
		})
	})
}

// TestPublishNote: a published version keeps the note it was published
// with; a note too long is refused before anything is published.
func TestPublishNote(t *testing.T) {
	onBackends(t, func(t *testing.T, base string) {
		greetDraft(t, base, false)
		runAdmin(t, base, []adminCase{
			{name: "a note too long", method: "POST", url: "/_/api/definitions/t_greet/publish", body: `{"note": "` + strings.Repeat("x", 201) + `"}`, status: 400,
				want: map[string]any{"": `{"error":{"code":"bad_request","message":"the note has 201 characters; keep it to 200 (say what changed; the diff shows the rest)"}}`}},
			{name: "nothing was published", method: "GET", url: "/_/api/definitions/t_greet/versions", status: 200,
				afterRequest: wholeBody(`{"items":[{"version":2,"hash":"<hash>","created_at":"<time>","published":false},{"version":1,"hash":"<hash>","created_at":"<time>","published":false}]}`)},
			{name: "publish version 1 with a note", method: "POST", url: "/_/api/definitions/t_greet/publish", body: `{"version": 1, "note": "  greets with Hello  "}`, status: 200,
				want: map[string]any{"": `{"name":"t_greet","published":1}`}},
			{name: "publish the newest with a note", method: "POST", url: "/_/api/definitions/t_greet/publish", body: `{"note": "shorter: Hi"}`, status: 200,
				want: map[string]any{"": `{"name":"t_greet","published":2}`}},
			{name: "the notes in the history", method: "GET", url: "/_/api/definitions/t_greet/versions", status: 200,
				afterRequest: wholeBody(`{"items":[{"version":2,"hash":"<hash>","created_at":"<time>","published":true,"published_at":"<time>","note":"shorter: Hi"},` +
					`{"version":1,"hash":"<hash>","created_at":"<time>","published":false,"published_at":"<time>","note":"greets with Hello"}]}`)},
		})
	})
}

var hashRE = regexp.MustCompile(`"hash":"[0-9a-f]{64}"`)

// wholeBody checks a body against want, both normalised (IDs, times) and
// content hashes written <hash>.
func wholeBody(want string) func(t *testing.T, body []byte) {
	return func(t *testing.T, body []byte) {
		t.Helper()
		got := normalise(t, hashRE.ReplaceAll(body, []byte(`"hash":"<hash>"`)))
		if w := normalise(t, []byte(want)); got != w {
			t.Errorf("body\n got %s\nwant %s", got, w)
		}
	}
}

// TestRequestHeadersRedacted: an endpoint's record keeps the request's
// headers with every credential as [redacted] — Authorization keeps a
// registered scheme only, X-Api-Key, and any name holding token,
// secret, key, password, session or auth, in any case — on both
// backends; Idempotency-Key and the other headers are kept.
func TestRequestHeadersRedacted(t *testing.T) {
	onBackends(t, func(t *testing.T, base string) {
		if s, body := adminCall(t, base, "POST", "/_/api/definitions?publish=true", helloEndpoint, true); s != 200 && s != 201 {
			t.Fatalf("%d %s", s, body)
		}
		s, id := curl(t, "GET", base+"/t/hello/ada", map[string]string{
			"Authorization": "Bearer x", "X-Api-Key": "fsk_2b7e151628aed2a6abf7158809cf4f3c",
			"Proxy-Authorization": "fsk_live_abc def", "X-Stripe-KEY": "sk_live_1", "X-Client-Secret": "s", "X-Password": "p",
			"X-Session-Id": "abc", "X-Refresh-Token": "r", "Idempotency-Key": "order-7", "User-Agent": "curl/8.5.0", "Accept": "*/*"})
		if s != 200 || id == "" {
			t.Fatalf("GET /t/hello/ada: %d, execution %q", s, id)
		}
		waitFor(t, "the record", 5*time.Second, func() bool {
			s, _ := adminCall(t, base, "GET", "/_/api/executions/"+id, "", true)
			return s == 200
		})
		_, body := adminCall(t, base, "GET", "/_/api/executions/"+id, "", true)
		want := `{"headers":{"accept":"*/*","accept-encoding":"gzip",` +
			`"authorization":"Bearer [redacted]","idempotency-key":"order-7","proxy-authorization":"[redacted]","user-agent":"curl/8.5.0",` +
			`"x-api-key":"[redacted]","x-client-secret":"[redacted]","x-password":"[redacted]","x-refresh-token":"[redacted]",` +
			`"x-session-id":"[redacted]","x-stripe-key":"[redacted]"},"method":"GET","path":"/t/hello/ada","status":200}`
		if got := mustJSON(at(t, body, "request")); got != want {
			t.Errorf("the record's request\n got %s\nwant %s", got, want)
		}
		if strings.Contains(string(body), "fsk_") || strings.Contains(string(body), "sk_live") {
			t.Errorf("a credential reached the record: %s", body)
		}
		if d, ok := at(t, body, "duration_ms").(float64); !ok || d <= 0 || d > 5000 {
			t.Errorf("the run's duration: %v", at(t, body, "duration_ms"))
		}
	})
}
