package api

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/gin-gonic/gin"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/store"
)

// endpoint serves one endpoint definition: path, query and body (JSON,
// form, multipart or raw: see readBody) are merged into the input (the body wins over the query, path parameters
// over both), the engine validates and runs it, and the response goes out
// with the definition's status (default 200). An endpoint with
// "auth": "jwt" first needs a valid bearer token (see authJWT); its claims
// are what the stack sees as auth.
func (s *Server) endpoint(f *engine.Function) gin.HandlerFunc {
	d := f.Def
	name := f.Name
	st := d.Status
	if st == 0 {
		st = http.StatusOK
	}
	mw := d.Middleware
	promoteAfter := d.PromoteAfter.D()
	if promoteAfter == 0 {
		promoteAfter = d.Settings.PromoteAfter.D()
	}
	authNeeded := len(d.AuthMethods) > 0
	// request is built only for stacks that can read it: an expression
	// naming it holds the text "request" (or a JSON escape spelling it).
	usesRequest := bytes.Contains(d.Raw, []byte("request")) || bytes.Contains(d.Raw, []byte(`\u`)) || d.Raw == nil || len(mw) > 0
	// request.body (the raw body) likewise only for stacks that may read it.
	usesBody := usesRequest && (bytes.Contains(d.Raw, []byte("body")) || bytes.Contains(d.Raw, []byte(`\u`)) || d.Raw == nil || len(mw) > 0)
	sh := shapeOf(f)
	lists := sh.lists
	shape := func() inputShape { return sh }
	filesDir := s.cfg.Engine.Config().FilesDir
	cors := s.endpointCORS(d)
	limit := newRateLimit(d)
	return func(c *gin.Context) {
		if cors != nil {
			cors.apply(c.Writer.Header(), c.Request.Header.Get("Origin"))
		}
		var auth map[string]any
		var key *store.APIKey
		if authNeeded {
			var aerr *engine.Error
			if auth, key, aerr = s.authenticate(c.Request, d); aerr != nil {
				writeAuthError(c, aerr)
				return
			}
		}
		body, raw, berr := readBody(c, s.cfg.MaxBodyBytes, shape, filesDir)
		if berr != nil {
			writeError(c, berr)
			return
		}
		r := c.Request
		var rawQuery url.Values
		var query map[string]any
		if r.URL.RawQuery != "" {
			rawQuery = r.URL.Query()
			query = queryMap(rawQuery, lists)
		}
		input := make(map[string]any, len(query)+len(body)+len(c.Params))
		for k, v := range query {
			input[k] = v
		}
		if len(sh.blank) > 0 { // request.query keeps them; input does not
			dropBlank(input, sh.blank)
		}
		for k, v := range body {
			input[k] = v
		}
		for _, p := range c.Params {
			input[p.Key] = p.Value
		}
		if limit != nil && !s.checkRate(c, limit, key, auth, input) {
			return
		}
		var req map[string]any
		if usesRequest {
			req = requestMap(c, rawQuery, query, len(lists) > 0)
			if usesBody {
				req["body"] = string(raw)
			}
		}
		opt := engine.RunOptions{Auth: auth, Request: req, HTTP: requestInfo(r), Traceparent: traceparent(r)}
		if len(mw) > 0 {
			merged, err := s.runBefore(r.Context(), name, mw, input, opt)
			if err != nil {
				noteError(c, engine.AsError(err), f, input)
				s.respond(c, name, st, nil, err)
				return
			}
			input = merged
		}
		res, ok, err := s.run(c, name, input, opt, promoteAfter)
		if !ok {
			return // promoted: 202 written
		}
		if err == nil && len(mw) > 0 {
			err = s.runAfter(r.Context(), mw, res, st, opt)
		}
		if err != nil {
			noteError(c, engine.AsError(err), f, input)
		}
		s.respond(c, name, st, res, err)
	}
}

// traceparent is the request's W3C traceparent header, which the run's
// span continues when tracing is on (docs/design.md §30).
func traceparent(r *http.Request) string {
	if v := r.Header["Traceparent"]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// requestMap is what expressions see as request: method, path, headers
// (lower-case names; repeated ones joined by ", "), query (a text, or a list
// of texts for a repeated name), params and ip; the endpoint adds body (the
// body as sent, byte for byte: what a webhook's HMAC is computed over) when
// its stack may read it.
func requestMap(c *gin.Context, raw url.Values, query map[string]any, hasLists bool) map[string]any {
	r := c.Request
	headers := make(map[string]any, len(r.Header))
	for k, vs := range r.Header {
		headers[strings.ToLower(k)] = strings.Join(vs, ", ")
	}
	if hasLists || query == nil { // query holds lists for list inputs; request.query does not
		query = queryMap(raw, nil)
	}
	params := make(map[string]any, len(c.Params))
	for _, p := range c.Params {
		params[p.Key] = p.Value
	}
	return map[string]any{
		"method":  r.Method,
		"path":    r.URL.Path,
		"headers": headers,
		"query":   query,
		"params":  params,
		"ip":      c.ClientIP(),
	}
}

// respond writes a run's outcome: its output with status st (or the answer
// of its respond step), or its error.
func (s *Server) respond(c *gin.Context, name string, st int, res *engine.Result, err error) {
	if err != nil {
		e := engine.AsError(err)
		noteError(c, e, nil, nil)
		if o := overloaded(e); o != nil {
			c.Header("Retry-After", retryAfterSeconds)
			e = o
		}
		if !s.isAdmin(c.Request) {
			e = publicError(e)
		}
		writeError(c, e)
		return
	}
	if r, ok := res.Output.(*engine.Response); ok {
		writeResponse(c, name, r, res.ExecutionID, s.cfg.Engine.Config().FilesDir)
		return
	}
	c.Header(HeaderExecutionID, res.ExecutionID)
	if st == http.StatusNoContent {
		c.Status(st)
		return
	}
	bp := bodyPool.Get().(*[]byte)
	defer bodyPool.Put(bp)
	b, merr := store.AppendJSON((*bp)[:0], res.Output)
	if merr != nil {
		writeError(c, &engine.Error{Code: engine.CodeOutputEncoding, Definition: name, Path: "response", ExecutionID: res.ExecutionID,
			Message: "the response cannot be written as JSON: " + merr.Error() + "; make sure it holds no NaN or infinite numbers"})
		return
	}
	c.Data(st, "application/json; charset=utf-8", b) // written out before the buffer goes back
	if cap(b) <= 64<<10 {
		*bp = b
	}
}

// bodyPool holds the buffers responses are encoded into.
var bodyPool = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

// queryMap turns query values into input values: a text, or a list of
// texts when the name repeats or is a list input. A list input also takes
// its items as name[] (ids[]=1&ids[]=2, as axios, jQuery and PHP write
// them), after those sent as name.
func queryMap(q map[string][]string, lists map[string]bool) map[string]any {
	out := make(map[string]any, len(q))
	var bracketed []string
	for k, vs := range q {
		if listKey(k, lists) != k {
			bracketed = append(bracketed, k)
			continue
		}
		if len(vs) == 1 && !lists[k] {
			out[k] = vs[0]
			continue
		}
		l := make([]any, len(vs))
		for i, v := range vs {
			l[i] = v
		}
		out[k] = l
	}
	for _, k := range bracketed {
		name := listKey(k, lists)
		l, _ := out[name].([]any)
		for _, v := range q[k] {
			l = append(l, v)
		}
		out[name] = l
	}
	return out
}

// listKey is the name of the list input a form or query name sends items
// of: name for name[] when name is a list input, else the name itself.
func listKey(k string, lists map[string]bool) string {
	if name, ok := strings.CutSuffix(k, "[]"); ok && lists[name] {
		return name
	}
	return k
}
