package steps

import (
	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/tables"
	"github.com/funcstack/funcstack/engine/value"
)

func init() {
	engine.Register(&engine.StepType{
		Name:     "db.get",
		Title:    "Get record",
		Summary:  "db.get {table}[ id = {id}][ by {by}] → {as}",
		Category: "database",
		Description: "Read one record by id (an expression giving the id), or by columns (the first match by id), or null when there is none. " +
			"The record holds every column but the hidden ones (e.g. a password hash), or the columns fields lists, hidden ones included. " +
			"Inside db.transaction on PostgreSQL the row is locked (SELECT … FOR UPDATE) until the transaction ends, so that a read-then-write never loses an update.",
		Fields: []engine.FieldSpec{
			{Name: "table", Kind: engine.FieldTable, Required: true, Description: "the table to read"},
			{Name: "id", Kind: engine.FieldExpr, Description: "the record's id (give id or by)"},
			{Name: "by", Kind: engine.FieldExprMap, Description: "columns and the values they must equal, e.g. {\"email\": \"input.email\"} (give id or by)"},
			fieldsField,
			includeField,
			{Name: "as", Kind: engine.FieldName, Required: true, Description: "the variable receiving the record or null"},
		},
		Example: []byte(`{"type": "db.get", "table": "users", "id": "input.n", "as": "user"}`),
		Compile: compileGet,
	})
}

func compileGet(c *engine.StepCompiler) engine.RunFunc {
	t := compileTable(c)
	id := c.Expr("id")
	by := c.ExprMap("by")
	as := c.NewName("as")
	cols, listed := compileFields(c, t)
	inc, cols := compileInclude(c, t, cols, listed)
	declareRecord(c, as, t, cols, withIncluded(recordType(t, cols), inc))
	if c.Has("id") == c.Has("by") {
		c.Errorf("", "id_or_by", "give either id or by (columns to match), not both and not neither")
	}
	if t == nil {
		return nil
	}
	var byCols []*tables.Column
	if c.Has("by") {
		if len(by) == 0 {
			c.Errorf("by", "bad_value", "by is empty; name at least one column, e.g. {\"email\": \"input.email\"}")
		}
		var ok bool
		if byCols, ok = dataColumns(c, t, "by", by, false); !ok {
			return nil
		}
	}
	if id == nil && byCols == nil {
		return nil
	}
	// By columns that include a unique constraint's match one row at
	// most: no ORDER BY, which would cost PostgreSQL a sort of it (a
	// tenth of a by-SKU lookup's time on the example shop's product).
	var byNames []string
	for _, col := range byCols {
		if col != nil {
			byNames = append(byNames, col.Name)
		}
	}
	oneRow := t.Determines(byNames)
	// [value.Dialect][in a transaction]
	var stmts [2][2]string
	for _, tx := range []int{0, 1} {
		q := tables.BuildBoth(func(b *tables.Builder) {
			b.W("SELECT " + tables.SelectList(cols) + " FROM " + t.Q + " WHERE ")
			if id != nil {
				b.W(t.ID.Q + " = ")
				b.Ph()
			} else {
				b.EqAll(byCols)
				if !oneRow {
					b.W(" ORDER BY " + t.ID.Q) // the first match
				}
			}
			b.W(" LIMIT 1")
			if tx == 1 && b.D == value.Postgres {
				b.W(" FOR UPDATE")
			}
		})
		stmts[value.SQLite][tx], stmts[value.Postgres][tx] = q[value.SQLite], q[value.Postgres]
	}
	return func(s *engine.State) (any, error) {
		conn, err := connect(s)
		if err != nil {
			return nil, err
		}
		var args []any
		if id != nil {
			_, a, err := evalID(s, t, id, conn.d)
			if err != nil {
				return nil, err
			}
			args = []any{a}
		} else {
			args = make([]any, 0, len(by))
			if args, err = evalValues(s, byCols, by, conn.d, args, findBy); err != nil {
				return nil, err
			}
		}
		tx := 0
		if s.InTx() {
			tx = 1
		}
		rows, err := conn.q.QueryContext(s.Context(), stmts[conn.d][tx], args...)
		if err != nil {
			return nil, tables.DBError(t, err)
		}
		rec, err := tables.ScanOne(rows, cols)
		if err != nil {
			return nil, tables.DBError(t, err)
		}
		var out any
		if rec != nil {
			if inc != nil {
				if err := inc.Load(s.Context(), conn.q, conn.d, []map[string]any{rec}); err != nil {
					return nil, err
				}
			}
			out = rec
		}
		if as != "" {
			s.Set(as, out)
		}
		return out, nil
	}
}
