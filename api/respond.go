package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/funcstack/funcstack/engine"
)

// Codes of errors made by the HTTP layer (the engine's codes are in
// engine/errors.go).
const (
	codeBodyTooLarge   = "body_too_large"
	codeBodyTimeout    = "body_timeout"
	codeBadJSON        = "invalid_json"
	codeMediaType      = "unsupported_media_type"
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

// readBody reads a JSON object body of at most max bytes. An empty body is
// a nil map.
func readBody(c *gin.Context, max int64) (map[string]any, *engine.Error) {
	r := c.Request
	if r.ContentLength > max {
		return nil, tooLarge(max)
	}
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	data, err := io.ReadAll(http.MaxBytesReader(c.Writer, r.Body, max))
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return nil, tooLarge(max)
		}
		if errors.Is(err, errBodyTimeout) {
			return nil, &engine.Error{Code: codeBodyTimeout, Status: http.StatusRequestTimeout, Message: errBodyTimeout.Error() + "; send it at once"}
		}
		return nil, &engine.Error{Code: engine.CodeInvalidInput, Message: "reading the request body: " + err.Error()}
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, nil
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || !(mt == "application/json" || strings.HasSuffix(mt, "+json")) {
			return nil, &engine.Error{Code: codeMediaType, Status: http.StatusUnsupportedMediaType, Message: fmt.Sprintf(
				"the request body is %s; send JSON with Content-Type: application/json", ct)}
		}
	}
	return decodeObject(data)
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
