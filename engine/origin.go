package engine

import (
	"net/http"
	"strings"
)

// ModeInternal is the mode of runs the admin API makes for itself (the
// record editor's db steps): the executions list leaves them out unless
// asked for them.
const ModeInternal = "internal"

// RequestInfo is the HTTP request that started an endpoint's run, as its
// execution record keeps it: method, path, the status the run answered
// with, and the request headers with credentials redacted (RedactHeaders).
type RequestInfo struct {
	Method  string            `json:"method"`
	Path    string            `json:"path"`
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers,omitempty"`
}

// ResponseStatus is the HTTP status an endpoint answers a failed run with:
// the error's own (HTTPStatus), or 500 when that is not an error status.
func (e *Error) ResponseStatus() int {
	st := e.HTTPStatus()
	if st < 400 || st > 599 {
		return http.StatusInternalServerError
	}
	return st
}

// Version is the stored version of f's definition (0: not from a store).
func (f *Function) Version() int {
	if f == nil || f.Def == nil {
		return 0
	}
	return f.Def.Version
}

// StatusOf is the status of a run that ended with err (nil: succeeded).
func StatusOf(err *Error) string {
	if err == nil {
		return StatusSucceeded
	}
	return statusOf(err)
}

// answered sets the status of rec's request (when it has one) to what an
// endpoint answers a run of fn that ended with err: the endpoint's status
// (default 200) or the error's. The request is copied first: the record
// saved before (a promoted run's) may share it.
func answered(rec *ExecutionRecord, fn *Function, err *Error) {
	if rec.Request == nil {
		return
	}
	r := *rec.Request
	switch {
	case err != nil:
		r.Status = err.ResponseStatus()
	case fn.Def != nil && fn.Def.Status != 0:
		r.Status = fn.Def.Status
	default:
		r.Status = http.StatusOK
	}
	rec.Request = &r
}

// credentialHeaders are the request headers (lower case) whose values an
// execution record never keeps.
var credentialHeaders = map[string]bool{
	"authorization": true, "proxy-authorization": true, "cookie": true, "set-cookie": true,
	"x-api-key": true, "api-key": true, "x-auth-token": true, "x-access-token": true,
	"x-csrf-token": true, "x-xsrf-token": true, "x-amz-security-token": true,
}

// credentialWords mark other headers as credentials when their name
// holds one.
var credentialWords = []string{"token", "secret", "password", "passwd", "key", "signature", "session", "auth", "credential"}

// notCredentials hold a credential word in their name but carry none:
// their values help tell requests apart in the history.
var notCredentials = map[string]bool{"idempotency-key": true}

// authSchemes are the schemes of the IANA HTTP Authentication Scheme
// Registry (lower case), which an Authorization value keeps.
var authSchemes = map[string]bool{
	"basic": true, "bearer": true, "digest": true, "dpop": true, "gnap": true, "hoba": true, "mutual": true,
	"negotiate": true, "ntlm": true, "oauth": true, "privatetoken": true, "scram-sha-1": true, "scram-sha-256": true,
	"vapid": true, "aws4-hmac-sha256": true, "concealed": true,
}

// RedactHeaders returns h as an execution record keeps it: lower-case
// names, repeated values joined by ", ", and Redacted for the value of a
// header that carries credentials (Authorization, Cookie, X-Api-Key, any
// name holding "token", "secret", "key", "password", "auth"…, in any
// case; Idempotency-Key is kept). An Authorization value keeps its
// scheme when it is a registered one ("Bearer [redacted]"), which tells
// how the caller signed in; any other first word may be the credential
// itself and goes too.
func RedactHeaders(h http.Header) map[string]string {
	out := make(map[string]string, len(h))
	for k, vs := range h {
		name := strings.ToLower(k)
		v := strings.Join(vs, ", ")
		if isCredential(name) {
			scheme, _, found := strings.Cut(strings.TrimSpace(v), " ")
			if found && (name == "authorization" || name == "proxy-authorization") && authSchemes[strings.ToLower(scheme)] {
				v = scheme + " " + Redacted
			} else {
				v = Redacted
			}
		}
		out[name] = v
	}
	return out
}

func isCredential(name string) bool {
	if credentialHeaders[name] {
		return true
	}
	if notCredentials[name] {
		return false
	}
	for _, w := range credentialWords {
		if strings.Contains(name, w) {
			return true
		}
	}
	return false
}
