package steps

import (
	"fmt"
	"strings"

	"github.com/expr-lang/expr/types"

	"github.com/funcstack/funcstack/engine"
)

func init() {
	engine.Register(&engine.StepType{
		Name:        "db.query",
		Category:    "database",
		Description: "List records of a table. where is an expression over <table>.<column> and stack variables; it becomes parameterised SQL. Records come sorted by id unless sort says otherwise.",
		Fields: []engine.FieldSpec{
			{Name: "table", Kind: engine.FieldTable, Required: true, Description: "the table to read"},
			{Name: "where", Kind: engine.FieldExpr, Description: "which records, e.g. users.age >= input.min && users.email endsWith '@example.com'"},
			{Name: "sort", Kind: engine.FieldStringList, Description: "column names to sort by, -name for descending (then by id)"},
			{Name: "limit", Kind: engine.FieldExpr, Description: "at most this many records"},
			{Name: "offset", Kind: engine.FieldExpr, Description: "skip this many records first"},
			{Name: "fields", Kind: engine.FieldStringList, Description: "only these columns come back"},
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
	sortSpec := c.StringList("sort")
	fieldNames := c.StringList("fields")
	limit := c.Expr("limit")
	offset := c.Expr("offset")
	count := c.Bool("count")
	as := c.NewName("as")
	if t == nil {
		c.Declare(as)
		return nil
	}
	cols := t.cols
	if c.Has("fields") {
		cols = nil
		seen := map[string]bool{}
		for i, f := range fieldNames {
			col := t.column(c, fmt.Sprintf("fields[%d]", i), f)
			if col == nil {
				continue
			}
			if seen[f] {
				c.Errorf(fmt.Sprintf("fields[%d]", i), "duplicate", "column %s is listed twice", f)
				continue
			}
			seen[f] = true
			cols = append(cols, col)
		}
		if len(fieldNames) == 0 {
			c.Errorf("fields", "bad_value", "fields is empty; list the columns to return, or leave fields out for all")
		}
	}
	var out types.Type = types.Array(recordType(t, cols))
	if count {
		out = types.Map{"items": out, "total": types.Int}
	}
	c.DeclareTyped(as, out)
	order, ok := orderBy(c, t, sortSpec)
	if !ok {
		return nil
	}
	prefix := "SELECT " + selectList(cols) + " FROM " + t.q
	countPrefix := "SELECT COUNT(*) FROM " + t.q
	return func(s *engine.State) (any, error) {
		conn, err := connect(s)
		if err != nil {
			return nil, err
		}
		b := &sqlBuilder{d: conn.d}
		b.w(prefix)
		if where != nil {
			b.w(" WHERE ")
			if err := where.write(b, s); err != nil {
				return nil, err
			}
		}
		whereEnd, whereArgs := b.sb.Len(), len(b.args)
		b.w(order[conn.d])
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
		b.w(" LIMIT ")
		b.arg(int64(n))
		if offset != nil {
			n, err := evalCount(s, offset, false)
			if err != nil {
				return nil, err
			}
			b.w(" OFFSET ")
			b.arg(int64(n))
		}
		query := b.String()
		rows, err := conn.q.QueryContext(s.Context(), query, b.args...)
		if err != nil {
			return nil, dbError(t, err)
		}
		items, err := scanRecords(rows, cols)
		if err != nil {
			return nil, dbError(t, err)
		}
		if capped && len(items) > maxItems {
			return nil, &engine.Error{Code: engine.CodeLimit, Message: fmt.Sprintf(
				"db.query of %s matched more than %d records (limit max_items); give it a limit and page with offset, or narrow its where",
				t.name, maxItems)}
		}
		var out any = items
		if count {
			var total int64
			cq := countPrefix + query[len(prefix):whereEnd]
			if err := conn.q.QueryRowContext(s.Context(), cq, b.args[:whereArgs]...).Scan(&total); err != nil {
				return nil, dbError(t, err)
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

// orderBy compiles a sort list to an ORDER BY clause per dialect. Rows are
// always finally ordered by id, so that pages are stable. Nulls sort last
// ascending and first descending (PostgreSQL's rule) on both databases.
func orderBy(c *engine.StepCompiler, t *dbTable, spec []string) (perDialect, bool) {
	type key struct {
		col  *dbColumn
		desc bool
	}
	var keys []key
	ok := true
	seen := map[string]bool{}
	for i, s := range spec {
		name, desc := strings.CutPrefix(s, "-")
		name = strings.TrimPrefix(name, "+")
		col := t.column(c, fmt.Sprintf("sort[%d]", i), name)
		if col == nil {
			ok = false
			continue
		}
		if seen[name] {
			c.Errorf(fmt.Sprintf("sort[%d]", i), "duplicate", "column %s is sorted by twice", name)
			ok = false
			continue
		}
		seen[name] = true
		keys = append(keys, key{col, desc})
	}
	if !seen["id"] {
		keys = append(keys, key{t.id, false})
	}
	out := buildBoth(func(b *sqlBuilder) {
		b.w(" ORDER BY ")
		for i, k := range keys {
			if i > 0 {
				b.w(", ")
			}
			b.w(k.col.q)
			if k.desc {
				b.w(" DESC")
			}
			if b.d == dSQLite && !k.col.system && !k.col.required {
				if k.desc {
					b.w(" NULLS FIRST")
				} else {
					b.w(" NULLS LAST")
				}
			}
		}
	})
	return out, ok
}
