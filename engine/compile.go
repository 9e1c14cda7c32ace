package engine

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/types"
	"github.com/expr-lang/expr/vm"
)

// Names every stack can read and none can declare.
const (
	NameInput   = "input"
	NameEnv     = "env"
	NameAuth    = "auth"
	NameRequest = "request"
	NameError   = "error"
)

// MaxExpressionLength bounds the source of one expression.
const MaxExpressionLength = 64 << 10

// exprBuiltins are expr's own function names; a variable may not shadow one.
var exprBuiltins = map[string]bool{}

func init() {
	for _, n := range []string{"all", "none", "any", "one", "filter", "map", "find", "findIndex", "findLast",
		"findLastIndex", "count", "sum", "groupBy", "sortBy", "reduce", "len", "type", "abs", "ceil", "floor",
		"round", "int", "float", "string", "trim", "trimPrefix", "trimSuffix", "upper", "lower", "split",
		"splitAfter", "replace", "repeat", "indexOf", "lastIndexOf", "hasPrefix", "hasSuffix", "max", "min",
		"mean", "median", "toJSON", "fromJSON", "toBase64", "fromBase64", "now", "duration", "date", "timezone",
		"first", "last", "get", "take", "keys", "values", "toPairs", "fromPairs", "sort", "reverse", "uniq",
		"concat", "flatten", "join", "bitand", "bitor", "bitxor", "bitnand", "bitnot", "bitshl", "bitshr",
		"bitushr", "true", "false", "nil", "let", "in", "not", "and", "or", "contains", "matches",
		"startsWith", "endsWith", "append"} {
		exprBuiltins[n] = true
	}
}

// Program is a compiled workspace: every runnable definition as a plan.
// A Program is immutable and safe for concurrent use.
type Program struct {
	// Functions holds every runnable definition (functions, endpoints,
	// tasks, middleware) by name.
	Functions map[string]*Function
	// Definitions holds every definition by name, tables included.
	Definitions map[string]*Definition
}

// Function is the compiled plan of one runnable definition.
type Function struct {
	Name     string
	Kind     string
	Def      *Definition
	Inputs   *InputSpec
	Body     *Block
	Response *Expr
	// Timeout is the definition's own timeout setting, or 0.
	Timeout time.Duration
	// vars gives each of its variable names a slot.
	vars *varTable
}

// Block is a compiled list of steps.
type Block struct {
	Steps []*Step
	// declared holds the names a block's scope holds when the block ends.
	declared map[string]bool
	// terminates is true when the block never falls through its end.
	terminates bool
	// scope is the block's compile-time scope (nil after compile errors).
	scope *scope
}

// Step is one compiled step.
type Step struct {
	Type string
	// Path is the JSON path of the step in its definition, e.g. stack[1].then[0].
	Path string
	Run  RunFunc
}

// Expr is a compiled expression.
type Expr struct {
	Source  string
	Path    string
	program *vm.Program
	fast    fastFn   // the expression without the VM, when it can be (see compileFast)
	names   []string // scope names it reads
	// vars is the table of the function the expression belongs to, and
	// slots the slot of each of names, which the VM's map needs
	// (State.syncEnv); whole is set when it reads $env, all of them.
	vars  *varTable
	slots []int
	whole bool
}

// Names returns the variable names the expression reads.
func (e *Expr) Names() []string { return e.names }

// varInfo is one name in a scope.
type varInfo struct {
	path     string
	typ      types.Type
	readonly bool
}

// scope is one lexical block of a stack.
type scope struct {
	parent      *scope
	names       map[string]*varInfo
	owner       string // the type of the step whose block this is ("" at the top)
	loop        bool   // the body of a loop: break and continue are allowed
	conditional bool   // may not run (branches, loop bodies, catch)
	// assigned and exits collect what happens anywhere inside the scope.
	assigned map[string]bool
	exits    bool
}

func newScope(parent *scope) *scope {
	return &scope{parent: parent, names: map[string]*varInfo{}, assigned: map[string]bool{}}
}

func (s *scope) lookup(name string) *varInfo {
	for sc := s; sc != nil; sc = sc.parent {
		if v := sc.names[name]; v != nil {
			return v
		}
	}
	return nil
}

func (s *scope) visible() map[string]*varInfo {
	out := map[string]*varInfo{}
	for sc := s; sc != nil; sc = sc.parent {
		for n, v := range sc.names {
			if _, shadowed := out[n]; !shadowed {
				out[n] = v
			}
		}
	}
	return out
}

func (s *scope) visibleNames() []string {
	var out []string
	for n := range s.visible() {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func (s *scope) inLoop() bool {
	for sc := s; sc != nil; sc = sc.parent {
		if sc.loop {
			return true
		}
	}
	return false
}

func (s *scope) isConditional() bool {
	for sc := s; sc != nil; sc = sc.parent {
		if sc.conditional {
			return true
		}
	}
	return false
}

func (s *scope) markAssigned(name string) {
	for sc := s; sc != nil; sc = sc.parent {
		sc.assigned[name] = true
	}
}

func (s *scope) markExit() {
	for sc := s; sc != nil; sc = sc.parent {
		sc.exits = true
	}
}

// typeMap is the expr environment type of the scope.
func (s *scope) typeMap() types.Map {
	m := types.Map{}
	for n, v := range s.visible() {
		m[n] = v.typ
	}
	return m
}

// Compile validates every definition together and compiles every runnable
// one. It returns the program and all diagnostics; the program must not be
// used when the diagnostics hold errors.
func Compile(defs []*Definition) (*Program, Diagnostics) {
	var diags Diagnostics
	p := &Program{Functions: map[string]*Function{}, Definitions: map[string]*Definition{}}
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
	for _, n := range names {
		d := p.Definitions[n]
		dc := &defCompiler{prog: p, def: d, r: &reporter{file: d.File, def: d.Name, diags: &diags}, vars: newVarTable()}
		switch d.Kind {
		case KindFunction, KindEndpoint, KindTask, KindMiddleware:
			if f := dc.compileFunction(); f != nil {
				p.Functions[d.Name] = f
			}
		case KindTable:
			dc.checkTable()
		}
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
	prog *Program
	def  *Definition
	r    *reporter
	// flows records, for the async-await warning, which names each
	// expression reads and where its value goes ("" = anywhere else).
	flows    []flow
	asyncIDs []asyncID
	// decls remembers where block-local names were declared, to explain
	// an "unknown name" that is declared but out of scope.
	decls map[string]declInfo
	// vars gives each variable name of the function its slot.
	vars *varTable
}

type declInfo struct {
	path   string
	owner  string // type of the step owning the block
	loopOf string // for loop variables: the loop step's path
}

type flow struct {
	from []string
	to   string
}

type asyncID struct {
	name, path string
}

func (dc *defCompiler) checkTable() {
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
		d := dc.prog.Definitions[name]
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
	d := dc.prog.Definitions[name]
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

func (dc *defCompiler) rootScope() *scope {
	sc := newScope(nil)
	ro := func(name string, t types.Type) { sc.names[name] = &varInfo{typ: t, readonly: true} }
	ro(NameInput, inputTypeMap(dc.def.RunInputs()))
	ro(NameEnv, types.Map{types.Extra: types.Any})
	ro(NameAuth, types.Map{types.Extra: types.Any})
	if dc.def.Kind == KindEndpoint || dc.def.Kind == KindMiddleware {
		ro(NameRequest, types.Map{"method": types.String, "path": types.String,
			"headers": types.Map{types.Extra: types.Any}, "query": types.Map{types.Extra: types.Any},
			"params": types.Map{types.Extra: types.Any}, "ip": types.String})
	}
	return sc
}

// inputTypeMap makes the expression type of input: a strict map, so that a
// misspelt input field is a compile error.
func inputTypeMap(fields []InputField) types.Type {
	m := types.Map{}
	for _, f := range fields {
		var t types.Type = types.Any
		if f.Type == "object" && len(f.Fields) > 0 {
			t = inputTypeMap(f.Fields)
		}
		if f.List {
			t = types.Array(t)
		}
		m[f.Name] = t
	}
	return m
}

func (dc *defCompiler) compileFunction() *Function {
	d := dc.def
	f := &Function{Name: d.Name, Kind: d.Kind, Def: d, Timeout: d.Settings.Timeout.D(), vars: dc.vars}
	f.Inputs = compileInputs(d.RunInputs(), dc.r)
	sc := dc.rootScope()
	f.Body = dc.compileBlock(d.Stack, "stack", sc)
	if d.Response != "" {
		f.Response = dc.compileExpr(d.Response, "response", sc, "")
	}
	if d.Kind == KindEndpoint {
		dc.checkMiddleware()
	}
	dc.checkPromoteAfter()
	if d.Kind == KindTask && d.Schedule == nil {
		dc.r.warnf("schedule", "no_schedule", "task has no schedule; it only runs when started by hand")
	}
	dc.warnUnawaited()
	return f
}

// compileBlock compiles raw steps into a block whose own scope is sc.
func (dc *defCompiler) compileBlock(raws []json.RawMessage, path string, sc *scope) *Block {
	b := &Block{scope: sc}
	warned := false
	for i, raw := range raws {
		stepPath := indexPath(path, i)
		if b.terminates && !warned {
			dc.r.warnf(stepPath, "unreachable", "this step can never run: the step before it always ends the block")
			warned = true
		}
		c := dc.compileStep(raw, stepPath, sc)
		if c == nil {
			continue
		}
		for _, n := range c.declares {
			sc.names[n.name] = &varInfo{path: n.path, typ: types.Any}
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

type declaration struct{ name, path string }

// StepCompiler is what a step's CompileFunc reads its fields through. Every
// accessor checks the field against its kind and reports problems with the
// field's exact JSON path; compiling goes on so that all errors are found.
type StepCompiler struct {
	dc         *defCompiler
	typ        *StepType
	obj        *object
	path       string
	sc         *scope
	declares   []declaration
	terminates bool
	run        RunFunc
	errs       int
}

func (dc *defCompiler) compileStep(raw json.RawMessage, path string, sc *scope) *StepCompiler {
	o, ok := decodeObject(dc.r, path, raw)
	if !ok {
		return nil
	}
	typeName := o.str("type", false)
	if typeName == "" {
		if !o.has("type") {
			dc.r.errorf(joinPath(path, "type"), "required", "required: every step needs a type, e.g. \"var\"")
		}
		return nil
	}
	t := LookupStep(typeName)
	if t == nil {
		msg := fmt.Sprintf("unknown step type %q", typeName)
		if s := closest(typeName, stepTypeNames()); s != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", s)
		} else {
			msg += "; see `funcstack steps` for the list"
		}
		dc.r.errorf(joinPath(path, "type"), "unknown_step", "%s", msg)
		return nil
	}
	if o.boolean("disabled") {
		return nil
	}
	o.str("description", false)
	o.str("step_id", false)
	c := &StepCompiler{dc: dc, typ: t, obj: o, path: path, sc: sc, terminates: t.Terminates}
	known := []string{"type", "description", "disabled", "step_id"}
	for _, f := range t.Fields {
		known = append(known, f.Name)
		if f.Required && !o.has(f.Name) {
			c.Errorf(f.Name, "required", "required: %s", f.Description)
		}
	}
	o.rejectUnknown(known)
	before := len(*dc.r.diags)
	run := t.Compile(c)
	if c.errs == 0 && !hasErrorsSince(*dc.r.diags, before) {
		c.run = run
	}
	if t.Terminates {
		sc.markExit()
	}
	return c
}

func hasErrorsSince(ds Diagnostics, i int) bool {
	return ds[i:].HasErrors()
}

// Path returns the JSON path of a field of the step ("" for the step).
func (c *StepCompiler) Path(field string) string {
	if field == "" {
		return c.path
	}
	return joinPath(c.path, field)
}

// Definition returns the definition being compiled.
func (c *StepCompiler) Definition() *Definition { return c.dc.def }

// Has reports whether the step has the field set (not null).
func (c *StepCompiler) Has(field string) bool { return c.obj.has(field) }

// Errorf reports an error at a field of the step.
func (c *StepCompiler) Errorf(field, code, format string, args ...any) {
	c.errs++
	c.dc.r.errorf(c.Path(field), code, format, args...)
}

// Warnf reports a warning at a field of the step.
func (c *StepCompiler) Warnf(field, code, format string, args ...any) {
	c.dc.r.warnf(c.Path(field), code, format, args...)
}

// InLoop reports whether the step is inside a loop body.
func (c *StepCompiler) InLoop() bool { return c.sc.inLoop() }

// Conditional reports whether the step may be skipped (it is inside a
// branch, loop or catch).
func (c *StepCompiler) Conditional() bool { return c.sc.isConditional() }

// Terminate marks the step as one after which the block never goes on.
func (c *StepCompiler) Terminate() { c.terminates = true }

// String reads a plain string field.
func (c *StepCompiler) String(field string) string {
	return c.obj.str(field, false)
}

// Enum reads a string field that must be one of the spec's values.
func (c *StepCompiler) Enum(field string) string {
	s := c.obj.str(field, false)
	spec := c.typ.Field(field)
	if s != "" && spec != nil && !contains(spec.Values, s) {
		c.Errorf(field, "bad_value", "%q is not one of %s", s, strings.Join(spec.Values, ", "))
	}
	return s
}

// Bool reads a boolean field.
func (c *StepCompiler) Bool(field string) bool { return c.obj.boolean(field) }

// Int reads a whole-number field; ok is false when it is absent.
func (c *StepCompiler) Int(field string) (int64, bool) { return c.obj.integer(field) }

// Duration reads a duration field such as "30s".
func (c *StepCompiler) Duration(field string) time.Duration {
	return parseDuration(c.obj, field).D()
}

// StringList reads a list of strings.
func (c *StepCompiler) StringList(field string) []string { return c.obj.strings(field) }

// Expr compiles an expression field in the step's scope; nil when absent
// or invalid (and then reported).
func (c *StepCompiler) Expr(field string) *Expr {
	return c.exprTo(field, "")
}

// ValueExpr compiles an expression whose value is stored in variable to;
// it lets the compiler follow where async IDs go.
func (c *StepCompiler) ValueExpr(field, to string) *Expr {
	return c.exprTo(field, to)
}

func (c *StepCompiler) exprTo(field, to string) *Expr {
	raw, ok := c.obj.raw(field)
	if !ok {
		return nil
	}
	var src string
	if err := json.Unmarshal(raw, &src); err != nil {
		c.Errorf(field, "wrong_type", "expected an expression string, got %s; write it in quotes, e.g. %q", jsonKind(raw), strings.TrimSpace(string(raw)))
		return nil
	}
	return c.compileSource(src, c.Path(field), to)
}

func (c *StepCompiler) compileSource(src, path, to string) *Expr {
	before := len(*c.dc.r.diags)
	e := c.dc.compileExpr(src, path, c.sc, to)
	if hasErrorsSince(*c.dc.r.diags, before) {
		c.errs++
	}
	return e
}

// AppendItems reports whether e is append(name, items...) and, if so,
// compiles each item on its own, so that the step can add them to the list
// in name without copying it (see State.Append).
func (c *StepCompiler) AppendItems(e *Expr, name string) []*Expr {
	if e == nil || name == "" {
		return nil
	}
	call, ok := e.program.Node().(*ast.CallNode)
	if !ok || len(call.Arguments) < 2 {
		return nil
	}
	if fn, ok := call.Callee.(*ast.IdentifierNode); !ok || fn.Value != "append" {
		return nil
	}
	if list, ok := call.Arguments[0].(*ast.IdentifierNode); !ok || list.Value != name {
		return nil
	}
	items := make([]*Expr, 0, len(call.Arguments)-1)
	for _, a := range call.Arguments[1:] {
		it := c.dc.compileExpr(a.String(), e.Path, c.sc, name)
		if it == nil {
			return nil
		}
		items = append(items, it)
	}
	return items
}

// ExprIn compiles an expression field in a scope with extra names (such as
// a db.query's table columns). extra maps each name to its type.
func (c *StepCompiler) ExprIn(field string, extra map[string]types.Type) *Expr {
	saved := c.sc
	sc := newScope(c.sc)
	for n, t := range extra {
		sc.names[n] = &varInfo{typ: t, readonly: true}
	}
	c.sc = sc
	defer func() { c.sc = saved }()
	return c.Expr(field)
}

// KeyExpr is one entry of an expression map.
type KeyExpr struct {
	Key  string
	Expr *Expr
}

// ExprMap compiles an object of expressions, keys sorted.
func (c *StepCompiler) ExprMap(field string) []KeyExpr {
	raw, ok := c.obj.raw(field)
	if !ok {
		return nil
	}
	m, ok := decodeObject(c.dc.r, c.Path(field), raw)
	if !ok {
		c.errs++
		return nil
	}
	keys := make([]string, 0, len(m.fields))
	for k := range m.fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]KeyExpr, 0, len(keys))
	for _, k := range keys {
		var src string
		if err := json.Unmarshal(m.fields[k], &src); err != nil {
			c.Errorf(joinPath(field, k), "wrong_type", "expected an expression string, got %s; write it in quotes, e.g. %q", jsonKind(m.fields[k]), strings.TrimSpace(string(m.fields[k])))
			continue
		}
		if e := c.compileSource(src, c.Path(joinPath(field, k)), ""); e != nil {
			out = append(out, KeyExpr{Key: k, Expr: e})
		}
	}
	return out
}

// ExprList compiles a list of expressions.
func (c *StepCompiler) ExprList(field string) []*Expr {
	items, ok := c.obj.array(field)
	if !ok {
		return nil
	}
	out := make([]*Expr, 0, len(items))
	for i, it := range items {
		p := indexPath(field, i)
		var src string
		if err := json.Unmarshal(it, &src); err != nil {
			c.Errorf(p, "wrong_type", "expected an expression string, got %s", jsonKind(it))
			continue
		}
		if e := c.compileSource(src, c.Path(p), ""); e != nil {
			out = append(out, e)
		}
	}
	return out
}

// NewName reads a field naming a new variable (var's name, a step's as, a
// loop variable). It checks the name's form and that it is not taken.
func (c *StepCompiler) NewName(field string) string {
	n := c.obj.str(field, false)
	if n == "" {
		return ""
	}
	if !c.checkNewName(field, n) {
		return ""
	}
	return n
}

func (c *StepCompiler) checkNewName(field, n string) bool {
	switch {
	case !NamePattern.MatchString(n):
		c.Errorf(field, "bad_name", "%q is not a valid name; use lower-case letters, digits and _ (e.g. total_price)", n)
	case n == NameInput || n == NameEnv || n == NameAuth || n == NameRequest || n == NameError:
		c.Errorf(field, "reserved_name", "%q is a reserved name; choose another", n)
	case exprBuiltins[n]:
		c.Errorf(field, "reserved_name", "%q is the name of an expression function; choose another", n)
	default:
		if v := c.sc.lookup(n); v != nil {
			c.Errorf(field, "duplicate", "%q is already declared at %s; use a set step to change it", n, v.path)
			return false
		}
		return true
	}
	return false
}

// Declare makes name visible to the steps after this one.
func (c *StepCompiler) Declare(name string) {
	if name != "" {
		c.declares = append(c.declares, declaration{name: name, path: c.path})
	}
}

// AsyncID records that variable name holds an async execution ID, so that
// the compiler can warn when it is never awaited.
func (c *StepCompiler) AsyncID(name string) {
	if name != "" {
		c.dc.asyncIDs = append(c.dc.asyncIDs, asyncID{name: name, path: c.path})
	}
}

// Var resolves variable name, for a step to read and write it by its slot
// (State.GetVar, SetVar, AssignVar). The zero Var is no variable.
func (c *StepCompiler) Var(name string) Var {
	if name == "" {
		return Var{}
	}
	return Var{Name: name, tab: c.dc.vars, slot: c.dc.vars.slot(name)}
}

// Assigned reads a field naming an existing variable to change. It checks
// the variable is declared and writable.
func (c *StepCompiler) Assigned(field string) string {
	n := c.obj.str(field, false)
	if n == "" {
		return ""
	}
	v := c.sc.lookup(n)
	switch {
	case v == nil:
		msg := fmt.Sprintf("unknown variable %s; declare it first with a var step", n)
		if s := closest(n, c.sc.visibleNames()); s != "" {
			msg = fmt.Sprintf("unknown variable %s (did you mean %s?)", n, s)
		}
		c.Errorf(field, "unknown_name", "%s", msg)
		return ""
	case v.readonly:
		c.Errorf(field, "readonly", "%s cannot be changed; copy it into a variable with a var step", n)
		return ""
	}
	c.sc.markAssigned(n)
	return n
}

// BlockOptions say how a nested block is scoped.
type BlockOptions struct {
	Loop        bool                  // break and continue are allowed inside
	Conditional bool                  // the block may not run
	Vars        []string              // names declared at the block's start (loop variables)
	Typed       map[string]types.Type // read-only names with a type (error in catch)
}

// Block compiles a nested list of steps in a child scope.
func (c *StepCompiler) Block(field string, opt BlockOptions) *Block {
	items, ok := c.obj.array(field)
	if !ok {
		return &Block{declared: map[string]bool{}}
	}
	return c.BlockFrom(items, field, opt)
}

// BlockFrom compiles raw steps found at field (a path relative to the step).
func (c *StepCompiler) BlockFrom(items []json.RawMessage, field string, opt BlockOptions) *Block {
	sc := newScope(c.sc)
	sc.owner = c.typ.Name
	sc.loop = opt.Loop
	sc.conditional = opt.Conditional || opt.Loop
	for _, v := range opt.Vars {
		if v != "" {
			sc.names[v] = &varInfo{path: c.path, typ: types.Any}
			c.dc.declared(v, declInfo{path: c.path, loopOf: c.path})
		}
	}
	for n, t := range opt.Typed {
		sc.names[n] = &varInfo{path: c.path, typ: t, readonly: true}
	}
	b := c.dc.compileBlock(items, c.Path(field), sc)
	for _, v := range opt.Vars {
		delete(b.declared, v)
	}
	for n := range opt.Typed {
		delete(b.declared, n)
	}
	return b
}

// DeclareFrom declares after this step the names that every one of blocks
// declares (a block that never falls through counts as declaring all), and
// marks the step terminating when every block terminates. A missing branch
// is an empty block.
func (c *StepCompiler) DeclareFrom(blocks ...*Block) {
	var common map[string]bool
	all := len(blocks) > 0
	for _, b := range blocks {
		if b == nil {
			b = &Block{}
		}
		if b.terminates {
			continue
		}
		all = false
		if common == nil {
			common = map[string]bool{}
			for n := range b.declared {
				common[n] = true
			}
			continue
		}
		for n := range common {
			if !b.declared[n] {
				delete(common, n)
			}
		}
	}
	if all {
		c.terminates = true
		return
	}
	names := make([]string, 0, len(common))
	for n := range common {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if c.sc.lookup(n) == nil {
			c.Declare(n)
		}
	}
}

// Case is one compiled case of a switch.
type Case struct {
	Match *Expr
	Steps *Block
}

// Cases compiles a list of {match, steps}.
func (c *StepCompiler) Cases(field string) []Case {
	items, ok := c.obj.array(field)
	if !ok {
		return nil
	}
	out := make([]Case, 0, len(items))
	for i, it := range items {
		p := indexPath(field, i)
		co, ok := decodeObject(c.dc.r, c.Path(p), it)
		if !ok {
			c.errs++
			continue
		}
		var cs Case
		if raw, ok := co.raw("match"); ok {
			var src string
			if err := json.Unmarshal(raw, &src); err != nil {
				c.Errorf(joinPath(p, "match"), "wrong_type", "expected an expression string, got %s; write it in quotes, e.g. %q", jsonKind(raw), strings.TrimSpace(string(raw)))
			} else {
				cs.Match = c.compileSource(src, c.Path(joinPath(p, "match")), "")
			}
		} else {
			c.Errorf(joinPath(p, "match"), "required", "required: the value this case matches")
		}
		steps, _ := co.array("steps")
		cs.Steps = c.BlockFrom(steps, joinPath(p, "steps"), BlockOptions{Conditional: true})
		co.rejectUnknown([]string{"match", "steps"})
		out = append(out, cs)
	}
	return out
}

// Function reads a field naming a function to call and returns its
// definition, checking it exists and is a function.
func (c *StepCompiler) Function(field string) *Definition {
	name := c.obj.str(field, false)
	if name == "" {
		return nil
	}
	d, err := c.dc.functionDef(name)
	if err != nil {
		c.Errorf(field, "unknown_function", "%s", err)
		return nil
	}
	return d
}

// Table reads a field naming a table definition.
func (c *StepCompiler) Table(field string) *Definition {
	name := c.obj.str(field, false)
	if name == "" {
		return nil
	}
	d := c.dc.prog.Definitions[name]
	if d == nil || d.Kind != KindTable {
		var tables []string
		for n, d := range c.dc.prog.Definitions {
			if d.Kind == KindTable {
				tables = append(tables, n)
			}
		}
		msg := fmt.Sprintf("unknown table %q", name)
		if s := closest(name, tables); s != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", s)
		}
		c.Errorf(field, "unknown_table", "%s", msg)
		return nil
	}
	return d
}

// assignsAny reports whether any step inside sc sets one of names.
func (c *StepCompiler) assignsAny(sc *scope, names []string) bool {
	for _, n := range names {
		if sc.assigned[n] {
			return true
		}
	}
	return false
}

// WarnIfStuck warns when a while loop's condition reads no variable its
// body changes and its body never leaves the loop.
func (c *StepCompiler) WarnIfStuck(cond *Expr, body *Block, condField string) {
	if cond == nil || body == nil || body.scope == nil {
		return
	}
	sc := body.scope
	if sc.exits || exprCallsFunctions(cond) || c.assignsAny(sc, cond.names) {
		return
	}
	c.Warnf(condField, "stuck_loop", "the condition %s reads nothing the loop body changes, so it cannot become false; the loop will run until the iteration limit", cond.Source)
}

// CheckCallInput checks the keys of a call's input map (field) against the
// callee's inputs.
func (c *StepCompiler) CheckCallInput(field string, callee *Definition) {
	given := map[string]bool{}
	var known []string
	for _, f := range callee.Input {
		known = append(known, f.Name)
	}
	var keys []string
	if raw, ok := c.obj.raw(field); ok {
		var m map[string]json.RawMessage
		if json.Unmarshal(raw, &m) == nil {
			for k := range m {
				keys = append(keys, k)
			}
		}
	}
	sort.Strings(keys)
	for _, key := range keys {
		given[key] = true
		if !contains(known, key) {
			msg := fmt.Sprintf("%s has no input %q", callee.Name, key)
			if s := closest(key, known); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			} else if len(known) > 0 {
				msg += "; its inputs are " + strings.Join(known, ", ")
			}
			c.Errorf(joinPath(field, key), "unknown_input", "%s", msg)
		}
	}
	for _, f := range callee.Input {
		if f.Required && len(f.Default) == 0 && !given[f.Name] {
			c.Errorf(field, "missing_input", "missing required input %q of %s", f.Name, callee.Name)
		}
	}
}

func exprCallsFunctions(e *Expr) bool {
	found := false
	node := e.program.Node()
	ast.Walk(&node, visitFunc(func(n *ast.Node) {
		switch x := (*n).(type) {
		case *ast.CallNode:
			found = true
		case *ast.BuiltinNode:
			if x.Name == "now" {
				found = true
			}
		}
	}))
	return found
}

type visitFunc func(n *ast.Node)

func (f visitFunc) Visit(n *ast.Node) { f(n) }

// compileExpr compiles src in scope sc; the value flows to variable to
// ("" when it goes anywhere else).
func (dc *defCompiler) compileExpr(src, path string, sc *scope, to string) *Expr {
	if strings.TrimSpace(src) == "" {
		dc.r.errorf(path, "empty_expression", "empty expression; write a value such as 0, 'text' or a variable name")
		return nil
	}
	if len(src) > MaxExpressionLength {
		dc.r.errorf(path, "too_long", "expression is %d bytes; the limit is %d", len(src), MaxExpressionLength)
		return nil
	}
	prog, err := compileExprSafe(src, sc.typeMap())
	if err != nil {
		dc.r.errorf(path, "expression", "%s", dc.exprErrorText(err, sc))
		return nil
	}
	visible := sc.visible()
	slotOf := func(name string) (int, bool) {
		if visible[name] == nil {
			return 0, false
		}
		return dc.vars.slot(name), true
	}
	e := &Expr{Source: src, Path: path, program: prog, fast: compileFast(prog.Node(), slotOf), vars: dc.vars}
	seen := map[string]bool{}
	node := prog.Node()
	ast.Walk(&node, visitFunc(func(n *ast.Node) {
		id, ok := (*n).(*ast.IdentifierNode)
		if !ok {
			return
		}
		if id.Value == "$env" {
			e.whole = true
		}
		if visible[id.Value] != nil && !seen[id.Value] {
			seen[id.Value] = true
			e.names = append(e.names, id.Value)
		}
	}))
	sort.Strings(e.names)
	for _, n := range e.names {
		e.slots = append(e.slots, dc.vars.slot(n))
	}
	dc.flows = append(dc.flows, flow{from: e.names, to: to})
	return e
}

func compileExprSafe(src string, env types.Map) (p *vm.Program, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("cannot compile expression: %v", r)
		}
	}()
	opts := append([]expr.Option{expr.Env(env), expr.MaxNodes(5000)}, exprFunctions...)
	return expr.Compile(src, opts...)
}

func (dc *defCompiler) declared(name string, d declInfo) {
	if dc.decls == nil {
		dc.decls = map[string]declInfo{}
	}
	if _, ok := dc.decls[name]; !ok {
		dc.decls[name] = d
	}
}

// exprErrorText renders an expr error on one line with its position. For
// an unknown name or input field it suggests a near one, and for a name
// declared in a block that has ended it says where and why.
func (dc *defCompiler) exprErrorText(err error, sc *scope) string {
	var fe *file.Error
	if !errors.As(err, &fe) {
		return err.Error()
	}
	msg, after := fe.Message, ""
	if name, ok := strings.CutPrefix(msg, "unknown name "); ok {
		if d, declared := dc.decls[name]; declared {
			after = "; " + outOfScope(name, d)
		} else if s := closest(name, sc.visibleNames()); s != "" {
			msg += fmt.Sprintf(" (did you mean %s?)", s)
		}
	} else if field, ok := strings.CutPrefix(msg, "unknown field "); ok {
		if s := closest(field, inputNames(dc.def.RunInputs())); s != "" {
			msg += fmt.Sprintf(" (did you mean %s?)", s)
		}
	}
	if fe.Snippet != "" {
		msg = fmt.Sprintf("%s (%d:%d)", msg, fe.Line, fe.Column+1)
	}
	return msg + after
}

func outOfScope(name string, d declInfo) string {
	if d.loopOf != "" {
		return fmt.Sprintf("%s is the loop variable of %s and exists only inside its steps", name, d.loopOf)
	}
	what := "declare it before the " + d.owner
	switch d.owner {
	case "if":
		what += ", or in both branches"
	case "switch":
		what += ", or in every case and in default"
	case "try":
		what += ", or in both steps and catch"
	case "foreach", "for", "while":
		what = "declare it before the loop"
	}
	return fmt.Sprintf("%s is declared at %s, inside a block, so it cannot be read here: %s", name, d.path, what)
}

func inputNames(fields []InputField) []string {
	var out []string
	for _, f := range fields {
		out = append(out, f.Name)
		out = append(out, inputNames(f.Fields)...)
	}
	return out
}

// warnUnawaited warns for every async ID variable whose value never reaches
// an await or leaves the stack.
func (dc *defCompiler) warnUnawaited() {
	if len(dc.asyncIDs) == 0 {
		return
	}
	// used: names whose value reaches a sink (an expression that is not a
	// plain copy into another variable).
	used := map[string]bool{}
	changed := true
	for changed {
		changed = false
		for _, f := range dc.flows {
			if f.to != "" && !used[f.to] {
				continue
			}
			for _, n := range f.from {
				if !used[n] {
					used[n] = true
					changed = true
				}
			}
		}
	}
	for _, a := range dc.asyncIDs {
		if !used[a.name] {
			dc.r.warnf(a.path, "unawaited_async", "the async execution ID in %s is never awaited or used; add an await step, or drop \"as\" to fire and forget", a.name)
		}
	}
}

func article(word string) string {
	if word != "" && strings.ContainsRune("aeiou", rune(word[0])) {
		return "an"
	}
	return "a"
}
