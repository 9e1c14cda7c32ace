package tables

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/expr-lang/expr/vm"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/value"
)

// A compiled where is a tree of nodes. At run time its write appends the
// SQL of each node to the statement and binds, as parameters, the values
// its sub-expressions give on this run (see where.go for the
// translation).

// wctx is one writing of a where into a statement.
type wctx struct {
	b      *Builder
	vars   Vars
	path   string
	budget uint
	// strict: the condition being written is under a NOT, so it must
	// never be SQL's unknown (NOT unknown is unknown, where expressions
	// say true): a test that may meet a null column is wrapped in
	// COALESCE(…, FALSE).
	strict bool
}

// Write appends the clause's SQL to b and binds its parameters.
func (w *Where) Write(b *Builder, vars Vars) error {
	return w.root.write(&wctx{b: b, vars: vars, path: w.path})
}

type wnode interface {
	write(w *wctx) error
}

const (
	valConst = iota
	valIdent
	valPath
	valProgram
)

// wval is a sub-expression reading no column: one bound parameter.
type wval struct {
	text  string
	kind  int
	c     any
	name  string
	props []string
	prog  *vm.Program
	names []string
}

func (v *wval) eval(w *wctx) (any, error) {
	switch v.kind {
	case valConst:
		return v.c, nil
	case valIdent:
		return w.vars.Get(v.name), nil
	case valPath:
		cur := w.vars.Get(v.name)
		ok := true
		for _, p := range v.props {
			m, isMap := cur.(map[string]any)
			if !isMap {
				ok = false
				break
			}
			cur = m[p]
		}
		if ok {
			return cur, nil
		}
	}
	env := make(map[string]any, len(v.names))
	for _, n := range v.names {
		env[n] = w.vars.Get(n)
	}
	if w.budget == 0 {
		w.budget = 1_000_000
		if s, ok := w.vars.(*engine.State); ok {
			w.budget = s.Engine().Config().Limits.MaxExprMemory
		}
	}
	m := vm.VM{MemoryBudget: w.budget}
	out, err := m.Run(v.prog, env)
	if err != nil {
		msg := err.Error()
		if i := strings.IndexByte(msg, '\n'); i >= 0 {
			msg = msg[:i]
		}
		return nil, &engine.Error{Code: engine.CodeExpression, Path: w.path, Message: fmt.Sprintf("%s in %s", msg, quote(v.text)), Cause: err}
	}
	return out, nil
}

func (w *wctx) valueErr(text string, err error) error {
	if ce, ok := err.(*CodecError); ok {
		// own text, not a Cause: clients see it whole (see ValueError)
		return &engine.Error{Code: engine.CodeInvalidInput, Path: w.path, Message: fmt.Sprintf("in %s: %s", quote(text), ce.Msg)}
	}
	return err
}

type wAnd struct {
	op   string
	l, r wnode
}

// write short-circuits as expr does: when the left side reads no column,
// it is evaluated first, and the right side is written (and its values
// evaluated) only when it can change the outcome. So
// `input.q == nil || product.name contains input.q` matches everything
// when q is null rather than failing on the null in contains.
func (n *wAnd) write(w *wctx) error {
	if lb, ok := n.l.(*wBool); ok {
		b, err := lb.truth(w)
		if err != nil {
			return err
		}
		if b == (n.op == " OR ") { // true || …, false && …
			w.b.W(sqlBool(b))
			return nil
		}
		return n.r.write(w)
	}
	w.b.W("(")
	if err := n.l.write(w); err != nil {
		return err
	}
	w.b.W(n.op)
	if err := n.r.write(w); err != nil {
		return err
	}
	w.b.W(")")
	return nil
}

type wNot struct{ x wnode }

func (n *wNot) write(w *wctx) error {
	was := w.strict
	w.strict = true
	w.b.W("NOT (")
	err := n.x.write(w)
	w.b.W(")")
	w.strict = was
	return err
}

// guarded writes the test f, which is unknown when a column it reads is
// null, so that it is false instead when that matters (under a NOT).
func (w *wctx) guarded(mayBeNull bool, f func() error) error {
	if !w.strict || !mayBeNull {
		return f()
	}
	w.b.W("COALESCE(")
	if err := f(); err != nil {
		return err
	}
	w.b.W(", FALSE)")
	return nil
}

type wNull struct {
	col *colRef
	not bool
}

func (n *wNull) write(w *wctx) error {
	w.b.W(n.col.sql())
	if n.not {
		w.b.W(" IS NOT NULL")
	} else {
		w.b.W(" IS NULL")
	}
	return nil
}

type wCmp struct {
	op     string // the expression's operator
	lc, rc *colRef
	lv, rv *wval
	enc    *Column // the column values are encoded for
	text   string
}

// side evaluates and encodes one side that is a value.
func (n *wCmp) side(w *wctx, v *wval) (any, error) {
	x, err := v.eval(w)
	if err != nil {
		return nil, err
	}
	a, err := Encode(n.enc, x, w.b.D)
	if err != nil {
		return nil, w.valueErr(n.text, err)
	}
	return a, nil
}

func (n *wCmp) write(w *wctx) error {
	if n.lc != nil && n.rc != nil {
		return n.columns(w)
	}
	col, val, flipped := n.lc, n.rv, false
	if col == nil {
		col, val, flipped = n.rc, n.lv, true
	}
	a, err := n.side(w, val)
	if err != nil {
		return err
	}
	if a == nil && col.fold != "" { // lower(col) is never null: a null column fails every test
		switch n.op {
		case "==":
			w.b.W("FALSE")
		case "!=":
			w.b.W(col.Q + " IS NOT NULL")
		default:
			return n.nullOrder(w, val)
		}
		return nil
	}
	if a == nil { // a value null on this run
		switch n.op {
		case "==":
			w.b.W(col.sql() + " IS NULL")
		case "!=":
			w.b.W(col.sql() + " IS NOT NULL")
		default:
			return n.nullOrder(w, val)
		}
		return nil
	}
	if n.op == "!=" && col.nullable() && col.fold == "" { // a null column differs from a value
		w.b.W("(" + col.sql() + " <> ")
		w.b.Arg(a)
		w.b.W(" OR " + col.sql() + " IS NULL)")
		return nil
	}
	return w.guarded(col.nullable(), func() error {
		if flipped {
			w.b.Arg(a)
			w.b.W(sqlOps[n.op] + col.sql())
		} else {
			w.b.W(col.sql() + sqlOps[n.op])
			w.b.Arg(a)
		}
		return nil
	})
}

// nullOrder is the error of an order against a null value (as in
// expressions).
func (n *wCmp) nullOrder(w *wctx, val *wval) error {
	return &engine.Error{Code: engine.CodeInvalidInput, Path: w.path, Message: fmt.Sprintf(
		"in %s: %s is null, and %s orders values; test for null first, e.g. %s == nil || %s", quote(n.text), quote(val.text), n.op, val.text, n.text)}
}

// columns compares two columns: == and != treat null as a value (IS NOT
// DISTINCT FROM; SQLite's IS), the orders are false when either is null.
func (n *wCmp) columns(w *wctx) error {
	l, r := n.lc, n.rc
	mayBeNull := l.nullable() || r.nullable()
	if (n.op == "==" || n.op == "!=") && mayBeNull && l.fold == "" && r.fold == "" {
		op := map[string]map[value.Dialect]string{
			"==": {value.Postgres: " IS NOT DISTINCT FROM ", value.SQLite: " IS "},
			"!=": {value.Postgres: " IS DISTINCT FROM ", value.SQLite: " IS NOT "},
		}[n.op][w.b.D]
		w.b.W(l.sql() + op + r.sql())
		return nil
	}
	return w.guarded(mayBeNull, func() error {
		w.b.W(l.sql() + sqlOps[n.op] + r.sql())
		return nil
	})
}

// maxInList bounds the values of one in-list (both databases limit the
// parameters of a statement).
const maxInList = 30000

type wIn struct {
	col  *colRef
	list *wval
	text string
}

func (n *wIn) write(w *wctx) error {
	x, err := n.list.eval(w)
	if err != nil {
		return err
	}
	var items []any
	switch l := x.(type) {
	case nil:
	case []any:
		items = l
	default:
		rv := reflect.ValueOf(x)
		if rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array {
			return &engine.Error{Code: engine.CodeExpression, Path: w.path, Message: fmt.Sprintf("in %s: %s gave %s, expected a list", quote(n.text), quote(n.list.text), value.Describe(x))}
		}
		items = make([]any, rv.Len())
		for i := range items {
			items[i] = rv.Index(i).Interface()
		}
	}
	if len(items) > maxInList {
		return &engine.Error{Code: engine.CodeLimit, Path: w.path, Message: fmt.Sprintf("in %s: the list has %d values; at most %d can be matched at once", quote(n.text), len(items), maxInList)}
	}
	// nil in the list matches a null column, as in expressions.
	args := make([]any, 0, len(items))
	hasNil := false
	for i, it := range items {
		a, err := Encode(n.col.Column, it, w.b.D)
		if err != nil {
			return w.valueErr(fmt.Sprintf("%s (item %d)", n.text, i), err)
		}
		if a == nil {
			hasNil = n.col.fold == "" // lower(col) is never null
			continue
		}
		args = append(args, a)
	}
	switch {
	case len(args) == 0 && hasNil:
		w.b.W(n.col.sql() + " IS NULL")
		return nil
	case len(args) == 0:
		w.b.W("FALSE")
		return nil
	}
	list := func() error {
		w.b.W(n.col.sql())
		w.b.W(" IN (")
		for i, a := range args {
			if i > 0 {
				w.b.W(", ")
			}
			w.b.Arg(a)
		}
		w.b.W(")")
		return nil
	}
	if hasNil {
		w.b.W("(")
		list()
		w.b.W(" OR " + n.col.sql() + " IS NULL)")
		return nil
	}
	return w.guarded(n.col.nullable(), list)
}

type wLike struct {
	col  *colRef
	val  *wval
	mode int
	text string
}

var (
	likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	globEscaper = strings.NewReplacer(`*`, `[*]`, `?`, `[?]`, `[`, `[[]`)
)

func (n *wLike) write(w *wctx) error {
	x, err := n.val.eval(w)
	if err != nil {
		return err
	}
	if x == nil { // as in expressions: nothing contains null
		w.b.W("FALSE")
		return nil
	}
	s, ok := x.(string)
	if !ok {
		return &engine.Error{Code: engine.CodeInvalidInput, Path: w.path, Message: fmt.Sprintf("in %s: %s gave %s, expected text", quote(n.text), quote(n.val.text), value.Describe(x))}
	}
	if err := CheckText(n.col.Column, s); err != nil {
		return w.valueErr(n.text, err)
	}
	wild := "%"
	if w.b.D == value.Postgres {
		s = likeEscaper.Replace(s)
	} else {
		s = globEscaper.Replace(s)
		wild = "*"
	}
	switch n.mode {
	case likeContains:
		s = wild + s + wild
	case likePrefix:
		s += wild
	case likeSuffix:
		s = wild + s
	}
	return w.guarded(n.col.nullable(), func() error {
		w.b.W(n.col.sql())
		if w.b.D == value.Postgres {
			w.b.W(" LIKE ")
			w.b.Arg(s)
			w.b.W(` ESCAPE '\'`)
		} else {
			w.b.W(" GLOB ")
			w.b.Arg(s)
		}
		return nil
	})
}

type wBoolCol struct{ col *colRef }

func (n *wBoolCol) write(w *wctx) error {
	return w.guarded(n.col.nullable(), func() error {
		w.b.W(n.col.sql())
		if w.b.D == value.SQLite {
			w.b.W(" = 1")
		}
		return nil
	})
}

// wBool is a condition reading no column, bound as one parameter.
type wBool struct{ val *wval }

// truth evaluates the condition; null counts as false.
func (n *wBool) truth(w *wctx) (bool, error) {
	x, err := n.val.eval(w)
	if err != nil {
		return false, err
	}
	switch v := x.(type) {
	case bool:
		return v, nil
	case nil:
		return false, nil
	}
	return false, &engine.Error{Code: engine.CodeExpression, Path: w.path, Message: fmt.Sprintf("condition %s gave %s, not true or false", quote(n.val.text), value.Describe(x))}
}

// sqlBool is a constant condition, the same on both backends.
func sqlBool(b bool) string {
	if b {
		return "1 = 1"
	}
	return "1 = 0"
}

func (n *wBool) write(w *wctx) error {
	b, err := n.truth(w)
	if err != nil {
		return err
	}
	if w.b.D == value.Postgres {
		w.b.Arg(b)
		return nil
	}
	if b {
		w.b.Arg(int64(1))
	} else {
		w.b.Arg(int64(0))
	}
	return nil
}
