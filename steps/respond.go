package steps

import (
	"bytes"
	"encoding/base64"
	"encoding/csv"
	"errors"
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
		Summary:  "respond[ {status}][ {content_type}][ → {redirect}][ {body}][ {file}]",
		Category: "control",
		Description: "End the stack now with an HTTP answer of its choosing: status, headers, body and content type, a stored file, or a redirect. " +
			"An endpoint or POST /function writes it as it is; a caller gets {status, headers, body, content_type} (and file).",
		Fields: []engine.FieldSpec{
			{Name: "status", Kind: engine.FieldExpr, Expects: engine.ExpectInt, Description: "the HTTP status, a number or an expression (default 200; 302 with redirect)"},
			{Name: "body", Kind: engine.FieldExpr, Description: "the body: any value for JSON, a text for other types (csv: also a list of rows), base64 for binary"},
			{Name: "file", Kind: engine.FieldExpr, Description: "a file value (a file input, file.save or file.keep gives one) whose bytes are the body, with its content_type, its size as Content-Length and its name in Content-Disposition; instead of body"},
			{Name: "download", Kind: engine.FieldBool, Description: "with file: Content-Disposition attachment (the browser saves the file) instead of inline"},
			{Name: "headers", Kind: engine.FieldExprMap, Description: "extra response headers: {\"Cache-Control\": \"'no-store'\"}; a null value leaves the header out"},
			{Name: "content_type", Kind: engine.FieldTemplate, Description: "json (the default), text, html, csv, binary (the body is base64, written decoded), or a media type such as application/xml; " +
				"text with {{ expression }} parts, e.g. {{ doc.content_type }} (empty: the default, or the file's own)"},
			{Name: "base64", Kind: engine.FieldBool, Description: "the body is base64, written decoded (with a media type such as image/png)"},
			{Name: "redirect", Kind: engine.FieldExpr, Expects: engine.ExpectText, Description: "redirect to this URL (an absolute http(s) URL or a path): sets Location, status 302 unless given"},
		},
		Terminates: true,
		Example:    []byte(`{"type": "respond", "status": "201", "headers": {"Cache-Control": "'no-store'"}, "body": "{id: 7}"}`),
		Compile:    compileRespond,
	})
}

// respondType is a resolved content_type: the name as written (json,
// csv, … or a media type), the media type written in Content-Type, and
// how the body is written.
type respondType struct {
	name, media string
	isJSON, b64 bool
}

// resolveType resolves a content_type: "" is json (with a file: the
// file's own type, resolved when the file is known); a short name its
// media type; anything else must be a media type. b64 is the step's
// base64 field.
func resolveType(ct string, b64, file bool) (respondType, error) {
	if ct == "" {
		if file {
			return respondType{}, nil
		}
		ct = "json"
	}
	media, short := contentTypes[ct]
	if !short {
		if !validMedia(ct) {
			return respondType{}, fmt.Errorf("content_type %q is neither json, text, html, csv, binary nor a media type such as application/xml", ct)
		}
		media = ct
	}
	t := respondType{name: ct, media: media, b64: b64 || ct == "binary", isJSON: isJSONMedia(media)}
	if t.isJSON && t.b64 && !file {
		return t, errJSONBase64
	}
	return t, nil
}

var errJSONBase64 = errors.New("base64 does not apply to a JSON body; give another content_type, e.g. binary")

// validMedia reports whether ct is a media type that may be written in
// Content-Type: type/subtype with parameters, no line breaks.
func validMedia(ct string) bool {
	_, _, err := mime.ParseMediaType(ct)
	return err == nil && strings.Contains(ct, "/") && validHeaderValue(ct)
}

func compileRespond(c *engine.StepCompiler) engine.RunFunc {
	c.EndsRun()
	c.Answer(nil) // an HTTP answer: OpenAPI cannot infer its schema
	status, literal, statusExpr := c.IntOrExpr("status")
	redirect := c.Expr("redirect")
	body := c.Expr("body")
	file := c.Expr("file")
	download := c.Bool("download")
	headers := c.ExprMap("headers")
	b64 := c.Bool("base64")
	ctTemplate := c.TextTemplate("content_type")
	ctPath := c.Path("content_type")
	filePath := c.Path("file")
	hasFile := file != nil
	// a content_type without {{ }} parts is resolved now, as it always was
	var fixed *respondType
	if ctTemplate == nil {
		t, _ := resolveType("", b64, hasFile)
		fixed = &t
	} else if text, ok := ctTemplate.Constant(); ok {
		t, err := resolveType(text, b64, hasFile)
		switch {
		case errors.Is(err, errJSONBase64):
			c.Errorf("base64", "bad_value", "%v", err)
		case err != nil:
			c.Errorf("content_type", "bad_value", "%v", err)
		}
		fixed = &t
	}
	switch {
	case hasFile && body != nil:
		c.Errorf("file", "bad_value", "give body or file, not both: the file's bytes are the body")
	case hasFile && redirect != nil:
		c.Errorf("file", "bad_value", "a redirect has no body; give file or redirect, not both")
	case hasFile && b64:
		c.Errorf("base64", "bad_value", "base64 does not apply to a file: its bytes are written as they are stored")
	case download && !hasFile:
		c.Errorf("download", "bad_value", "download applies to a file: give file, or set Content-Disposition in headers")
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
	ownDisposition := false
	for _, h := range headers {
		if !validHeaderName(h.Key) {
			c.Errorf("headers."+h.Key, "bad_value", "%q is not a valid header name: use letters, digits and - only", h.Key)
		} else if why, ok := serverHeaders[strings.ToLower(h.Key)]; ok {
			c.Errorf("headers."+h.Key, "bad_value", "the %s header may not be set here: %s", h.Key, why)
		}
		if strings.EqualFold(h.Key, "Content-Disposition") {
			ownDisposition = true
		}
	}
	return func(s *engine.State) (any, error) {
		bad := func(format string, args ...any) error {
			return &engine.Error{Code: codeBadResponse, Status: 500, Message: fmt.Sprintf(format, args...)}
		}
		rt := fixed
		if rt == nil {
			text, err := s.Render(ctTemplate)
			if err != nil {
				return nil, err
			}
			t, err := resolveType(text, b64, hasFile)
			if err != nil {
				return nil, &engine.Error{Code: codeBadResponse, Status: 500, Path: ctPath, Message: err.Error()}
			}
			rt = &t
		}
		r := &engine.Response{Status: int(status), ContentType: rt.media, Binary: rt.b64}
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
		if hasFile {
			if err := respondFile(s, r, file, filePath, download, ownDisposition); err != nil {
				return nil, err
			}
		}
		if body != nil {
			v, err := s.Eval(body)
			if err != nil {
				return nil, err
			}
			if r.Body, err = bodyFor(v, rt.name, rt.isJSON, rt.b64); err != nil {
				return nil, bad("%v", err)
			}
		}
		s.SetReturn(r)
		return r, engine.ErrReturn
	}
}

// codeFileNotFound is the code of a respond step whose file is no longer
// stored.
const codeFileNotFound = "file_not_found"

// respondFile makes r answer the file value of expression file: the file
// value in r.File (the API streams its bytes), its content_type unless
// the step gave one, and Content-Disposition (inline, or attachment for
// a download) with its name, unless the step's headers set it. The
// file must be stored: one that is not (an upload past its retention, a
// deleted file) is a 404 naming it.
func respondFile(s *engine.State, r *engine.Response, file *engine.Expr, path string, download, ownDisposition bool) error {
	v, err := s.Eval(file)
	if err != nil {
		return err
	}
	fv, err := value.File.Coerce(v)
	if err != nil {
		return &engine.Error{Code: codeBadResponse, Status: 500, Path: path, Message: fmt.Sprintf(
			"file is %s; it must be a file value {name, size, content_type, sha256}, as a file input, file.save or file.keep gives", value.Describe(v))}
	}
	m := fv.(map[string]any)
	name := m["name"].(string)
	fh, _, err := value.OpenFile(s.Engine().Config().FilesDir, m)
	if nse, ok := errors.AsType[*value.NotStoredError](err); ok {
		return &engine.Error{Code: codeFileNotFound, Status: 404, Path: path, Message: fmt.Sprintf(
			"file %q is no longer stored: an upload is deleted after the upload retention unless a stack keeps it with file.keep, and file.delete deletes a file; "+
				"keep the uploads you mean to serve with file.keep", nse.Name)}
	}
	if errors.Is(err, value.ErrNoFileStore) {
		return &engine.Error{Code: codeFile, Status: 501, Path: path, Message: err.Error()}
	}
	if err != nil {
		return &engine.Error{Code: codeFile, Status: 500, Path: path, Message: err.Error()}
	}
	_ = fh.Close() // the API opens it again to stream it
	r.File = m
	r.Binary = false
	if r.ContentType == "" {
		r.ContentType = "application/octet-stream"
		if ct := m["content_type"].(string); validMedia(ct) {
			r.ContentType = ct
		}
	}
	if !ownDisposition {
		if r.Headers == nil {
			r.Headers = map[string]string{}
		}
		r.Headers["Content-Disposition"] = contentDisposition(download, name)
	}
	return nil
}

// contentDisposition is the Content-Disposition of a file (RFC 6266):
// inline, or attachment for a download, with its name as filename (a
// quoted string of printable ASCII: other characters become _) and, for
// a name that is not all printable ASCII, as filename* too (RFC 8187:
// UTF-8, percent-encoded), which browsers prefer.
func contentDisposition(download bool, name string) string {
	kind := "inline"
	if download {
		kind = "attachment"
	}
	if name == "" {
		return kind
	}
	var fallback, ext strings.Builder
	plain := true
	for _, r := range name {
		switch {
		case r == '"' || r == '\\':
			fallback.WriteByte('\\')
			fallback.WriteRune(r)
		case r >= ' ' && r < 0x7f:
			fallback.WriteRune(r)
		default:
			fallback.WriteByte('_')
			plain = false
		}
	}
	out := kind + `; filename="` + fallback.String() + `"`
	if plain {
		return out
	}
	const attrChar = "!#$&+-.^_`|~"
	for i := 0; i < len(name); i++ {
		b := name[i]
		if b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || strings.IndexByte(attrChar, b) >= 0 {
			ext.WriteByte(b)
		} else {
			fmt.Fprintf(&ext, "%%%02X", b)
		}
	}
	return out + "; filename*=UTF-8''" + ext.String()
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
