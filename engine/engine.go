package engine

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/funcstack/funcstack/engine/value"
)

// Limits bound every run. Each has a default; hitting one is an error that
// names it.
type Limits struct {
	SyncTimeout       time.Duration // a sync run (CLI, HTTP): 30s
	AsyncTimeout      time.Duration // an async or background run: 15m
	MaxLoopIterations int           // per loop: 100 000
	MaxCallDepth      int           // nested calls: 32
	MaxTriggerDepth   int           // triggers firing triggers: 8
	MaxBodyBytes      int64         // request bodies: 1 MiB
	MaxExprMemory     uint          // list items and object entries one evaluation may build: 1 000 000
	MaxExprSteps      int           // closure steps (map, filter, ... bodies) per evaluation: 10 000 000
	MaxLogEntries     int           // log entries kept per execution: 1 000
	MaxTraceEntries   int           // trace entries kept per execution: 10 000
	MaxHTTPBodyBytes  int64         // response bodies read by the http step: 10 MiB
	MaxTextBytes      int           // a text a variable holds: 16 MiB
	MaxItems          int           // items of a list or object a variable holds: 1 000 000
	MaxDepth          int           // how deep lists and objects in a variable nest: 1 000
	// MaxDurableDescendants is how many durable runs one run and the runs
	// it starts may queue in all: 10 000.
	MaxDurableDescendants int
}

// DefaultLimits returns the limits of docs/design.md §7 Limits.
func DefaultLimits() Limits {
	return Limits{
		SyncTimeout:       30 * time.Second,
		AsyncTimeout:      15 * time.Minute,
		MaxLoopIterations: 100_000,
		MaxCallDepth:      32,
		MaxTriggerDepth:   8,
		MaxBodyBytes:      1 << 20,
		MaxExprMemory:     1_000_000,
		MaxExprSteps:      10_000_000,
		MaxLogEntries:     1000,
		MaxTraceEntries:   10_000,
		MaxHTTPBodyBytes:  10 << 20,
		MaxTextBytes:      16 << 20,
		MaxItems:          1_000_000,
		MaxDepth:          1000,

		MaxDurableDescendants: 10_000,
	}
}

// Config configures an Engine. Zero fields take defaults.
type Config struct {
	Limits Limits
	// Workers is the size of the async worker pool (default 4×GOMAXPROCS,
	// at least 16).
	Workers int
	// QueueSize bounds async executions waiting for a worker (default 10 000).
	QueueSize int
	// IdempotencyWindow is how long an idempotency key maps to its
	// execution (default 24h).
	IdempotencyWindow time.Duration
	// Env is what expressions see as env.
	Env map[string]any
	// Store keeps execution records (default: in memory).
	Store ExecutionStore
	// DB is the database of the db.* steps (nil: none).
	DB Database
	// Secrets are keys steps use and expressions never see, by name
	// (SecretJWT: the HS256 key of auth.token and of endpoint tokens).
	Secrets map[string][]byte
	// HTTPClient is used by the http step (default: a client with no
	// global timeout; each step sets its own).
	HTTPClient *http.Client
	// Logger is where background work is reported: a failed async or
	// promoted run (nil: nowhere). Package durable logs its own events.
	Logger *slog.Logger
	// FilesDir is the folder of files: multipart uploads and file.save
	// (docs/design.md §26); "" keeps no files.
	FilesDir string
	// UploadRetention is how long an upload a stack did not keep
	// (file.keep) stays in FilesDir (default 24 h; negative: forever).
	UploadRetention time.Duration
}

func (c *Config) fill() {
	if c.UploadRetention == 0 {
		c.UploadRetention = 24 * time.Hour
	}
	d := DefaultLimits()
	l := &c.Limits
	if l.SyncTimeout <= 0 {
		l.SyncTimeout = d.SyncTimeout
	}
	if l.AsyncTimeout <= 0 {
		l.AsyncTimeout = d.AsyncTimeout
	}
	if l.MaxLoopIterations <= 0 {
		l.MaxLoopIterations = d.MaxLoopIterations
	}
	if l.MaxCallDepth <= 0 {
		l.MaxCallDepth = d.MaxCallDepth
	}
	if l.MaxDurableDescendants <= 0 {
		l.MaxDurableDescendants = d.MaxDurableDescendants
	}
	if l.MaxTriggerDepth <= 0 {
		l.MaxTriggerDepth = d.MaxTriggerDepth
	}
	if l.MaxBodyBytes <= 0 {
		l.MaxBodyBytes = d.MaxBodyBytes
	}
	if l.MaxExprMemory == 0 {
		l.MaxExprMemory = d.MaxExprMemory
	}
	if l.MaxExprSteps <= 0 {
		l.MaxExprSteps = d.MaxExprSteps
	}
	if l.MaxLogEntries <= 0 {
		l.MaxLogEntries = d.MaxLogEntries
	}
	if l.MaxTraceEntries <= 0 {
		l.MaxTraceEntries = d.MaxTraceEntries
	}
	if l.MaxTextBytes <= 0 {
		l.MaxTextBytes = d.MaxTextBytes
	}
	if l.MaxItems <= 0 {
		l.MaxItems = d.MaxItems
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = d.MaxDepth
	}
	if l.MaxHTTPBodyBytes <= 0 {
		l.MaxHTTPBodyBytes = d.MaxHTTPBodyBytes
	}
	if c.Workers <= 0 {
		c.Workers = max(16, 4*runtime.GOMAXPROCS(0))
	}
	if c.QueueSize <= 0 {
		c.QueueSize = 10_000
	}
	if c.IdempotencyWindow <= 0 {
		c.IdempotencyWindow = 24 * time.Hour
	}
	if c.Env == nil {
		c.Env = map[string]any{}
	}
	if c.Store == nil {
		c.Store = NewMemoryStore(10_000)
	}
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{}
	}
}

// SecretJWT names the JWT signing key in Config.Secrets.
const SecretJWT = "jwt"

// Engine runs compiled programs. It is safe for concurrent use.
type Engine struct {
	cfg   Config
	prog  atomic.Pointer[Program]
	store ExecutionStore
	// observer is told of every execution that ends (SetObserver).
	observer atomic.Pointer[observerBox]
	// tracer makes the spans of runs (SetTracer, tracing.go).
	tracer atomic.Pointer[tracerBox]

	// live holds in-process async executions until they finish.
	live liveSet
	// localStore is true when the store serves only this process.
	localStore bool
	jobs       chan *Execution
	durable    Durable // durable.go
	node       string  // node.go
	log        *slog.Logger
	// promoted holds the cancel of each promoted run of this process
	// until it ends (promote.go).
	promoted sync.Map
	start    sync.Once
	stop     chan struct{}
	wg       sync.WaitGroup
}

// New makes an engine. Load a program before running anything.
func New(cfg Config) *Engine {
	cfg.fill()
	e := &Engine{cfg: cfg, store: cfg.Store, jobs: make(chan *Execution, cfg.QueueSize), stop: make(chan struct{}), log: cfg.Logger}
	if e.log == nil {
		e.log = discard
	}
	if l, ok := cfg.Store.(interface{ Local() bool }); ok {
		e.localStore = l.Local()
	}
	if cfg.FilesDir != "" && cfg.UploadRetention > 0 {
		e.wg.Add(1)
		go e.sweepUploads()
	}
	return e
}

// sweepUploads deletes the uploads older than the upload retention, at
// start and then every quarter of it (at most hourly), until Close.
func (e *Engine) sweepUploads() {
	defer e.wg.Done()
	every := min(e.cfg.UploadRetention/4, time.Hour)
	for {
		if n, err := value.SweepUploads(e.cfg.FilesDir, time.Now().Add(-e.cfg.UploadRetention)); err != nil {
			e.log.Error("sweeping uploads", "folder", e.cfg.FilesDir, "error", err)
		} else if n > 0 {
			e.log.Info("swept uploads", "deleted", n, "older_than", e.cfg.UploadRetention.String())
		}
		select {
		case <-e.stop:
			return
		case <-time.After(every):
		}
	}
}

// Config returns the engine's configuration with defaults filled in.
func (e *Engine) Config() Config { return e.cfg }

// Store returns the execution store.
func (e *Engine) Store() ExecutionStore { return e.store }

// Load makes p the program that later runs use. Runs in flight keep the
// program they started with.
func (e *Engine) Load(p *Program) {
	e.prog.Store(p)
	if l, ok := e.store.(interface{ ProgramLoaded(*Program) }); ok {
		l.ProgramLoaded(p) // history.keep of each definition (§29)
	}
	if l, ok := e.durable.(interface{ ProgramLoaded(*Program) }); ok {
		l.ProgramLoaded(p) // scheduled tasks and queues follow the program
	}
}

// Program returns the loaded program.
func (e *Engine) Program() *Program { return e.prog.Load() }

// Close stops the worker pool after the executions already started end.
func (e *Engine) Close() {
	select {
	case <-e.stop:
	default:
		close(e.stop)
	}
	e.wg.Wait()
}

// RunOptions are per-run settings.
type RunOptions struct {
	// Trace records a per-step trace.
	Trace bool
	// Auth is what expressions see as auth (JWT claims).
	Auth map[string]any
	// Request is what endpoint expressions see as request.
	Request map[string]any
	// Timeout overrides the sync timeout.
	Timeout time.Duration
	// ExecutionID sets the execution ID (default: a new UUIDv7).
	ExecutionID string

	// timeoutName names the limit Timeout stands for (default "timeout").
	timeoutName string
	// promo is set by RunPromotable.
	promo *promotion
	// Program runs the run (and the calls and async children it makes)
	// against this program instead of the loaded one: the admin API's
	// run & debug of drafts and unsaved definitions. Default: the loaded
	// program.
	Program *Program
	// Record, when set, is the record the run fills in (keeping its ID,
	// mode, attempts and times) and leaves to the caller to save.
	Record *ExecutionRecord
	// Root is the execution whose tree of runs this run is in ("": the
	// run is the root); durable runs carry it (max_durable_descendants).
	Root string
	// Depth is the call depth the run starts at (a durable call's child
	// counts against max_call_depth like a direct call).
	Depth int
	// HTTP is the request of an endpoint's run, for its record (the
	// status is filled in when the run ends).
	HTTP *RequestInfo
	// Draft marks the record as a run of the workspace's drafts.
	Draft bool
	// Internal gives the record ModeInternal (the admin API's own runs).
	Internal bool
	// Traceparent is the W3C traceparent of the span the run's span is a
	// child of (an endpoint's incoming header, a durable job's parent);
	// used only with a tracer (tracing.go).
	Traceparent string
	// Trigger says what started the run, for its span (Trigger*; default
	// http with HTTP, durable for a durable attempt, else sync).
	Trigger string

	// span is the run's span, when the engine has a tracer.
	span ExecutionSpan
}

// Result is the outcome of a run.
type Result struct {
	ExecutionID string        `json:"execution_id"`
	Output      any           `json:"output"`
	Error       *Error        `json:"error,omitempty"`
	Duration    time.Duration `json:"duration_ns"`
	Trace       []TraceEntry  `json:"trace,omitempty"`
	// TraceTruncated is true when the trace hit MaxTraceEntries.
	TraceTruncated bool       `json:"trace_truncated,omitempty"`
	Logs           []LogEntry `json:"logs,omitempty"`
}

// Run runs the named definition synchronously with raw input (decoded
// JSON) and records the execution. The returned error is the run's *Error
// (also in Result.Error) or nil.
func (e *Engine) Run(ctx context.Context, name string, input any, opt RunOptions) (*Result, error) {
	p, fn, lerr := e.lookup(opt.Program, name)
	if lerr != nil {
		return nil, lerr
	}
	id := opt.ExecutionID
	if id == "" {
		id = NewID()
	}
	res := &Result{ExecutionID: id}
	started := time.Now()
	rec := opt.Record
	if rec == nil {
		rec = &ExecutionRecord{ID: id, Function: name, Mode: ModeSync, Input: fn.Inputs.Redact(input), CreatedAt: started, StartedAt: started, Attempts: 1,
			Draft: opt.Draft, Request: opt.HTTP, Node: e.node}
		if opt.Internal {
			rec.Mode = ModeInternal
		}
	}
	if rec.Version == 0 {
		rec.Version = fn.Version()
	}
	opt.promo.begin(rec)
	if e.tracer.Load() != nil {
		trigger := opt.Trigger
		if trigger == "" {
			switch {
			case opt.HTTP != nil:
				trigger = TriggerHTTP
			case rec.Mode == ModeDurable:
				trigger = TriggerDurable
			default:
				trigger = TriggerSync
			}
		}
		opt.span = e.startSpan(ctx, opt.Traceparent, trigger, rec, fn)
	}

	in, verr := fn.Inputs.Validate(input)
	if verr != nil {
		verr.Definition, verr.ExecutionID = name, id
		res.Error = verr
		e.finish(fn, rec, res, started, &opt)
		return res, verr
	}
	timeout, lname := e.cfg.Limits.SyncTimeout, "sync_timeout"
	if opt.Timeout > 0 {
		timeout, lname = opt.Timeout, "timeout"
		if opt.timeoutName != "" {
			lname = opt.timeoutName
		}
	}
	if fn.Timeout > 0 && fn.Timeout < timeout {
		timeout, lname = fn.Timeout, "settings.timeout of "+name
	}
	s := e.newState(ctx, started.Add(timeout), nil, p, fn, id, opt.Depth)
	s.root = cmp.Or(opt.Root, id)
	s.limit = limitInfo{lname, timeout}
	s.xspan = opt.span
	e.bindVars(s, in, opt.Auth, opt.Request)
	s.logs = &res.Logs
	s.secrets = &rec.Secrets
	if opt.Trace {
		s.trace = &traceBuf{start: started, max: e.cfg.Limits.MaxTraceEntries, varBudget: MaxTraceVarsBytes}
	} else {
		s.trace = newLightTrace(started, e.cfg.Limits.MaxTraceEntries)
	}
	out, err := s.run()
	tr, failed := s.trace, s.failed
	s.release()
	res.Output = out
	res.Trace, res.TraceTruncated = keptTrace(tr, failed, err != nil, fn)
	if err != nil {
		res.Error = AsError(err)
		if res.Error.ExecutionID == "" {
			res.Error.ExecutionID = id
		}
	} else if opt.Trace {
		checkOutput(fn, res)
	}
	e.finish(fn, rec, res, started, &opt)
	if res.Error != nil {
		return res, res.Error
	}
	return res, nil
}

// keptTrace is the trace a run's record keeps (§29): a debug run's whole
// trace; a production run's when it failed, else as its definition's
// history.trace says. failed is the failing step's entry when the trace
// had no room for it.
func keptTrace(tr *traceBuf, failed *TraceEntry, hasErr bool, fn *Function) ([]TraceEntry, bool) {
	if tr == nil {
		if hasErr && failed != nil {
			return []TraceEntry{*failed}, false
		}
		return nil, false
	}
	if tr.light && !hasErr && !fn.history().keepTrace() {
		tr.recycle()
		return nil, false
	}
	entries, truncated := tr.keep()
	if hasErr && failed != nil && tr.light {
		entries = append(entries, *failed)
	}
	return entries, truncated
}

// checkOutput logs, in a debug run, where the answer does not fit the
// function's output declaration: a warning, not an error, since the
// production run would answer the same.
func checkOutput(fn *Function, res *Result) {
	errs := fn.CheckOutput(res.Output)
	if len(errs) == 0 {
		return
	}
	msgs := make([]string, len(errs))
	for i, fe := range errs {
		msgs[i] = fe.Field + ": " + fe.Message
	}
	res.Logs = append(res.Logs, LogEntry{Time: time.Now().UTC(), Path: "output", Value: "warning: the answer does not fit the declared output: " + strings.Join(msgs, "; ")})
}

// finish completes rec with res and, when the run made rec (no
// opt.Record), saves it: kept (given up to the store) when it is new as
// well, under an ID of the run's own that no promotion saved before.
func (e *Engine) finish(fn *Function, rec *ExecutionRecord, res *Result, started time.Time, opt *RunOptions) {
	promo := opt.promo
	promo.finishing()
	now := time.Now()
	res.Duration = now.Sub(started)
	rec.FinishedAt = now
	rec.Output, rec.Error, rec.Trace, rec.Logs = fn.redactOutput(res.Output, &rec.Secrets), res.Error, res.Trace, res.Logs
	rec.Status = StatusSucceeded
	if res.Error != nil {
		rec.Status = statusOf(res.Error)
	}
	answered(rec, fn, res.Error)
	if opt.span != nil {
		opt.span.End(rec) // before the store may take rec
	}
	if opt.Record == nil && res.Error == nil && fn.history().recordsOff() && !promo.wasPromoted() && !opt.Draft && !opt.Internal {
		// history.records "off": a successful sync run leaves no record
	} else if opt.Record == nil {
		if k, ok := e.store.(RecordKeeper); ok && opt.ExecutionID == "" && promo == nil {
			_ = k.Keep(context.Background(), rec) // Run made rec and is done with it
		} else {
			_ = e.store.Save(context.Background(), rec)
		}
	}
	what := EndedBoth
	if opt.Record != nil && rec.Mode == ModeDurable {
		what = EndedAttempt // package durable ends the execution
	}
	e.observe(fn, rec.Status, res.Duration, what)
	if promo.wasPromoted() {
		e.logRunFailed(rec, "promoted")
	}
}

func statusOf(err *Error) string {
	switch err.Code {
	case CodeTimeout:
		return StatusTimedOut
	case CodeCancelled:
		return StatusCancelled
	}
	return StatusFailed
}

func unknownFunction(p *Program, name string) *Error {
	var names []string
	for n := range p.Functions {
		names = append(names, n)
	}
	msg := fmt.Sprintf("no function, endpoint or task named %q", name)
	if s := closest(name, names); s != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", s)
	}
	return &Error{Code: CodeNotFound, Message: msg}
}

func (e *Engine) bindVars(s *State, in map[string]any, auth, request map[string]any) {
	s.slots[slotInput] = in
	s.slots[slotEnv] = e.cfg.Env
	if auth == nil {
		auth = map[string]any{}
	}
	s.slots[slotAuth] = auth
	if request != nil {
		s.slots[slotRequest] = request
	}
}

// Call runs function name synchronously inside the run s (a call step).
// The child shares the caller's deadline and sees the caller's auth. Call
// takes ownership of input.
func (e *Engine) Call(s *State, fn *Function, input map[string]any) (any, error) {
	if s.depth+1 > e.cfg.Limits.MaxCallDepth {
		return nil, &Error{Code: CodeLimit, Message: fmt.Sprintf(
			"call depth limit reached calling %s: more than %d nested calls (limit max_call_depth); look for unbounded recursion", fn.Name, e.cfg.Limits.MaxCallDepth)}
	}
	in, verr := fn.Inputs.ValidateOwned(input)
	if verr != nil {
		verr.Message = "invalid input for " + fn.Name
		return nil, verr
	}
	if s.clock.ended() {
		return nil, s.ctxError()
	}
	var c *State
	own := false
	if dl, ok := s.clock.deadlineOf(); fn.Timeout > 0 && (!ok || time.Until(dl) > fn.Timeout) {
		own = true
		c = e.newState(s.Context(), time.Now().Add(fn.Timeout), nil, s.prog, fn, s.execID, s.depth+1)
		c.limit = limitInfo{"settings.timeout of " + fn.Name, fn.Timeout}
	} else {
		c = e.newState(context.Background(), time.Time{}, s.clock, s.prog, fn, s.execID, s.depth+1) // the context is unused: c shares s.clock
		c.limit = s.limit
	}
	c.root = s.root
	auth, _ := s.slots[slotAuth].(map[string]any)
	e.bindVars(c, in, auth, nil)
	c.logs, c.trace, c.tx, c.stop, c.secrets = s.logs, s.trace, s.tx, s.stop, s.secrets
	c.xspan, c.sspan = s.xspan, s.sspan
	out, err := c.run()
	c.release()
	if err == nil && fn.Output != nil && fn.Output.sensitive && s.secrets != nil {
		// the callee's sensitive outputs stay out of the caller's record
		*s.secrets = fn.Output.sensitiveTexts(map[string]any{"output": out}, *s.secrets)
	}
	var ce *Error
	if own && errors.As(err, &ce) && ce.runEnded && ce.Code == CodeTimeout && s.Alive() == nil {
		// The callee's own settings.timeout, not the caller's end: a
		// timeout of the call step, which a try can catch.
		return nil, &Error{Code: CodeTimeout, Status: 504, Cause: err, Message: fmt.Sprintf(
			"%s timed out after %s (its settings.timeout); raise it or make %s faster", fn.Name, fn.Timeout, fn.Name)}
	}
	return out, err
}

// lookup finds the runnable definition name in p (nil: the loaded
// program).
func (e *Engine) lookup(p *Program, name string) (*Program, *Function, *Error) {
	if p == nil {
		p = e.prog.Load()
	}
	if p == nil {
		return nil, nil, &Error{Code: CodeInternal, Message: "no program loaded"}
	}
	fn := p.Functions[name]
	if fn == nil {
		return p, nil, unknownFunction(p, name)
	}
	return p, fn, nil
}

// Function returns the compiled function called name in the loaded program.
func (e *Engine) Function(name string) *Function {
	if p := e.prog.Load(); p != nil {
		return p.Functions[name]
	}
	return nil
}
