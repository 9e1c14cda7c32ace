package steps

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

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
			"INSERT … ON CONFLICT statement; without one it reads then writes, and concurrent upserts of the same new key may add it twice. " +
			"data is {column: expression}, or one expression giving an object (e.g. input.record) checked against the table's columns when the step runs; " +
			"it may hold a by column too (the whole record) when its value is the same as by's. " +
			"A null for a column with a default gives the column its default when the record is added and leaves it as it is when the record is edited, " +
			"so that an optional input the client did not send changes nothing.",
		Fields: []engine.FieldSpec{
			{Name: "table", Kind: engine.FieldTable, Required: true, Description: "the table"},
			{Name: "by", Kind: engine.FieldExprMap, Required: true, Description: "the columns identifying the record and their values, e.g. {\"email\": \"input.email\"}"},
			{Name: "data", Kind: engine.FieldExprMap, Dynamic: true, Description: "the columns to set: {column: expression}, or an expression giving such an object"},
			{Name: "as", Kind: engine.FieldName, Description: "the variable receiving the record"},
		},
		Example: []byte(`{"type": "db.upsert", "table": "users", "by": {"email": "'ada@example.com'"}, "data": {"age": "input.n"}, "as": "user"}`),
		Compile: triggeredUpsert(compileUpsert),
	})
}

// upsertStmts are the statements of an upsert setting dataCols.
type upsertStmts struct {
	upsert, update, insert tables.PerDialect
	find                   [2]tables.PerDialect // [in a transaction]
	all                    []*tables.Column     // the insert's columns
}

func buildUpsert(t *tables.Table, byCols, dataCols []*tables.Column) *upsertStmts {
	st := &upsertStmts{all: t.InsertColumns(append(append([]*tables.Column(nil), byCols...), dataCols...))}
	st.upsert = tables.BuildBoth(func(b *tables.Builder) {
		tables.WriteInsert(b, t, st.all, 1)
		b.W(" ON CONFLICT (" + tables.SelectList(byCols) + ") DO UPDATE SET ")
		for _, col := range dataCols {
			b.W(col.Q + " = excluded." + col.Q + ", ")
		}
		b.W(t.Updated.Q + " = excluded." + t.Updated.Q)
		b.W(" RETURNING " + tables.SelectList(t.Visible))
	})
	// Without a unique constraint: find, then update or insert.
	for tx := range 2 {
		st.find[tx] = tables.BuildBoth(func(b *tables.Builder) {
			b.W("SELECT " + t.ID.Q + " FROM " + t.Q + " WHERE ")
			b.EqAll(byCols)
			b.W(" ORDER BY " + t.ID.Q + " LIMIT 1")
			if tx == 1 && b.D == value.Postgres {
				b.W(" FOR UPDATE")
			}
		})
	}
	st.update = tables.BuildBoth(func(b *tables.Builder) { tables.WriteUpdate(b, t, dataCols, true) })
	st.insert = insertReturning(t, st.all)
	return st
}

func compileUpsert(c *engine.StepCompiler) engine.RunFunc {
	t := compileTable(c)
	by := c.ExprMap("by")
	data, dynamic := dataField(c, "data")
	as := c.NewName("as")
	declareRecord(c, as, t, visibleCols(t), recordType(t, visibleCols(t)))
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
	byIndex := map[string]int{}
	var byNames []string
	for i, ke := range by {
		given[ke.Key] = true
		byIndex[ke.Key] = i
		byNames = append(byNames, ke.Key)
	}
	// A by column may also be in data (a Xano user sends the whole
	// record): the values must then be equal, checked on each run.
	overlap := false
	for _, ke := range data {
		if given[ke.Key] {
			overlap = true
		}
		given[ke.Key] = true
	}
	if dynamic == nil {
		checkRequired(c, t, "data", given)
	}
	atomic := len(byNames) > 0 && t.HasUnique(byNames)
	if !atomic && len(byNames) > 0 {
		c.Warnf("by", "upsert_not_atomic", "table %s has no unique constraint on (%s): the upsert reads then writes, and two at once may both add the record; mark the column unique or add a unique index", t.Name, strings.Join(byNames, ", "))
	}
	var static *upsertStmts
	if dynamic == nil && !overlap {
		static = buildUpsert(t, byCols, dataCols)
	}
	return func(s *engine.State) (any, error) {
		conn, err := connect(s)
		if err != nil {
			return nil, err
		}
		byArgs := make([]any, 0, len(by))
		if byArgs, err = evalValues(s, byCols, by, conn.d, byArgs, writeData); err != nil {
			return nil, err
		}
		for i, a := range byArgs {
			if a == nil {
				return nil, &engine.Error{Code: engine.CodeInvalidInput, Path: by[i].Expr.Path,
					Message: fmt.Sprintf("%s gave null; upsert needs a value for every by column to find the record", quote(by[i].Expr.Source))}
			}
		}
		cols := dataCols
		rebuild := false // cols is not dataCols: static does not fit
		var dataArgs []any
		var paths []string // where each data value came from, for errors
		if dynamic != nil {
			obj, err := evalObject(s, dynamic)
			if err != nil {
				return nil, err
			}
			obj = withoutDefaultedNulls(t, obj)
			if cols, dataArgs, err = objectValues(t, obj, conn.d, dynamic.Path, ""); err != nil {
				return nil, err
			}
			have := map[string]bool{}
			for _, n := range byNames {
				have[n] = true
			}
			for _, col := range cols {
				have[col.Name] = true
				paths = append(paths, dynamic.Path+"."+col.Name)
			}
			if err := missingRequired(t, dynamic, have); err != nil {
				return nil, err
			}
		} else {
			dataArgs = make([]any, 0, len(data))
			if dataArgs, err = evalValues(s, dataCols, data, conn.d, dataArgs, writeData); err != nil {
				return nil, err
			}
			for _, ke := range data {
				paths = append(paths, ke.Expr.Path)
			}
			// A null for a column with a default, as db.add takes it:
			// the insert gives the column its default, and an update
			// leaves it as it is. A null for a required one is an error.
			if slices.Contains(dataArgs, nil) {
				var keepCols []*tables.Column
				var keepArgs []any
				var keepPaths []string
				for i, col := range dataCols {
					if dataArgs[i] == nil {
						if col.HasDefault {
							continue
						}
						if col.Required {
							return nil, requiredNull(col, data[i].Expr)
						}
					}
					keepCols, keepArgs, keepPaths = append(keepCols, col), append(keepArgs, dataArgs[i]), append(keepPaths, paths[i])
				}
				if len(keepCols) < len(dataCols) {
					cols, dataArgs, paths, rebuild = keepCols, keepArgs, keepPaths, true
				}
			}
		}
		st := static
		if st == nil || rebuild {
			// Drop the by columns from data once their values agree.
			var keepCols []*tables.Column
			var keepArgs []any
			for i, col := range cols {
				j, isBy := byIndex[col.Name]
				if !isBy {
					keepCols = append(keepCols, col)
					keepArgs = append(keepArgs, dataArgs[i])
					continue
				}
				if !sameArg(dataArgs[i], byArgs[j]) {
					return nil, &engine.Error{Code: engine.CodeInvalidInput, Path: paths[i], Message: fmt.Sprintf(
						"data gives %s %s but by gives %s; a matched record keeps its by values: leave %s out of data or give it the same value",
						col.Name, argText(dataArgs[i]), argText(byArgs[j]), col.Name)}
				}
			}
			cols, dataArgs = keepCols, keepArgs
			st = buildUpsert(t, byCols, cols)
		}
		ts := tables.Now(conn.d)
		insertArgs := make([]any, 0, len(st.all))
		if t.UUIDID {
			insertArgs = append(insertArgs, newID())
		}
		insertArgs = append(append(append(insertArgs, byArgs...), dataArgs...), ts, ts)
		var rec map[string]any
		if atomic {
			rows, err := conn.q.QueryContext(s.Context(), st.upsert[conn.d], insertArgs...)
			if err != nil {
				return nil, tables.WriteError(s.Context(), conn.q, conn.d, t, st.all, insertArgs, err)
			}
			if rec, err = tables.ScanOne(rows, t.Visible); err != nil {
				return nil, tables.WriteError(s.Context(), conn.q, conn.d, t, st.all, insertArgs, err)
			}
		} else {
			tx := 0
			if s.InTx() {
				tx = 1
			}
			var id any
			err := conn.q.QueryRowContext(s.Context(), st.find[tx][conn.d], byArgs...).Scan(&id)
			var query string
			var args []any
			switch {
			case err == nil:
				query, args = st.update[conn.d], append(append(dataArgs, ts), id)
			case isNoRows(err):
				query, args = st.insert[conn.d], insertArgs
			default:
				return nil, tables.DBError(t, err)
			}
			rows, err := conn.q.QueryContext(s.Context(), query, args...)
			if err != nil {
				return nil, tables.WriteError(s.Context(), conn.q, conn.d, t, st.all, insertArgs, err)
			}
			if rec, err = tables.ScanOne(rows, t.Visible); err != nil {
				return nil, tables.WriteError(s.Context(), conn.q, conn.d, t, st.all, insertArgs, err)
			}
		}
		if as != "" {
			s.Set(as, rec)
		}
		return rec, nil
	}
}

// argText shows an encoded value in a message.
func argText(a any) string {
	switch x := a.(type) {
	case string:
		return strconv.Quote(x)
	case time.Time:
		return value.FormatTime(x)
	}
	return fmt.Sprint(a)
}

// withoutDefaultedNulls is obj without the nulls of columns that have a
// default (a copy when there are some): they take their default, as in
// db.add, or stay as they are in an update.
func withoutDefaultedNulls(t *tables.Table, obj map[string]any) map[string]any {
	var out map[string]any
	for k, v := range obj {
		if col := t.ByName[k]; v == nil && col != nil && col.HasDefault && !col.System {
			if out == nil {
				out = maps.Clone(obj)
			}
			delete(out, k)
		}
	}
	if out == nil {
		return obj
	}
	return out
}
