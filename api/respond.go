package api

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/store"
	"github.com/funcstack/funcstack/engine/value"
)

// Codes of errors made by the HTTP layer (the engine's codes are in
// engine/errors.go).
const (
	codeBodyTooLarge   = "body_too_large"
	codeBodyTimeout    = "body_timeout"
	codeBadJSON        = "invalid_json"
	codeMediaType      = "unsupported_media_type"
	codeBadForm        = "invalid_form"
	codeFileStore      = "file_store"
	codeUnauthorized   = "unauthorized"
	codeNotImplemented = "not_implemented"
)

// HeaderExecutionID carries the execution ID of a run on every answer that
// has one.
const HeaderExecutionID = "X-Execution-Id"

// errorBody is the HTTP form of an *engine.Error (docs/design.md §10 Errors). Status is the
// HTTP status itself, so it is left out.
type errorBody struct {
	Code        string              `json:"code"`
	Message     string              `json:"message"`
	Definition  string              `json:"definition,omitempty"`
	Path        string              `json:"path,omitempty"`
	ExecutionID string              `json:"execution_id,omitempty"`
	Fields      []engine.FieldError `json:"fields,omitempty"`
}

// publicError is e as a client without the admin token sees it
// (docs/design.md §21). A 5xx error the stack did not raise itself (a
// throw or precondition) keeps its code, definition and execution ID, but
// its message becomes a generic one pointing to the execution record,
// which keeps the cause (as does the log line). Below 5xx, the text of a
// driver error a message quotes is left out. e itself is not changed: the
// record may still be written from it.
func publicError(e *engine.Error) *engine.Error {
	if status(e) >= 500 && !e.Authored && !plainCodes[e.Code] {
		p := &engine.Error{Code: e.Code, Status: e.Status, Definition: e.Definition, ExecutionID: e.ExecutionID}
		if p.Code == "" {
			p.Code = engine.CodeInternal
		}
		p.Message = "the server could not complete this request"
		if e.ExecutionID != "" {
			p.Message += "; its operator finds the cause under execution ID " + e.ExecutionID
		}
		return p
	}
	if e.Cause == nil {
		return e
	}
	if _, own := errors.AsType[*engine.Error](e.Cause); own {
		return e
	}
	cause := e.Cause.Error()
	if cause == "" || !strings.Contains(e.Message, cause) {
		return e
	}
	p := *e
	p.Cause = nil
	p.Message = strings.ReplaceAll(strings.ReplaceAll(p.Message, " ("+cause+")", ""), cause, "(details in the execution record)")
	return &p
}

// plainCodes are the codes of 5xx errors whose messages the engine writes
// itself from what the client may know (a limit, a deadline, a full
// queue): they reach every client whole.
var plainCodes = map[string]bool{
	engine.CodeTimeout: true, engine.CodeQueueFull: true, engine.CodeNodeLost: true, engine.CodeNoDurable: true,
	engine.CodeCancelled: true, engine.CodeLimit: true, "database_busy": true, codeOverloaded: true, codeBodyTimeout: true,
}

// status is e's HTTP status, kept to an error status.
func status(e *engine.Error) int { return e.ResponseStatus() }

func writeError(c *gin.Context, e *engine.Error) {
	if e.ExecutionID != "" {
		c.Header(HeaderExecutionID, e.ExecutionID)
	}
	if status(e) == http.StatusUnauthorized && c.Writer.Header().Get("WWW-Authenticate") == "" {
		// every 401 carries a challenge (RFC 9110 §15.5.2), a stack's throw too
		c.Header("WWW-Authenticate", `Bearer realm="funcstack"`)
	}
	b, _ := marshal(struct {
		Error errorBody `json:"error"`
	}{errorBody{Code: e.Code, Message: e.Message, Definition: e.Definition, Path: e.Path, ExecutionID: e.ExecutionID, Fields: e.Fields}})
	c.Abort()
	c.Data(status(e), "application/json; charset=utf-8", b)
}

// writeJSON writes v; a value that is not representable as JSON (NaN, an
// infinity) becomes a 500 naming the definition.
func writeJSON(c *gin.Context, st int, v any) {
	b, err := marshal(v)
	if err != nil {
		writeError(c, &engine.Error{Code: engine.CodeOutputEncoding, Message: "the response cannot be written as JSON: " + err.Error()})
		return
	}
	c.Data(st, "application/json; charset=utf-8", b)
}

// marshal is json.Marshal without HTML escaping (answers are JSON, not
// HTML) and without the trailing newline.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte{'\n'}), nil
}

// inputShape is what reading a query, form or multipart body needs to
// know of the inputs: which are lists, which are files, and which take an
// empty text as not sent (blank).
type inputShape struct {
	lists, files, blank map[string]bool
}

// shapeOf reads the shape of f's inputs. An optional input whose value
// type refuses an empty text (int, bool, timestamp, uuid, email, file, …:
// its Coerce fails on "") is blank: a query or form sends "" for a field
// left empty, which means no value, not a wrong one (docs/design.md §26).
// Types that take "" (text, json) keep it as a value.
func shapeOf(f *engine.Function) inputShape {
	sh := inputShape{lists: map[string]bool{}, files: map[string]bool{}, blank: map[string]bool{}}
	if f != nil && f.Inputs != nil {
		for _, in := range f.Inputs.Fields() {
			if in.List {
				sh.lists[in.Name] = true
			}
			if in.Type == value.File.Info().Name {
				sh.files[in.Name] = true
			}
			if t := value.Lookup(in.Type); t != nil && !in.Required {
				if _, err := t.Coerce(""); err != nil {
					sh.blank[in.Name] = true
				}
			}
		}
	}
	return sh
}

// dropBlank removes from m, the fields of a query or form, the empty
// texts sent for blank inputs: such an input counts as not sent. For a
// list input the empty items go, and the input when none is left.
func dropBlank(m map[string]any, blank map[string]bool) {
	for name := range blank {
		switch v := m[name].(type) {
		case string:
			if v == "" {
				delete(m, name)
			}
		case []any:
			kept := v[:0:0]
			for _, item := range v {
				if item != "" {
					kept = append(kept, item)
				}
			}
			if len(kept) == 0 {
				delete(m, name)
			} else if len(kept) < len(v) {
				m[name] = kept
			}
		}
	}
}

// readBody reads a request body of at most max bytes and returns the
// input fields it gives and the body as read (docs/design.md §26):
//
//   - JSON (application/json, *+json, or no Content-Type): its object;
//   - application/x-www-form-urlencoded: its fields (a list for a repeated
//     name or a list input); a body that is a JSON object is read as JSON,
//     as curl -d sends JSON with this type;
//   - multipart/form-data: its fields, and for file inputs the file parts,
//     stored in filesDir and given as file values;
//   - any other type (text/*, XML, octet streams): {"body": the body},
//     text when it is UTF-8, else base64.
//
// An empty body gives no fields (nil).
func readBody(c *gin.Context, max int64, shape func() inputShape, filesDir string) (map[string]any, []byte, *engine.Error) {
	r := c.Request
	if r.ContentLength > max {
		return nil, nil, tooLarge(max)
	}
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil, nil
	}
	data, err := io.ReadAll(http.MaxBytesReader(c.Writer, r.Body, max))
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return nil, nil, tooLarge(max)
		}
		if errors.Is(err, errBodyTimeout) {
			return nil, nil, &engine.Error{Code: codeBodyTimeout, Status: http.StatusRequestTimeout, Message: errBodyTimeout.Error() + "; send it at once"}
		}
		return nil, nil, &engine.Error{Code: engine.CodeInvalidInput, Message: "reading the request body: " + err.Error()}
	}
	if len(data) == 0 {
		return nil, nil, nil
	}
	var mt string
	var params map[string]string
	if ct := r.Header.Get("Content-Type"); ct != "" {
		if mt, params, err = mime.ParseMediaType(ct); err != nil {
			return nil, data, &engine.Error{Code: codeMediaType, Status: http.StatusUnsupportedMediaType, Message: fmt.Sprintf(
				"the Content-Type header %q cannot be read (%v); send e.g. Content-Type: application/json", ct, err)}
		}
	}
	switch {
	case mt == "" || mt == "application/json" || strings.HasSuffix(mt, "+json"):
		if len(bytes.TrimSpace(data)) == 0 {
			return nil, data, nil
		}
		m, e := decodeObject(data)
		return m, data, e
	case mt == "application/x-www-form-urlencoded":
		if t := bytes.TrimSpace(data); len(t) > 0 && t[0] == '{' {
			m, e := decodeObject(data)
			return m, data, e
		}
		vals, err := url.ParseQuery(string(data))
		if err != nil {
			return nil, data, &engine.Error{Code: codeBadForm, Status: http.StatusBadRequest, Message: fmt.Sprintf(
				"the request body is not valid form data (application/x-www-form-urlencoded): %v", err)}
		}
		if len(vals) == 0 {
			return nil, data, nil
		}
		sh := shape()
		m := queryMap(vals, sh.lists)
		dropBlank(m, sh.blank)
		return m, data, nil
	case mt == "multipart/form-data":
		m, e := readMultipart(data, params["boundary"], shape(), filesDir)
		return m, data, e
	}
	return map[string]any{"body": bodyText(data)}, data, nil
}

// bodyText is a body as an input value: its text when it is UTF-8, else
// its base64.
func bodyText(data []byte) string {
	if utf8.Valid(data) {
		return string(data)
	}
	return base64.StdEncoding.EncodeToString(data)
}

// readMultipart reads a multipart/form-data body: each part is a field
// (text), or, for a file input, a file stored in filesDir.
func readMultipart(data []byte, boundary string, sh inputShape, filesDir string) (map[string]any, *engine.Error) {
	bad := func(msg string) *engine.Error {
		return &engine.Error{Code: codeBadForm, Status: http.StatusBadRequest, Message: "the request body is not valid multipart/form-data: " + msg}
	}
	if boundary == "" {
		return nil, bad("its Content-Type has no boundary parameter; let the client library write the header")
	}
	mr := multipart.NewReader(bytes.NewReader(data), boundary)
	parts := map[string][]any{}
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, bad(err.Error())
		}
		// tags[] for the list input tags
		name := listKey(p.FormName(), sh.lists)
		content, err := io.ReadAll(p) // bounded: data is at most max_body_bytes
		if err != nil {
			return nil, bad(fmt.Sprintf("part %q: %v", name, err))
		}
		if name == "" {
			continue
		}
		var v any
		if sh.files[name] {
			fn := p.FileName()
			if fn == "" && len(content) == 0 && sh.blank[name] {
				continue // a browser's file field left empty: not sent
			}
			if fn == "" {
				fn = name
			}
			ct := p.Header.Get("Content-Type")
			if ct == "" {
				ct = "application/octet-stream"
			}
			f, err := value.SaveUpload(filesDir, fn, ct, content)
			if err != nil {
				st := http.StatusInternalServerError
				if errors.Is(err, value.ErrNoFileStore) {
					st = http.StatusNotImplemented
				}
				return nil, &engine.Error{Code: codeFileStore, Status: st, Message: fmt.Sprintf("file %q of field %s: %v", fn, name, err)}
			}
			v = f
		} else if p.FileName() != "" {
			continue // a file for an input that is not a file input: not kept
		} else {
			v = bodyText(content)
		}
		parts[name] = append(parts[name], v)
	}
	out := make(map[string]any, len(parts))
	for name, vs := range parts { // as queryMap: a list for a repeated name or a list input
		if len(vs) == 1 && !sh.lists[name] {
			out[name] = vs[0]
		} else {
			out[name] = vs
		}
	}
	dropBlank(out, sh.blank)
	return out, nil
}

func tooLarge(max int64) *engine.Error {
	return &engine.Error{Code: codeBodyTooLarge, Status: http.StatusRequestEntityTooLarge, Message: fmt.Sprintf(
		"the request body is larger than %d bytes (limit max_body_bytes); send less, or raise --max-body-bytes", max)}
}

// decodeObject decodes one JSON object, keeping numbers exact
// (json.Number). A syntax error names the problem and where it is.
func decodeObject(data []byte) (map[string]any, *engine.Error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		off := dec.InputOffset()
		msg := err.Error()
		if se, ok := errors.AsType[*json.SyntaxError](err); ok {
			off = se.Offset - 1 // the offending byte
		} else if errors.Is(err, io.ErrUnexpectedEOF) {
			off, msg = int64(len(data)), "unexpected end of JSON input"
		}
		return nil, badJSON(data, off, msg)
	}
	end := dec.InputOffset()
	if rest := bytes.TrimLeft(data[end:], " \t\r\n"); len(rest) > 0 {
		return nil, badJSON(data, int64(len(data)-len(rest)), "unexpected data after the JSON value")
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, &engine.Error{Code: engine.CodeInvalidInput, Message: fmt.Sprintf(
			"the request body must be a JSON object such as {\"n\": 20}, got %s", kindOf(v))}
	}
	return m, nil
}

func badJSON(data []byte, off int64, msg string) *engine.Error {
	off = min(max(off, 0), int64(len(data)))
	before := data[:off]
	line := 1 + bytes.Count(before, []byte{'\n'})
	col := 1 + utf8.RuneCount(before[bytes.LastIndexByte(before, '\n')+1:])
	return &engine.Error{Code: codeBadJSON, Status: http.StatusBadRequest, Message: fmt.Sprintf(
		"the request body is not valid JSON: %s at offset %d (line %d, column %d)", msg, off, line, col)}
}

func kindOf(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case []any:
		return "a list"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case json.Number, int, int64, float64:
		return "a number"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

// writeResponse writes the answer of a respond step (docs/design.md §26):
// its headers (checked by the step: names are tokens, values hold no line
// breaks), status, content type and body; a JSON body is encoded, a base64
// one decoded, a text written as it is, and no body is written for a
// null one or a 204 or 304.
func writeResponse(c *gin.Context, name string, r *engine.Response, id, filesDir string) {
	if r.File != nil {
		writeFile(c, name, r, id, filesDir)
		return
	}
	h := c.Writer.Header()
	for k, v := range r.Headers {
		h.Set(k, v)
	}
	c.Header(HeaderExecutionID, id)
	if r.Body == nil || r.Status == http.StatusNoContent || r.Status == http.StatusNotModified {
		c.Status(r.Status)
		return
	}
	text, isText := r.Body.(string)
	var b []byte
	switch {
	case isText && r.Binary:
		var err error
		if b, err = base64.StdEncoding.DecodeString(text); err != nil { // the step checked it
			writeError(c, &engine.Error{Code: engine.CodeOutputEncoding, Definition: name, ExecutionID: id, Message: "the response body is not base64: " + err.Error()})
			return
		}
	case isText && !isJSONType(r.ContentType):
		b = []byte(text)
	default:
		var err error
		if b, err = store.AppendJSON(nil, r.Body); err != nil {
			writeError(c, &engine.Error{Code: engine.CodeOutputEncoding, Definition: name, Path: "response", ExecutionID: id,
				Message: "the response cannot be written as JSON: " + err.Error() + "; make sure it holds no NaN or infinite numbers"})
			return
		}
	}
	c.Data(r.Status, r.ContentType, b)
}

// isJSONType reports whether a Content-Type is JSON.
func isJSONType(ct string) bool {
	mt, _, _ := mime.ParseMediaType(ct)
	return mt == "application/json" || strings.HasSuffix(mt, "+json")
}

// writeFile writes the answer of a respond step with a file: its headers,
// the stored bytes streamed from filesDir (never read whole), with
// Content-Length their size. The file is a user's upload, whose type its
// sender chose: X-Content-Type-Options: nosniff keeps browsers to that
// type, and a type a browser runs scripts in (HTML, SVG, XML) is served
// with Content-Security-Policy: sandbox, so an uploaded page cannot act
// as the site that serves it. The step checked the file was stored; one
// deleted since is the same 404.
func writeFile(c *gin.Context, name string, r *engine.Response, id, filesDir string) {
	fh, size, err := value.OpenFile(filesDir, r.File)
	if err != nil {
		e := &engine.Error{Code: codeFileStore, Status: http.StatusInternalServerError, Definition: name, Path: "file", ExecutionID: id, Message: err.Error()}
		if nse, ok := errors.AsType[*value.NotStoredError](err); ok {
			e.Code, e.Status = "file_not_found", http.StatusNotFound
			e.Message = fmt.Sprintf("file %q is no longer stored: it was deleted as the response was written; keep the uploads you mean to serve with file.keep", nse.Name)
		}
		writeError(c, e)
		return
	}
	defer fh.Close()
	h := c.Writer.Header()
	for k, v := range r.Headers {
		h.Set(k, v)
	}
	c.Header(HeaderExecutionID, id)
	if h.Get("X-Content-Type-Options") == "" {
		h.Set("X-Content-Type-Options", "nosniff")
	}
	if scriptable(r.ContentType) && h.Get("Content-Security-Policy") == "" {
		h.Set("Content-Security-Policy", "sandbox")
	}
	h.Set("Content-Type", r.ContentType)
	if r.Status == http.StatusNoContent || r.Status == http.StatusNotModified {
		c.Status(r.Status)
		return
	}
	h.Set("Content-Length", strconv.FormatInt(size, 10))
	c.Status(r.Status)
	if c.Request.Method == http.MethodHead {
		return
	}
	c.Writer.WriteHeaderNow()
	_, _ = io.Copy(c.Writer, fh) // a client gone mid-way: nothing left to tell it
}

// scriptable reports whether a browser may run scripts in a document of
// media type ct.
func scriptable(ct string) bool {
	mt, _, _ := mime.ParseMediaType(ct)
	return mt == "text/html" || mt == "application/xhtml+xml" || mt == "image/svg+xml" || mt == "text/xml" || mt == "application/xml" || strings.HasSuffix(mt, "+xml")
}
