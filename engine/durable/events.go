package durable

import (
	"context"
	"log/slog"
	"net/url"
	"time"

	"github.com/funcstack/funcstack/engine"
)

// Background work logs one structured line per event (Options.Logger),
// each with the node (NodeID/incarnation) and, for a run, execution_id,
// function and attempt (docs/operations.md lists them):
//
//	run failed         error  a run ended failed and is not tried again (not retryable)
//	retry scheduled    warn   an attempt failed; retry_at says when the next one runs
//	retries exhausted  error  the last attempt failed
//	run cancelled      info   a run was cancelled
//	run interrupted    info   this node stopped under a run; it runs again
//	task tick run      info   a task's tick was queued by this node
//	task ticks caught up warn ticks no node ran were made up by one run
//	task ticks skipped warn   ticks no node ran were dropped (catch_up "none")
//	callback delivered info   the callback URL answered 2xx
//	callback failed    warn   a delivery failed; retry_at says when the next one runs
//	callback exhausted error  the last delivery failed, or the guard refused the URL
func (r *Runner) event(level slog.Level, msg string, attrs ...slog.Attr) {
	ctx := context.Background()
	if !r.log.Enabled(ctx, level) {
		return
	}
	r.log.LogAttrs(ctx, level, msg, append(attrs, slog.String("node", r.name))...)
}

// runAttrs are the attributes of an event of a run's attempt.
func runAttrs(id, function string, attempt int) []slog.Attr {
	return []slog.Attr{slog.String("execution_id", id), slog.String("function", function), slog.Int("attempt", attempt)}
}

// errAttrs are an error's code and message.
func errAttrs(attrs []slog.Attr, e *engine.Error) []slog.Attr {
	if e == nil {
		return attrs
	}
	return append(attrs, slog.String("code", e.Code), slog.String("error", e.Message))
}

// when is t as the logs write it.
func when(t time.Time) slog.Attr { return slog.String("retry_at", t.UTC().Format(time.RFC3339Nano)) }

// logURL is a callback URL as logged: scheme, host and path, without the
// query and user info, which may carry tokens.
func logURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparseable URL)"
	}
	return (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String()
}

// textLogger is a structured logger writing through logf.
func textLogger(logf func(string, ...any)) *slog.Logger {
	return slog.New(slog.NewTextHandler(lineWriter(logf), nil))
}

type lineWriter func(string, ...any)

func (w lineWriter) Write(p []byte) (int, error) {
	w("%s", string(trimNL(p)))
	return len(p), nil
}
