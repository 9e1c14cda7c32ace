package engine

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Error codes carried by *Error. They are part of the HTTP and CLI contract.
const (
	CodeInvalidInput = "invalid_input"
	CodeInvalidDef   = "invalid_definition"
	CodeNotFound     = "not_found"
	CodeExpression   = "expression_error"
	// CodeArithmetic is an integer overflow or a division by zero.
	CodeArithmetic     = "arithmetic_error"
	CodeThrown         = "error"
	CodePrecondition   = "precondition_failed"
	CodeLimit          = "limit_exceeded"
	CodeTimeout        = "timeout"
	CodeCancelled      = "cancelled"
	CodeHTTP           = "http_error"
	CodeInternal       = "internal"
	CodeQueueFull      = "queue_full"
	CodeAwait          = "await_failed"
	CodeOutputEncoding = "output_not_json"
	// CodeNodeLost ends a run whose node stopped (node.go).
	CodeNodeLost = "node_lost"
)

// Error is the one error shape every run error takes. It names what went
// wrong, where (definition and JSON path of the step or field) and in which
// execution, so that a person can find and fix it.
type Error struct {
	Code        string       `json:"code"`
	Message     string       `json:"message"`
	Status      int          `json:"status,omitempty"`
	Definition  string       `json:"definition,omitempty"`
	Path        string       `json:"path,omitempty"`
	ExecutionID string       `json:"execution_id,omitempty"`
	Fields      []FieldError `json:"fields,omitempty"`
	// Cause is the underlying error, if any; it is not serialised.
	Cause error `json:"-"`
	// Authored marks an error a stack raised itself (throw,
	// precondition): its message is the author's, shown to every client;
	// other 5xx errors reach only the admin whole (docs/design.md §21).
	Authored bool `json:"-"`
	// runEnded marks the run's own deadline or cancellation, which no
	// try can catch (see Catchable).
	runEnded bool
}

// FieldError names one failing input field.
type FieldError struct {
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.Definition != "" {
		b.WriteString(e.Definition)
		b.WriteString(": ")
	}
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Message)
	for _, f := range e.Fields {
		fmt.Fprintf(&b, "; %s: %s", f.Field, f.Message)
	}
	if e.ExecutionID != "" {
		fmt.Fprintf(&b, " (execution %s)", e.ExecutionID)
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Cause }

// HTTPStatus is the status an HTTP caller should get for e.
func (e *Error) HTTPStatus() int {
	if e.Status != 0 {
		return e.Status
	}
	switch e.Code {
	case CodeInvalidInput, CodePrecondition:
		return 400
	case CodeNotFound:
		return 404
	case CodeTimeout:
		return 504
	case CodeQueueFull, CodeNodeLost:
		return 503
	}
	return 500
}

// MarshalJSON writes the error in the {"error": {...}} envelope that the CLI
// and the HTTP API share.
func (e *Error) Envelope() []byte {
	type plain Error
	b, _ := json.Marshal(struct {
		Error *plain `json:"error"`
	}{(*plain)(e)})
	return b
}

// Catchable reports whether a try step may catch err: any error but
// control flow and the end of the run itself (its deadline passed, or it
// was cancelled). A step's own limit (an await's or http step's timeout,
// a called function's settings.timeout) is a catchable timeout.
func Catchable(err error) bool {
	if err == nil || isSignal(err) {
		return false
	}
	var e *Error
	return !errors.As(err, &e) || !e.runEnded
}

// Errorf makes an *Error with a code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// AsError turns any error into an *Error, keeping one that already is.
func AsError(err error) *Error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Code: CodeInternal, Message: err.Error(), Cause: err}
}

// Severity of a Diagnostic.
const (
	SeverityError   = "error"
	SeverityWarning = "warning"
)

// Diagnostic is one problem found while loading or compiling definitions.
type Diagnostic struct {
	Severity   string `json:"severity"`
	Code       string `json:"code"`
	File       string `json:"file,omitempty"`
	Definition string `json:"definition,omitempty"`
	Path       string `json:"path,omitempty"`
	Message    string `json:"message"`
	// Line and Col (1-based) are where Path starts in File, for
	// definitions read from files (0: unknown).
	Line int `json:"line,omitempty"`
	Col  int `json:"col,omitempty"`
}

// String renders "definition: path: message", or "file: message" when the
// definition has no name yet (unparseable JSON).
func (d Diagnostic) String() string {
	var parts []string
	switch {
	case d.Definition != "":
		parts = append(parts, d.Definition)
	case d.File != "":
		parts = append(parts, d.File)
	}
	if d.Path != "" {
		parts = append(parts, d.Path)
	}
	parts = append(parts, d.Message)
	return strings.Join(parts, ": ")
}

// Diagnostics is a list of problems; it is an error when it holds any error.
type Diagnostics []Diagnostic

// Errors returns only the error-severity diagnostics.
func (ds Diagnostics) Errors() Diagnostics {
	var out Diagnostics
	for _, d := range ds {
		if d.Severity == SeverityError {
			out = append(out, d)
		}
	}
	return out
}

// Warnings returns only the warnings.
func (ds Diagnostics) Warnings() Diagnostics {
	var out Diagnostics
	for _, d := range ds {
		if d.Severity == SeverityWarning {
			out = append(out, d)
		}
	}
	return out
}

// HasErrors reports whether any diagnostic is an error.
func (ds Diagnostics) HasErrors() bool {
	for _, d := range ds {
		if d.Severity == SeverityError {
			return true
		}
	}
	return false
}

// Err returns the diagnostics as an error when there are errors, else nil.
func (ds Diagnostics) Err() error {
	if !ds.HasErrors() {
		return nil
	}
	return DiagnosticsError(ds.Errors())
}

// DiagnosticsError is the error form of a list of definition errors.
type DiagnosticsError Diagnostics

func (e DiagnosticsError) Error() string {
	lines := make([]string, len(e))
	for i, d := range e {
		lines[i] = d.String()
	}
	return strings.Join(lines, "\n")
}
