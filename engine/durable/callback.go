package durable

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
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
	err := w.r.deliver(ctx, job.Args)
	if err != nil && job.Attempt < job.MaxAttempts {
		w.r.retryAt.Store(job.ID, time.Now().Add(backoff(w.r.opt.CallbackBackoff, job.Attempt)))
	}
	return err
}

// deliver POSTs the result of execution a.ID to its callback URL.
func (r *Runner) deliver(ctx context.Context, a callbackArgs) error {
	rec, err := r.execs.Get(ctx, a.ID)
	if errors.Is(err, engine.ErrNoExecution) {
		return river.JobCancel(fmt.Errorf("callback of execution %s: the execution record is gone (pruned?)", a.ID))
	}
	if err != nil {
		return err
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
		return river.JobCancel(fmt.Errorf("callback of execution %s: URL %q: %v", a.ID, a.URL, err))
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
	if err != nil {
		if errors.Is(err, ErrRefused) {
			// Not retried: it would be refused again. Say so where an
			// operator looks, with what to do.
			r.opt.Logf("funcstack durable: the callback of execution %s to %s is not sent: %v; allow the address with --outbound-allow (FUNCSTACK_OUTBOUND_ALLOW) if it is meant", a.ID, a.URL, err)
			return river.JobCancel(fmt.Errorf("callback of execution %s: %v", a.ID, err))
		}
		return fmt.Errorf("callback of execution %s to %s: %v", a.ID, a.URL, err)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("callback of execution %s to %s: answered %s", a.ID, a.URL, resp.Status)
	}
	return nil
}
