package steps

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/expr-lang/expr/types"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/tables"
	"github.com/funcstack/funcstack/engine/value"
)

// This file holds what the db.* steps share: reading a step's table,
// columns, where and values at compile time and evaluating them at run
// time. The table model, the SQL, the codec and the where translator are
// engine/tables'.

// recordType is the expression type of a record of t with cols, or nil
// for no table: a strict map, so that a misspelt column is a compile
// error, with the types of the engine's columns, which are never null
// (id; created_at and updated_at, RFC 3339 text). The other columns may
// hold null and stay untyped (see engine.DeclareTyped).
func recordType(t *tables.Table, cols []*tables.Column) types.Type {
	if t == nil {
		return nil
	}
	m := types.Map{}
	for _, c := range cols {
		var typ types.Type = types.Any
		if c.System { // never null
			typ = types.String
			if c.Type == value.Int {
				typ = types.Int
			}
		}
		m[c.Name] = typ
	}
	return m
}

// visibleCols returns the columns of t that are not hidden, those of the
// records a step gives back without fields (nil for no table).
func visibleCols(t *tables.Table) []*tables.Column {
	if t == nil {
		return nil
	}
	return t.Visible
}

// fieldsField is the fields field of db.get and db.query.
var fieldsField = engine.FieldSpec{Name: "fields", Kind: engine.FieldStringList,
	Description: "only these columns come back; a hidden column comes back only when listed here, e.g. [\"id\", \"password_hash\"]"}

// compileFields reads the step's fields, the columns its records hold:
// without fields, the visible ones (hidden columns left out); listed
// tells which.
func compileFields(c *engine.StepCompiler, t *tables.Table) (cols []*tables.Column, listed bool) {
	if t == nil {
		return nil, false
	}
	if !c.Has("fields") {
		return t.Visible, false
	}
	fieldNames := c.StringList("fields")
	seen := map[string]bool{}
	for i, f := range fieldNames {
		col := column(c, t, fmt.Sprintf("fields[%d]", i), f)
		if col == nil {
			continue
		}
		if seen[f] {
			c.Errorf(fmt.Sprintf("fields[%d]", i), "duplicate", "column %s is listed twice", f)
			continue
		}
		seen[f] = true
		cols = append(cols, col)
	}
	if len(fieldNames) == 0 {
		c.Errorf("fields", "bad_value", "fields is empty; list the columns to return, or leave fields out for all")
	}
	return cols, true
}

// declareRecord declares as with typ, a type of records of t holding
// cols, and notes the hidden columns they leave out, so that reading one
// is an error saying how to read it.
func declareRecord(c *engine.StepCompiler, as string, t *tables.Table, cols []*tables.Column, typ types.Type) {
	c.DeclareTyped(as, typ)
	if t == nil || as == "" {
		return
	}
	var left []string
	for _, h := range t.Cols {
		if h.Hidden && !slices.Contains(cols, h) {
			left = append(left, h.Name)
		}
	}
	c.HiddenColumns(t.Name, left)
}

// compileTable reads the step's table field.
func compileTable(c *engine.StepCompiler) *tables.Table {
	d := c.Table("table")
	if d == nil {
		return nil
	}
	return tables.Of(d)
}

// column returns the named column of t, reporting an unknown one at path
// (a field path relative to the step) with a did-you-mean.
func column(c *engine.StepCompiler, t *tables.Table, path, name string) *tables.Column {
	if col := t.ByName[name]; col != nil {
		return col
	}
	c.Errorf(path, "unknown_column", "%s", t.UnknownColumn(name))
	return nil
}

// writable returns the named column when a step may set it, reporting
// unknown and engine-kept columns at path.
func writable(c *engine.StepCompiler, t *tables.Table, path, name string) *tables.Column {
	col := column(c, t, path, name)
	if col != nil && col.System {
		c.Errorf(path, "readonly_column", "%s", col.ReadOnly())
		return nil
	}
	return col
}

// checkRequired reports, at field, the required columns without a default
// that an insert setting given would leave empty.
func checkRequired(c *engine.StepCompiler, t *tables.Table, field string, given map[string]bool) {
	for _, col := range t.MissingRequired(given) {
		c.Errorf(field, "missing_column", "%s is required and has no default; give it a value in %s", col.Label(), field)
	}
}

// compileWhereField compiles a where field of a step over table t: the
// engine checks the expression with the table's columns in scope, then
// engine/tables translates it to SQL.
func compileWhereField(c *engine.StepCompiler, t *tables.Table, field string) *tables.Where {
	if t == nil || !c.Has(field) {
		return nil
	}
	e := c.ExprIn(field, map[string]types.Type{t.Name: t.ExprTypes()})
	if e == nil {
		return nil
	}
	w, err := tables.CompileWhere(e.Source, c.Path(field), t, e.Names(), related(c))
	if err != nil {
		c.Errorf(field, "where_sql", "%s", err)
		return nil
	}
	return w
}

// dbConn is what a db step runs against.
type dbConn struct {
	q engine.Querier
	d value.Dialect
}

// connect returns the run's querier (its transaction, inside
// db.transaction) and dialect, or the error for a missing database.
func connect(s *engine.State) (dbConn, error) {
	db := s.Database()
	if db == nil {
		return dbConn{}, tables.NoDatabase()
	}
	return dbConn{q: s.Querier(), d: value.DialectOf(db.Dialect())}, nil
}

// recordID reads the step's id field, an expression giving the record's id,
// for the steps that need one.
func recordID(c *engine.StepCompiler) *engine.Expr {
	if !c.Has("id") {
		c.Errorf("id", "required", "required: the record's id, an expression such as input.id")
		return nil
	}
	return c.Expr("id")
}

// dataColumns checks a data (or by) map's keys at compile time and returns
// the columns in key order; ok is false when one is unknown.
func dataColumns(c *engine.StepCompiler, t *tables.Table, field string, m []engine.KeyExpr, mustWrite bool) (cols []*tables.Column, ok bool) {
	ok = true
	cols = make([]*tables.Column, 0, len(m))
	for _, ke := range m {
		var col *tables.Column
		if mustWrite {
			col = writable(c, t, field+"."+ke.Key, ke.Key)
		} else {
			col = column(c, t, field+"."+ke.Key, ke.Key)
		}
		if col == nil {
			ok = false
		}
		cols = append(cols, col)
	}
	return cols, ok
}

// valueUse is what evalValues's values are for.
type valueUse uint8

const (
	// findBy values are compared with columns (a read's by): any text of
	// the column's type may be looked for.
	findBy valueUse = iota
	// writeData values are written: a column's values are checked.
	writeData
	// writeRequired values are written, and null is refused for a
	// required column (db.edit).
	writeRequired
)

// evalValues evaluates m and encodes each value for its column, as use
// says.
func evalValues(s *engine.State, cols []*tables.Column, m []engine.KeyExpr, d value.Dialect, dst []any, use valueUse) ([]any, error) {
	encode := tables.Encode
	if use != findBy {
		encode = tables.EncodeWrite
	}
	for i, ke := range m {
		v, err := s.Eval(ke.Expr)
		if err != nil {
			return nil, err
		}
		if v == nil && use == writeRequired && cols[i].Required {
			return nil, &engine.Error{Code: engine.CodeInvalidInput, Path: ke.Expr.Path, Message: fmt.Sprintf("%s is required; %s gave null", cols[i].Label(), quote(ke.Expr.Source))}
		}
		a, err := encode(cols[i], v, d)
		if err != nil {
			return nil, tables.ValueError(ke.Expr.Path, err)
		}
		dst = append(dst, a)
	}
	return dst, nil
}

// evalID evaluates an id expression for t's id column.
func evalID(s *engine.State, t *tables.Table, e *engine.Expr, d value.Dialect) (raw, arg any, err error) {
	v, err := s.Eval(e)
	if err != nil {
		return nil, nil, err
	}
	if v == nil {
		return nil, nil, &engine.Error{Code: engine.CodeInvalidInput, Path: e.Path, Message: fmt.Sprintf("the id of %s is null (%s)", t.Name, quote(e.Source))}
	}
	a, err := tables.Encode(t.ID, v, d)
	if err != nil {
		return nil, nil, tables.ValueError(e.Path, err)
	}
	return v, a, nil
}

// stepRaw returns the raw JSON of field in the step being compiled, found
// by the step's path in its definition (nil when absent).
func stepRaw(c *engine.StepCompiler, field string) json.RawMessage {
	var doc any
	if err := json.Unmarshal(c.Definition().Raw, &doc); err != nil {
		return nil
	}
	path := c.Path(field)
	cur := doc
	for path != "" {
		var key string
		if i := strings.IndexAny(path, ".["); i < 0 {
			key, path = path, ""
		} else if i == 0 && path[0] == '[' {
			j := strings.IndexByte(path, ']')
			if j < 0 {
				return nil
			}
			n, err := strconv.Atoi(path[1:j])
			list, ok := cur.([]any)
			if err != nil || !ok || n < 0 || n >= len(list) {
				return nil
			}
			cur, path = list[n], strings.TrimPrefix(path[j+1:], ".")
			continue
		} else {
			key, path = path[:i], strings.TrimPrefix(path[i:], ".")
		}
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		if cur, ok = m[key]; !ok {
			return nil
		}
	}
	b, _ := json.Marshal(cur)
	return b
}

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }
