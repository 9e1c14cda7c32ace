package engine

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/vm"

	"github.com/funcstack/funcstack/engine/exprfn"
)

// Control-flow signals. Steps return them like errors; blocks pass them up
// untouched until the loop or function that handles them.
var (
	ErrBreak    = errors.New("break outside a loop")
	ErrContinue = errors.New("continue outside a loop")
	ErrReturn   = errors.New("return")
)

func isSignal(err error) bool { return err == ErrBreak || err == ErrContinue || err == ErrReturn }

// State is the per-run state of one function: its variables, its expr VM,
// its context and what it has to report. A State is used by one goroutine.
type State struct {
	// clock is the run's deadline and cancellation: own, or shared with
	// the caller for a call in the caller's goroutine.
	clock *runClock
	own   runClock
	eng   *Engine
	prog  *Program
	fn    *Function
	// vars is fn's table of variable names, slots their values (see
	// vars.go), env the map expr's VM reads them from.
	vars  *varTable
	slots []any
	env   map[string]any
	vm    vm.VM
	// budget is the step budget of the evaluation in progress (budget.go).
	budget exprBudget
	depth  int
	// execID is the execution this run belongs to.
	execID string
	// root is the execution that started the tree of runs this one is in
	// (its own ID at the top), for max_durable_descendants.
	root string
	// limit names the deadline in force, for timeout messages.
	limit limitInfo
	ret   any
	cur   *Step
	trace *traceBuf
	logs  *[]LogEntry
	// secrets collects the texts the run made that its record must not
	// keep (KeepOut), shared by the calls of one execution.
	secrets *[]string
	// tx is the transaction of an enclosing db.transaction, if any.
	tx *sql.Tx
	// owned records, per variable, the list that variable's own appends
	// made last (see Append).
	owned map[string]ownedList
	// shared is the deadline context the run's async children share.
	shared *sharedDeadline
	// stop, for an async execution, is set when it is cancelled.
	stop *atomic.Bool
	// failed is, in a run without a trace, the failing step's trace entry
	// with the variables in scope when it failed (scopeOf), for the
	// record of a failed run; failedErr is the error it is for.
	failed    *TraceEntry
	failedErr *Error
	// xspan is the span of the run's execution when the engine has a
	// tracer (tracing.go), sspan the span of the step running now.
	xspan ExecutionSpan
	sspan StepSpan
}

// stoppedError is the error of a cancelled async execution.
func stoppedError() *Error {
	return &Error{Code: CodeCancelled, Message: "run cancelled: the execution was cancelled", runEnded: true}
}

// stopped reports whether the run's execution was cancelled.
func (s *State) stopped() bool { return s.stop != nil && s.stop.Load() }

type ownedList struct {
	data *any
	len  int
}

type limitInfo struct {
	name string
	d    time.Duration
}

var statePool = sync.Pool{New: func() any { return &State{env: make(map[string]any, 8)} }}

// newState makes the state of a run of fn. Its clock is its own, on ctx
// with deadline (zero: ctx's own), or, when shared is set, the caller's.
func (e *Engine) newState(ctx context.Context, deadline time.Time, shared *runClock, p *Program, fn *Function, execID string, depth int) *State {
	s := statePool.Get().(*State)
	if shared != nil {
		s.clock = shared
	} else {
		s.own.start(ctx, deadline)
		s.clock = &s.own
	}
	s.eng, s.prog, s.fn, s.execID, s.depth = e, p, fn, execID, depth
	s.vars = fn.vars
	if s.vars == nil {
		s.vars = emptyVars
	}
	if n := len(s.vars.names); cap(s.slots) < n {
		s.slots = make([]any, n)
	} else {
		s.slots = s.slots[:n]
	}
	s.vm.MemoryBudget = e.cfg.Limits.MaxExprMemory
	return s
}

func (s *State) release() {
	clear(s.slots[:cap(s.slots)]) // a later run may use more of them
	clear(s.env)
	clear(s.owned)
	s.stop = nil
	if s.shared != nil {
		s.shared.release()
		s.shared = nil
	}
	s.tx, s.failed, s.failedErr = nil, nil, nil
	if s.clock == &s.own {
		s.own.stop()
	}
	s.clock, s.eng, s.prog, s.fn, s.ret, s.cur, s.trace, s.logs, s.vars = nil, nil, nil, nil, nil, nil, nil, nil, nil
	s.secrets, s.xspan, s.sspan = nil, nil, nil
	statePool.Put(s)
}

// Context returns the run's context; it carries the run's deadline.
func (s *State) Context() context.Context { return s.clock.context() }

// Limits returns the limits the run is under.
func (s *State) Limits() Limits { return s.eng.cfg.Limits }

// Engine returns the engine running the state.
func (s *State) Engine() *Engine { return s.eng }

// ExecutionID returns the ID of the execution the run belongs to.
func (s *State) ExecutionID() string { return s.execID }

// Lookup returns the runnable definition called name in the program this
// run started with, so that one run sees one consistent program.
func (s *State) Lookup(name string) *Function { return s.prog.Functions[name] }

// Function returns the function being run.
func (s *State) Function() *Function { return s.fn }

// Eval evaluates a compiled expression against the run's variables.
func (s *State) Eval(e *Expr) (any, error) {
	if e.fast != nil && e.vars == s.vars {
		if v, ok := e.fast(s.slots); ok {
			return v, nil
		}
	}
	s.syncEnv(e)
	if e.ticks {
		s.budget = exprBudget{clock: s.clock, max: s.eng.cfg.Limits.MaxExprSteps}
		s.env[budgetName] = &s.budget
	}
	v, err := s.vm.Run(e.program, s.env)
	if e.ticks {
		delete(s.env, budgetName)
	}
	if err != nil {
		return nil, s.exprError(e, err)
	}
	if e.plain {
		// groupBy, a range or a method made it: make it a value a
		// variable, a response, a record and a table can hold.
		if v, err = exprfn.Plain(v); err != nil {
			return nil, s.exprError(e, err)
		}
	}
	return v, nil
}

func (s *State) exprError(e *Expr, err error) *Error {
	msg, where := err.Error(), ""
	var fe *file.Error
	if errors.As(err, &fe) {
		msg = fe.Message
		if fe.Snippet != "" {
			where = fmt.Sprintf(" (%d:%d)", fe.Line, fe.Column+1)
		}
		if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
			return s.ctxError()
		}
	}
	msg = readableExprError(msg)
	code := CodeExpression
	var ae *ArithError
	switch {
	case stepsError(err) != nil:
		code = CodeLimit
	case msg == exprMemoryText:
		err = errMemory{s.eng.cfg.Limits.MaxExprMemory}
		code, msg = CodeLimit, err.Error()
	case errors.As(err, &ae):
		code = CodeArithmetic
	}
	return &Error{Code: code, Message: msg + where + " in " + quoteExpr(e.Source), Definition: s.fn.Name, Path: e.Path, Cause: err}
}

func quoteExpr(src string) string {
	if len(src) > 80 {
		src = src[:77] + "..."
	}
	return "`" + src + "`"
}

// syncEnv copies into the VM's map the variables e reads.
func (s *State) syncEnv(e *Expr) {
	if e.vars != s.vars || e.whole {
		// Compiled for another function (not done today), or reading
		// $env: every variable, as a map holds them (a null one absent).
		for k, n := range s.vars.names {
			if v := s.slots[k]; v != nil {
				s.env[n] = v
			} else {
				delete(s.env, n)
			}
		}
		return
	}
	for i, k := range e.slots {
		s.env[e.names[i]] = s.slots[k]
	}
}

// Get returns a variable's value.
func (s *State) Get(name string) any {
	if k, ok := s.vars.index[name]; ok {
		return s.slots[k]
	}
	return s.env[name]
}

// Set stores a variable's value.
func (s *State) Set(name string, v any) {
	if k, ok := s.vars.index[name]; ok {
		s.slots[k] = v
		return
	}
	s.env[name] = v
}

// GetVar returns the value of v, a variable of the run's function.
func (s *State) GetVar(v Var) any {
	if v.tab == s.vars {
		return s.slots[v.slot]
	}
	return s.Get(v.Name)
}

// SetVar stores the value of v, a variable of the run's function.
func (s *State) SetVar(v Var, val any) {
	if v.tab == s.vars {
		s.slots[v.slot] = val
		return
	}
	s.Set(v.Name, val)
}

// AssignVar is Assign for v, a variable of the run's function.
func (s *State) AssignVar(v Var, val any) error {
	if err := s.checkValue(v.Name, val); err != nil {
		return err
	}
	s.SetVar(v, val)
	return nil
}

// Assign stores v, a value an expression computed, in variable name, once
// it is within the size limits (max_text_bytes, max_items): a stack that
// grows a value without end (s = s + s in a loop) stops with an error
// naming the variable instead of taking the server's memory. Values read
// from elsewhere (a request, a table, an HTTP answer) are bounded where
// they are read.
func (s *State) Assign(name string, v any) error {
	if err := s.checkValue(name, v); err != nil {
		return err
	}
	s.Set(name, v)
	return nil
}

// Append stores in variable name its list with items added at the end. It
// grows the list in place, in amortised constant time, when the variable
// still holds exactly the list its own last Append made: anyone else
// holding that list sees only its first len items, which do not change.
// Otherwise it copies, like append() in an expression.
func (s *State) Append(name string, items ...any) ([]any, error) {
	cur, _ := s.Get(name).([]any)
	if err := s.checkSize(name, cur, len(items)); err != nil {
		return nil, err
	}
	for _, it := range items {
		if err := s.checkDepth(name, it, 1); err != nil {
			return nil, err
		}
	}
	if o, ok := s.owned[name]; ok && len(cur) > 0 && o.data == unsafe.SliceData(cur) && o.len == len(cur) && cap(cur)-len(cur) >= len(items) {
		cur = append(cur, items...)
	} else {
		grown := make([]any, len(cur), max(4, 2*(len(cur)+len(items))))
		copy(grown, cur)
		cur = append(grown, items...)
	}
	if s.owned == nil {
		s.owned = make(map[string]ownedList, 2)
	}
	s.owned[name] = ownedList{data: unsafe.SliceData(cur), len: len(cur)}
	s.Set(name, cur)
	return cur, nil
}

// SetReturn records the function's response; the step then returns ErrReturn.
func (s *State) SetReturn(v any) { s.ret = v }

// KeepOut marks text, made by this run (a token auth.token signed), as
// one its execution record must not keep: wherever the record's output,
// trace, logs or error would hold it, it holds Redacted (the answer to
// the client and an await still get it).
func (s *State) KeepOut(text string) {
	if s.secrets != nil && text != "" {
		*s.secrets = append(*s.secrets, text)
	}
}

// Secret returns the engine's secret called name (Config.Secrets), or nil.
func (s *State) Secret(name string) []byte { return s.eng.cfg.Secrets[name] }

// Alive returns the run's context error as an *Error once the run's
// deadline has passed or it was cancelled, else nil.
func (s *State) Alive() error {
	if s.clock.ctx == nil {
		s.clock.context() // a step asking is about to wait
	}
	if s.clock.ended() {
		return s.ctxError()
	}
	if dl, ok := s.clock.deadlineOf(); ok && s.clock.done != nil && !time.Now().Before(dl) {
		// Past the deadline, whose timer is about to fire: a child
		// sharing it may have seen it first.
		<-s.clock.done
		return s.ctxError()
	}
	if s.stopped() {
		return stoppedError()
	}
	return nil
}

// ctxError describes why the run's context ended.
func (s *State) ctxError() *Error {
	ctx := s.clock.context()
	if errors.Is(ctx.Err(), context.DeadlineExceeded) || context.Cause(ctx) == errDeadline {
		advice := "raise the run's timeout, run the work async, or make the stack faster"
		switch {
		case s.limit.name == "sync_timeout":
			advice = "raise it (--timeout, FUNCSTACK_SYNC_TIMEOUT), run the work async, or make the stack faster"
		case strings.HasPrefix(s.limit.name, "settings.timeout"):
			advice = "raise the function's settings.timeout or make it faster"
		case s.limit.name == "the caller's remaining budget":
			advice = "give the caller more time, or make the child durable so that it does not share the caller's deadline"
		}
		return &Error{Code: CodeTimeout, Status: 504, runEnded: true, Message: fmt.Sprintf(
			"run timed out after %s (limit %s); %s", s.limit.d, s.limit.name, advice)}
	}
	if c := context.Cause(ctx); c != nil && c != context.Canceled {
		return &Error{Code: CodeCancelled, Message: "run cancelled: " + c.Error(), runEnded: true}
	}
	return &Error{Code: CodeCancelled, Message: "run cancelled", runEnded: true}
}

var errDeadline = errors.New("deadline")

// RunBlock runs the steps of b in order.
func (s *State) RunBlock(b *Block) error {
	for _, st := range b.Steps {
		s.cur = st
		if s.stop != nil && s.stop.Load() {
			return s.stepError(st, stoppedError())
		}
		if s.xspan != nil {
			if err := s.runSpanned(st); err != nil {
				return err
			}
			continue
		}
		if s.trace != nil {
			if err := s.runTracedStep(st); err != nil {
				return err
			}
			continue
		}
		if _, err := st.Run(s); err != nil {
			return s.stepError(st, err)
		}
	}
	return nil
}

// stepError gives err the step's path unless it already has one.
func (s *State) stepError(st *Step, err error) error {
	if isSignal(err) {
		return err
	}
	var e *Error
	if !errors.As(err, &e) {
		if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
			e = s.ctxError()
		} else {
			e = &Error{Code: CodeInternal, Message: err.Error(), Cause: err}
		}
	}
	if e.Path == "" {
		e.Path = st.Path
	}
	if e.Definition == "" {
		e.Definition = s.fn.Name
	}
	if (s.trace == nil || s.trace.light) && s.failedErr != e {
		// the innermost step of this run that the error went through
		var budget *int
		if s.trace != nil {
			budget = &s.trace.varBudget
		}
		vars, omitted := s.scopeOf(budget)
		s.failed, s.failedErr = &TraceEntry{Path: st.Path, Type: st.Type, Definition: s.fn.Name, Error: e.Message, Vars: vars, VarsOmitted: omitted}, e
	}
	return e
}

// Loop runs one iteration of a loop body: it counts the iteration against
// the loop limit, checks the deadline, runs the body and handles break and
// continue. stop is true when the loop must end (break); err is any other
// error or signal.
func (s *State) Loop(body *Block, iteration int) (stop bool, err error) {
	if iteration >= s.eng.cfg.Limits.MaxLoopIterations {
		return true, &Error{Code: CodeLimit, Message: fmt.Sprintf(
			"loop ran more than %d iterations (limit max_loop_iterations); add a break or a tighter condition", s.eng.cfg.Limits.MaxLoopIterations)}
	}
	if s.clock.ended() {
		return true, s.ctxError()
	}
	if s.stopped() {
		return true, stoppedError()
	}
	switch err := s.RunBlock(body); err {
	case nil, ErrContinue:
		return false, nil
	case ErrBreak:
		return true, nil
	default:
		return true, err
	}
}

// run executes fn's body and response in s, turning panics into errors.
func (s *State) run() (out any, err error) {
	defer func() {
		if r := recover(); r != nil {
			path := ""
			if s.cur != nil {
				path = s.cur.Path
			}
			err = &Error{Code: CodeInternal, Definition: s.fn.Name, Path: path,
				Message: fmt.Sprintf("internal error: %v; please report it with this execution ID", r),
				Cause:   fmt.Errorf("panic: %v\n%s", r, debug.Stack())}
		}
	}()
	switch err := s.RunBlock(s.fn.Body); err {
	case nil:
	case ErrReturn:
		return s.ret, nil
	case ErrBreak, ErrContinue:
		return nil, &Error{Code: CodeInternal, Definition: s.fn.Name, Message: err.Error()}
	default:
		return nil, err
	}
	if s.fn.Response == nil {
		return nil, nil
	}
	return s.Eval(s.fn.Response)
}
