package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/funcstack/funcstack/engine"
)

// Logs: every request makes one line (message "request") with method,
// route (the pattern, e.g. /api/orders/:id; the path only when no route
// matched), status, duration and execution_id, at level info, or error for
// a 5xx answer, which also carries the error's code and message. Request
// bodies, query strings, headers and inputs are never logged, and values
// of inputs marked "sensitive" are blanked out of logged error messages.

// StatusClientClosed is the status logged and counted for a request whose
// client went away before the answer (nginx's 499): its run was
// cancelled, which is no server error.
const StatusClientClosed = 499

// NewLogger makes the logger of funcstack serve: format "text" or "json",
// level "debug", "info", "warn" or "error".
func NewLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("log level %q is not debug, info, warn or error", level)
	}
	opt := &slog.HandlerOptions{Level: lv}
	switch strings.ToLower(format) {
	case "text":
		return slog.New(slog.NewTextHandler(w, opt)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opt)), nil
	}
	return nil, fmt.Errorf("log format %q is not text or json", format)
}

// observe measures and logs every request (and counts it, see metrics.go).
func (s *Server) observe(c *gin.Context) {
	start := time.Now()
	c.Next()
	d := time.Since(start)
	st := c.Writer.Status()
	if st >= 500 && errors.Is(c.Request.Context().Err(), context.Canceled) {
		st = StatusClientClosed // the client left; nothing failed on this side
	}
	route := routeOf(c)
	if s.metrics != nil {
		s.metrics.request(c.Request.Method, route, st, d)
	}
	level := slog.LevelInfo
	if st >= 500 {
		level = slog.LevelError
	}
	ctx := context.Background()
	if !s.log.Enabled(ctx, level) {
		return
	}
	attrs := make([]slog.Attr, 0, 8)
	attrs = append(attrs, slog.String("method", c.Request.Method))
	if route != "" {
		attrs = append(attrs, slog.String("route", route))
	} else {
		attrs = append(attrs, slog.String("path", c.Request.URL.Path))
	}
	attrs = append(attrs, slog.Int("status", st), slog.Duration("duration", d))
	if id := c.Writer.Header().Get(HeaderExecutionID); id != "" {
		attrs = append(attrs, slog.String("execution_id", id))
	}
	if t := trackedOf(c); st >= 500 && t != nil && t.err != nil {
		msg := t.err.Error()
		for _, secret := range t.sensitive {
			msg = strings.ReplaceAll(msg, secret, "[redacted]")
		}
		attrs = append(attrs, slog.String("code", t.err.Code), slog.String("error", msg))
	}
	s.log.LogAttrs(ctx, level, "request", attrs...)
}

// noteError keeps a 5xx error for the access log line, with the values of
// f's sensitive inputs in input to blank out of it.
func noteError(c *gin.Context, e *engine.Error, f *engine.Function, input map[string]any) {
	if status(e) < 500 {
		return
	}
	t := trackedOf(c)
	if t == nil {
		return
	}
	t.err = e
	if f != nil && f.Inputs != nil {
		if vals := sensitiveValues(f.Inputs.Fields(), input, nil); len(vals) > 0 {
			t.sensitive = vals
		}
	}
}

// sensitiveValues collects the texts of the sensitive inputs in m (nested
// object fields and lists included).
func sensitiveValues(fields []engine.InputField, m map[string]any, out []string) []string {
	for _, f := range fields {
		v, ok := m[f.Name]
		if !ok || v == nil {
			continue
		}
		items := []any{v}
		if l, ok := v.([]any); ok {
			items = l
		}
		for _, it := range items {
			switch {
			case f.Sensitive:
				out = appendText(out, it)
			case len(f.Fields) > 0:
				if sub, ok := it.(map[string]any); ok {
					out = sensitiveValues(f.Fields, sub, out)
				}
			}
		}
	}
	return out
}

func appendText(out []string, v any) []string {
	switch v := v.(type) {
	case map[string]any:
		for _, x := range v {
			out = appendText(out, x)
		}
	case []any:
		for _, x := range v {
			out = appendText(out, x)
		}
	default:
		if s := fmt.Sprint(v); s != "" {
			out = append(out, s)
		}
	}
	return out
}
