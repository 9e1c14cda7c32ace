package steps

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/expr-lang/expr/vm"

	"github.com/funcstack/funcstack/engine"
)

// A compiled where is a tree of nodes. At run time its write appends the
// SQL of each node to the statement and binds, as parameters, the values
// its sub-expressions give on this run (see db_where.go for the
// translation).

// wctx is one writing of a where into a statement.
type wctx struct {
	b      *sqlBuilder
	vars   varSource
	path   string
	budget uint
}

// write appends the clause's SQL to b and binds its parameters.
func (w *whereClause) write(b *sqlBuilder, vars varSource) error {
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
			w.budget = s.Engine().Config().Limits.ExprMemoryBudget
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
	if ce, ok := err.(*codecError); ok {
		return &engine.Error{Code: engine.CodeInvalidInput, Path: w.path, Message: fmt.Sprintf("in %s: %s", quote(text), ce.msg), Cause: err}
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
			w.b.w(sqlBool(b))
			return nil
		}
		return n.r.write(w)
	}
	w.b.w("(")
	if err := n.l.write(w); err != nil {
		return err
	}
	w.b.w(n.op)
	if err := n.r.write(w); err != nil {
		return err
	}
	w.b.w(")")
	return nil
}

type wNot struct{ x wnode }

func (n *wNot) write(w *wctx) error {
	w.b.w("NOT (")
	if err := n.x.write(w); err != nil {
		return err
	}
	w.b.w(")")
	return nil
}

type wNull struct {
	col *dbColumn
	not bool
}

func (n *wNull) write(w *wctx) error {
	w.b.w(n.col.q)
	if n.not {
		w.b.w(" IS NOT NULL")
	} else {
		w.b.w(" IS NULL")
	}
	return nil
}

type wCmp struct {
	op     string
	lc, rc *dbColumn
	lv, rv *wval
	enc    *dbColumn // the column values are encoded for
	text   string
}

func (n *wCmp) side(w *wctx, c *dbColumn, v *wval) error {
	if c != nil {
		w.b.w(c.q)
		return nil
	}
	x, err := v.eval(w)
	if err != nil {
		return err
	}
	a, err := encode(n.enc, x, w.b.d)
	if err != nil {
		return w.valueErr(n.text, err)
	}
	w.b.arg(a)
	return nil
}

func (n *wCmp) write(w *wctx) error {
	if err := n.side(w, n.lc, n.lv); err != nil {
		return err
	}
	w.b.w(n.op)
	return n.side(w, n.rc, n.rv)
}

// maxInList bounds the values of one in-list (both databases limit the
// parameters of a statement).
const maxInList = 30000

type wIn struct {
	col  *dbColumn
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
			return &engine.Error{Code: engine.CodeExpression, Path: w.path, Message: fmt.Sprintf("in %s: %s gave %s, expected a list", quote(n.text), quote(n.list.text), describe(x))}
		}
		items = make([]any, rv.Len())
		for i := range items {
			items[i] = rv.Index(i).Interface()
		}
	}
	if len(items) == 0 {
		w.b.w("FALSE")
		return nil
	}
	if len(items) > maxInList {
		return &engine.Error{Code: engine.CodeLimit, Path: w.path, Message: fmt.Sprintf("in %s: the list has %d values; at most %d can be matched at once", quote(n.text), len(items), maxInList)}
	}
	w.b.w(n.col.q)
	w.b.w(" IN (")
	for i, it := range items {
		if i > 0 {
			w.b.w(", ")
		}
		a, err := encode(n.col, it, w.b.d)
		if err != nil {
			return w.valueErr(fmt.Sprintf("%s (item %d)", n.text, i), err)
		}
		w.b.arg(a)
	}
	w.b.w(")")
	return nil
}

type wLike struct {
	col  *dbColumn
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
	s, ok := x.(string)
	if !ok {
		return &engine.Error{Code: engine.CodeInvalidInput, Path: w.path, Message: fmt.Sprintf("in %s: %s gave %s, expected text", quote(n.text), quote(n.val.text), describe(x))}
	}
	if err := checkText(n.col, s); err != nil {
		return w.valueErr(n.text, err)
	}
	wild := "%"
	if w.b.d == dPostgres {
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
	w.b.w(n.col.q)
	if w.b.d == dPostgres {
		w.b.w(" LIKE ")
		w.b.arg(s)
		w.b.w(` ESCAPE '\'`)
	} else {
		w.b.w(" GLOB ")
		w.b.arg(s)
	}
	return nil
}

type wBoolCol struct{ col *dbColumn }

func (n *wBoolCol) write(w *wctx) error {
	w.b.w(n.col.q)
	if w.b.d == dSQLite {
		w.b.w(" = 1")
	}
	return nil
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
	return false, &engine.Error{Code: engine.CodeExpression, Path: w.path, Message: fmt.Sprintf("condition %s gave %s, not true or false", quote(n.val.text), describe(x))}
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
	if w.b.d == dPostgres {
		w.b.arg(b)
		return nil
	}
	if b {
		w.b.arg(int64(1))
	} else {
		w.b.arg(int64(0))
	}
	return nil
}
