package api_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/funcstack/funcstack/api"
	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/store"
)

// ioCase is one request of the request-body and response tables
// (docs/design.md §26) and its whole answer.
type ioCase struct {
	name, method, url string
	admin             bool
	ctype, body       string // ctype "" sends no Content-Type
	headers           map[string]string
	status            int
	want              string            // the whole JSON body (normalised)
	text              string            // or the whole body as bytes, with wantType
	wantType          string            // the Content-Type (default JSON's when want is set)
	header            map[string]string // headers that must be there, whole (<id> for an ID)
}

// noRedirect is a client that shows redirects instead of following them.
var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func runIOCases(t *testing.T, base string, cases []ioCase) {
	t.Helper()
	for _, tc := range cases {
		var body io.Reader
		if tc.body != "" {
			body = strings.NewReader(tc.body)
		}
		req, err := http.NewRequest(tc.method, base+tc.url, body)
		if err != nil {
			t.Fatal(err)
		}
		if tc.ctype != "" {
			req.Header.Set("Content-Type", tc.ctype)
		}
		if tc.admin {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		for k, v := range tc.headers {
			req.Header.Set(k, v)
		}
		resp, err := noRedirect.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.status {
			t.Errorf("%s: %s %s: status %d, want %d\n%s", tc.name, tc.method, tc.url, resp.StatusCode, tc.status, got)
			continue
		}
		wantType := tc.wantType
		switch {
		case tc.want != "":
			if g, w := normalise(t, got), normalise(t, []byte(tc.want)); g != w {
				t.Errorf("%s: body\n got %s\nwant %s", tc.name, g, w)
			}
			if wantType == "" {
				wantType = "application/json; charset=utf-8"
			}
		case string(got) != tc.text:
			t.Errorf("%s: body %q, want %q", tc.name, got, tc.text)
		}
		if ct := resp.Header.Get("Content-Type"); ct != wantType {
			t.Errorf("%s: Content-Type %q, want %q", tc.name, ct, wantType)
		}
		for k, v := range tc.header {
			if g := uuidRE.ReplaceAllString(strings.Join(resp.Header.Values(k), "|"), "<id>"); g != v {
				t.Errorf("%s: header %s: %q, want %q", tc.name, k, g, v)
			}
		}
	}
}

// multipartBody is a multipart/form-data body of fields and files
// (field name → file name and content) and its Content-Type.
func multipartBody(t *testing.T, fields [][2]string, files [][3]string) (string, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for _, f := range fields {
		_ = w.WriteField(f[0], f[1])
	}
	for _, f := range files {
		fw, err := w.CreateFormFile(f[0], f[1])
		if err != nil {
			t.Fatal(err)
		}
		_, _ = fw.Write([]byte(f[2]))
	}
	_ = w.Close()
	return buf.String(), w.FormDataContentType()
}

const (
	form     = "application/x-www-form-urlencoded"
	jsonType = "application/json"
)

// TestRequestBodies: every kind of body in, on both backends (files are
// kept in the data folder, records in the database).
func TestRequestBodies(t *testing.T) {
	mp, mpType := multipartBody(t, [][2]string{{"title", "Notes"}, {"tags", "x"}}, [][3]string{{"doc", "notes.txt", "hello file"}, {"other", "skip.bin", "not kept"}})
	many, manyType := multipartBody(t, [][2]string{{"name", "Ada"}, {"tags", "a"}, {"tags", "b"}, {"n", "3"}}, nil)
	big, bigType := multipartBody(t, nil, [][3]string{{"doc", "big.txt", strings.Repeat("x", 65)}})
	noDoc, noDocType := multipartBody(t, [][2]string{{"title", "Notes"}}, nil)
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			st := b.open(t)
			files := t.TempDir()
			ts := newServerWith(t, st, engine.Config{FilesDir: files}, api.Config{}, "../workflows", "testdata/io")
			doc := `{"name": "notes.txt", "size": 10, "content_type": "application/octet-stream", "sha256": "` + sha256Hex("hello file") + `"}`
			runIOCases(t, ts.URL, []ioCase{
				{name: "JSON", method: "POST", url: "/io/form", ctype: jsonType, body: `{"name": "Ada", "tags": ["a"], "n": 3}`, status: 200,
					want: `{"name": "Ada", "tags": ["a"], "n": 3}`},
				{name: "form fields, a repeated one and a list input", method: "POST", url: "/io/form", ctype: form, body: "name=Ada+L&tags=a&tags=b&n=3", status: 200,
					want: `{"name": "Ada L", "tags": ["a", "b"], "n": 3}`},
				{name: "form with one value for a list input", method: "POST", url: "/io/form", ctype: form, body: "tags=a", status: 200,
					want: `{"tags": ["a"]}`},
				{name: "a JSON object sent with curl -d's form type", method: "POST", url: "/io/form", ctype: form, body: `{"name": "Ada"}`, status: 200,
					want: `{"name": "Ada"}`},
				{name: "bad form data", method: "POST", url: "/io/form", ctype: form, body: "name=%zz", status: 400,
					want: `{"error": {"code": "invalid_form", "message": "the request body is not valid form data (application/x-www-form-urlencoded): invalid URL escape \"%zz\""}}`},
				{name: "multipart fields", method: "POST", url: "/io/form", ctype: manyType, body: many, status: 200,
					want: `{"name": "Ada", "tags": ["a", "b"], "n": 3}`},
				{name: "multipart without a boundary", method: "POST", url: "/io/form", ctype: "multipart/form-data", body: many, status: 400,
					want: `{"error": {"code": "invalid_form", "message": "the request body is not valid multipart/form-data: its Content-Type has no boundary parameter; let the client library write the header"}}`},
				{name: "a file upload: the file value and its bytes", method: "POST", url: "/io/upload", ctype: mpType, body: mp, status: 200,
					want: `{"title": "Notes", "doc": ` + doc + `, "text": "hello file"}`},
				{name: "a file larger than the input's max", method: "POST", url: "/io/upload", ctype: bigType, body: big, status: 400,
					want: `{"error": {"code": "invalid_input", "message": "invalid input", "definition": "io_upload", "execution_id": "<id>",
						"fields": [{"field": "doc", "code": "max", "message": "must be at most 64 bytes"}]}}`},
				{name: "a missing file", method: "POST", url: "/io/upload", ctype: noDocType, body: noDoc, status: 400,
					want: `{"error": {"code": "invalid_input", "message": "invalid input", "definition": "io_upload", "execution_id": "<id>",
						"fields": [{"field": "doc", "code": "required", "message": "required"}]}}`},
				{name: "a file given as text", method: "POST", url: "/io/upload", ctype: jsonType, body: `{"doc": "hello"}`, status: 400,
					want: `{"error": {"code": "invalid_input", "message": "invalid input", "definition": "io_upload", "execution_id": "<id>",
						"fields": [{"field": "doc", "code": "type", "message": "expected file, got text; send the file as a multipart/form-data part"}]}}`},
				{name: "text/plain: input.body and request.body", method: "POST", url: "/io/raw", ctype: "text/plain", body: "hello\nworld", status: 200,
					want: `{"body": "hello\nworld", "raw": "hello\nworld", "type": "text/plain"}`},
				{name: "XML as text", method: "POST", url: "/io/raw", ctype: "application/xml", body: "<a>1</a>", status: 200,
					want: `{"body": "<a>1</a>", "raw": "<a>1</a>", "type": "application/xml"}`},
				{name: "bytes that are not UTF-8 as base64", method: "POST", url: "/io/raw", ctype: "application/octet-stream", body: "\xff\xfe", status: 200,
					want: `{"body": "//4=", "raw": "\ufffd\ufffd", "type": "application/octet-stream"}`},
				{name: "JSON: request.body is the raw text", method: "POST", url: "/io/raw", ctype: jsonType, body: `{"body": "x",  "y": 1}`, status: 200,
					want: `{"body": "x", "raw": "{\"body\": \"x\",  \"y\": 1}", "type": "application/json"}`},
				{name: "a malformed Content-Type", method: "POST", url: "/io/raw", ctype: "text/", body: "x", status: 415,
					want: `{"error": {"code": "unsupported_media_type", "message": "the Content-Type header \"text/\" cannot be read (mime: expected token after slash); send e.g. Content-Type: application/json"}}`},
				// POST /function and /async-function take bodies as OpenFaaS does.
				{name: "curl -d '{\"n\":3}' /function/sum_squares", method: "POST", url: "/function/sum_squares", admin: true, ctype: form, body: `{"n":3}`, status: 200,
					want: `{"label": "small", "total": 14}`},
				{name: "form fields to /function", method: "POST", url: "/function/sum_squares", admin: true, ctype: form, body: `n=3`, status: 200,
					want: `{"label": "small", "total": 14}`},
				{name: "a raw text to /function is input.body", method: "POST", url: "/function/io_echo", ctype: "text/plain", body: "just text", status: 200,
					want: `{"body": "just text"}`},
			})
		})
	}
}

func sha256Hex(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// TestResponses: every kind of answer a respond step makes, as a client
// sees it, after-middleware changing them, and routes whose parameters
// are named differently under one prefix, on both backends.
func TestResponses(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			testResponses(t, b.open(t))
		})
	}
}

func testResponses(t *testing.T, st *store.Store) {
	ts := newServer(t, st, api.Config{}, "../workflows", "testdata/io")
	id := map[string]string{api.HeaderExecutionID: "<id>"}
	runIOCases(t, ts.URL, []ioCase{
		{name: "JSON with a status and headers", method: "GET", url: "/io/respond/json", status: 201, want: `{"id": 7}`,
			header: map[string]string{"Cache-Control": "no-store", "X-Kind": "json", api.HeaderExecutionID: "<id>"}},
		{name: "text", method: "GET", url: "/io/respond/text", status: 200, text: "plain text", wantType: "text/plain; charset=utf-8", header: id},
		{name: "html", method: "GET", url: "/io/respond/html", status: 200, text: "<h1>Hi</h1>", wantType: "text/html; charset=utf-8"},
		{name: "csv", method: "GET", url: "/io/respond/csv", status: 200, text: "sku,qty\napple,3\n", wantType: "text/csv; charset=utf-8",
			header: map[string]string{"Content-Disposition": `attachment; filename="stock.csv"`}},
		{name: "binary", method: "GET", url: "/io/respond/binary", status: 200, text: "\xff\xd8\xff", wantType: "application/octet-stream"},
		{name: "a media type", method: "GET", url: "/io/respond/xml", status: 200, text: "<a>1</a>", wantType: "application/xml"},
		{name: "redirect", method: "GET", url: "/io/respond/redirect", status: 302, header: map[string]string{"Location": "/io/respond/json"}},
		{name: "redirect 301", method: "GET", url: "/io/respond/moved", status: 301, header: map[string]string{"Location": "https://example.com/"}},
		{name: "204 from an expression", method: "GET", url: "/io/respond/empty", status: 204, header: id},
		{name: "no respond: the response", method: "GET", url: "/io/respond/other", status: 200, want: `{"kind": "other"}`},
		{name: "a header with CRLF is refused, no header injected", method: "GET", url: "/io/respond/inject", status: 500,
			want: `{"error": {"code": "invalid_response", "message": "the server could not complete this request; its operator finds the cause under execution ID <id>",
				"definition": "io_respond", "execution_id": "<id>"}}`,
			header: map[string]string{"Set-Cookie": "", "X-A": ""}},
		// After-middleware reads status and headers and changes them.
		{name: "after-middleware answers its own status, headers and body", method: "GET", url: "/io/wrapped/json", status: 202,
			want: `{"wrapped": {"id": 7}}`, header: map[string]string{"X-Kind": "json!", "X-After": "yes"}},
		{name: "after-middleware's plain response replaces the body; status and headers stay", method: "GET", url: "/io/wrapped/text", status: 200,
			want: `{"plain": "hi", "saw": 200}`, header: map[string]string{"X-Kind": "text", "X-After": ""}},
		{name: "after-middleware without respond in the endpoint", method: "GET", url: "/io/wrapped/other", status: 200,
			want: `{"plain": {"kind": "other"}, "saw": 200}`},
		// Parameters named differently under one prefix.
		{name: "/io/items/:slug", method: "GET", url: "/io/items/pear", status: 200, want: `{"slug": "pear", "params": {"slug": "pear"}}`},
		{name: "/io/items/:other/x", method: "GET", url: "/io/items/plum/x", status: 200, want: `{"other": "plum", "params": {"other": "plum"}}`},
	})
}

// TestGitHubWebhook: the example endpoint checks X-Hub-Signature-256 over
// the raw body, on both backends.
func TestGitHubWebhook(t *testing.T) {
	const secret = "It's a Secret to Everybody"
	body := `{"action": "opened", "issue": {"number": 1}}`
	sign := func(b string) string {
		m := hmac.New(sha256.New, []byte(secret))
		m.Write([]byte(b))
		return "sha256=" + hex.EncodeToString(m.Sum(nil))
	}
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			ts := newServerWith(t, b.open(t), engine.Config{Env: map[string]any{"github_webhook_secret": secret}}, api.Config{}, "../workflows")
			off := newServer(t, b.open(t), api.Config{}, "../workflows")
			hook := func(name, payload, sig string, status int, want string, header map[string]string) ioCase {
				h := map[string]string{"X-GitHub-Event": "issues"}
				if sig != "" {
					h["X-Hub-Signature-256"] = sig
				}
				return ioCase{name: name, method: "POST", url: "/api/webhooks/github", ctype: jsonType, body: payload, headers: h, status: status, want: want, header: header}
			}
			bad := `{"error": {"code": "bad_signature", "message": "the X-Hub-Signature-256 header does not match the body: sign the raw body with the webhook's secret",
				"definition": "api_webhook_github", "path": "stack[2]", "execution_id": "<id>"}}`
			cases := []ioCase{
				hook("a good signature", body, sign(body), 202, `{"event": "issues", "action": "opened"}`, nil),
				hook("a tampered body", strings.Replace(body, "opened", "closed", 1), sign(body), 401, bad,
					map[string]string{"WWW-Authenticate": `Bearer realm="funcstack"`}),
				hook("no signature", body, "", 401, bad, nil),
			}
			runIOCases(t, ts.URL, cases)
			runIOCases(t, off.URL, []ioCase{hook("no secret configured", body, sign(body), 503,
				`{"error": {"code": "not_configured", "message": "webhooks are off: set FUNCSTACK_ENV_GITHUB_WEBHOOK_SECRET to the secret of the GitHub webhook",
					"definition": "api_webhook_github", "path": "stack[0]", "execution_id": "<id>"}}`, nil)})
		})
	}
}

// TestBlankInputs: an empty text from a query or a form (urlencoded or
// multipart) for an optional input whose type refuses "" counts as not
// sent (a default applies); text and json inputs keep "", a required
// input is still refused, and JSON bodies are unchanged
// (docs/design.md §26).
func TestBlankInputs(t *testing.T) {
	mp, mpType := multipartBody(t, [][2]string{{"n", "1"}, {"min_views", ""}, {"q", ""}, {"draft", ""}}, [][3]string{{"doc", "", ""}})
	mpFile, mpFileType := multipartBody(t, [][2]string{{"n", "1"}}, [][3]string{{"doc", "a.txt", "hi"}})
	doc := `{"name": "a.txt", "size": 2, "content_type": "application/octet-stream", "sha256": "` + sha256Hex("hi") + `"}`
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			ts := newServerWith(t, b.open(t), engine.Config{FilesDir: t.TempDir()}, api.Config{}, "../workflows", "testdata/io")
			runIOCases(t, ts.URL, []ioCase{
				{name: "empty query values: not sent, defaults apply; text and json keep them", method: "POST",
					url: "/io/blank?n=1&min_views=&limit=&since=&draft=&owner=&email=&ids=&q=&meta=", status: 200,
					want: `{"n": 1, "limit": 10, "q": "", "meta": ""}`},
				{name: "empty items of a list input go", method: "POST", url: "/io/blank?n=1&ids=&ids=2&ids[]=&ids[]=3", status: 200,
					want: `{"n": 1, "limit": 10, "ids": [2, 3]}`},
				{name: "values still count", method: "POST", url: "/io/blank?n=1&min_views=0&limit=5&draft=false&q=x", status: 200,
					want: `{"n": 1, "min_views": 0, "limit": 5, "draft": false, "q": "x"}`},
				{name: "an empty form field is not sent", method: "POST", url: "/io/blank", ctype: form, body: "n=1&min_views=&since=&q=&ids=", status: 200,
					want: `{"n": 1, "limit": 10, "q": ""}`},
				{name: "an empty form field leaves the query's value", method: "POST", url: "/io/blank?min_views=7", ctype: form, body: "n=1&min_views=", status: 200,
					want: `{"n": 1, "limit": 10, "min_views": 7}`},
				{name: "multipart: empty fields and a file field left empty are not sent", method: "POST", url: "/io/blank", ctype: mpType, body: mp, status: 200,
					want: `{"n": 1, "limit": 10, "q": ""}`},
				{name: "multipart: a file still counts", method: "POST", url: "/io/blank", ctype: mpFileType, body: mpFile, status: 200,
					want: `{"n": 1, "limit": 10, "doc": ` + doc + `}`},
				{name: "a required input sent empty is still refused", method: "POST", url: "/io/blank?n=", status: 400,
					want: `{"error": {"code": "invalid_input", "message": "invalid input", "definition": "io_blank", "execution_id": "<id>",
						"fields": [{"field": "n", "code": "type", "message": "expected int, got text"}]}}`},
				{name: "JSON: \"\" is a value", method: "POST", url: "/io/blank", ctype: jsonType, body: `{"n": 1, "min_views": ""}`, status: 400,
					want: `{"error": {"code": "invalid_input", "message": "invalid input", "definition": "io_blank", "execution_id": "<id>",
						"fields": [{"field": "min_views", "code": "type", "message": "expected int, got text"}]}}`},
				{name: "JSON: null is sent", method: "POST", url: "/io/blank", ctype: jsonType, body: `{"n": 1, "min_views": null}`, status: 200,
					want: `{"n": 1, "limit": 10, "min_views": null}`},
			})
		})
	}
}
