package steps_test

import "testing"

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
