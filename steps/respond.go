package steps

import (
	"bytes"
	"encoding/base64"
	"encoding/csv"
	"fmt"
	"mime"
	"strconv"
	"strings"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/value"
)

// codeBadResponse is the code of a respond step whose values cannot be
// written as an HTTP answer.
const codeBadResponse = "invalid_response"

// contentTypes are respond's short content types and their media types.
var contentTypes = map[string]string{
	"json":   "application/json; charset=utf-8",
	"text":   "text/plain; charset=utf-8",
	"html":   "text/html; charset=utf-8",
	"csv":    "text/csv; charset=utf-8",
	"binary": "application/octet-stream",
}

// serverHeaders are the headers the server writes itself.
var serverHeaders = map[string]string{
	"content-type":      "use the step's content_type field",
	"content-length":    "the server counts the body",
	"transfer-encoding": "the server chooses it",
	"connection":        "the server manages connections",
	"location":          "use the step's redirect field",
	"x-execution-id":    "the server names the execution",
}

func init() {
	engine.Register(&engine.StepType{
		Name:     "respond",
		Title:    "Respond",
		Summary:  "respond[ {status}][ {content_type}][ → {redirect}][ {body}]",
		Category: "control",
		Description: "End the stack now with an HTTP answer of its choosing: status, headers, body and content type, or a redirect. " +
			"An endpoint or POST /function writes it as it is; a caller gets {status, headers, body, content_type}.",
		Fields: []engine.FieldSpec{
			{Name: "status", Kind: engine.FieldExpr, Expects: engine.ExpectInt, Description: "the HTTP status, a number or an expression (default 200; 302 with redirect)"},
			{Name: "body", Kind: engine.FieldExpr, Description: "the body: any value for JSON, a text for other types (csv: also a list of rows), base64 for binary"},
			{Name: "headers", Kind: engine.FieldExprMap, Description: "extra response headers: {\"Cache-Control\": \"'no-store'\"}; a null value leaves the header out"},
			{Name: "content_type", Kind: engine.FieldString, Description: "json (the default), text, html, csv, binary (the body is base64, written decoded), or a media type such as application/xml"},
			{Name: "base64", Kind: engine.FieldBool, Description: "the body is base64, written decoded (with a media type such as image/png)"},
			{Name: "redirect", Kind: engine.FieldExpr, Expects: engine.ExpectText, Description: "redirect to this URL (an absolute http(s) URL or a path): sets Location, status 302 unless given"},
		},
		Terminates: true,
		Example:    []byte(`{"type": "respond", "status": "201", "headers": {"Cache-Control": "'no-store'"}, "body": "{id: 7}"}`),
		Compile:    compileRespond,
	})
}

func compileRespond(c *engine.StepCompiler) engine.RunFunc {
	c.EndsRun()
	c.Answer(nil) // an HTTP answer: OpenAPI cannot infer its schema
	status, literal, statusExpr := c.IntOrExpr("status")
	redirect := c.Expr("redirect")
	body := c.Expr("body")
	headers := c.ExprMap("headers")
	b64 := c.Bool("base64")
	ct := c.String("content_type")
	if ct == "" {
		ct = "json"
	}
	media, short := contentTypes[ct]
	if !short {
		if _, _, err := mime.ParseMediaType(ct); err != nil || !strings.Contains(ct, "/") || strings.ContainsAny(ct, "\r\n") {
			c.Errorf("content_type", "bad_value", "content_type %q is neither json, text, html, csv, binary nor a media type such as application/xml", ct)
		}
		media = ct
	}
	if ct == "binary" {
		b64 = true
	}
	isJSON := isJSONMedia(media)
	if isJSON && b64 {
		c.Errorf("base64", "bad_value", "base64 does not apply to a JSON body; give another content_type, e.g. binary")
	}
	if literal {
		switch {
		case redirect != nil && (status < 300 || status > 399):
			c.Errorf("status", "bad_value", "a redirect's status is 3xx (301, 302, 303, 307 or 308), not %d", status)
		case status < 200 || status > 599:
			c.Errorf("status", "bad_value", "status %d is not an HTTP status the stack may answer (200-599)", status)
		}
	}
	if redirect == nil && !literal && statusExpr == nil {
		status = 200
	} else if redirect != nil && !literal && statusExpr == nil {
		status = 302
	}
	for _, h := range headers {
		if !validHeaderName(h.Key) {
			c.Errorf("headers."+h.Key, "bad_value", "%q is not a valid header name: use letters, digits and - only", h.Key)
		} else if why, ok := serverHeaders[strings.ToLower(h.Key)]; ok {
			c.Errorf("headers."+h.Key, "bad_value", "the %s header may not be set here: %s", h.Key, why)
		}
	}
	return func(s *engine.State) (any, error) {
		r := &engine.Response{Status: int(status), ContentType: media, Binary: b64}
		bad := func(format string, args ...any) error {
			return &engine.Error{Code: codeBadResponse, Status: 500, Message: fmt.Sprintf(format, args...)}
		}
		if statusExpr != nil {
			v, err := s.Eval(statusExpr)
			if err != nil {
				return nil, err
			}
			n, ok := value.ToInt(v)
			switch {
			case !ok:
				return nil, bad("status is %s, not a whole number", value.Describe(v))
			case redirect != nil && (n < 300 || n > 399):
				return nil, bad("a redirect's status is 3xx (301, 302, 303, 307 or 308), not %d", n)
			case n < 200 || n > 599:
				return nil, bad("status %d is not an HTTP status the stack may answer (200-599)", n)
			}
			r.Status = n
		}
		if len(headers) > 0 {
			r.Headers = make(map[string]string, len(headers)+1)
			for _, h := range headers {
				v, err := s.Eval(h.Expr)
				if err != nil {
					return nil, err
				}
				if v == nil {
					continue
				}
				t, ok := headerText(v)
				if !ok {
					return nil, bad("header %s is %s; a header value is a text, a number or true/false", h.Key, value.Describe(v))
				}
				if !validHeaderValue(t) {
					return nil, bad("header %s holds a line break or another control character; remove it (it could start a header of its own)", h.Key)
				}
				r.Headers[h.Key] = t
			}
		}
		if redirect != nil {
			v, err := s.Eval(redirect)
			if err != nil {
				return nil, err
			}
			u, ok := v.(string)
			if !ok || !validRedirect(u) {
				return nil, bad("redirect is %s; it must be an absolute http or https URL or a path starting with /, without spaces or control characters", value.Describe(v))
			}
			if r.Headers == nil {
				r.Headers = map[string]string{}
			}
			r.Headers["Location"] = u
		}
		if body != nil {
			v, err := s.Eval(body)
			if err != nil {
				return nil, err
			}
			if r.Body, err = bodyFor(v, ct, isJSON, b64); err != nil {
				return nil, bad("%v", err)
			}
		}
		s.SetReturn(r)
		return r, engine.ErrReturn
	}
}

// isJSONMedia reports whether a media type is JSON.
func isJSONMedia(media string) bool {
	mt, _, _ := mime.ParseMediaType(media)
	return mt == "application/json" || strings.HasSuffix(mt, "+json")
}

// bodyFor checks a body against its content type: JSON takes any value;
// base64 a valid base64 text; csv a text or a list of rows; any other type
// a text.
func bodyFor(v any, ct string, isJSON, b64 bool) (any, error) {
	switch {
	case isJSON || v == nil:
		return v, nil
	case b64:
		t, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("the body is %s; with base64 it must be a base64 text (see toBase64)", value.Describe(v))
		}
		if _, err := base64.StdEncoding.DecodeString(t); err != nil {
			return nil, fmt.Errorf("the body is not base64: %v", err)
		}
		return t, nil
	}
	if t, ok := v.(string); ok {
		return t, nil
	}
	if rows, ok := v.([]any); ok && ct == "csv" {
		return csvText(rows)
	}
	return nil, fmt.Errorf("the body is %s; a %s body is a text (content_type json writes any value)", value.Describe(v), ct)
}

// csvText writes rows (lists of texts, numbers, true/false or null) as CSV.
func csvText(rows []any) (string, error) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	for i, row := range rows {
		cells, ok := row.([]any)
		if !ok {
			return "", fmt.Errorf("row %d of the csv body is %s; each row is a list of cells", i, value.Describe(row))
		}
		rec := make([]string, len(cells))
		for j, cell := range cells {
			if cell == nil {
				continue
			}
			t, ok := headerText(cell)
			if !ok {
				return "", fmt.Errorf("cell %d of row %d of the csv body is %s; a cell is a text, a number or true/false", j, i, value.Describe(cell))
			}
			rec[j] = t
		}
		_ = w.Write(rec)
	}
	w.Flush()
	return buf.String(), w.Error()
}

// headerText renders a text, number or bool as a header value or CSV cell.
func headerText(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case bool:
		return strconv.FormatBool(x), true
	case value.Decimal:
		return x.String(), true
	}
	if n, ok := value.ToInt(v); ok {
		return strconv.Itoa(n), true
	}
	if f, ok := value.Float(v); ok {
		return strconv.FormatFloat(f, 'g', -1, 64), true
	}
	return "", false
}

// validHeaderName: a token of RFC 9110 §5.6.2.
func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0 {
			continue
		}
		return false
	}
	return true
}

// validHeaderValue: no control character but tab (RFC 9110 §5.5), so no
// CR or LF that would end the header.
func validHeaderValue(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

// validRedirect: an absolute http(s) URL or a path, without spaces or
// control characters.
func validRedirect(u string) bool {
	if u == "" || strings.ContainsAny(u, " \\") || !validHeaderValue(u) {
		return false
	}
	l := strings.ToLower(u)
	return strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://") || strings.HasPrefix(u, "/") && !strings.HasPrefix(u, "//")
}
