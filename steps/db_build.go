package steps

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"weak"

	"github.com/expr-lang/expr/types"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/value"
)

// This file holds what the db.* steps share: the table and column model
// read from table definitions, the SQL builder, row scanning and error
// mapping.
//
// Every table and column name in SQL comes from a table definition (names
// match [a-z][a-z0-9_]*) and is double-quoted; every value is a bound
// parameter. Statements are written with ? placeholders and numbered $1,
// $2, … on PostgreSQL as they are built.

// dialect is the SQL dialect of the database a statement runs on.
type dialect = value.Dialect

const (
	dSQLite   = value.SQLite
	dPostgres = value.Postgres
)

// dbColumn is one column of a user table.
type dbColumn struct {
	table    string
	name     string
	q        string // the quoted name
	typ      string // the type's name (text, int, …)
	vt       value.Type
	required bool
	hasDef   bool
	// system columns (id, created_at, updated_at) are kept by the engine.
	system bool
}

func (c *dbColumn) label() string { return c.table + "." + c.name }

// dbTable is a user table as its definition describes it.
type dbTable struct {
	name    string
	q       string
	uuidID  bool
	cols    []*dbColumn // id, the defined columns, created_at, updated_at
	byName  map[string]*dbColumn
	names   []string
	id      *dbColumn
	created *dbColumn
	updated *dbColumn
	// uniques are the column sets with a unique constraint.
	uniques [][]string
}

// tableCache holds the model of each table definition while the
// definition lives (the model refers to no definition): every compile,
// reload or check of a draft parses definitions anew, and a cache keyed
// by the pointer alone kept every one a long-running server ever saw.
var tableCache sync.Map // weak.Pointer[engine.Definition] → *dbTable

// tableOf returns the model of a table definition. Definitions are
// immutable once compiled, so the model is kept per definition.
func tableOf(d *engine.Definition) *dbTable {
	key := weak.Make(d)
	if t, ok := tableCache.Load(key); ok {
		return t.(*dbTable)
	}
	t := &dbTable{name: d.Name, q: quoteIdent(d.Name), uuidID: d.IDType == "uuid", byName: map[string]*dbColumn{}}
	add := func(name, typ string, required, hasDef, system bool) *dbColumn {
		vt := value.Usable(typ)
		if vt == nil || vt.Column(value.SQLite) == "" {
			vt = value.JSON // the table check reports the type; read and write as JSON meanwhile
		}
		c := &dbColumn{table: d.Name, name: name, q: quoteIdent(name), typ: typ, vt: vt, required: required, hasDef: hasDef, system: system}
		t.cols = append(t.cols, c)
		t.byName[name] = c
		t.names = append(t.names, name)
		return c
	}
	idType := "int"
	if t.uuidID {
		idType = "uuid"
	}
	t.id = add("id", idType, true, true, true)
	t.uniques = append(t.uniques, []string{"id"})
	for _, f := range d.Fields {
		if f.Name == "" || t.byName[f.Name] != nil {
			continue
		}
		add(f.Name, f.Type, f.Required, len(f.Default) > 0 && string(f.Default) != "null", false)
		if f.Unique {
			t.uniques = append(t.uniques, []string{f.Name})
		}
	}
	t.created = add("created_at", "timestamp", true, true, true)
	t.updated = add("updated_at", "timestamp", true, true, true)
	for _, ix := range d.Indexes {
		if ix.Unique {
			t.uniques = append(t.uniques, ix.Fields)
		}
	}
	v, loaded := tableCache.LoadOrStore(key, t)
	if !loaded {
		runtime.AddCleanup(d, func(k weak.Pointer[engine.Definition]) { tableCache.Delete(k) }, key)
	}
	return v.(*dbTable)
}

// recordType is the expression type of a record of t with cols, or nil
// for no table: a strict map, so that a misspelt column is a compile
// error, with the types of the engine's columns, which are never null
// (id; created_at and updated_at, RFC 3339 text). The other columns may
// hold null and stay untyped (see engine.DeclareTyped).
func recordType(t *dbTable, cols []*dbColumn) types.Type {
	if t == nil {
		return nil
	}
	m := types.Map{}
	for _, c := range cols {
		var typ types.Type = types.Any
		if c.system { // never null
			typ = types.String
			if c.typ == "int" {
				typ = types.Int
			}
		}
		m[c.name] = typ
	}
	return m
}

// tableCols returns the columns of t (nil for no table).
func tableCols(t *dbTable) []*dbColumn {
	if t == nil {
		return nil
	}
	return t.cols
}

// compileTable reads the step's table field.
func compileTable(c *engine.StepCompiler) *dbTable {
	d := c.Table("table")
	if d == nil {
		return nil
	}
	return tableOf(d)
}

// column returns the named column, reporting an unknown one at path (a
// field path relative to the step) with a did-you-mean.
func (t *dbTable) column(c *engine.StepCompiler, path, name string) *dbColumn {
	if col := t.byName[name]; col != nil {
		return col
	}
	c.Errorf(path, "unknown_column", "%s", t.unknownColumn(name))
	return nil
}

func (t *dbTable) unknownColumn(name string) string {
	msg := fmt.Sprintf("table %s has no column %q", t.name, name)
	if s := engine.Closest(name, t.names); s != "" {
		return msg + fmt.Sprintf(" (did you mean %q?)", s)
	}
	return msg + "; its columns are " + strings.Join(t.names, ", ")
}

// writable returns the named column when a step may set it, reporting
// unknown and engine-kept columns at path.
func (t *dbTable) writable(c *engine.StepCompiler, path, name string) *dbColumn {
	col := t.column(c, path, name)
	if col != nil && col.system {
		c.Errorf(path, "readonly_column", "%s.%s is kept by the engine and cannot be set", t.name, name)
		return nil
	}
	return col
}

// writableAt is writable for values known only at run time.
func (t *dbTable) writableAt(name string) (*dbColumn, error) {
	col := t.byName[name]
	if col == nil {
		return nil, &codecError{t.unknownColumn(name)}
	}
	if col.system {
		return nil, &codecError{fmt.Sprintf("%s.%s is kept by the engine and cannot be set", t.name, name)}
	}
	return col, nil
}

// hasUnique reports whether cols (in any order) carry a unique constraint.
func (t *dbTable) hasUnique(cols []string) bool {
	want := append([]string(nil), cols...)
	sort.Strings(want)
	for _, u := range t.uniques {
		got := append([]string(nil), u...)
		sort.Strings(got)
		if strings.Join(got, ",") == strings.Join(want, ",") {
			return true
		}
	}
	return false
}

// determines reports whether equality on cols matches at most one row:
// they include every column of a unique constraint.
func (t *dbTable) determines(cols []string) bool {
	for _, u := range t.uniques {
		if !slices.ContainsFunc(u, func(c string) bool { return !slices.Contains(cols, c) }) {
			return true
		}
	}
	return false
}

// checkRequired reports, at field, the required columns without a default
// that an insert setting given would leave empty.
func (t *dbTable) checkRequired(c *engine.StepCompiler, field string, given map[string]bool) {
	for _, col := range t.cols {
		if col.required && !col.system && !col.hasDef && !given[col.name] {
			c.Errorf(field, "missing_column", "%s is required and has no default; give it a value in %s", col.label(), field)
		}
	}
}

// selectList is the quoted column list of cols.
func selectList(cols []*dbColumn) string {
	var b strings.Builder
	for i, c := range cols {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(c.q)
	}
	return b.String()
}

// quoteIdent double-quotes a name taken from a definition.
func quoteIdent(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }

// sqlBuilder writes one statement and collects its arguments.
type sqlBuilder struct {
	d    dialect
	sb   strings.Builder
	n    int
	args []any
}

func (b *sqlBuilder) w(s string) { b.sb.WriteString(s) }

// ph writes the next placeholder.
func (b *sqlBuilder) ph() {
	b.n++
	if b.d == dPostgres {
		b.sb.WriteByte('$')
		b.sb.WriteString(strconv.Itoa(b.n))
		return
	}
	b.sb.WriteByte('?')
}

// arg writes a placeholder bound to v.
func (b *sqlBuilder) arg(v any) {
	b.ph()
	b.args = append(b.args, v)
}

// eqAll writes "a = ? AND b = ?" for cols (a lookup by columns).
func (b *sqlBuilder) eqAll(cols []*dbColumn) {
	for i, col := range cols {
		if i > 0 {
			b.w(" AND ")
		}
		if col != nil {
			b.w(col.q + " = ")
		}
		b.ph()
	}
}

func (b *sqlBuilder) String() string { return b.sb.String() }

// perDialect is a statement written once for each dialect at compile time.
type perDialect [2]string

func buildBoth(f func(b *sqlBuilder)) perDialect {
	var out perDialect
	for _, d := range []dialect{dSQLite, dPostgres} {
		b := &sqlBuilder{d: d}
		f(b)
		out[d] = b.String()
	}
	return out
}

// dbConn is what a db step runs against.
type dbConn struct {
	q engine.Querier
	d dialect
}

// connect returns the run's querier (its transaction, inside
// db.transaction) and dialect, or the error for a missing database.
func connect(s *engine.State) (dbConn, error) {
	db := s.Database()
	if db == nil {
		return dbConn{}, noDatabase()
	}
	return dbConn{q: s.Querier(), d: value.DialectOf(db.Dialect())}, nil
}

// CodeNoDatabase is the code of a db step run without a database.
const CodeNoDatabase = "no_database"

// CodeConflict is the code of a write that breaks a unique constraint.
const CodeConflict = "conflict"

// CodeBusy is the code of a write that met a locked database too long.
const CodeBusy = "database_busy"

func noDatabase() *engine.Error {
	return &engine.Error{Code: CodeNoDatabase, Status: 500, Message: "no database configured; run with --data or --database-url"}
}

// valueError is an *engine.Error for a value that does not fit, at field.
func valueError(path string, err error) error {
	var ce *codecError
	if errors.As(err, &ce) {
		return &engine.Error{Code: engine.CodeInvalidInput, Path: path, Message: ce.msg, Cause: err}
	}
	return err
}

// dbError turns a driver error into an *engine.Error that says what went
// wrong on which table; context errors pass through so that the engine
// reports the timeout or cancellation.
func dbError(t *dbTable, err error) error {
	if err == nil {
		return nil
	}
	var ee *engine.Error
	if errors.As(err, &ee) {
		return err
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return err
	}
	var ce *codecError
	if errors.As(err, &ce) {
		return &engine.Error{Code: engine.CodeInvalidInput, Message: ce.msg, Cause: err}
	}
	where := "database error"
	if t != nil {
		where = "database error on table " + t.name
	}
	msg := err.Error()
	low := strings.ToLower(msg)
	switch {
	case strings.Contains(low, "unique constraint") || strings.Contains(low, "duplicate key") || strings.Contains(msg, "23505"):
		return &engine.Error{Code: CodeConflict, Status: 409, Message: fmt.Sprintf("%s: a record with the same unique value already exists (%s)", where, msg), Cause: err}
	case strings.Contains(low, "not null constraint") || strings.Contains(low, "null value in column") || strings.Contains(msg, "23502"):
		return &engine.Error{Code: engine.CodeInvalidInput, Message: fmt.Sprintf("%s: a required column has no value (%s)", where, msg), Cause: err}
	case isBusy(err):
		return &engine.Error{Code: CodeBusy, Status: 503, Message: where + ": the database stayed busy with other writes; try again", Cause: err}
	}
	return &engine.Error{Code: engine.CodeInternal, Message: fmt.Sprintf("%s: %s", where, msg), Cause: err}
}

// isBusy reports whether err is SQLite's "database is locked" family.
func isBusy(err error) bool {
	for e := err; e != nil; e = errors.Unwrap(e) {
		msg := e.Error()
		if strings.Contains(msg, "SQLITE_BUSY") || strings.Contains(msg, "SQLITE_LOCKED") ||
			strings.Contains(msg, "database is locked") || strings.Contains(msg, "database table is locked") {
			return true
		}
	}
	return false
}

// isRetryable reports whether a transaction that failed with err may be
// run again: SQLite busy, or a PostgreSQL serialization failure or
// deadlock.
func isRetryable(err error) bool {
	if isBusy(err) {
		return true
	}
	for e := err; e != nil; e = errors.Unwrap(e) {
		msg := e.Error()
		if strings.Contains(msg, "SQLSTATE 40001") || strings.Contains(msg, "SQLSTATE 40P01") {
			return true
		}
	}
	return false
}

// scanRecords reads every row as an object keyed by column.
func scanRecords(rows *sql.Rows, cols []*dbColumn) ([]any, error) {
	defer rows.Close()
	out := []any{}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		rec, err := record(cols, vals)
		if err != nil {
			return nil, err
		}
		out = append(out, rec)
	}
	return out, rows.Err()
}

// scanOne reads the first row, or nil when there is none.
func scanOne(rows *sql.Rows, cols []*dbColumn) (map[string]any, error) {
	defer rows.Close()
	if !rows.Next() {
		return nil, rows.Err()
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := rows.Scan(ptrs...); err != nil {
		return nil, err
	}
	rec, err := record(cols, vals)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
	}
	return rec, rows.Err()
}

func record(cols []*dbColumn, vals []any) (map[string]any, error) {
	rec := make(map[string]any, len(cols))
	for i, c := range cols {
		v, err := decode(c, vals[i])
		if err != nil {
			return nil, err
		}
		rec[c.name] = v
	}
	return rec, nil
}

// notFound is the error of a write to a record that does not exist.
func notFound(t *dbTable, id any) *engine.Error {
	return &engine.Error{Code: engine.CodeNotFound, Status: 404, Message: fmt.Sprintf("%s %v not found", t.name, idText(id))}
}

func idText(id any) string {
	if s, ok := id.(string); ok {
		return strconv.Quote(s)
	}
	b, err := json.Marshal(id)
	if err != nil {
		return fmt.Sprint(id)
	}
	return string(b)
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
func dataColumns(c *engine.StepCompiler, t *dbTable, field string, m []engine.KeyExpr, writable bool) (cols []*dbColumn, ok bool) {
	ok = true
	cols = make([]*dbColumn, 0, len(m))
	for _, ke := range m {
		var col *dbColumn
		if writable {
			col = t.writable(c, field+"."+ke.Key, ke.Key)
		} else {
			col = t.column(c, field+"."+ke.Key, ke.Key)
		}
		if col == nil {
			ok = false
		}
		cols = append(cols, col)
	}
	return cols, ok
}

// evalValues evaluates m and encodes each value for its column.
// With checkRequired, a null for a required column is an error.
func evalValues(s *engine.State, cols []*dbColumn, m []engine.KeyExpr, d dialect, dst []any, checkRequired bool) ([]any, error) {
	for i, ke := range m {
		v, err := s.Eval(ke.Expr)
		if err != nil {
			return nil, err
		}
		if v == nil && checkRequired && cols[i].required {
			return nil, &engine.Error{Code: engine.CodeInvalidInput, Path: ke.Expr.Path, Message: fmt.Sprintf("%s is required; %s gave null", cols[i].label(), quote(ke.Expr.Source))}
		}
		a, err := encode(cols[i], v, d)
		if err != nil {
			return nil, valueError(ke.Expr.Path, err)
		}
		dst = append(dst, a)
	}
	return dst, nil
}

// evalID evaluates an id expression for t's id column.
func evalID(s *engine.State, t *dbTable, e *engine.Expr, d dialect) (raw, arg any, err error) {
	v, err := s.Eval(e)
	if err != nil {
		return nil, nil, err
	}
	if v == nil {
		return nil, nil, &engine.Error{Code: engine.CodeInvalidInput, Path: e.Path, Message: fmt.Sprintf("the id of %s is null (%s)", t.name, quote(e.Source))}
	}
	a, err := encode(t.id, v, d)
	if err != nil {
		return nil, nil, valueError(e.Path, err)
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
