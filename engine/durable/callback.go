package durable

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/riverqueue/river"

	"github.com/funcstack/funcstack/engine"
)

// callbackWorker delivers results to X-Callback-Url: a POST of the
// output (or {"error": …}) with X-Call-Id, X-Duration-Seconds,
// X-Function-Status and X-Function-Name. A 2xx answer ends it; anything
// else is tried again (Options.CallbackAttempts, CallbackBackoff doubling).
type callbackWorker struct {
	river.WorkerDefaults[callbackArgs]
	r *Runner
}

func (w *callbackWorker) Timeout(*river.Job[callbackArgs]) time.Duration {
	return w.r.opt.CallbackTimeout + timeoutSlack
}

func (w *callbackWorker) Work(ctx context.Context, job *river.Job[callbackArgs]) error {
	r := w.r
	a := job.Args
	status, err := r.deliver(ctx, a)
	cb := &engine.CallbackInfo{URL: logURL(a.URL), Attempts: job.Attempt, LastStatus: status}
	attrs := append(runAttrs(a.ID, a.Function, job.Attempt), slog.String("url", cb.URL), slog.Int("max_attempts", job.MaxAttempts))
	if status != 0 {
		attrs = append(attrs, slog.Int("status", status))
	}
	var cancelled *river.JobCancelError
	switch {
	case err == nil:
		cb.State, cb.DeliveredAt = engine.CallbackDelivered, time.Now().UTC()
		r.event(slog.LevelInfo, "callback delivered", attrs...)
	case errors.Is(err, errRecordGone):
		r.event(slog.LevelError, "callback exhausted", append(attrs, slog.String("error", err.Error()))...)
		return err
	case errors.As(err, &cancelled) || job.Attempt >= job.MaxAttempts:
		cb.State, cb.LastError = engine.CallbackFailed, err.Error()
		r.event(slog.LevelError, "callback exhausted", append(attrs, slog.String("error", err.Error()))...)
	default:
		at := time.Now().Add(backoff(r.opt.CallbackBackoff, job.Attempt))
		r.retryAt.Store(job.ID, at)
		cb.State, cb.LastError = engine.CallbackRetrying, err.Error()
		r.event(slog.LevelWarn, "callback failed", append(attrs, slog.String("error", err.Error()), when(at))...)
	}
	r.noteCallback(ctx, a.ID, cb)
	return err
}

// errRecordGone marks a callback whose execution record is gone.
var errRecordGone = errors.New("the execution record is gone (pruned?)")

// noteCallback writes the delivery state into the execution's record.
func (r *Runner) noteCallback(ctx context.Context, id string, cb *engine.CallbackInfo) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	rec, err := r.execs.Get(ctx, id)
	if err != nil {
		return
	}
	rec.Callback = cb
	if err := r.execs.SaveWait(ctx, rec); err != nil {
		r.opt.Logf("funcstack durable: recording the callback state of execution %s: %v", id, err)
	}
}

// deliver POSTs the result of execution a.ID to its callback URL and
// returns the status it answered (0: none).
func (r *Runner) deliver(ctx context.Context, a callbackArgs) (int, error) {
	rec, err := r.execs.Get(ctx, a.ID)
	if errors.Is(err, engine.ErrNoExecution) {
		return 0, river.JobCancel(fmt.Errorf("callback of execution %s: %w", a.ID, errRecordGone))
	}
	if err != nil {
		return 0, err
	}
	var body []byte
	if rec.Status == engine.StatusSucceeded {
		body, err = json.Marshal(rec.Output)
	} else {
		if rec.Error != nil {
			body = rec.Error.Envelope()
		} else {
			body, err = json.Marshal(map[string]any{"error": map[string]any{"code": rec.Status, "message": "the execution ended " + rec.Status}})
		}
	}
	if err != nil {
		body, _ = json.Marshal(map[string]any{"error": map[string]any{"code": "internal", "message": "the output is not JSON: " + err.Error()}})
	}
	ctx, cancel := context.WithTimeout(ctx, r.opt.CallbackTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.URL, bytes.NewReader(body))
	if err != nil {
		return 0, river.JobCancel(fmt.Errorf("callback of execution %s: URL %q: %v", a.ID, logURL(a.URL), err))
	}
	dur := 0.0
	if !rec.StartedAt.IsZero() && !rec.FinishedAt.IsZero() {
		dur = rec.FinishedAt.Sub(rec.StartedAt).Seconds()
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "funcstack")
	req.Header.Set("X-Call-Id", rec.ID)
	req.Header.Set("X-Duration-Seconds", strconv.FormatFloat(dur, 'f', 6, 64))
	req.Header.Set("X-Function-Status", rec.Status)
	req.Header.Set("X-Function-Name", rec.Function)
	resp, err := r.opt.HTTPClient.Do(req)
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err // without the URL, whose query may hold a token
	}
	if err != nil {
		if errors.Is(err, ErrRefused) {
			// Not retried: it would be refused again. Say so where an
			// operator looks, with what to do.
			return 0, river.JobCancel(fmt.Errorf("callback of execution %s is not sent: %v; allow the address with --outbound-allow (FUNCSTACK_OUTBOUND_ALLOW) if it is meant", a.ID, err))
		}
		return 0, fmt.Errorf("callback of execution %s to %s: %v", a.ID, logURL(a.URL), err)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, fmt.Errorf("callback of execution %s to %s: answered %s", a.ID, logURL(a.URL), resp.Status)
	}
	return resp.StatusCode, nil
}
