package steps

import (
	"time"

	"github.com/google/uuid"

	"github.com/funcstack/funcstack/engine"
)

func init() {
	engine.Register(&engine.StepType{
		Name:     "db.add",
		Category: "database",
		Description: "Insert a record and give it back as stored (with id, created_at and updated_at). " +
			"A column left out, or given null while it has a default, takes its default.",
		Fields: []engine.FieldSpec{
			{Name: "table", Kind: engine.FieldTable, Required: true, Description: "the table to insert into"},
			{Name: "data", Kind: engine.FieldExprMap, Required: true, Description: "the record's columns, each an expression"},
			{Name: "as", Kind: engine.FieldName, Description: "the variable receiving the new record"},
		},
		Example: []byte(`{"type": "db.add", "table": "users", "data": {"email": "'ada@example.com'", "age": "input.n"}, "as": "user"}`),
		Compile: triggered(actInsert, compileAdd),
	})
}

// insertColumns are the columns an insert of data sets: the id when the
// engine makes it (uuid tables), data's, created_at and updated_at.
func insertColumns(t *dbTable, data []*dbColumn) []*dbColumn {
	var cols []*dbColumn
	if t.uuidID {
		cols = append(cols, t.id)
	}
	cols = append(cols, data...)
	return append(cols, t.created, t.updated)
}

// writeInsert writes INSERT INTO t (cols) VALUES (?, …), … for rows rows,
// without arguments.
func writeInsert(b *sqlBuilder, t *dbTable, cols []*dbColumn, rows int) {
	b.w("INSERT INTO " + t.q + " (" + selectList(cols) + ") VALUES ")
	for r := 0; r < rows; r++ {
		if r > 0 {
			b.w(", ")
		}
		b.w("(")
		for i := range cols {
			if i > 0 {
				b.w(", ")
			}
			b.ph()
		}
		b.w(")")
	}
}

// now is the time of a write, as kept in created_at and updated_at.
func now(d dialect) any { return timeArg(time.Now(), d) }

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
	data := c.ExprMap("data")
	as := c.NewName("as")
	c.DeclareTyped(as, recordType(t, tableCols(t)))
	if t == nil {
		return nil
	}
	cols, ok := dataColumns(c, t, "data", data, true)
	if !ok {
		return nil
	}
	given := map[string]bool{}
	for _, ke := range data {
		given[ke.Key] = true
	}
	t.checkRequired(c, "data", given)
	all := insertColumns(t, cols)
	static := insertReturning(t, all)
	return func(s *engine.State) (any, error) {
		conn, err := connect(s)
		if err != nil {
			return nil, err
		}
		args := make([]any, 0, len(all))
		if t.uuidID {
			args = append(args, newID())
		}
		if args, err = evalValues(s, cols, data, conn.d, args, false); err != nil {
			return nil, err
		}
		ts := now(conn.d)
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
			if col.hasDef {
				skip = append(skip, i)
			} else if col.required {
				return nil, requiredNull(col, data[i].Expr)
			}
		}
		if len(skip) > 0 {
			query, args = dropColumns(t, all, args, cols, skip, conn.d)
		}
		rows, err := conn.q.QueryContext(s.Context(), query, args...)
		if err != nil {
			return nil, dbError(t, err)
		}
		rec, err := scanOne(rows, t.cols)
		if err != nil {
			return nil, dbError(t, err)
		}
		if as != "" {
			s.Set(as, rec)
		}
		return rec, nil
	}
}

func requiredNull(col *dbColumn, e *engine.Expr) error {
	return &engine.Error{Code: engine.CodeInvalidInput, Path: e.Path, Message: col.label() + " is required; " + quote(e.Source) + " gave null"}
}

// dropColumns rebuilds a single-row insert without the data columns at
// skip (indexes into data).
func dropColumns(t *dbTable, all []*dbColumn, args []any, data []*dbColumn, skip []int, d dialect) (string, []any) {
	off := len(all) - len(data) - 2 // data columns start here
	drop := map[int]bool{}
	for _, i := range skip {
		drop[off+i] = true
	}
	var cols []*dbColumn
	var kept []any
	for i, c := range all {
		if !drop[i] {
			cols = append(cols, c)
			kept = append(kept, args[i])
		}
	}
	b := &sqlBuilder{d: d}
	writeInsert(b, t, cols, 1)
	b.w(" RETURNING " + selectList(t.cols))
	return b.String(), kept
}

// insertReturning is the one-row INSERT of cols into t giving back the
// whole record, for both dialects.
func insertReturning(t *dbTable, cols []*dbColumn) perDialect {
	return buildBoth(func(b *sqlBuilder) {
		writeInsert(b, t, cols, 1)
		b.w(" RETURNING " + selectList(t.cols))
	})
}
