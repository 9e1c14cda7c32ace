package steps

import (
	"github.com/funcstack/funcstack/engine"
)

func init() {
	engine.Register(&engine.StepType{
		Name:     "db.get",
		Category: "database",
		Description: "Read one record by id (an expression giving the id), or by columns (the first match by id), or null when there is none. " +
			"Inside db.transaction on PostgreSQL the row is locked (SELECT … FOR UPDATE) until the transaction ends, so that a read-then-write never loses an update.",
		Fields: []engine.FieldSpec{
			{Name: "table", Kind: engine.FieldTable, Required: true, Description: "the table to read"},
			{Name: "id", Kind: engine.FieldExpr, Description: "the record's id (give id or by)"},
			{Name: "by", Kind: engine.FieldExprMap, Description: "columns and the values they must equal, e.g. {\"email\": \"input.email\"} (give id or by)"},
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
	c.DeclareTyped(as, recordType(t, tableCols(t)))
	if c.Has("id") == c.Has("by") {
		c.Errorf("", "id_or_by", "give either id or by (columns to match), not both and not neither")
	}
	if t == nil {
		return nil
	}
	var byCols []*dbColumn
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
			byNames = append(byNames, col.name)
		}
	}
	oneRow := t.determines(byNames)
	// [dialect][in a transaction]
	var stmts [2][2]string
	for _, tx := range []int{0, 1} {
		q := buildBoth(func(b *sqlBuilder) {
			b.w("SELECT " + selectList(t.cols) + " FROM " + t.q + " WHERE ")
			if id != nil {
				b.w(t.id.q + " = ")
				b.ph()
			} else {
				b.eqAll(byCols)
				if !oneRow {
					b.w(" ORDER BY " + t.id.q) // the first match
				}
			}
			b.w(" LIMIT 1")
			if tx == 1 && b.d == dPostgres {
				b.w(" FOR UPDATE")
			}
		})
		stmts[dSQLite][tx], stmts[dPostgres][tx] = q[dSQLite], q[dPostgres]
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
			if args, err = evalValues(s, byCols, by, conn.d, args, false); err != nil {
				return nil, err
			}
		}
		tx := 0
		if s.InTx() {
			tx = 1
		}
		rows, err := conn.q.QueryContext(s.Context(), stmts[conn.d][tx], args...)
		if err != nil {
			return nil, dbError(t, err)
		}
		rec, err := scanOne(rows, t.cols)
		if err != nil {
			return nil, dbError(t, err)
		}
		var out any
		if rec != nil {
			out = rec
		}
		if as != "" {
			s.Set(as, out)
		}
		return out, nil
	}
}
