package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/store"
)

// The request history: what GET /_/api/executions searches by beyond
// function and status, what an endpoint's record keeps of its request,
// and retries that choose the version they run.

// requestInfo is what an endpoint's execution record keeps of r: method,
// path and headers, credentials redacted (the status is the run's).
func requestInfo(r *http.Request) *engine.RequestInfo {
	return &engine.RequestInfo{Method: r.Method, Path: r.URL.Path, Headers: engine.RedactHeaders(r.Header)}
}

var idPrefix = regexp.MustCompile(`^[0-9a-f-]{1,36}$`)

// listFilter reads the query parameters id, from, to and internal.
func listFilter(c *gin.Context) (store.Filter, *engine.Error) {
	var f store.Filter
	if id := strings.ToLower(strings.TrimSpace(c.Query("id"))); id != "" {
		if !idPrefix.MatchString(id) {
			return f, badRequest("id=%q is not an execution ID or its beginning; send hex digits and dashes, as in the X-Execution-Id header (0197a3c2-…)", c.Query("id"))
		}
		f.ID = id
	}
	for _, p := range []struct {
		name string
		t    *time.Time
		end  bool // a date alone means the end of that day
	}{{"from", &f.From, false}, {"to", &f.To, true}} {
		v := c.Query(p.name)
		if v == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			d, derr := time.Parse(time.DateOnly, v)
			if derr != nil {
				return f, badRequest("%s=%q is not a time; send RFC 3339 (2025-01-31T09:30:00Z) or a date (2025-01-31)", p.name, v)
			}
			if p.end {
				d = d.AddDate(0, 0, 1)
			}
			t = d
		}
		*p.t = t
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		return f, badRequest("from=%s is not before to=%s; nothing can match", c.Query("from"), c.Query("to"))
	}
	internal, e := queryBool(c, "internal")
	f.Internal = internal
	return f, e
}

// retryWanted is what POST /_/api/executions/{id}/retry takes.
const retryWanted = `{"version": "run"} to run the version the execution ran, {"version": "published"} (the default) for the published one`

// retryExecution runs a finished (or any) execution again with its input:
// the published version of its function (async, 202), or, with
// {"version": "run"}, the very version it ran with the rest of the
// workspace at the stage it ran with (drafts or published), like Run &
// Debug (200, once it ended). Either answer names the version.
func (s *Server) retryExecution(c *gin.Context) {
	rec := s.lookup(c)
	if rec == nil {
		return
	}
	var body struct {
		Version string `json:"version"`
	}
	if c.Request.ContentLength != 0 {
		if e := s.readInto(c, retryWanted, &body); e != nil {
			writeError(c, e)
			return
		}
	}
	if body.Version != "" && body.Version != "run" && body.Version != "published" {
		writeError(c, badRequest("version %q is not a retry choice; send %s", body.Version, retryWanted))
		return
	}
	if b, _ := json.Marshal(rec.Input); bytes.Contains(b, []byte(strconv.Quote(engine.Redacted))) {
		writeError(c, conflict("execution %s cannot be retried: its sensitive inputs were not kept (%s); run it again with its input", rec.ID, engine.Redacted))
		return
	}
	fn := s.cfg.Engine.Function(rec.Function)
	published := 0
	if fn != nil && fn.Def != nil {
		published = fn.Def.Version
	}
	if body.Version == "run" && (rec.Draft || rec.Version != published) {
		s.retryVersion(c, rec)
		return
	}
	if fn == nil {
		msg := fmt.Sprintf("execution %s ran %s, which is not published now; publish it to retry", rec.ID, rec.Function)
		if rec.Version > 0 {
			msg = fmt.Sprintf("execution %s ran version %d of %s, which is not published now; retry that version ({\"version\": \"run\"}) or publish %s", rec.ID, rec.Version, rec.Function, rec.Function)
		}
		writeError(c, &engine.Error{Code: engine.CodeNotFound, Definition: rec.Function, Message: msg})
		return
	}
	var id string
	var err error
	if in, ok := rec.Input.(map[string]any); rec.Mode == engine.ModeDurable && s.cfg.Engine.HasDurable() && (ok || rec.Input == nil) {
		id, err = s.cfg.Engine.EnqueueDurable(c.Request.Context(), rec.Function, in, engine.DurableOptions{}) // durable again
	} else {
		id, err = s.cfg.Engine.StartAsync(c.Request.Context(), rec.Function, rec.Input, engine.AsyncOptions{})
	}
	if err != nil {
		writeError(c, engine.AsError(err))
		return
	}
	c.Header(HeaderExecutionID, id)
	writeJSON(c, http.StatusAccepted, retryAnswer{ID: id, StatusURL: StatusURL(id), Version: published})
}

type retryAnswer struct {
	ID        string `json:"id"`
	StatusURL string `json:"status_url"`
	Status    string `json:"status,omitempty"`
	Version   int    `json:"version"`
	Draft     bool   `json:"draft,omitempty"`
}

// retryVersion runs rec's function again at the version rec ran, now, with
// a trace (a record of its own, marked draft as rec was).
func (s *Server) retryVersion(c *gin.Context, rec *engine.ExecutionRecord) {
	st := s.storeOf(c)
	if st == nil {
		return
	}
	ctx := c.Request.Context()
	if rec.Version == 0 {
		writeError(c, conflict("execution %s ran an unsaved definition of %s, which was not kept; retry the published version ({\"version\": \"published\"}) or run it again from the builder", rec.ID, rec.Function))
		return
	}
	target, _, err := st.GetVersion(ctx, rec.Function, rec.Version)
	if errors.Is(err, store.ErrNotFound) {
		writeError(c, &engine.Error{Code: engine.CodeNotFound, Definition: rec.Function, Message: fmt.Sprintf(
			"execution %s ran version %d of %s, which is gone (the definition was deleted or renamed); retry the published version or run it from the builder", rec.ID, rec.Version, rec.Function)})
		return
	}
	if err != nil {
		s.storeError(c, rec.Function, err)
		return
	}
	base, err := s.ws.Published(ctx)
	if rec.Draft {
		base, err = s.ws.Newest(ctx)
	}
	if err != nil {
		s.internal(c, "reading the definitions", err)
		return
	}
	p, diags := compileWith(ctx, base, target, nil)
	if p == nil {
		writeInvalid(c, fmt.Sprintf("version %d of %s does not compile with the rest of the workspace now; nothing ran", rec.Version, rec.Function), diags)
		return
	}
	res, _ := s.cfg.Engine.Run(ctx, rec.Function, rec.Input, engine.RunOptions{Program: p, Trace: true, Draft: rec.Draft})
	if res == nil {
		s.internal(c, "retrying execution "+rec.ID, errors.New("the run did not start"))
		return
	}
	status := engine.StatusOf(res.Error)
	c.Header(HeaderExecutionID, res.ExecutionID)
	writeJSON(c, http.StatusOK, retryAnswer{ID: res.ExecutionID, StatusURL: StatusURL(res.ExecutionID), Status: status, Version: rec.Version, Draft: rec.Draft})
}
