package engine

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/checker"
	"github.com/expr-lang/expr/checker/nature"
	"github.com/expr-lang/expr/compiler"
	"github.com/expr-lang/expr/conf"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/optimizer"
	"github.com/expr-lang/expr/types"
	"github.com/expr-lang/expr/vm"

	"github.com/funcstack/funcstack/engine/exprfn"
)

// MaxExpressionLength bounds the source of one expression.
const MaxExpressionLength = 64 << 10

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
	prog, err := compileExprSafe(src, sc.typeMapFor(src))
	if err != nil {
		dc.r.errorf(path, "expression", "%s", dc.exprMessage(src, err, sc))
		return nil
	}
	return dc.newExpr(src, path, prog, sc, to)
}

// newExpr makes the Expr of prog, compiled from src in scope sc: its fast
// path, the names it reads and their slots.
func (dc *defCompiler) newExpr(src, path string, prog *vm.Program, sc *scope, to string) *Expr {
	slotOf := func(name string) (int, bool) {
		if sc.lookup(name) == nil {
			return 0, false
		}
		return dc.vars.slot(name), true
	}
	e := &Expr{Source: src, Path: path, program: prog, fast: compileFast(prog.Node(), slotOf), vars: dc.vars,
		plain: exprfn.NeedsPlain(prog), ticks: hasTicks(prog.Node())}
	seen := map[string]bool{}
	node := prog.Node()
	var literalErr *file.Error
	ast.Walk(&node, visitFunc(func(n *ast.Node) {
		if call, ok := (*n).(*ast.CallNode); ok && literalErr == nil {
			literalErr = exprfn.CheckLiterals(call)
		}
		if literalErr == nil {
			literalErr = textKey(*n)
		}
		id, ok := (*n).(*ast.IdentifierNode)
		if !ok {
			return
		}
		if id.Value == "$env" {
			e.whole = true
		}
		if !seen[id.Value] && sc.lookup(id.Value) != nil {
			seen[id.Value] = true
			e.names = append(e.names, id.Value)
		}
	}))
	if literalErr != nil { // a bad regex, date layout, ... written in the expression
		dc.r.errorf(path, "expression", "%s", dc.exprErrorText(literalErr.Bind(file.NewSource(src)), sc))
		return nil
	}
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
	// What expr.Compile does, with a configuration built once.
	cfg := exprConfig(env)
	tree, err := checker.ParseCheck(src, cfg)
	if err != nil {
		return nil, err
	}
	if err = optimizer.Optimize(&tree.Node, cfg); err != nil {
		var fe *file.Error
		if errors.As(err, &fe) {
			return nil, fe.Bind(tree.Source)
		}
		return nil, err
	}
	if p, err = compiler.Compile(tree, cfg); err == nil {
		err = checkDecimalMix(p, src)
	}
	return p, err
}

// exprOptions are the options every expression is compiled with.
func exprOptions(env types.Map) []expr.Option {
	opts := append([]expr.Option{expr.Env(withBudget(env)), expr.MaxNodes(5000)}, budgetOptions()...)
	return append(opts, exprFunctions...)
}

// baseConfig is the expr configuration of exprOptions without an
// environment, built once: building it (some hundred functions) for
// every expression cost more than compiling most expressions.
var baseConfig = sync.OnceValue(func() *conf.Config {
	cfg := conf.CreateNew()
	for _, op := range exprOptions(nil)[1:] {
		op(cfg)
	}
	for name := range cfg.Disabled {
		delete(cfg.Builtins, name)
	}
	cfg.Check()
	return cfg
})

// exprConfig is the configuration of an expression compiled in env: a
// copy of baseConfig, whose tables compiling only reads, with env and a
// cache of its own.
func exprConfig(env types.Map) *conf.Config {
	cfg := new(conf.Config)
	*cfg = *baseConfig()
	cfg.NtCache = nature.Cache{}
	cfg.WithEnv(withBudget(env))
	return cfg
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
		} else if w := exprfn.Instead(name); w != "" {
			msg += "; write " + w
		}
	} else if field, ok := strings.CutPrefix(msg, "unknown field "); ok {
		if table, hidden := dc.hidden[field]; hidden {
			after = fmt.Sprintf("; %s is a hidden column of table %s: records leave it out unless the db.get or db.query lists it in fields, e.g. \"fields\": [\"id\", %q]", field, table, field)
		} else if s := closest(field, inputNames(dc.def.RunInputs())); s != "" {
			msg += fmt.Sprintf(" (did you mean %s?)", s)
		}
	}
	if fe.Snippet != "" {
		msg = fmt.Sprintf("%s (%d:%d)", msg, fe.Line, fe.Column+1)
	}
	return msg + parseHint(fe.Message, fe.Snippet) + after
}

func inputNames(fields []InputField) []string {
	var out []string
	for _, f := range fields {
		out = append(out, f.Name)
		out = append(out, inputNames(f.Fields)...)
	}
	return out
}

// parseHint is advice for the parse errors a newcomer meets first: a
// word operator called as a function (contains('abc', 'b')), and an
// object written for each item of map (map(l, {id: .id})), whose { expr
// reads as the start of a predicate in braces.
func parseHint(msg, snippet string) string {
	op, ok := strings.CutPrefix(msg, `unexpected token Operator("`)
	if !ok {
		return ""
	}
	switch op = strings.TrimSuffix(op, `")`); op {
	case "contains", "startsWith", "endsWith", "matches", "in":
		return fmt.Sprintf("; %s is an operator, written between its operands: a %s b", op, op)
	case ":":
		if !strings.Contains(snippet, ", {") && !strings.Contains(snippet, ",{") {
			return ""
		}
		return "; to make an object for each item, put it in parentheses: map(list, ({id: .id}))"
	}
	return ""
}

// textKey is the error of a sortBy or groupBy whose key is a quoted text:
// sortBy(users, 'name') sorted nothing and groupBy(l, 'type') made one
// group, silently, where the user meant the field.
func textKey(n ast.Node) *file.Error {
	var name string
	var body ast.Node
	switch b := n.(type) {
	case *ast.BuiltinNode:
		if b.Name != "groupBy" || len(b.Arguments) < 2 {
			return nil
		}
		p, ok := b.Arguments[1].(*ast.PredicateNode)
		if !ok {
			return nil
		}
		name, body = b.Name, p.Node
		if seq, ok := body.(*ast.SequenceNode); ok && isTicked(seq) {
			body = seq.Nodes[1]
		}
	case *ast.CallNode: // a sortBy, as builtinargs.go rewrote it
		if body = sortByKey(b); body == nil {
			return nil
		}
		name = "sortBy"
	default:
		return nil
	}
	str, ok := body.(*ast.StringNode)
	if !ok {
		return nil
	}
	field := "." + str.Value
	if !identifier.MatchString(str.Value) {
		field = "#[" + quoteText(str.Value) + "]"
	}
	return &file.Error{Location: str.Location(), Message: fmt.Sprintf("%s by %s is by the same text for every item; for the field %s of each item write %s(list, %s)",
		name, quoteText(str.Value), str.Value, name, field)}
}

var identifier = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
