package steps_test

import (
	"testing"

	"github.com/funcstack/funcstack/engine"
)

func TestRespond(t *testing.T) {
	runCases(t, []stepCase{
		{name: "status, headers and a JSON body; the rest is skipped", defs: []string{mainFn(`[
			{"type": "var", "name": "id", "value": "7"},
			{"type": "respond", "status": 201, "headers": {"Cache-Control": "'no-store'", "X-Count": "id", "X-None": "nil"}, "body": "{id: id}"},
			{"type": "set", "name": "id", "value": "8"}]`, "'not this'")},
			want: `{"status":201,"headers":{"Cache-Control":"no-store","X-Count":"7"},"body":{"id":7},"content_type":"application/json; charset=utf-8"}`},
		{name: "status from an expression, no body", defs: []string{mainFn(`[{"type": "respond", "status": "200 + 4"}]`, "")},
			want: `{"status":204,"body":null,"content_type":"application/json; charset=utf-8"}`},
		{name: "text", defs: []string{mainFn(`[{"type": "respond", "content_type": "text", "body": "'hi'"}]`, "")},
			want: `{"status":200,"body":"hi","content_type":"text/plain; charset=utf-8"}`},
		{name: "html", defs: []string{mainFn(`[{"type": "respond", "content_type": "html", "body": "'<p>hi</p>'"}]`, "")},
			want: `{"status":200,"body":"\u003cp\u003ehi\u003c/p\u003e","content_type":"text/html; charset=utf-8"}`},
		{name: "csv from rows", defs: []string{mainFn(`[{"type": "respond", "content_type": "csv", "body": "[['sku', 'qty'], ['apple', 3], ['a,b', true]]"}]`, "")},
			want: `{"status":200,"body":"sku,qty\napple,3\n\"a,b\",true\n","content_type":"text/csv; charset=utf-8"}`},
		{name: "binary from base64", defs: []string{mainFn(`[{"type": "respond", "content_type": "binary", "body": "'aGk='"}]`, "")},
			want: `{"status":200,"body":"aGk=","content_type":"application/octet-stream","binary":true}`},
		{name: "a media type, base64", defs: []string{mainFn(`[{"type": "respond", "content_type": "image/png", "base64": true, "body": "'aGk='"}]`, "")},
			want: `{"status":200,"body":"aGk=","content_type":"image/png","binary":true}`},
		{name: "a JSON media type takes any value", defs: []string{mainFn(`[{"type": "respond", "content_type": "application/problem+json", "status": 422, "body": "{title: 'no'}"}]`, "")},
			want: `{"status":422,"body":{"title":"no"},"content_type":"application/problem+json"}`},
		{name: "redirect", defs: []string{mainFn(`[{"type": "respond", "redirect": "'https://example.com/next?a=1'"}]`, "")},
			want: `{"status":302,"headers":{"Location":"https://example.com/next?a=1"},"body":null,"content_type":"application/json; charset=utf-8"}`},
		{name: "redirect 303 to a path", defs: []string{mainFn(`[{"type": "respond", "redirect": "'/done'", "status": 303}]`, "")},
			want: `{"status":303,"headers":{"Location":"/done"},"body":null,"content_type":"application/json; charset=utf-8"}`},
		{name: "a caller gets the answer as a value", defs: []string{
			mainFn(`[{"type": "call", "function": "child", "as": "r"}]`, "{status: r.status, body: r.body, type: r.content_type}"),
			fn("child", "", `[{"type": "respond", "status": 202, "body": "'queued'", "content_type": "text"}]`, "")},
			want: `{"body":"queued","status":202,"type":"text/plain; charset=utf-8"}`},
		{name: "a header value with a line break is refused", defs: []string{mainFn(`[{"type": "respond", "headers": {"X-A": "'a\\r\\nSet-Cookie: x=1'"}}]`, "")},
			wantCode: "invalid_response", wantStatus: 500,
			wantErr: "main: stack[0]: header X-A holds a line break or another control character; remove it (it could start a header of its own) (execution exec-1)"},
		{name: "a header value that is an object", defs: []string{mainFn(`[{"type": "respond", "headers": {"X-A": "{a: 1}"}}]`, "")},
			wantErr: "main: stack[0]: header X-A is an object; a header value is a text, a number or true/false (execution exec-1)"},
		{name: "a status out of range", defs: []string{mainFn(`[{"type": "respond", "status": "99 + 1"}]`, "")},
			wantErr: "main: stack[0]: status 100 is not an HTTP status the stack may answer (200-599) (execution exec-1)"},
		{name: "a redirect that is not a URL", defs: []string{mainFn(`[{"type": "respond", "redirect": "'javascript:alert(1)'"}]`, "")},
			wantErr: "main: stack[0]: redirect is text \"javascript:alert(1)\"; it must be an absolute http or https URL or a path starting with /, without spaces or control characters (execution exec-1)"},
		{name: "a text body that is a number", defs: []string{mainFn(`[{"type": "respond", "content_type": "text", "body": "1"}]`, "")},
			wantErr: "main: stack[0]: the body is an int (1); a text body is a text (content_type json writes any value) (execution exec-1)"},
		{name: "binary that is not base64", defs: []string{mainFn(`[{"type": "respond", "content_type": "binary", "body": "'%%'"}]`, "")},
			wantErr: "main: stack[0]: the body is not base64: illegal base64 data at input byte 0 (execution exec-1)"},
	})
	wantDiagnostics(t, []diagCase{
		{name: "bad header names, server headers, bad status and content type", stack: `[{"type": "respond", "status": 700, "content_type": "pdf",
			"headers": {"X Bad": "'1'", "Content-Length": "'1'", "Location": "'/x'"}}]`,
			want: `error: main: stack[0].content_type: content_type "pdf" is neither json, text, html, csv, binary nor a media type such as application/xml
error: main: stack[0].status: status 700 is not an HTTP status the stack may answer (200-599)
error: main: stack[0].headers.Content-Length: the Content-Length header may not be set here: the server counts the body
error: main: stack[0].headers.Location: the Location header may not be set here: use the step's redirect field
error: main: stack[0].headers.X Bad: "X Bad" is not a valid header name: use letters, digits and - only`},
		{name: "a redirect's status", stack: `[{"type": "respond", "redirect": "'/x'", "status": 200}]`,
			want: `error: main: stack[0].status: a redirect's status is 3xx (301, 302, 303, 307 or 308), not 200`},
		{name: "steps after respond never run", stack: `[{"type": "respond"}, {"type": "var", "name": "x", "value": "1"}]`,
			want: `warning: main: stack[1]: this step can never run: the step before it always ends the block`},
	})
}

// TestRespondFile: content_type as a template, and a file as the body.
func TestRespondFile(t *testing.T) {
	dir := t.TempDir()
	cfg := engine.Config{FilesDir: dir}
	hi := `{"content_type":"text/plain; charset=utf-8","name":"a.txt","sha256":"` + hiSum + `","size":2}`
	gone := "{name: 'gone.png', size: 1, content_type: 'image/png', sha256: '" + hiSum[:63] + "0'}"
	runCases(t, []stepCase{
		{name: "content_type from the input", input: map[string]any{"t": "image/png"},
			defs: []string{fn("main", `[{"name": "t", "type": "text"}]`, `[{"type": "respond", "content_type": "{{ input.t }}", "base64": true, "body": "'aGk='"}]`, "")},
			want: `{"status":200,"body":"aGk=","content_type":"image/png","binary":true}`},
		{name: "a short name from a template", input: map[string]any{"t": "csv"},
			defs: []string{fn("main", `[{"name": "t", "type": "text"}]`, `[{"type": "respond", "content_type": "{{ input.t }}", "body": "[['a'], [1]]"}]`, "")},
			want: `{"status":200,"body":"a\n1\n","content_type":"text/csv; charset=utf-8"}`},
		{name: "an empty content_type is json", defs: []string{mainFn(`[{"type": "respond", "content_type": "{{ nil }}", "body": "{a: 1}"}]`, "")},
			want: `{"status":200,"body":{"a":1},"content_type":"application/json; charset=utf-8"}`},
		{name: "literals that read as names stay literals", defs: []string{mainFn(`[
			{"type": "var", "name": "text", "value": "'x'"},
			{"type": "respond", "content_type": "text", "body": "text"}]`, "")},
			want: `{"status":200,"body":"x","content_type":"text/plain; charset=utf-8"}`},
		{name: "a content_type that is no media type", input: map[string]any{"t": "image png"},
			defs:     []string{fn("main", `[{"name": "t", "type": "text"}]`, `[{"type": "respond", "content_type": "{{ input.t }}", "body": "'x'"}]`, "")},
			wantCode: "invalid_response", wantStatus: 500,
			wantErr: `main: stack[0].content_type: content_type "image png" is neither json, text, html, csv, binary nor a media type such as application/xml (execution exec-1)`},
		{name: "a content_type with a line break", input: map[string]any{"t": "text/plain\r\nX-A: 1"},
			defs:    []string{fn("main", `[{"name": "t", "type": "text"}]`, `[{"type": "respond", "content_type": "{{ input.t }}", "body": "'x'"}]`, "")},
			wantErr: `main: stack[0].content_type: content_type "text/plain\r\nX-A: 1" is neither json, text, html, csv, binary nor a media type such as application/xml (execution exec-1)`},
		{name: "a JSON type from a template with base64", input: map[string]any{"t": "json"},
			defs:    []string{fn("main", `[{"name": "t", "type": "text"}]`, `[{"type": "respond", "content_type": "{{ input.t }}", "base64": true, "body": "'aGk='"}]`, "")},
			wantErr: `main: stack[0].content_type: base64 does not apply to a JSON body; give another content_type, e.g. binary (execution exec-1)`},
		{name: "a file: its type and name", cfg: cfg, defs: []string{mainFn(`[
			{"type": "file.save", "data": "'hi'", "name": "'a.txt'", "as": "f"},
			{"type": "respond", "file": "f"}]`, "")},
			want: `{"status":200,"headers":{"Content-Disposition":"inline; filename=\"a.txt\""},"body":null,"content_type":"text/plain; charset=utf-8","file":` + hi + `}`},
		{name: "a download with a type of its own and a non-ASCII name", cfg: cfg, defs: []string{mainFn(`[
			{"type": "file.save", "data": "'hi'", "name": "'résumé \"1\".txt'", "as": "f"},
			{"type": "respond", "file": "f", "download": true, "content_type": "text/markdown"}]`, "")},
			want: `{"status":200,"headers":{"Content-Disposition":"attachment; filename=\"r_sum_ \\\"1\\\".txt\"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%221%22.txt"},"body":null,"content_type":"text/markdown",` +
				`"file":{"content_type":"text/plain; charset=utf-8","name":"résumé \"1\".txt","sha256":"` + hiSum + `","size":2}}`},
		{name: "headers set Content-Disposition themselves", cfg: cfg, defs: []string{mainFn(`[
			{"type": "file.save", "data": "'hi'", "name": "'a.txt'", "as": "f"},
			{"type": "respond", "file": "f", "headers": {"Content-Disposition": "'attachment'"}}]`, "")},
			want: `{"status":200,"headers":{"Content-Disposition":"attachment"},"body":null,"content_type":"text/plain; charset=utf-8","file":` + hi + `}`},
		{name: "a caller gets the file value", cfg: cfg, defs: []string{
			mainFn(`[{"type": "call", "function": "child", "as": "r"}]`, "{file: r.file, body: r.body, type: r.content_type}"),
			fn("child", "", `[{"type": "file.save", "data": "'hi'", "name": "'a.txt'", "as": "f"}, {"type": "respond", "file": "f"}]`, "")},
			want: `{"body":null,"file":` + hi + `,"type":"text/plain; charset=utf-8"}`},
		{name: "a file no longer stored", cfg: cfg, defs: []string{mainFn(`[{"type": "respond", "file": "`+gone+`"}]`, "")},
			wantCode: "file_not_found", wantStatus: 404,
			wantErr: `main: stack[0].file: file "gone.png" is no longer stored: an upload is deleted after the upload retention unless a stack keeps it with file.keep, and file.delete deletes a file; keep the uploads you mean to serve with file.keep (execution exec-1)`},
		{name: "a value that is not a file", cfg: cfg, defs: []string{mainFn(`[{"type": "respond", "file": "'a.txt'"}]`, "")},
			wantCode: "invalid_response", wantStatus: 500,
			wantErr: `main: stack[0].file: file is text "a.txt"; it must be a file value {name, size, content_type, sha256}, as a file input, file.save or file.keep gives (execution exec-1)`},
		{name: "no file folder", defs: []string{mainFn(`[{"type": "respond", "file": "`+gone+`"}]`, "")},
			wantCode: "file_error", wantStatus: 501,
			wantErr: `main: stack[0].file: this server keeps no files: give it a data folder (funcstack serve --data, engine.Config.FilesDir) (execution exec-1)`},
	})
	wantDiagnostics(t, []diagCase{
		{name: "file with body, base64 or redirect; download without file", stack: `[
			{"type": "respond", "file": "nil", "body": "1"},
			{"type": "respond", "file": "nil", "redirect": "'/x'"},
			{"type": "respond", "file": "nil", "base64": true, "content_type": "image/png"},
			{"type": "respond", "download": true, "body": "1"}]`,
			want: `error: main: stack[0].file: give body or file, not both: the file's bytes are the body
warning: main: stack[1]: this step can never run: the step before it always ends the block
error: main: stack[1].file: a redirect has no body; give file or redirect, not both
error: main: stack[2].base64: base64 does not apply to a file: its bytes are written as they are stored
error: main: stack[3].download: download applies to a file: give file, or set Content-Disposition in headers`},
		{name: "a template content_type: its parts compile in scope", stack: `[{"type": "respond", "content_type": "{{ nope }}"}]`,
			want: `error: main: stack[0].content_type: unknown name nope (1:4)`},
	})
}
