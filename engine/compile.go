package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/expr-lang/expr/types"
)

// Compile validates every definition together and compiles every runnable
// one. It returns the program and all diagnostics; the program must not be
// used when the diagnostics hold errors.
func Compile(defs []*Definition) (*Program, Diagnostics) {
	return CompileContext(context.Background(), defs)
}

// CompileContext is Compile stopping when ctx ends (a cancelled admin
// request): the diagnostics then hold an error with code "cancelled", so
// that the unfinished program is never used.
func CompileContext(ctx context.Context, defs []*Definition) (*Program, Diagnostics) {
	var diags Diagnostics
	p := &Program{Functions: map[string]*Function{}, Definitions: map[string]*Definition{}, Uses: map[string]map[string]bool{}}
	for _, d := range defs {
		if d.Name == "" {
			continue
		}
		if prev, dup := p.Definitions[d.Name]; dup {
			r := &reporter{file: d.File, def: d.Name, diags: &diags}
			where := prev.File
			if where == "" {
				where = "another definition"
			}
			r.errorf("name", "duplicate", "the name %q is already used by the %s in %s; names are unique across a workspace", d.Name, prev.Kind, where)
			continue
		}
		p.Definitions[d.Name] = d
	}
	names := make([]string, 0, len(p.Definitions))
	for n := range p.Definitions {
		names = append(names, n)
	}
	sort.Strings(names)
	var compiled []*defCompiler
	for _, n := range names {
		d := p.Definitions[n]
		dc := &defCompiler{ctx: ctx, prog: p, def: d, r: &reporter{file: d.File, def: d.Name, diags: &diags}, vars: newVarTable()}
		if dc.stop("") {
			return p, diags
		}
		switch d.Kind {
		case KindFunction, KindEndpoint, KindTask, KindMiddleware:
			if f := dc.compileFunction(); f != nil {
				p.Functions[d.Name] = f
			}
			compiled = append(compiled, dc)
		case KindTable:
			dc.checkTable()
		}
	}
	if ctx.Err() == nil {
		warnRecursion(compiled)
	}
	return p, diags
}

// CompileWorkspace loads and compiles every definition under dir.
func CompileWorkspace(dir string) (*Program, Diagnostics) {
	_, p, diags := LoadAndCompile(dir)
	return p, diags
}

// LoadAndCompile loads every definition under dir and compiles them: the
// definitions, the program, and every problem with its line and column
// in its file.
func LoadAndCompile(dir string) ([]*Definition, *Program, Diagnostics) {
	defs, diags := LoadWorkspace(dir)
	p, more := Compile(defs)
	more.Locate(defs)
	return defs, p, append(diags, more...)
}

type defCompiler struct {
	ctx     context.Context // compiling stops when it ends (stop)
	stopped bool
	prog    *Program
	def     *Definition
	r       *reporter
	// flows records, for the async-await warning, which names each
	// expression reads and where its value goes ("" = anywhere else).
	flows    []flow
	asyncIDs []asyncID
	// decls remembers where block-local names were declared, to explain
	// an "unknown name" that is declared but out of scope.
	decls map[string]declInfo
	// hidden maps the hidden columns that db steps left out of the
	// records they declare to their table, to explain an unknown field.
	hidden map[string]string
	// vars gives each variable name of the function its slot.
	vars *varTable
	// setAnywhere holds the names a set step changes somewhere in the
	// function: their declared types do not hold.
	setAnywhere map[string]bool
	// calls are the call steps every run of the function reaches.
	calls []callSite
	// answers are the expressions of the function's return steps.
	answers []*Expr
	// steps counts the steps compiled, nesting the blocks open (the
	// definition limits of docs/design.md §7).
	steps, nesting int
}

// Definition limits (docs/design.md §7): what one definition may hold, so
// that no definition is too big to store, compile or show.
const (
	// MaxNameBytes is the longest definition name: names become
	// PostgreSQL identifiers (tables, indexes), which hold 63 bytes.
	MaxNameBytes = 63
	// MaxSteps is the most steps one function may have, nested ones
	// included.
	MaxSteps = 10_000
	// MaxNesting is how deep blocks of steps (if, loops, try, ...) may
	// nest.
	MaxNesting = 64
	// MaxVariables is the most variable names one function may declare.
	MaxVariables = 1_000
)

// declaredType is the type name is declared with: t, unless t is nil or
// a set step changes name somewhere in the function.
func (dc *defCompiler) declaredType(name string, t types.Type) types.Type {
	if t == nil || dc.setAnywhere[name] {
		return types.Any
	}
	return t
}

func (dc *defCompiler) compileFunction() *Function {
	d := dc.def
	f := &Function{Name: d.Name, Kind: d.Kind, Def: d, Timeout: d.Settings.Timeout.D(), vars: dc.vars}
	f.Inputs = compileInputs(d.RunInputs(), dc.r)
	f.Output = compileOutput(d, dc.r)
	dc.setAnywhere = setTargets(d.Stack)
	sc := dc.rootScope()
	f.Body = dc.compileBlock(d.Stack, "stack", sc)
	if dc.stopped {
		return nil
	}
	if d.Response != "" {
		f.Response = dc.compileExpr(d.Response, "response", sc, "")
	}
	f.answers = dc.answers
	if d.Kind == KindEndpoint {
		dc.checkMiddleware()
	}
	dc.checkPromoteAfter()
	if n := len(dc.vars.names) - 4; n > MaxVariables { // input, env, auth and request are not the function's
		dc.r.errorf("stack", CodeLimit, "%s declares %d variables; at most %d fit (limit max_variables): split it into functions", d.Name, n, MaxVariables)
	}
	if d.Kind == KindTask && d.Schedule == nil {
		dc.r.warnf("schedule", "no_schedule", "task has no schedule; it only runs when started by hand")
	}
	dc.warnUnawaited()
	return f
}

// compileBlock compiles raw steps into a block whose own scope is sc.
func (dc *defCompiler) compileBlock(raws []json.RawMessage, path string, sc *scope) *Block {
	b := &Block{scope: sc}
	dc.nesting++
	defer func() { dc.nesting-- }()
	if dc.nesting > MaxNesting {
		dc.r.errorf(path, CodeLimit, "steps nest more than %d blocks deep here (limit max_nesting); move the inner steps into a function and call it", MaxNesting)
		return b
	}
	warned := false
	for i, raw := range raws {
		stepPath := indexPath(path, i)
		if dc.stop(stepPath) {
			break
		}
		if dc.steps++; dc.steps == MaxSteps+1 {
			dc.r.errorf(stepPath, CodeLimit, "%s has more than %d steps (limit max_steps); split it into functions", dc.def.Name, MaxSteps)
		}
		if b.terminates && !warned {
			dc.r.warnf(stepPath, "unreachable", "this step can never run: the step before it always ends the block")
			warned = true
		}
		c := dc.compileStep(raw, stepPath, sc)
		if c == nil {
			continue
		}
		for _, n := range c.declares {
			sc.names[n.name] = &varInfo{path: n.path, typ: dc.declaredType(n.name, n.typ)}
			sc.markAssigned(n.name)
			if sc.owner != "" {
				dc.declared(n.name, declInfo{path: n.path, owner: sc.owner})
			}
		}
		if c.terminates {
			b.terminates = true
		}
		if c.run != nil {
			b.Steps = append(b.Steps, &Step{Type: c.typ.Name, Path: stepPath, Run: c.run})
		}
	}
	b.declared = map[string]bool{}
	for n := range sc.names {
		b.declared[n] = true
	}
	return b
}

// stop reports whether compiling must stop because its context ended,
// and the first time says so at path.
func (dc *defCompiler) stop(path string) bool {
	if dc.ctx == nil || dc.ctx.Err() == nil {
		return false
	}
	if !dc.stopped {
		dc.stopped = true
		dc.r.errorf(path, "cancelled", "validation stopped before it was complete: %v; send the request again", context.Cause(dc.ctx))
	}
	return true
}

func (dc *defCompiler) checkTable() {
	for _, f := range dc.def.Fields {
		if f.Table != "" {
			dc.use(f.Table)
		}
	}
	for _, check := range tableChecks {
		for _, p := range check(dc.def, dc.prog.Definitions) {
			dc.r.errorf(p.Path, p.Code, "%s", p.Message)
		}
	}
	for i, t := range dc.def.Triggers {
		if t.Function == "" {
			continue
		}
		if _, err := dc.functionDef(t.Function); err != nil {
			dc.r.errorf(joinPath(indexPath("triggers", i), "function"), "unknown_function", "%s", err)
		}
	}
}

// checkMiddleware checks that every name in an endpoint's middleware list
// is a middleware definition, named once.
func (dc *defCompiler) checkMiddleware() {
	seen := map[string]bool{}
	for i, name := range dc.def.Middleware {
		path := indexPath("middleware", i)
		d := dc.use(name)
		switch {
		case d == nil:
			var mws []string
			for n, d := range dc.prog.Definitions {
				if d.Kind == KindMiddleware {
					mws = append(mws, n)
				}
			}
			sort.Strings(mws)
			if s := closest(name, mws); s != "" {
				dc.r.errorf(path, "unknown_middleware", "unknown middleware %q (did you mean %q?)", name, s)
			} else {
				dc.r.errorf(path, "unknown_middleware", "unknown middleware %q; define it with \"kind\": \"middleware\"", name)
			}
		case d.Kind != KindMiddleware:
			dc.r.errorf(path, "unknown_middleware", "%q is %s %s, not a middleware; only middleware definitions can be named here", name, article(d.Kind), d.Kind)
		case seen[name]:
			dc.r.errorf(path, "duplicate", "middleware %q is named twice; it would run twice", name)
		}
		seen[name] = true
	}
}

// checkPromoteAfter warns where promote_after cannot take effect: only
// sync runs of endpoints and of functions over HTTP are promoted.
func (dc *defCompiler) checkPromoteAfter() {
	d := dc.def
	switch {
	case d.Kind == KindEndpoint && d.PromoteAfter > 0 && d.Settings.PromoteAfter > 0 && d.PromoteAfter != d.Settings.PromoteAfter:
		dc.r.warnf("settings.promote_after", "ignored", "promote_after is given twice; the endpoint's own (%s) wins over settings.promote_after", d.PromoteAfter.D())
	case (d.Kind == KindTask || d.Kind == KindMiddleware) && d.Settings.PromoteAfter > 0:
		dc.r.warnf("settings.promote_after", "ignored", "promote_after has no effect on %s %s: only endpoints and functions called over HTTP are promoted", article(d.Kind), d.Kind)
	}
}

// functionDef returns the callable function definition named name.
func (dc *defCompiler) functionDef(name string) (*Definition, error) {
	d := dc.use(name)
	if d == nil {
		var fns []string
		for n, d := range dc.prog.Definitions {
			if d.Kind == KindFunction {
				fns = append(fns, n)
			}
		}
		sort.Strings(fns)
		if s := closest(name, fns); s != "" {
			return nil, fmt.Errorf("unknown function %q (did you mean %q?)", name, s)
		}
		return nil, fmt.Errorf("unknown function %q; define it with \"kind\": \"function\"", name)
	}
	if d.Kind != KindFunction {
		return nil, fmt.Errorf("%q is %s %s, not a function; only functions can be called", name, article(d.Kind), d.Kind)
	}
	return d, nil
}

// use returns the definition named name (nil: none), noting that the
// definition being compiled refers to it (Program.Uses).
func (dc *defCompiler) use(name string) *Definition {
	if name != dc.def.Name {
		u := dc.prog.Uses[dc.def.Name]
		if u == nil {
			u = map[string]bool{}
			dc.prog.Uses[dc.def.Name] = u
		}
		u[name] = true
	}
	return dc.prog.Definitions[name]
}

func article(word string) string {
	if word != "" && strings.ContainsRune("aeiou", rune(word[0])) {
		return "an"
	}
	return "a"
}

// setTargets returns the names of the variables the set steps of stack
// (and of the blocks nested in it) change.
func setTargets(stack []json.RawMessage) map[string]bool {
	out := map[string]bool{}
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if x["type"] == "set" {
				if n, ok := x["name"].(string); ok {
					out[n] = true
				}
			}
			for _, e := range x {
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	for _, raw := range stack {
		if !bytes.Contains(raw, []byte(`"set"`)) {
			continue
		}
		var v any
		if json.Unmarshal(raw, &v) == nil {
			walk(v)
		}
	}
	return out
}
