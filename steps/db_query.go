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
		Name:     "db.query",
		Title:    "Query records",
		Summary:  "db.query {table}[ where {where}][ sort {sort}][ limit {limit}][ offset {offset}][ {count}] → {as}",
		Category: "database",
		Description: "List records of a table. where is an expression over <table>.<column> and stack variables; it becomes parameterised SQL. Records come sorted by id unless sort says otherwise. " +
			"They hold every column but the hidden ones (e.g. a password hash), or the columns fields lists, hidden ones included; where and sort read hidden columns too.",
		Fields: []engine.FieldSpec{
			{Name: "table", Kind: engine.FieldTable, Required: true, Description: "the table to read"},
			{Name: "where", Kind: engine.FieldExpr, Expects: engine.ExpectBool, Columns: true, Description: "which records, e.g. users.age >= input.min && users.email endsWith '@example.com'"},
			{Name: "sort", Kind: engine.FieldStringList, Dynamic: true, Description: "column names to sort by, -name for descending (then by id); or an expression giving them (a list, or one name), checked against the table's columns when the step runs"},
			{Name: "limit", Kind: engine.FieldExpr, Expects: engine.ExpectInt, Description: "at most this many records"},
			{Name: "offset", Kind: engine.FieldExpr, Expects: engine.ExpectInt, Description: "skip this many records first"},
			fieldsField,
			includeField,
			{Name: "count", Kind: engine.FieldBool, Description: "give {items, total}, total counting every matching record regardless of limit and offset"},
			{Name: "as", Kind: engine.FieldName, Required: true, Description: "the variable receiving the list"},
		},
		Example: []byte(`{"type": "db.query", "table": "users", "where": "users.age >= input.n", "sort": ["-created_at"], "limit": "10", "as": "users"}`),
		Compile: compileQuery,
	})
}

func compileQuery(c *engine.StepCompiler) engine.RunFunc {
	t := compileTable(c)
	where := compileWhereField(c, t, "where")
	var sortSpec []string
	var sortExpr *engine.Expr
	if isJSONString(stepRaw(c, "sort")) {
		sortExpr = c.Expr("sort")
	} else {
		sortSpec = c.StringList("sort")
	}
	limit := c.Expr("limit")
	offset := c.Expr("offset")
	count := c.Bool("count")
	as := c.NewName("as")
	if t == nil {
		c.Declare(as)
		return nil
	}
	cols, listed := compileFields(c, t)
	inc, cols := compileInclude(c, t, cols, listed)
	var out types.Type = types.Array(withIncluded(recordType(t, cols), inc))
	if count {
		out = types.Map{"items": out, "total": types.Int}
	}
	declareRecord(c, as, t, cols, out)
	order, ok := orderBy(c, t, sortSpec)
	if !ok {
		return nil
	}
	prefix := "SELECT " + tables.SelectList(cols) + " FROM " + t.Q
	countPrefix := "SELECT COUNT(*) FROM " + t.Q
	return func(s *engine.State) (any, error) {
		conn, err := connect(s)
		if err != nil {
			return nil, err
		}
		b := &tables.Builder{D: conn.d}
		b.W(prefix)
		if where != nil {
			b.W(" WHERE ")
			if err := where.Write(b, s); err != nil {
				return nil, err
			}
		}
		whereEnd, whereArgs := b.Len(), len(b.Args)
		if sortExpr != nil {
			o, err := evalSort(s, t, sortExpr, conn.d)
			if err != nil {
				return nil, err
			}
			b.W(o)
		} else {
			b.W(order[conn.d])
		}
		// At most max_items records are read: a query without a limit
		// (or with a larger one) asks for one more, to tell the user,
		// instead of reading a whole table into memory.
		maxItems := s.Limits().MaxItems
		capped := true
		n := -1
		if limit != nil {
			var err error
			if n, err = evalCount(s, limit, true); err != nil {
				return nil, err
			}
			capped = n < 0 || n > maxItems
		}
		if capped {
			n = maxItems + 1
		}
		b.W(" LIMIT ")
		b.Arg(int64(n))
		if offset != nil {
			n, err := evalCount(s, offset, false)
			if err != nil {
				return nil, err
			}
			b.W(" OFFSET ")
			b.Arg(int64(n))
		}
		query := b.String()
		rows, err := conn.q.QueryContext(s.Context(), query, b.Args...)
		if err != nil {
			return nil, tables.DBError(t, err)
		}
		items, err := tables.ScanRecords(rows, cols)
		if err != nil {
			return nil, tables.DBError(t, err)
		}
		if capped && len(items) > maxItems {
			return nil, &engine.Error{Code: engine.CodeLimit, Message: fmt.Sprintf(
				"db.query of %s matched more than %d records (limit max_items); give it a limit and page with offset, or narrow its where",
				t.Name, maxItems)}
		}
		if inc != nil && len(items) > 0 {
			recs := make([]map[string]any, len(items))
			for i, it := range items {
				recs[i] = it.(map[string]any)
			}
			if err := inc.Load(s.Context(), conn.q, conn.d, recs); err != nil {
				return nil, err
			}
		}
		var out any = items
		if count {
			var total int64
			cq := countPrefix + query[len(prefix):whereEnd]
			if err := conn.q.QueryRowContext(s.Context(), cq, b.Args[:whereArgs]...).Scan(&total); err != nil {
				return nil, tables.DBError(t, err)
			}
			out = map[string]any{"items": items, "total": int(total)}
		}
		if as != "" {
			s.Set(as, out)
		}
		return out, nil
	}
}

// evalCount evaluates a limit or offset: a whole number ≥ 0. A null limit
// means no limit (-1).
func evalCount(s *engine.State, e *engine.Expr, nullable bool) (int, error) {
	v, err := s.Eval(e)
	if err != nil {
		return 0, err
	}
	if v == nil {
		if nullable {
			return -1, nil
		}
		return 0, nil
	}
	n, err := asInt(e, v)
	if err != nil {
		return 0, err
	}
	if n < 0 {
		return 0, &engine.Error{Code: engine.CodeInvalidInput, Path: e.Path, Message: fmt.Sprintf("%s gave %d; it cannot be negative", quote(e.Source), n)}
	}
	return n, nil
}

// sortKey is one column of an ORDER BY.
type sortKey struct {
	col  *tables.Column
	desc bool
}

// parseSort reads "name", "-name" or "+name".
func parseSort(t *tables.Table, s string) (sortKey, string, error) {
	name, desc := strings.CutPrefix(s, "-")
	name = strings.TrimPrefix(name, "+")
	col := t.ByName[name]
	if col == nil {
		return sortKey{}, name, fmt.Errorf("%s", t.UnknownColumn(name))
	}
	return sortKey{col, desc}, name, nil
}

// orderBy compiles a sort list to an ORDER BY clause per value.Dialect. Rows are
// always finally ordered by id, so that pages are stable. Nulls sort last
// ascending and first descending (PostgreSQL's rule) on both databases.
func orderBy(c *engine.StepCompiler, t *tables.Table, spec []string) (tables.PerDialect, bool) {
	var keys []sortKey
	ok := true
	seen := map[string]bool{}
	for i, s := range spec {
		k, name, err := parseSort(t, s)
		if err != nil {
			c.Errorf(fmt.Sprintf("sort[%d]", i), "unknown_column", "%s", err)
			ok = false
			continue
		}
		if seen[name] {
			c.Errorf(fmt.Sprintf("sort[%d]", i), "duplicate", "column %s is sorted by twice", name)
			ok = false
			continue
		}
		seen[name] = true
		keys = append(keys, k)
	}
	return tables.BuildBoth(func(b *tables.Builder) { writeOrder(b, t, keys) }), ok
}

// writeOrder writes ORDER BY keys, then id.
func writeOrder(b *tables.Builder, t *tables.Table, keys []sortKey) {
	byID := false
	for _, k := range keys {
		byID = byID || k.col == t.ID
	}
	if !byID {
		keys = append(keys, sortKey{t.ID, false})
	}
	b.W(" ORDER BY ")
	for i, k := range keys {
		if i > 0 {
			b.W(", ")
		}
		b.W(k.col.Q)
		if k.desc {
			b.W(" DESC")
		}
		if b.D == value.SQLite && !k.col.System && !k.col.Required {
			if k.desc {
				b.W(" NULLS FIRST")
			} else {
				b.W(" NULLS LAST")
			}
		}
	}
}

// evalSort evaluates a sort expression (a list of names, one name, or
// null for none) and writes its ORDER BY.
func evalSort(s *engine.State, t *tables.Table, e *engine.Expr, d value.Dialect) (string, error) {
	v, err := s.Eval(e)
	if err != nil {
		return "", err
	}
	var names []string
	switch x := v.(type) {
	case nil:
	case string:
		names = []string{x}
	case []string:
		names = x
	case []any:
		for i, it := range x {
			n, ok := it.(string)
			if !ok {
				return "", &engine.Error{Code: engine.CodeInvalidInput, Path: e.Path, Message: fmt.Sprintf("%s gave %s at [%d]; sort takes column names such as \"-created_at\"", quote(e.Source), value.Describe(it), i)}
			}
			names = append(names, n)
		}
	default:
		return "", &engine.Error{Code: engine.CodeInvalidInput, Path: e.Path, Message: fmt.Sprintf("%s gave %s; sort takes a list of column names such as [\"-created_at\"]", quote(e.Source), value.Describe(v))}
	}
	var keys []sortKey
	seen := map[string]bool{}
	for _, n := range names {
		k, name, err := parseSort(t, n)
		if err != nil {
			return "", &engine.Error{Code: engine.CodeInvalidInput, Path: e.Path, Message: fmt.Sprintf("sort %q: %v", n, err)}
		}
		if seen[name] {
			return "", &engine.Error{Code: engine.CodeInvalidInput, Path: e.Path, Message: fmt.Sprintf("sort %q: column %s is sorted by twice", n, name)}
		}
		seen[name] = true
		keys = append(keys, k)
	}
	b := &tables.Builder{D: d}
	writeOrder(b, t, keys)
	return b.String(), nil
}
