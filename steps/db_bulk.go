package steps

import (
	"fmt"
	"strings"

	"github.com/expr-lang/expr/types"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/tables"
	"github.com/funcstack/funcstack/engine/value"
)

func init() {
	engine.Register(&engine.StepType{
		Name:     "db.bulk",
		Title:    "Bulk records",
		Summary:  "db.bulk {op} {table} {items}[ → {as}]",
		Category: "database",
		Description: "Add, patch or delete many records at once and give the number touched. add: items are objects of columns, inserted with multi-row INSERTs; " +
			"patch: items are objects with id and the columns to change; delete: items are ids (or objects with id). " +
			"It is all or nothing: more than one statement runs in a transaction (the enclosing db.transaction, if any).",
		Fields: []engine.FieldSpec{
			{Name: "table", Kind: engine.FieldTable, Required: true, Description: "the table"},
			{Name: "op", Kind: engine.FieldEnum, Required: true, Values: []string{"add", "patch", "delete"}, Description: "what to do with each item"},
			{Name: "items", Kind: engine.FieldExpr, Expects: engine.ExpectList, Required: true, Description: "the list of items"},
			{Name: "as", Kind: engine.FieldName, Description: "the variable receiving the number of records touched"},
		},
		Example: []byte(`{"type": "db.bulk", "table": "users", "op": "add", "items": "input.items", "as": "added"}`),
		Compile: compileBulk,
	})
}

// maxParams bounds the parameters of one statement (SQLite allows 32766,
// PostgreSQL 65535).
const maxParams = 30000

func compileBulk(c *engine.StepCompiler) engine.RunFunc {
	t := compileTable(c)
	op := c.Enum("op")
	items := c.Expr("items")
	as := c.NewName("as")
	c.DeclareTyped(as, types.Int)
	if t == nil || items == nil {
		return nil
	}
	trig := bulkTriggers(c, t, op)
	var required []*tables.Column
	for _, col := range t.Cols {
		if col.Required && !col.System && !col.HasDefault {
			required = append(required, col)
		}
	}
	return func(s *engine.State) (any, error) {
		conn, err := connect(s)
		if err != nil {
			return nil, err
		}
		v, err := s.Eval(items)
		if err != nil {
			return nil, err
		}
		list, err := asList(items, v)
		if err != nil {
			return nil, err
		}
		var stmts []stmtArgs
		switch op {
		case "add":
			stmts, err = bulkAdd(t, list, required, conn.d, items.Path)
		case "patch":
			stmts, err = bulkPatch(t, list, conn.d, items.Path)
		case "delete":
			stmts, err = bulkDelete(t, list, conn.d, items.Path)
		}
		if err != nil {
			return nil, err
		}
		n := 0
		run := func(q engine.Querier) error {
			n = 0 // a busy transaction runs again
			for _, st := range stmts {
				if trig != nil {
					k, err := trig.run(s, q, conn.d, st)
					n += k
					if err != nil {
						return err
					}
					continue
				}
				res, err := q.ExecContext(s.Context(), st.sql, st.args...)
				if err != nil {
					return st.writeError(s, q, conn.d, t, err)
				}
				k, _ := res.RowsAffected()
				n += int(k)
			}
			return nil
		}
		if (len(stmts) <= 1 && trig == nil) || s.InTx() {
			err = run(conn.q)
		} else {
			err = inNewTx(s, func() error { return run(s.Querier()) })
		}
		if err != nil {
			return nil, err
		}
		if as != "" {
			s.Set(as, n)
		}
		return n, nil
	}
}

type stmtArgs struct {
	sql  string
	args []any
	// cols are the columns of args[:sent], whole rows of them, for
	// naming a ref that points nowhere (tables.WriteError).
	cols []*tables.Column
	sent int
}

// writeError is tables.WriteError for st.
func (st stmtArgs) writeError(s *engine.State, q engine.Querier, d value.Dialect, t *tables.Table, err error) error {
	return tables.WriteError(s.Context(), q, d, t, st.cols, st.args[:st.sent], err)
}

func itemObject(v any, path string, i int) (map[string]any, error) {
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, &engine.Error{Code: engine.CodeInvalidInput, Path: path, Message: fmt.Sprintf("items[%d] is %s; expected an object of columns", i, value.Describe(v))}
	}
	return obj, nil
}

func bulkAdd(t *tables.Table, list []any, required []*tables.Column, d value.Dialect, path string) ([]stmtArgs, error) {
	var out []stmtArgs
	var cols []*tables.Column
	var sig string
	var rows [][]any
	flush := func() {
		if len(rows) == 0 {
			return
		}
		all := t.InsertColumns(cols)
		per := max(1, maxParams/len(all))
		for start := 0; start < len(rows); start += per {
			chunk := rows[start:min(start+per, len(rows))]
			b := &tables.Builder{D: d}
			tables.WriteInsert(b, t, all, len(chunk))
			args := make([]any, 0, len(chunk)*len(all))
			for _, r := range chunk {
				args = append(args, r...)
			}
			out = append(out, stmtArgs{sql: b.String(), args: args, cols: all, sent: len(args)})
		}
		rows = nil
	}
	ts := tables.Now(d)
	for i, it := range list {
		obj, err := itemObject(it, path, i)
		if err != nil {
			return nil, err
		}
		where := fmt.Sprintf("items[%d]", i)
		// Nulls for columns with a default take the default: leave them out.
		for k, v := range obj {
			if col := t.ByName[k]; v == nil && col != nil && col.HasDefault {
				obj = withoutNulls(t, obj)
				break
			}
		}
		icols, args, err := objectValues(t, obj, d, path, where)
		if err != nil {
			return nil, err
		}
		for _, col := range required {
			if _, ok := obj[col.Name]; !ok {
				return nil, &engine.Error{Code: engine.CodeInvalidInput, Path: path, Message: fmt.Sprintf("%s: %s is required and has no default", where, col.Label())}
			}
		}
		var sb strings.Builder
		for _, col := range icols {
			sb.WriteString(col.Name)
			sb.WriteByte(',')
		}
		if sb.String() != sig || rows == nil {
			flush()
			cols, sig = icols, sb.String()
		}
		row := make([]any, 0, len(args)+3)
		if t.UUIDID {
			row = append(row, newID())
		}
		rows = append(rows, append(append(row, args...), ts, ts))
	}
	flush()
	return out, nil
}

func withoutNulls(t *tables.Table, obj map[string]any) map[string]any {
	out := make(map[string]any, len(obj))
	for k, v := range obj {
		if col := t.ByName[k]; v == nil && col != nil && col.HasDefault {
			continue
		}
		out[k] = v
	}
	return out
}

func bulkPatch(t *tables.Table, list []any, d value.Dialect, path string) ([]stmtArgs, error) {
	var out []stmtArgs
	cache := map[string]string{}
	ts := tables.Now(d)
	for i, it := range list {
		obj, err := itemObject(it, path, i)
		if err != nil {
			return nil, err
		}
		where := fmt.Sprintf("items[%d]", i)
		idv, ok := obj["id"]
		if !ok || idv == nil {
			return nil, &engine.Error{Code: engine.CodeInvalidInput, Path: path, Message: where + ": has no id; patch items are objects with id and the columns to change"}
		}
		idArg, err := tables.Encode(t.ID, idv, d)
		if err != nil {
			return nil, prefixErr(path, where, err)
		}
		rest := make(map[string]any, len(obj)-1)
		for k, v := range obj {
			if k != "id" {
				rest[k] = v
			}
		}
		cols, args, err := objectValues(t, rest, d, path, where)
		if err != nil {
			return nil, err
		}
		var sig strings.Builder
		for _, col := range cols {
			sig.WriteString(col.Name)
			sig.WriteByte(',')
		}
		q, ok := cache[sig.String()]
		if !ok {
			b := &tables.Builder{D: d}
			tables.WriteUpdate(b, t, cols, false)
			q = b.String()
			cache[sig.String()] = q
		}
		out = append(out, stmtArgs{sql: q, args: append(append(args, ts), idArg), cols: cols, sent: len(cols)})
	}
	return out, nil
}

func bulkDelete(t *tables.Table, list []any, d value.Dialect, path string) ([]stmtArgs, error) {
	ids := make([]any, 0, len(list))
	for i, it := range list {
		if obj, ok := it.(map[string]any); ok {
			it = obj["id"]
		}
		if it == nil {
			return nil, &engine.Error{Code: engine.CodeInvalidInput, Path: path, Message: fmt.Sprintf("items[%d] has no id; delete items are ids or objects with id", i)}
		}
		a, err := tables.Encode(t.ID, it, d)
		if err != nil {
			return nil, prefixErr(path, fmt.Sprintf("items[%d]", i), err)
		}
		ids = append(ids, a)
	}
	var out []stmtArgs
	for start := 0; start < len(ids); start += maxParams {
		chunk := ids[start:min(start+maxParams, len(ids))]
		b := &tables.Builder{D: d}
		b.W("DELETE FROM " + t.Q + " WHERE " + t.ID.Q + " IN (")
		for i := range chunk {
			if i > 0 {
				b.W(", ")
			}
			b.Ph()
		}
		b.W(")")
		out = append(out, stmtArgs{sql: b.String(), args: chunk})
	}
	return out, nil
}
