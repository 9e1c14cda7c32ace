package steps

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/funcstack/funcstack/engine"
)

// defaultHTTPTimeout applies when an http step sets none.
const defaultHTTPTimeout = 30 * time.Second

func init() {
	engine.Register(&engine.StepType{
		Name:        "http",
		Title:       "HTTP request",
		Summary:     "http[ {method}] {url}[ → {as}]",
		Category:    "utility",
		Description: "Send an HTTP request to an external API. The result is {status, headers, body}; a JSON body is decoded. A non-2xx status is a result, not an error.",
		Fields: []engine.FieldSpec{
			{Name: "method", Kind: engine.FieldEnum, Values: []string{"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"}, Default: "GET", Description: "the HTTP method"},
			{Name: "url", Kind: engine.FieldExpr, Expects: engine.ExpectText, Required: true, Description: "the URL, http or https: an expression (not a template, so that env.hook_url is the variable's value), e.g. env.api + '/orders/' + string(order.id)"},
			{Name: "headers", Kind: engine.FieldExprMap, Description: "request headers, each an expression"},
			{Name: "query", Kind: engine.FieldExprMap, Description: "query parameters added to the URL"},
			{Name: "body", Kind: engine.FieldExpr, Description: "the body: text is sent as is, anything else as JSON"},
			{Name: "timeout", Kind: engine.FieldDuration, Default: "30s", Description: "give up after this long, with a timeout error a try can catch"},
			{Name: "as", Kind: engine.FieldName, Required: true, Description: "the variable receiving {status, headers, body}"},
		},
		Example: []byte(`{"type": "http", "method": "POST", "url": "env.hook_url", "body": "{order: order.id}", "timeout": "5s", "as": "resp"}`),
		Compile: func(c *engine.StepCompiler) engine.RunFunc {
			method := c.Enum("method")
			if method == "" {
				method = "GET"
			}
			u := c.Expr("url")
			headers := c.ExprMap("headers")
			query := c.ExprMap("query")
			body := c.Expr("body")
			timeout := c.Duration("timeout")
			if timeout == 0 {
				timeout = defaultHTTPTimeout
			}
			as := c.NewName("as")
			c.Declare(as)
			return func(s *engine.State) (any, error) {
				res, err := doHTTP(s, method, u, headers, query, body, timeout)
				if err != nil {
					return nil, err
				}
				s.Set(as, res)
				return res, nil
			}
		},
	})
}

func doHTTP(s *engine.State, method string, uExpr *engine.Expr, headers, query []engine.KeyExpr, bodyExpr *engine.Expr, timeout time.Duration) (any, error) {
	uv, err := s.Eval(uExpr)
	if err != nil {
		return nil, err
	}
	raw, ok := uv.(string)
	if !ok {
		return nil, &engine.Error{Code: engine.CodeExpression, Path: uExpr.Path, Message: fmt.Sprintf("%s gave %s, expected a URL", quote(uExpr.Source), kindOf(uv))}
	}
	parsed, err := url.Parse(raw)
	if err != nil || (parsed.Scheme != "http" && parsed.Scheme != "https") || parsed.Host == "" {
		return nil, &engine.Error{Code: engine.CodeHTTP, Path: uExpr.Path, Message: fmt.Sprintf("%q is not an http or https URL", raw)}
	}
	if len(query) > 0 {
		qv, err := evalMap(s, query)
		if err != nil {
			return nil, err
		}
		q := parsed.Query()
		for k, v := range qv {
			q.Set(k, fmt.Sprint(v))
		}
		parsed.RawQuery = q.Encode()
	}
	var reqBody io.Reader
	contentType := ""
	if bodyExpr != nil {
		bv, err := s.Eval(bodyExpr)
		if err != nil {
			return nil, err
		}
		if str, ok := bv.(string); ok {
			reqBody, contentType = strings.NewReader(str), "text/plain; charset=utf-8"
		} else {
			b, err := json.Marshal(bv)
			if err != nil {
				return nil, &engine.Error{Code: engine.CodeHTTP, Path: bodyExpr.Path, Message: "the body cannot be sent as JSON: " + err.Error()}
			}
			reqBody, contentType = bytes.NewReader(b), "application/json"
		}
	}
	// The step's own limit has a context of its own, whose cause tells
	// its expiry (a timeout of this step, which try can catch) from the
	// run's deadline (which ends the run).
	ctx, cancel := context.WithTimeoutCause(s.Context(), timeout, errStepTimeout)
	defer cancel()
	failed := func(err error, doing string) error {
		if context.Cause(ctx) == errStepTimeout {
			return &engine.Error{Code: engine.CodeTimeout, Status: 504, Message: fmt.Sprintf("%s %s: no answer within %s (the step's timeout)", method, redact(parsed), timeout)}
		}
		if e := s.Alive(); e != nil {
			return e
		}
		return &engine.Error{Code: engine.CodeHTTP, Status: 502, Message: fmt.Sprintf("%s %s: %s%s", method, redact(parsed), doing, unwrapURLError(err))}
	}
	req, err := http.NewRequestWithContext(ctx, method, parsed.String(), reqBody)
	if err != nil {
		return nil, &engine.Error{Code: engine.CodeHTTP, Message: err.Error()}
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("User-Agent", "funcstack")
	if tp := s.Traceparent(); tp != "" {
		req.Header.Set("Traceparent", tp) // tracing is on: the remote joins the trace (a header of the step's own wins)
	}
	hv, err := evalMap(s, headers)
	if err != nil {
		return nil, err
	}
	for k, v := range hv {
		req.Header.Set(k, fmt.Sprint(v))
	}
	resp, err := s.Engine().Config().HTTPClient.Do(req)
	if err != nil {
		return nil, failed(err, "")
	}
	defer resp.Body.Close()
	limit := s.Engine().Config().Limits.MaxHTTPBodyBytes
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, failed(err, "reading the response: ")
	}
	if int64(len(data)) > limit {
		return nil, &engine.Error{Code: engine.CodeLimit, Message: fmt.Sprintf("%s %s: the response is larger than %d bytes (limit max_http_body_bytes)", method, redact(parsed), limit)}
	}
	h := make(map[string]any, len(resp.Header))
	for k := range resp.Header {
		h[strings.ToLower(k)] = resp.Header.Get(k)
	}
	var b any = string(data)
	if ct := resp.Header.Get("Content-Type"); strings.Contains(ct, "json") && len(data) > 0 {
		var decoded any
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		if dec.Decode(&decoded) == nil {
			b = engine.NormalizeNumbers(decoded)
		}
	}
	return map[string]any{"status": resp.StatusCode, "headers": h, "body": b}, nil
}

// errStepTimeout is the cause of an http step's own timeout.
var errStepTimeout = errors.New("the http step's timeout")

// redact drops credentials and the query from a URL for error messages.
func redact(u *url.URL) string {
	cp := *u
	cp.User = nil
	cp.RawQuery = ""
	return cp.String()
}

func unwrapURLError(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return err.Error()
}
