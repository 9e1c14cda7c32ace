package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/store"
	"github.com/funcstack/funcstack/engine/workspace"
)

// Codes of admin API errors.
const (
	codeConflict    = "conflict"
	codeNoStore     = "no_store"
	codeDestructive = "destructive_change"
	codeBadRequest  = "bad_request"
	// codeNeedsDependencies: publishing needs drafts published with it.
	codeNeedsDependencies = "needs_dependencies"
	// codeHasCallers: renaming changes the definitions using it (they
	// are in error.callers); update_callers does so.
	codeHasCallers = "has_callers"
)

// adminErrorBody is errorBody with the diagnostics of invalid definitions.
type adminErrorBody struct {
	Code        string             `json:"code"`
	Message     string             `json:"message"`
	Definition  string             `json:"definition,omitempty"`
	Path        string             `json:"path,omitempty"`
	Diagnostics engine.Diagnostics `json:"diagnostics,omitempty"`
	// Dependencies are the drafts a refused publish needs (code
	// needs_dependencies).
	Dependencies []workspace.Dependency `json:"dependencies,omitempty"`
	// Callers are the definitions using one being renamed (code
	// has_callers).
	Callers []string `json:"callers,omitempty"`
}

// writeAdminError answers status with body.
func writeAdminError(c *gin.Context, status int, body adminErrorBody) {
	b, _ := marshal(struct {
		Error adminErrorBody `json:"error"`
	}{body})
	c.Abort()
	c.Data(status, "application/json; charset=utf-8", b)
}

// writeInvalid answers 422 with every diagnostic; message says what was
// refused.
func writeInvalid(c *gin.Context, message string, diags engine.Diagnostics) {
	errs := diags.Errors()
	if len(errs) > 0 {
		message = fmt.Sprintf("%s: %d error(s), the first: %s", message, len(errs), errs[0].String())
	}
	b, _ := marshal(struct {
		Error adminErrorBody `json:"error"`
	}{adminErrorBody{Code: engine.CodeInvalidDef, Message: message, Diagnostics: nonNil(diags)}})
	c.Abort()
	c.Data(http.StatusUnprocessableEntity, "application/json; charset=utf-8", b)
}

func nonNil(d engine.Diagnostics) engine.Diagnostics {
	if d == nil {
		return engine.Diagnostics{}
	}
	return d
}

func badRequest(format string, args ...any) *engine.Error {
	return &engine.Error{Code: codeBadRequest, Status: http.StatusBadRequest, Message: fmt.Sprintf(format, args...)}
}

func conflict(format string, args ...any) *engine.Error {
	return &engine.Error{Code: codeConflict, Status: http.StatusConflict, Message: fmt.Sprintf(format, args...)}
}

// internal logs err and answers 500 naming what failed.
func (s *Server) internal(c *gin.Context, what string, err error) {
	s.logf("funcstack api: %s %s: %s: %v", c.Request.Method, c.Request.URL.Path, what, err)
	writeError(c, &engine.Error{Code: engine.CodeInternal, Message: what + ": " + err.Error()})
}

// storeOf returns the store, or answers 501 when the server has none.
func (s *Server) storeOf(c *gin.Context) *store.Store {
	if s.cfg.Store == nil {
		writeError(c, &engine.Error{Code: codeNoStore, Status: http.StatusNotImplemented,
			Message: "this server has no database (api.Config.Store); definitions, tables and execution lists need one"})
		return nil
	}
	return s.cfg.Store
}

// MaxAdminBodyBytes is the least body size the admin API takes (imports of
// whole workspaces), whatever Config.MaxBodyBytes is.
const MaxAdminBodyBytes = 16 << 20

// readRaw reads a JSON body of at most MaxAdminBodyBytes (or MaxBodyBytes) and checks that it is
// one JSON object. An empty body is an error naming what was expected.
func (s *Server) readRaw(c *gin.Context, want string) ([]byte, *engine.Error) {
	r := c.Request
	max := max(s.cfg.MaxBodyBytes, MaxAdminBodyBytes)
	if r.ContentLength > max {
		return nil, tooLarge(max)
	}
	var data []byte
	if r.Body != nil && r.Body != http.NoBody {
		var err error
		data, err = io.ReadAll(http.MaxBytesReader(c.Writer, r.Body, max))
		if err != nil {
			if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
				return nil, tooLarge(max)
			}
			return nil, &engine.Error{Code: engine.CodeInvalidInput, Message: "reading the request body: " + err.Error()}
		}
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, badRequest("the request body is empty; send %s", want)
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || !(mt == "application/json" || strings.HasSuffix(mt, "+json")) {
			return nil, &engine.Error{Code: codeMediaType, Status: http.StatusUnsupportedMediaType, Message: fmt.Sprintf(
				"the request body is %s; send JSON with Content-Type: application/json", ct)}
		}
	}
	if _, err := decodeObject(data); err != nil {
		return nil, err
	}
	return data, nil
}

// readInto reads a JSON object body into v; a field of the wrong type is
// a 400 naming it.
func (s *Server) readInto(c *gin.Context, want string, v any) *engine.Error {
	data, err := s.readRaw(c, want)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		if te, ok := errors.AsType[*json.UnmarshalTypeError](err); ok {
			return badRequest("the request body's field %s must be %s, not a JSON %s; send %s", te.Field, jsonTypeName(te.Type.String()), te.Value, want)
		}
		return badRequest("the request body does not fit: %v; send %s", err, want)
	}
	return nil
}

func jsonTypeName(goType string) string {
	switch {
	case strings.HasPrefix(goType, "int"):
		return "an integer"
	case goType == "string":
		return "a string"
	case goType == "bool":
		return "true or false"
	case strings.HasPrefix(goType, "[]"):
		return "a list"
	}
	return "an object"
}

// queryInt reads an optional positive integer query parameter.
func queryInt(c *gin.Context, name string, def, lo, hi int) (int, *engine.Error) {
	v := c.Query(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, badRequest("query parameter %s=%q must be a whole number from %d to %d", name, v, lo, hi)
	}
	return n, nil
}

// queryBool reads an optional true/false query parameter.
func queryBool(c *gin.Context, name string) (bool, *engine.Error) {
	v := c.Query(name)
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, badRequest("query parameter %s=%q must be true or false", name, v)
	}
	return b, nil
}

// versionArg is a version number in a request body: a JSON number, or
// absent (0).
type versionArg struct {
	Version json.Number `json:"version"`
}

func (v versionArg) number() (int, *engine.Error) {
	if v.Version == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(string(v.Version))
	if err != nil || n < 1 {
		return 0, badRequest("version %s must be a version number, 1 or more (see GET /_/api/definitions/{name}/versions)", v.Version)
	}
	return n, nil
}
