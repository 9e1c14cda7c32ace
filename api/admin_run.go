package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/workspace"
)

const runWanted = `{"name": "sum_squares", "input": {...}, "auth": {...}, "version": "draft"|"published"|N, "definition": {...}}`

// runAnswer is the answer of POST /_/api/run.
type runAnswer struct {
	ExecutionID string              `json:"execution_id"`
	Status      string              `json:"status"`
	Output      any                 `json:"output"`
	Error       *engine.Error       `json:"error"`
	DurationMs  float64             `json:"duration_ms"`
	HTTP        *runHTTP            `json:"http,omitempty"`
	Trace       []engine.TraceEntry `json:"trace"`
	Truncated   bool                `json:"trace_truncated,omitempty"`
	Logs        []engine.LogEntry   `json:"logs"`
}

type runHTTP struct {
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers"`
}

// runDebug is run & debug: POST /_/api/run runs a definition (the draft, the
// published version, a given version or an unsaved definition) with the
// rest of the workspace at the same stage, with a trace.
func (s *Server) runDebug(c *gin.Context) {
	st := s.storeOf(c)
	if st == nil {
		return
	}
	ctx := c.Request.Context()
	var body struct {
		Name       string          `json:"name"`
		Input      json.RawMessage `json:"input"`
		Auth       map[string]any  `json:"auth"`
		Version    json.RawMessage `json:"version"`
		Definition json.RawMessage `json:"definition"`
		// Headers are the request headers an endpoint sees (request.headers).
		Headers map[string]string `json:"headers"`
	}
	if e := s.readInto(c, runWanted, &body); e != nil {
		writeError(c, e)
		return
	}
	stage, version := "draft", 0
	if len(body.Version) > 0 && string(body.Version) != "null" {
		var str string
		if json.Unmarshal(body.Version, &str) == nil && (str == "draft" || str == "published") {
			stage = str
		} else if n, err := strconv.Atoi(string(body.Version)); err == nil && n > 0 {
			stage, version = "version", n
		} else {
			writeError(c, badRequest(`"version" must be "draft", "published" or a version number, not %s`, body.Version))
			return
		}
	}
	var target *engine.Definition
	var diags engine.Diagnostics
	if len(body.Definition) > 0 && string(body.Definition) != "null" {
		if _, e := decodeObject(body.Definition); e != nil {
			writeError(c, badRequest(`"definition" must be a definition object: %s`, e.Message))
			return
		}
		target, diags = parseDefinition(body.Definition, "")
		if target == nil {
			writeInvalid(c, "the definition is not valid; nothing ran", diags)
			return
		}
		if body.Name == "" {
			body.Name = target.Name
		} else if body.Name != target.Name {
			writeError(c, badRequest("\"name\" is %q but the definition's name is %q; leave \"name\" out or make them equal", body.Name, target.Name))
			return
		}
	}
	if body.Name == "" {
		writeError(c, badRequest(`say what to run: "name"; send %s`, runWanted))
		return
	}
	var base []*engine.Definition
	var err error
	if stage == "draft" {
		base, err = s.ws.Newest(ctx)
	} else {
		base, err = s.ws.Published(ctx)
	}
	if err != nil {
		s.internal(c, "reading the definitions", err)
		return
	}
	if target == nil && stage == "version" {
		d, _, err := st.GetVersion(ctx, body.Name, version)
		if err != nil {
			s.storeError(c, body.Name, err)
			return
		}
		target = d
	}
	if target == nil {
		for _, d := range base {
			if d.Name == body.Name {
				target = d
			}
		}
		if target == nil {
			if found, _ := s.exists(ctx, body.Name); found && stage == "published" {
				writeError(c, &engine.Error{Code: engine.CodeNotFound, Definition: body.Name, Message: fmt.Sprintf(
					"%s has no published version; run its draft (\"version\": \"draft\") or publish it", body.Name)})
				return
			}
			writeError(c, s.unknownDefinition(ctx, body.Name))
			return
		}
	}
	if target.Kind == engine.KindTable {
		writeError(c, badRequest("%s is a table; run a function, endpoint, task or middleware", body.Name))
		return
	}
	p, diags := compileWith(ctx, base, target, diags)
	if p == nil {
		writeInvalid(c, "definition "+body.Name+" does not compile; nothing ran", diags)
		return
	}
	var input any = map[string]any{}
	if len(body.Input) > 0 && string(body.Input) != "null" {
		m, e := decodeObject(body.Input)
		if e != nil {
			writeError(c, badRequest(`"input" must be a JSON object: %s`, e.Message))
			return
		}
		input = m
	}
	opt := engine.RunOptions{Program: p, Trace: true, Auth: body.Auth, Draft: stage == "draft"}
	if target.Kind == engine.KindEndpoint {
		headers := map[string]any{}
		for k, v := range body.Headers {
			headers[strings.ToLower(k)] = v
		}
		opt.Request = map[string]any{"method": target.Method, "path": target.Path, "headers": headers,
			"query": map[string]any{}, "params": map[string]any{}, "ip": c.ClientIP()}
	}
	mw := target.Middleware
	if target.Kind != engine.KindEndpoint {
		mw = nil
	}
	httpStatus := target.Status
	if httpStatus == 0 {
		httpStatus = http.StatusOK
	}
	// An endpoint's middleware runs around it as over HTTP (each run an
	// execution of its own; the trace is the endpoint's).
	var res *engine.Result
	var rerr error
	if len(mw) > 0 {
		m, _ := input.(map[string]any)
		merged, err := s.runBefore(ctx, body.Name, mw, m, engine.RunOptions{Program: p, Auth: body.Auth, Request: opt.Request})
		if err != nil {
			e := engine.AsError(err)
			res, rerr = &engine.Result{ExecutionID: e.ExecutionID, Error: e}, e
		} else if merged != nil && (m != nil || input == nil) {
			input = merged // (input that is not an object stays, for the endpoint to refuse)
		}
	}
	if res == nil {
		res, rerr = s.cfg.Engine.Run(ctx, body.Name, input, opt)
		if res == nil {
			writeError(c, engine.AsError(rerr))
			return
		}
		if rerr == nil && len(mw) > 0 {
			if err := s.runAfter(ctx, mw, res, httpStatus, engine.RunOptions{Program: p, Auth: body.Auth, Request: opt.Request}); err != nil {
				res.Error = engine.AsError(err)
			}
		}
	}
	ans := runAnswer{ExecutionID: res.ExecutionID, Output: res.Output, Error: res.Error,
		DurationMs: float64(res.Duration) / float64(time.Millisecond), Trace: res.Trace, Truncated: res.TraceTruncated, Logs: res.Logs}
	if ans.Trace == nil {
		ans.Trace = []engine.TraceEntry{}
	}
	if ans.Logs == nil {
		ans.Logs = []engine.LogEntry{}
	}
	ans.Status = engine.StatusOf(res.Error)
	if target.Kind == engine.KindEndpoint {
		h := &runHTTP{Status: httpStatus, Headers: map[string]string{HeaderExecutionID: res.ExecutionID}}
		if res.Error != nil {
			h.Status = status(res.Error)
		}
		if h.Status != http.StatusNoContent {
			h.Headers["Content-Type"] = "application/json; charset=utf-8"
		}
		if res.Error != nil && res.Error.Code == codeUnauthorized {
			h.Headers["WWW-Authenticate"] = `Bearer realm="funcstack"`
		}
		ans.HTTP = h
	}
	writeJSON(c, http.StatusOK, ans)
}

// compileWith compiles base (the workspace at one stage) with target in
// place of its definition of that name, for a run of target; nil and the
// diagnostics (after diags) when target does not compile with the rest.
func compileWith(ctx context.Context, base []*engine.Definition, target *engine.Definition, diags engine.Diagnostics) (*engine.Program, engine.Diagnostics) {
	replace := []*engine.Definition{target}
	if diags = append(diags, workspace.NewProblemsContext(ctx, base, replace)...); diags.HasErrors() {
		return nil, diags
	}
	p, dropped, err := workspace.CompileServing(workspace.Merge(base, replace))
	if err == nil && p.Functions[target.Name] == nil {
		err = fmt.Errorf("%s does not compile with the rest of the workspace", target.Name)
	}
	if err != nil {
		return nil, append(diags, dropped...)
	}
	return p, diags
}

// adminProgram compiles the loaded program's definitions with extra
// definitions of the admin API's own (table record edits), so that these
// run through the same steps, and triggers, as any stack.
func (s *Server) adminProgram(extra ...*engine.Definition) (*engine.Program, error) {
	p := s.cfg.Engine.Program()
	defs := make([]*engine.Definition, 0, len(p.Definitions)+len(extra))
	for _, d := range p.Definitions {
		defs = append(defs, d)
	}
	q, diags := engine.Compile(workspace.Merge(defs, extra))
	if diags.HasErrors() {
		return nil, diags.Err()
	}
	return q, nil
}

// freeName returns base, or base with a suffix, naming no definition of
// the loaded program.
func (s *Server) freeName(base string) string {
	p := s.cfg.Engine.Program()
	name := base
	for i := 2; p.Definitions[name] != nil; i++ {
		name = base + "_" + strconv.Itoa(i)
	}
	return name
}

// runStack runs a stack of the admin API's own as a function taking input
// (a JSON object of json-typed fields) and giving response.
func (s *Server) runStack(ctx context.Context, purpose string, inputs []string, stack []map[string]any, response string, input map[string]any) (any, *engine.Error) {
	name := s.freeName("admin_" + purpose)
	fields := make([]map[string]any, len(inputs))
	for i, n := range inputs {
		fields[i] = map[string]any{"name": n, "type": "json"}
	}
	raw, err := json.Marshal(map[string]any{"kind": "function", "name": name, "input": fields, "stack": stack, "response": response})
	if err != nil {
		return nil, engine.AsError(err)
	}
	var diags engine.Diagnostics
	d := engine.ParseDefinition("admin API", raw, &diags)
	if diags.HasErrors() {
		return nil, &engine.Error{Code: engine.CodeInternal, Message: "the admin API's stack does not parse: " + diags.Err().Error()}
	}
	p, err := s.stacks.get(s.cfg.Engine.Program(), string(raw), func() (*engine.Program, error) { return s.adminProgram(d) })
	if err != nil {
		return nil, &engine.Error{Code: engine.CodeInternal, Message: "the admin API's stack does not compile: " + err.Error()}
	}
	res, rerr := s.cfg.Engine.Run(ctx, name, input, engine.RunOptions{Program: p, Internal: true})
	if rerr != nil {
		return nil, engine.AsError(rerr)
	}
	return res.Output, nil
}

// stackCache keeps the programs compiled for the admin API's own stacks,
// for one loaded program (a reload empties it).
type stackCache struct {
	mu   sync.Mutex
	base *engine.Program
	m    map[string]*engine.Program
}

// maxCachedStacks bounds stackCache; past it, it starts over.
const maxCachedStacks = 256

func (sc *stackCache) get(base *engine.Program, key string, compile func() (*engine.Program, error)) (*engine.Program, error) {
	sc.mu.Lock()
	if sc.base != base || len(sc.m) >= maxCachedStacks {
		sc.base, sc.m = base, map[string]*engine.Program{}
	}
	p := sc.m[key]
	sc.mu.Unlock()
	if p != nil {
		return p, nil
	}
	p, err := compile()
	if err != nil {
		return nil, err
	}
	sc.mu.Lock()
	if sc.base == base {
		sc.m[key] = p
	}
	sc.mu.Unlock()
	return p, nil
}
