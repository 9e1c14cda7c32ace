package steps

import (
	"fmt"
	"sort"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/tables"
	"github.com/funcstack/funcstack/engine/value"
)

func init() {
	engine.Register(&engine.StepType{
		Name:     "db.edit",
		Title:    "Edit record",
		Summary:  "db.edit {table}[ id = {id}] set {data}[ → {as}]",
		Category: "database",
		Description: "Set the given columns of the record whose id is the expression id (null clears a column) and give back the record. " +
			"data is {column: expression}, or one expression giving an object (e.g. input.record) whose keys, checked against the table's columns when the step runs, are the columns to set. A missing record is a not_found error (404).",
		Fields: []engine.FieldSpec{
			{Name: "table", Kind: engine.FieldTable, Required: true, Description: "the table holding the record"},
			{Name: "id", Kind: engine.FieldExpr, Description: "the id of the record to replace (required)"},
			{Name: "data", Kind: engine.FieldExprMap, Required: true, Dynamic: true, Description: "the columns to set: {column: expression}, or an expression giving such an object"},
			{Name: "as", Kind: engine.FieldName, Description: "the variable receiving the updated record"},
		},
		Example: []byte(`{"type": "db.edit", "table": "users", "id": "input.n", "data": {"age": "input.qty"}, "as": "user"}`),
		Compile: triggered(actUpdate, func(c *engine.StepCompiler) engine.RunFunc { return compileUpdate(c, false) }),
	})
}

// compileUpdate compiles db.edit and db.patch. data may also be one
// expression giving an object: only its keys are set, checked against the
// table's columns when the step runs.
func compileUpdate(c *engine.StepCompiler, patch bool) engine.RunFunc {
	t := compileTable(c)
	id := recordID(c)
	data, dynamic := dataField(c, "data")
	as := c.NewName("as")
	declareRecord(c, as, t, visibleCols(t), recordType(t, visibleCols(t)))
	if t == nil {
		return nil
	}
	cols, ok := dataColumns(c, t, "data", data, true)
	if !ok || id == nil {
		return nil
	}
	if dynamic == nil && c.Has("data") && len(data) == 0 {
		c.Errorf("data", "bad_value", "data is empty; name the columns to change")
	}
	// The record comes back with RETURNING when someone will see it (the
	// variable as, or a trace); else a plain UPDATE is enough. On SQLite
	// too, UPDATE … RETURNING is cheaper than an UPDATE and a SELECT by id
	// (docs/benchmarks.md §12).
	static := tables.BuildBoth(func(b *tables.Builder) { tables.WriteUpdate(b, t, cols, true) })
	plain := tables.BuildBoth(func(b *tables.Builder) { tables.WriteUpdate(b, t, cols, false) })
	selectByID := tables.BuildBoth(func(b *tables.Builder) {
		b.W("SELECT " + tables.SelectList(t.Visible) + " FROM " + t.Q + " WHERE " + t.ID.Q + " = ")
		b.Ph()
	})
	return func(s *engine.State) (any, error) {
		conn, err := connect(s)
		if err != nil {
			return nil, err
		}
		rawID, idArg, err := evalID(s, t, id, conn.d)
		if err != nil {
			return nil, err
		}
		returning := as != "" || s.Tracing()
		query := static[conn.d]
		if !returning {
			query = plain[conn.d]
		}
		var args []any
		sentCols := cols // the columns args starts with, for errors
		if dynamic != nil {
			query, sentCols, args, err = dynamicUpdate(s, t, dynamic, conn.d, returning)
			if err != nil {
				return nil, err
			}
			if query == "" { // nothing to change: read the record
				query, args, returning = selectByID[conn.d], nil, true
			}
		} else {
			args = make([]any, 0, len(cols)+2)
			if args, err = evalValues(s, cols, data, conn.d, args, writeRequired); err != nil {
				return nil, err
			}
			args = append(args, tables.Now(conn.d))
		}
		args = append(args, idArg)
		if !returning {
			res, err := conn.q.ExecContext(s.Context(), query, args...)
			if err != nil {
				return nil, tables.WriteError(s.Context(), conn.q, conn.d, t, sentCols, args[:len(sentCols)], err)
			}
			if n, err := res.RowsAffected(); err == nil && n == 0 {
				return nil, tables.NotFound(t, rawID)
			}
			return nil, nil
		}
		rows, err := conn.q.QueryContext(s.Context(), query, args...)
		if err != nil {
			return nil, tables.WriteError(s.Context(), conn.q, conn.d, t, sentCols, args[:len(sentCols)], err)
		}
		rec, err := tables.ScanOne(rows, t.Visible)
		if err != nil {
			return nil, tables.WriteError(s.Context(), conn.q, conn.d, t, sentCols, args[:len(sentCols)], err)
		}
		if rec == nil {
			return nil, tables.NotFound(t, rawID)
		}
		if as != "" {
			s.Set(as, rec)
		}
		return rec, nil
	}
}

// dynamicUpdate evaluates a patch's data expression and writes the update
// of its keys ("" when it has none).
func dynamicUpdate(s *engine.State, t *tables.Table, e *engine.Expr, d value.Dialect, returning bool) (string, []*tables.Column, []any, error) {
	v, err := s.Eval(e)
	if err != nil {
		return "", nil, nil, err
	}
	obj, ok := v.(map[string]any)
	if !ok && v != nil {
		return "", nil, nil, &engine.Error{Code: engine.CodeInvalidInput, Path: e.Path, Message: fmt.Sprintf("%s gave %s; data must be an object of columns to change", quote(e.Source), value.Describe(v))}
	}
	cols, args, err := objectValues(t, obj, d, e.Path, "")
	if err != nil || len(cols) == 0 {
		return "", nil, nil, err
	}
	args = append(args, tables.Now(d))
	b := &tables.Builder{D: d}
	tables.WriteUpdate(b, t, cols, returning)
	return b.String(), cols, args, nil
}

// objectValues checks an object's keys against t's writable columns and
// encodes its values, keys sorted. where names the object in errors.
func objectValues(t *tables.Table, obj map[string]any, d value.Dialect, path, where string) ([]*tables.Column, []any, error) {
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	cols := make([]*tables.Column, 0, len(keys))
	args := make([]any, 0, len(keys)+2)
	for _, k := range keys {
		col, err := t.Writable(k)
		if err != nil {
			return nil, nil, prefixErr(path, where, err)
		}
		v := obj[k]
		if v == nil && col.Required {
			return nil, nil, prefixErr(path, where, &tables.CodecError{Msg: col.Label() + " is required and cannot be set to null"})
		}
		a, err := tables.EncodeWrite(col, v, d)
		if err != nil {
			return nil, nil, prefixErr(path, where, err)
		}
		cols = append(cols, col)
		args = append(args, a)
	}
	return cols, args, nil
}

func prefixErr(path, where string, err error) error {
	if ce, ok := err.(*tables.CodecError); ok && where != "" {
		err = &tables.CodecError{Msg: where + ": " + ce.Msg}
	}
	return tables.ValueError(path, err)
}

func isJSONString(raw []byte) bool {
	for _, ch := range raw {
		switch ch {
		case ' ', '\t', '\n', '\r':
			continue
		case '"':
			return true
		}
		return false
	}
	return false
}
