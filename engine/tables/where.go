package tables

import (
	"fmt"
	"sort"
	"strings"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/parser"
	"github.com/expr-lang/expr/types"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/value"
)

// A where is an expression over <table>.<column> and stack variables. The
// engine compiles it first (so unknown columns and names are compile
// errors with their path); compileWhere then translates its syntax tree to
// SQL once, at compile time:
//
//	a == b, !=, <, <=, >, >=   "col" = ?, <>, <, <=, >, >=
//	col == nil, col != nil     "col" IS NULL, IS NOT NULL
//	&&, ||, !, and, or, not    AND, OR, NOT (…)
//	col in list, not in        "col" IN (?, …), FALSE for an empty list
//	col contains s             "col" LIKE '%s%' ESCAPE '\' (PostgreSQL),
//	startsWith, endsWith         "col" GLOB '*s*' (SQLite; see below)
//	lower(col), upper(col)     LOWER("col"), UPPER("col") (text columns,
//	                             with ==, !=, in, contains, startsWith,
//	                             endsWith: case-insensitive matching)
//	a bool column alone        "col" (true rows)
//
// Every sub-expression that reads no column becomes one bound parameter:
// it is compiled once and evaluated on each run. Anything else that reads
// a column (arithmetic on it, a function of it, …) is a compile error
// naming the sub-expression.
//
// Null behaves as in expressions (docs/design.md §25), on both databases:
// == and != treat null as a value (col == x with x null at run time is
// IS NULL; col != 'a' keeps the rows where col is null), in matches a null
// column when the list holds nil, and every other test of a null column
// (<, <=, >, >=, contains, startsWith, endsWith, a bool column alone,
// any test of lower(col) or upper(col)) is false, so that ! of it is true: the SQL is written so that no condition
// is ever SQL's unknown. Ordering against a value that is null at run time
// is an error, as in expressions; contains and the like with a null value
// match nothing.
//
// contains, startsWith and endsWith are case-sensitive, like in
// expressions: PostgreSQL's LIKE is, SQLite's LIKE is not (for ASCII), so
// on SQLite they use GLOB with * ? [ escaped as [*] [?] [[].

// Where is a compiled where.
type Where struct {
	src  string
	path string
	root wnode
}

// Vars gives the values of stack variables (*engine.State).
type Vars interface{ Get(name string) any }

// whereError is a where that cannot be turned into SQL.
type whereError struct{ msg string }

func (e *whereError) Error() string { return e.msg }

// quote shows an expression's source in a message.
func quote(src string) string {
	if len(src) > 60 {
		src = src[:57] + "..."
	}
	return "`" + src + "`"
}

type whereCompiler struct {
	t     *Table
	names map[string]bool // stack names the where may read
	env   types.Map

	refState // following refs (where_ref.go)
}

// compileWhere translates src (already compiled by the engine in a scope
// holding the table's columns) to SQL. names are the stack names src
// reads (Expr.Names); path is the where's JSON path, for run errors.
// rel, when given, follows refs to their tables (where_ref.go).
func CompileWhere(src, path string, t *Table, names []string, rel ...Related) (w *Where, err error) {
	defer func() {
		if r := recover(); r != nil {
			w, err = nil, &whereError{fmt.Sprintf("cannot translate %s to SQL: %v", quote(src), r)}
		}
	}()
	tree, perr := parser.Parse(src)
	if perr != nil {
		return nil, &whereError{perr.Error()}
	}
	wc := &whereCompiler{t: t, names: map[string]bool{}, env: types.Map{}}
	if len(rel) > 0 {
		wc.rel = rel[0]
	}
	for _, n := range names {
		if n != t.Name {
			wc.names[n] = true
			wc.env[n] = types.Any
		}
	}
	root, err := wc.pred(tree.Node)
	if err != nil {
		return nil, err
	}
	return &Where{src: src, path: path, root: root}, nil
}

func (wc *whereCompiler) fail(n ast.Node, format string, args ...any) error {
	return &whereError{fmt.Sprintf("cannot be turned into SQL: %s %s", quote(n.String()), fmt.Sprintf(format, args...))}
}

// touches reports whether n reads a column of the table.
func (wc *whereCompiler) touches(n ast.Node) bool {
	found := false
	ast.Walk(&n, visitFunc(func(x *ast.Node) {
		if id, ok := (*x).(*ast.IdentifierNode); ok && id.Value == wc.t.Name {
			found = true
		}
	}))
	return found
}

type visitFunc func(n *ast.Node)

func (f visitFunc) Visit(n *ast.Node) { f(n) }

// colRef is a column as a where reads it: itself, or lower(col) or
// upper(col) of a text column.
type colRef struct {
	*Column
	fold string // "", "LOWER" or "UPPER"
}

// sql is the reference in SQL.
func (r *colRef) sql() string {
	if r.fold == "" {
		return r.Q
	}
	return r.fold + "(" + r.Q + ")"
}

// nullable reports whether the column may hold null.
func (r *colRef) nullable() bool { return !r.Required && !r.System }

// column returns the column n names (<table>.<column>, or lower(…) or
// upper(…) of one), nil when n is not a column reference.
func (wc *whereCompiler) column(n ast.Node) (*colRef, error) {
	if ch, ok := n.(*ast.ChainNode); ok {
		n = ch.Node
	}
	if name, arg, ok := foldCall(n); ok {
		c, err := wc.column(arg)
		if err != nil || c == nil {
			return nil, err
		}
		if c.fold != "" || !c.Type.Info().Searchable {
			return nil, wc.fail(n, "folds the case of a %s column; lower and upper take a text column (%s)", c.TypeName, strings.Join(searchable(), ", "))
		}
		return &colRef{Column: c.Column, fold: strings.ToUpper(name)}, nil
	}
	m, ok := n.(*ast.MemberNode)
	if !ok {
		return nil, nil
	}
	if c, via, ok, err := wc.refPath(n); ok || err != nil {
		if err != nil {
			return nil, err
		}
		return &colRef{Column: c}, wc.noteVia(n, via)
	}
	id, ok := m.Node.(*ast.IdentifierNode)
	if !ok || id.Value != wc.t.Name {
		return nil, nil
	}
	prop, ok := m.Property.(*ast.StringNode)
	if !ok {
		return nil, wc.fail(n, "picks the column at run time; write the column name out, e.g. %s.%s", wc.t.Name, wc.t.Names[0])
	}
	c := wc.t.ByName[prop.Value]
	if c == nil {
		if l := wc.t.Links[prop.Value]; l != nil {
			return nil, &whereError{fmt.Sprintf("%s.%s is a refs field (a list of %s records), not a column; query %s instead, with a where on its ref %s", wc.t.Name, prop.Value, l.Table, l.Table, l.By)}
		}
		return nil, &whereError{wc.t.UnknownColumn(prop.Value)}
	}
	return &colRef{Column: c}, wc.noteVia(n, nil)
}

// foldCall recognises lower(x) and upper(x) (expr's builtins, or
// functions of those names).
func foldCall(n ast.Node) (name string, arg ast.Node, ok bool) {
	switch x := n.(type) {
	case *ast.BuiltinNode:
		if (x.Name == "lower" || x.Name == "upper") && len(x.Arguments) == 1 {
			return x.Name, x.Arguments[0], true
		}
	case *ast.CallNode:
		if id, isID := x.Callee.(*ast.IdentifierNode); isID && (id.Value == "lower" || id.Value == "upper") && len(x.Arguments) == 1 {
			return id.Value, x.Arguments[0], true
		}
	}
	return "", nil, false
}

// operand reads one side of a comparison: a column or a value.
func (wc *whereCompiler) operand(n ast.Node) (*colRef, *wval, error) {
	c, err := wc.column(n)
	if err != nil || c != nil {
		return c, nil, err
	}
	if wc.touches(n) {
		return nil, nil, wc.misuse(n)
	}
	v, err := wc.value(n)
	return nil, v, err
}

// misuse explains why n, which reads a column, is not a column.
func (wc *whereCompiler) misuse(n ast.Node) error {
	if ch, ok := n.(*ast.ChainNode); ok {
		n = ch.Node
	}
	switch x := n.(type) {
	case *ast.IdentifierNode:
		return wc.fail(n, "is the whole table; name a column, e.g. %s.%s", wc.t.Name, wc.t.Names[0])
	case *ast.BinaryNode:
		switch x.Operator {
		case "+", "-", "*", "/", "%", "**", "^":
			return wc.fail(n, "computes with a column; compare the column itself and move the arithmetic to the value (e.g. %s.price > limit / 2)", wc.t.Name)
		}
		return wc.fail(n, "uses a column where a value is needed; compare the column itself with a value")
	case *ast.UnaryNode:
		return wc.fail(n, "computes with a column; compare the column itself")
	case *ast.CallNode, *ast.BuiltinNode:
		return wc.fail(n, "passes a column to a function; compare the column itself (functions may only take stack values; lower(col) and upper(col) are the exception)")
	case *ast.MemberNode:
		return wc.fail(n, "reads inside a column value; only whole columns can be compared")
	case *ast.ConditionalNode:
		return wc.fail(n, "chooses with a column; write the condition with && and ||")
	}
	return wc.fail(n, "uses a column in a way SQL cannot express; compare columns with values using == != < <= > >= in contains startsWith endsWith")
}

// pred translates n in a condition position.
func (wc *whereCompiler) pred(n ast.Node) (wnode, error) {
	if !wc.touches(n) {
		v, err := wc.value(n)
		if err != nil {
			return nil, err
		}
		return &wBool{val: v}, nil
	}
	switch x := n.(type) {
	case *ast.ChainNode:
		return wc.pred(x.Node)
	case *ast.UnaryNode:
		if x.Operator == "!" || x.Operator == "not" {
			inner, err := wc.pred(x.Node)
			if err != nil {
				return nil, err
			}
			return &wNot{x: inner}, nil
		}
	case *ast.BinaryNode:
		switch x.Operator {
		case "&&", "and", "||", "or":
			l, err := wc.pred(x.Left)
			if err != nil {
				return nil, err
			}
			r, err := wc.pred(x.Right)
			if err != nil {
				return nil, err
			}
			op := " AND "
			if x.Operator == "||" || x.Operator == "or" {
				op = " OR "
			}
			return &wAnd{op: op, l: l, r: r}, nil
		case "==", "!=", "<", "<=", ">", ">=":
			return wc.leaf(x, func() (wnode, error) { return wc.compare(x) })
		case "in":
			return wc.leaf(x, func() (wnode, error) { return wc.in(x) })
		case "contains", "startsWith", "endsWith":
			return wc.leaf(x, func() (wnode, error) { return wc.like(x) })
		case "matches":
			return nil, wc.fail(n, "uses matches, which has no portable SQL form; use contains, startsWith or endsWith")
		}
	case *ast.MemberNode:
		wc.via, wc.viaSet = nil, false
		c, err := wc.column(x)
		if err != nil {
			return nil, err
		}
		if c != nil {
			if c.Type != value.Bool {
				return nil, wc.fail(n, "is a %s column, not a condition; compare it, e.g. %s == …", c.TypeName, n.String())
			}
			return wc.leaf(x, func() (wnode, error) {
				c, err := wc.column(x)
				return &wBoolCol{col: c}, err
			})
		}
	}
	return nil, wc.misuse(n)
}

func isNilNode(n ast.Node) bool {
	_, ok := n.(*ast.NilNode)
	return ok
}

var sqlOps = map[string]string{"==": " = ", "!=": " <> ", "<": " < ", "<=": " <= ", ">": " > ", ">=": " >= "}

func (wc *whereCompiler) compare(x *ast.BinaryNode) (wnode, error) {
	op := x.Operator
	if (op == "==" || op == "!=") && (isNilNode(x.Left) || isNilNode(x.Right)) {
		side := x.Left
		if isNilNode(x.Left) {
			side = x.Right
		}
		c, err := wc.column(side)
		if err != nil {
			return nil, err
		}
		if c == nil {
			return nil, wc.misuse(side)
		}
		if c.fold != "" {
			return nil, wc.fail(x, "tests %s for null; test the column itself, e.g. %s.%s %s nil", c.sql(), wc.t.Name, c.Name, op)
		}
		return &wNull{col: c, not: op == "!="}, nil
	}
	lc, lv, err := wc.operand(x.Left)
	if err != nil {
		return nil, err
	}
	rc, rv, err := wc.operand(x.Right)
	if err != nil {
		return nil, err
	}
	for _, c := range []*colRef{lc, rc} {
		if c == nil || op == "==" || op == "!=" {
			continue
		}
		if c.fold != "" {
			return nil, wc.fail(x, "orders %s; lower and upper columns can only be compared with ==, !=, in, contains, startsWith and endsWith", c.sql())
		}
		if !c.Type.Info().Ordered {
			return nil, wc.fail(x, "orders a %s column; %s columns can only be compared with == and !=", c.TypeName, c.TypeName)
		}
	}
	enc := lc
	if enc == nil {
		enc = rc
	}
	return &wCmp{op: op, lc: lc, lv: lv, rc: rc, rv: rv, enc: enc.Column, text: x.String()}, nil
}

func (wc *whereCompiler) in(x *ast.BinaryNode) (wnode, error) {
	c, err := wc.column(x.Left)
	if err != nil {
		return nil, err
	}
	if c == nil {
		if rc, _ := wc.column(x.Right); rc != nil {
			return nil, wc.fail(x, "looks inside a column; in needs a column on the left and a list of values on the right")
		}
		return nil, wc.misuse(x.Left)
	}
	if wc.touches(x.Right) {
		return nil, wc.fail(x.Right, "reads a column; the right side of in must be a list of values")
	}
	list, err := wc.value(x.Right)
	if err != nil {
		return nil, err
	}
	if c.Type == value.JSON {
		return nil, wc.fail(x, "tests a json column with in; compare it with == instead")
	}
	return &wIn{col: c, list: list, text: x.String()}, nil
}

const (
	likeContains = iota
	likePrefix
	likeSuffix
)

func (wc *whereCompiler) like(x *ast.BinaryNode) (wnode, error) {
	c, err := wc.column(x.Left)
	if err != nil {
		return nil, err
	}
	if c == nil {
		if rc, _ := wc.column(x.Right); rc != nil {
			return nil, wc.fail(x, "has the column on the right; write it as %s %s value", x.Right.String(), x.Operator)
		}
		return nil, wc.misuse(x.Left)
	}
	if !c.Type.Info().Searchable {
		return nil, wc.fail(x, "searches a %s column; %s works on %s columns", c.TypeName, x.Operator, strings.Join(searchable(), " and "))
	}
	if wc.touches(x.Right) {
		return nil, wc.fail(x.Right, "reads a column; search for a value")
	}
	v, err := wc.value(x.Right)
	if err != nil {
		return nil, err
	}
	mode := likeContains
	switch x.Operator {
	case "startsWith":
		mode = likePrefix
	case "endsWith":
		mode = likeSuffix
	}
	return &wLike{col: c, val: v, mode: mode, text: x.String()}, nil
}

// value compiles a sub-expression that reads no column.
func (wc *whereCompiler) value(n ast.Node) (*wval, error) {
	v := &wval{text: n.String()}
	if c, ok := literal(n); ok {
		v.kind, v.c = valConst, c
		return v, nil
	}
	if id, ok := n.(*ast.IdentifierNode); ok && wc.names[id.Value] {
		v.kind, v.name = valIdent, id.Value
		return v, nil
	}
	// A path of names (input.filter.status) is read without the VM; the
	// program covers the cases a plain walk cannot (a non-object on the
	// way), so that errors read as they would in an expression.
	var props []string
	cur := n
	for {
		m, ok := cur.(*ast.MemberNode)
		if !ok || m.Optional || m.Method {
			break
		}
		p, ok := m.Property.(*ast.StringNode)
		if !ok {
			break
		}
		props = append(props, p.Value)
		cur = m.Node
	}
	if id, ok := cur.(*ast.IdentifierNode); ok && len(props) > 0 && wc.names[id.Value] {
		for i, j := 0, len(props)-1; i < j; i, j = i+1, j-1 {
			props[i], props[j] = props[j], props[i]
		}
		v.kind, v.name, v.props = valPath, id.Value, props
	} else {
		v.kind = valProgram
	}
	prog, err := expr.Compile(v.text, append([]expr.Option{expr.Env(wc.env), expr.MaxNodes(5000)}, engine.ExprOptions()...)...)
	if err != nil {
		return nil, &whereError{fmt.Sprintf("cannot compile %s on its own: %v", quote(v.text), err)}
	}
	v.prog = prog
	seen := map[string]bool{}
	ast.Walk(&n, visitFunc(func(x *ast.Node) {
		if id, ok := (*x).(*ast.IdentifierNode); ok && wc.names[id.Value] && !seen[id.Value] {
			seen[id.Value] = true
			v.names = append(v.names, id.Value)
		}
	}))
	sort.Strings(v.names)
	return v, nil
}

// literal returns the value of a literal node (and of a list of them).
func literal(n ast.Node) (any, bool) {
	switch x := n.(type) {
	case *ast.NilNode:
		return nil, true
	case *ast.BoolNode:
		return x.Value, true
	case *ast.IntegerNode:
		return x.Value, true
	case *ast.FloatNode:
		return x.Value, true
	case *ast.StringNode:
		return x.Value, true
	case *ast.UnaryNode:
		if x.Operator == "-" {
			switch y := x.Node.(type) {
			case *ast.IntegerNode:
				return -y.Value, true
			case *ast.FloatNode:
				return -y.Value, true
			}
		}
	case *ast.ArrayNode:
		out := make([]any, len(x.Nodes))
		for i, it := range x.Nodes {
			v, ok := literal(it)
			if !ok {
				return nil, false
			}
			out[i] = v
		}
		return out, true
	}
	return nil, false
}

// ExprTypes is the expression type of <table> in a where: a strict map of
// its columns, so that a misspelt column is a compile error.
func (t *Table) ExprTypes() types.Map {
	m := types.Map{}
	for _, c := range t.Cols {
		typ := c.Type.ExprType()
		m[c.Name] = typ
	}
	for _, l := range t.Links {
		if l.Many() { // refused with what to do instead (where_ref.go)
			m[l.Name] = types.Any
		}
	}
	return m
}

// searchable names the column types contains, startsWith and endsWith
// search.
func searchable() []string {
	var out []string
	for _, n := range value.ColumnTypes() {
		if value.Lookup(n).Info().Searchable {
			out = append(out, n)
		}
	}
	return out
}
