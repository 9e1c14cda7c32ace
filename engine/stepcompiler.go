package engine

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/compiler"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/parser"
	"github.com/expr-lang/expr/types"
	"github.com/expr-lang/expr/vm"
)

type declaration struct {
	name, path string
	typ        types.Type // nil: any
}

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

// IntOrExpr reads a field written as a whole number (n, ok) or as an
// expression (e); both are zero when the field is absent or invalid.
func (c *StepCompiler) IntOrExpr(field string) (n int64, ok bool, e *Expr) {
	raw, present := c.obj.raw(field)
	if !present {
		return 0, false, nil
	}
	if t := strings.TrimSpace(string(raw)); t != "" && (t[0] == '-' || t[0] >= '0' && t[0] <= '9') {
		n, ok = c.obj.integer(field)
		return n, ok, nil
	}
	return 0, false, c.Expr(field)
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
	e := c.compileSource(src, c.Path(field), to)
	c.checkExpects(field, e)
	return e
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
	env := c.sc.typeMapFor(e.Source)
	for _, a := range call.Arguments[1:] {
		// Each item from the checked tree of e: printed back to text
		// and parsed again it could mean something else ({'in': 1}
		// prints as {in: 1}, which does not parse).
		prog, err := compileNodeSafe(a, e.Source, env)
		if err != nil {
			return nil // the step runs the whole expression instead
		}
		items = append(items, c.dc.newExpr(e.Source, e.Path, prog, c.sc, name))
	}
	return items
}

// compileNodeSafe compiles node, a part of the checked tree of an
// expression compiled from src in env, on its own. Its runtime errors
// are placed in src.
func compileNodeSafe(node ast.Node, src string, env types.Map) (p *vm.Program, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("cannot compile expression: %v", r)
		}
	}()
	return compiler.Compile(&parser.Tree{Node: node, Source: file.NewSource(src)}, exprConfig(env))
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
func (c *StepCompiler) Declare(name string) { c.DeclareTyped(name, nil) }

// DeclareTyped is Declare for a variable whose value has type t (nil:
// any), such as a db step's record; expressions reading it are checked
// against t. The type holds only while no set step in the function
// changes the variable.
func (c *StepCompiler) DeclareTyped(name string, t types.Type) {
	if name != "" {
		c.declares = append(c.declares, declaration{name: name, path: c.path, typ: t})
	}
}

// HiddenColumns notes that the records the step declares leave out the
// hidden columns names of table, so that an expression reading one is
// told why it is unknown and how to read it.
func (c *StepCompiler) HiddenColumns(table string, names []string) {
	if len(names) == 0 {
		return
	}
	if c.dc.hidden == nil {
		c.dc.hidden = map[string]string{}
	}
	for _, n := range names {
		c.dc.hidden[n] = table
	}
}

// EndsRun marks the step as one that may end the run (return, throw,
// precondition): a call after it may not be reached.
func (c *StepCompiler) EndsRun() { c.sc.markEnds() }

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
	VarTypes    map[string]types.Type // the types of some of Vars (see DeclareTyped)
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
			sc.names[v] = &varInfo{path: c.path, typ: c.dc.declaredType(v, opt.VarTypes[v])}
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
	if f := c.typ.Field(field); f != nil && f.Local {
		b.declared = map[string]bool{} // nothing declared in it is in scope after the step
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

// TableDef returns the table definition named name, or nil: for a step
// that follows a table's relations to other tables.
func (c *StepCompiler) TableDef(name string) *Definition {
	if d := c.dc.use(name); d != nil && d.Kind == KindTable {
		return d
	}
	return nil
}

// Table reads a field naming a table definition.
func (c *StepCompiler) Table(field string) *Definition {
	name := c.obj.str(field, false)
	if name == "" {
		return nil
	}
	d := c.dc.use(name)
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
