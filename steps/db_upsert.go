package steps

import (
	"fmt"
	"strings"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/tables"
	"github.com/funcstack/funcstack/engine/value"
)

func init() {
	engine.Register(&engine.StepType{
		Name:     "db.upsert",
		Title:    "Add or update record",
		Summary:  "db.upsert {table} by {by}[ set {data}][ → {as}]",
		Category: "database",
		Description: "Add a record, or edit the one whose by columns match, and give it back. With a unique constraint on the by columns it is one atomic " +
			"INSERT … ON CONFLICT statement; without one it reads then writes, and concurrent upserts of the same new key may add it twice.",
		Fields: []engine.FieldSpec{
			{Name: "table", Kind: engine.FieldTable, Required: true, Description: "the table"},
			{Name: "by", Kind: engine.FieldExprMap, Required: true, Description: "the columns identifying the record and their values, e.g. {\"email\": \"input.email\"}"},
			{Name: "data", Kind: engine.FieldExprMap, Description: "the other columns to set, each an expression"},
			{Name: "as", Kind: engine.FieldName, Description: "the variable receiving the record"},
		},
		Example: []byte(`{"type": "db.upsert", "table": "users", "by": {"email": "'ada@example.com'"}, "data": {"age": "input.n"}, "as": "user"}`),
		Compile: triggeredUpsert(compileUpsert),
	})
}

func compileUpsert(c *engine.StepCompiler) engine.RunFunc {
	t := compileTable(c)
	by := c.ExprMap("by")
	data := c.ExprMap("data")
	as := c.NewName("as")
	c.DeclareTyped(as, recordType(t, tableCols(t)))
	if t == nil {
		return nil
	}
	if c.Has("by") && len(by) == 0 {
		c.Errorf("by", "bad_value", "by is empty; name the columns identifying the record")
	}
	byCols, ok1 := dataColumns(c, t, "by", by, true)
	dataCols, ok2 := dataColumns(c, t, "data", data, true)
	if !ok1 || !ok2 {
		return nil
	}
	given := map[string]bool{}
	var byNames []string
	for _, ke := range by {
		given[ke.Key] = true
		byNames = append(byNames, ke.Key)
	}
	for _, ke := range data {
		if given[ke.Key] {
			c.Errorf("data."+ke.Key, "duplicate", "column %s is already in by; a matched record keeps its by values", ke.Key)
		}
		given[ke.Key] = true
	}
	checkRequired(c, t, "data", given)
	atomic := len(byNames) > 0 && t.HasUnique(byNames)
	if !atomic && len(byNames) > 0 {
		c.Warnf("by", "upsert_not_atomic", "table %s has no unique constraint on (%s): the upsert reads then writes, and two at once may both add the record; mark the column unique or add a unique index", t.Name, strings.Join(byNames, ", "))
	}
	all := t.InsertColumns(append(append([]*tables.Column(nil), byCols...), dataCols...))
	upsert := tables.BuildBoth(func(b *tables.Builder) {
		tables.WriteInsert(b, t, all, 1)
		b.W(" ON CONFLICT (" + tables.SelectList(byCols) + ") DO UPDATE SET ")
		for _, col := range dataCols {
			b.W(col.Q + " = excluded." + col.Q + ", ")
		}
		b.W(t.Updated.Q + " = excluded." + t.Updated.Q)
		b.W(" RETURNING " + tables.SelectList(t.Cols))
	})
	// Without a unique constraint: find, then update or insert.
	find := [2]tables.PerDialect{}
	for tx := range 2 {
		q := tables.BuildBoth(func(b *tables.Builder) {
			b.W("SELECT " + t.ID.Q + " FROM " + t.Q + " WHERE ")
			b.EqAll(byCols)
			b.W(" ORDER BY " + t.ID.Q + " LIMIT 1")
			if tx == 1 && b.D == value.Postgres {
				b.W(" FOR UPDATE")
			}
		})
		find[tx] = q
	}
	update := tables.BuildBoth(func(b *tables.Builder) { tables.WriteUpdate(b, t, dataCols, true) })
	insert := insertReturning(t, all)
	return func(s *engine.State) (any, error) {
		conn, err := connect(s)
		if err != nil {
			return nil, err
		}
		byArgs := make([]any, 0, len(by))
		if byArgs, err = evalValues(s, byCols, by, conn.d, byArgs, false); err != nil {
			return nil, err
		}
		for i, a := range byArgs {
			if a == nil {
				return nil, &engine.Error{Code: engine.CodeInvalidInput, Path: by[i].Expr.Path,
					Message: fmt.Sprintf("%s gave null; upsert needs a value for every by column to find the record", quote(by[i].Expr.Source))}
			}
		}
		dataArgs := make([]any, 0, len(data))
		if dataArgs, err = evalValues(s, dataCols, data, conn.d, dataArgs, true); err != nil {
			return nil, err
		}
		ts := tables.Now(conn.d)
		insertArgs := make([]any, 0, len(all))
		if t.UUIDID {
			insertArgs = append(insertArgs, newID())
		}
		insertArgs = append(append(append(insertArgs, byArgs...), dataArgs...), ts, ts)
		var rec map[string]any
		if atomic {
			rows, err := conn.q.QueryContext(s.Context(), upsert[conn.d], insertArgs...)
			if err != nil {
				return nil, tables.DBError(t, err)
			}
			if rec, err = tables.ScanOne(rows, t.Cols); err != nil {
				return nil, tables.DBError(t, err)
			}
		} else {
			tx := 0
			if s.InTx() {
				tx = 1
			}
			var id any
			err := conn.q.QueryRowContext(s.Context(), find[tx][conn.d], byArgs...).Scan(&id)
			var query string
			var args []any
			switch {
			case err == nil:
				query, args = update[conn.d], append(append(dataArgs, ts), id)
			case isNoRows(err):
				query, args = insert[conn.d], insertArgs
			default:
				return nil, tables.DBError(t, err)
			}
			rows, err := conn.q.QueryContext(s.Context(), query, args...)
			if err != nil {
				return nil, tables.DBError(t, err)
			}
			if rec, err = tables.ScanOne(rows, t.Cols); err != nil {
				return nil, tables.DBError(t, err)
			}
		}
		if as != "" {
			s.Set(as, rec)
		}
		return rec, nil
	}
}
