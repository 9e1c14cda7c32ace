package steps

import (
	"github.com/google/uuid"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/tables"
	"github.com/funcstack/funcstack/engine/value"
)

func init() {
	engine.Register(&engine.StepType{
		Name:     "db.add",
		Title:    "Add record",
		Summary:  "db.add {table} {data}[ → {as}]",
		Category: "database",
		Description: "Insert a record and give it back as stored (with id, created_at and updated_at). " +
			"data is {column: expression}, or one expression giving an object (e.g. input.record) whose keys are checked against the table's columns when the step runs. " +
			"A column left out, or given null while it has a default, takes its default.",
		Fields: []engine.FieldSpec{
			{Name: "table", Kind: engine.FieldTable, Required: true, Description: "the table to insert into"},
			{Name: "data", Kind: engine.FieldExprMap, Required: true, Dynamic: true, Description: "the record's columns: {column: expression}, or an expression giving such an object"},
			{Name: "as", Kind: engine.FieldName, Description: "the variable receiving the new record"},
		},
		Example: []byte(`{"type": "db.add", "table": "users", "data": {"email": "'ada@example.com'", "age": "input.n"}, "as": "user"}`),
		Compile: triggered(actInsert, compileAdd),
	})
}

// newID returns the id of a new record of a uuid table.
func newID() string {
	u, err := uuid.NewV7()
	if err != nil {
		u = uuid.New()
	}
	return u.String()
}

func compileAdd(c *engine.StepCompiler) engine.RunFunc {
	t := compileTable(c)
	data, dynamic := dataField(c, "data")
	as := c.NewName("as")
	declareRecord(c, as, t, visibleCols(t), recordType(t, visibleCols(t)))
	if t == nil {
		return nil
	}
	if dynamic != nil {
		return func(s *engine.State) (any, error) { return addObject(s, t, dynamic, as) }
	}
	cols, ok := dataColumns(c, t, "data", data, true)
	if !ok {
		return nil
	}
	given := map[string]bool{}
	for _, ke := range data {
		given[ke.Key] = true
	}
	checkRequired(c, t, "data", given)
	all := t.InsertColumns(cols)
	static := insertReturning(t, all)
	return func(s *engine.State) (any, error) {
		conn, err := connect(s)
		if err != nil {
			return nil, err
		}
		args := make([]any, 0, len(all))
		if t.UUIDID {
			args = append(args, newID())
		}
		if args, err = evalValues(s, cols, data, conn.d, args, writeData); err != nil {
			return nil, err
		}
		ts := tables.Now(conn.d)
		args = append(args, ts, ts)
		query := static[conn.d]
		// A null for a column with a default takes the default: leave
		// the column out. A null for a required one is an error.
		var skip []int
		for i, col := range cols {
			v := args[i+len(all)-len(cols)-2]
			if v != nil {
				continue
			}
			if col.HasDefault {
				skip = append(skip, i)
			} else if col.Required {
				return nil, requiredNull(col, data[i].Expr)
			}
		}
		sent := args // aligned with all, for errors
		if len(skip) > 0 {
			query, args = dropColumns(t, all, args, cols, skip, conn.d)
		}
		return insertOne(s, conn, t, query, args, as, all, sent)
	}
}

// addObject inserts the object a data expression gives.
func addObject(s *engine.State, t *tables.Table, e *engine.Expr, as string) (any, error) {
	conn, err := connect(s)
	if err != nil {
		return nil, err
	}
	obj, err := evalObject(s, e)
	if err != nil {
		return nil, err
	}
	// A null for a column with a default takes the default.
	kept := make(map[string]any, len(obj))
	given := map[string]bool{}
	for k, v := range obj {
		if col := t.ByName[k]; v == nil && col != nil && col.HasDefault && !col.System {
			continue
		}
		kept[k] = v
		given[k] = true
	}
	cols, vals, err := objectValues(t, kept, conn.d, e.Path, "")
	if err != nil {
		return nil, err
	}
	if err := missingRequired(t, e, given); err != nil {
		return nil, err
	}
	all := t.InsertColumns(cols)
	args := make([]any, 0, len(all))
	if t.UUIDID {
		args = append(args, newID())
	}
	ts := tables.Now(conn.d)
	args = append(append(args, vals...), ts, ts)
	b := &tables.Builder{D: conn.d}
	tables.WriteInsert(b, t, all, 1)
	b.W(" RETURNING " + tables.SelectList(t.Visible))
	return insertOne(s, conn, t, b.String(), args, as, all, args)
}

// insertOne runs an INSERT … RETURNING of one record and gives the record,
// also as variable as when it is named. sent holds the values of cols,
// for naming a ref that points nowhere (tables.WriteError).
func insertOne(s *engine.State, conn dbConn, t *tables.Table, query string, args []any, as string, cols []*tables.Column, sent []any) (any, error) {
	rows, err := conn.q.QueryContext(s.Context(), query, args...)
	if err != nil {
		return nil, tables.WriteError(s.Context(), conn.q, conn.d, t, cols, sent, err)
	}
	rec, err := tables.ScanOne(rows, t.Visible)
	if err != nil {
		return nil, tables.WriteError(s.Context(), conn.q, conn.d, t, cols, sent, err)
	}
	if as != "" {
		s.Set(as, rec)
	}
	return rec, nil
}

func requiredNull(col *tables.Column, e *engine.Expr) error {
	return &engine.Error{Code: engine.CodeInvalidInput, Path: e.Path, Message: col.Label() + " is required; " + quote(e.Source) + " gave null"}
}

// dropColumns rebuilds a single-row insert without the data columns at
// skip (indexes into data).
func dropColumns(t *tables.Table, all []*tables.Column, args []any, data []*tables.Column, skip []int, d value.Dialect) (string, []any) {
	off := len(all) - len(data) - 2 // data columns start here
	drop := map[int]bool{}
	for _, i := range skip {
		drop[off+i] = true
	}
	var cols []*tables.Column
	var kept []any
	for i, c := range all {
		if !drop[i] {
			cols = append(cols, c)
			kept = append(kept, args[i])
		}
	}
	b := &tables.Builder{D: d}
	tables.WriteInsert(b, t, cols, 1)
	b.W(" RETURNING " + tables.SelectList(t.Visible))
	return b.String(), kept
}

// insertReturning is the one-row INSERT of cols into t giving back the
// whole record, for both dialects.
func insertReturning(t *tables.Table, cols []*tables.Column) tables.PerDialect {
	return tables.BuildBoth(func(b *tables.Builder) {
		tables.WriteInsert(b, t, cols, 1)
		b.W(" RETURNING " + tables.SelectList(t.Visible))
	})
}
