package steps

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/expr-lang/expr/types"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/tables"
	"github.com/funcstack/funcstack/engine/value"
)

func init() {
	engine.Register(&engine.StepType{
		Name:     "db.aggregate",
		Title:    "Aggregate records",
		Summary:  "db.aggregate {table}[ where {where}][ by {group_by}] {values} → {as}",
		Category: "database",
		Description: "Count, sum, average, and find the smallest and largest values of a table's records, over all of them or per group, without raw SQL. " +
			"values lists count (records), count(col) (non-null values), sum(col), avg(col), min(col) and max(col); each gives a key named count, count_col, sum_col, avg_col, min_col or max_col. " +
			"Without group_by the result is one object; with it, a list of objects holding the group's columns and values, sorted by the group columns (nulls last). " +
			"sum and avg take int and decimal columns: decimals stay exact (avg keeps 34 significant digits), the avg of ints is a float; a sum of no values is 0, an avg, min or max of none is null.",
		Fields: []engine.FieldSpec{
			{Name: "table", Kind: engine.FieldTable, Required: true, Description: "the table to read"},
			{Name: "where", Kind: engine.FieldExpr, Expects: engine.ExpectBool, Columns: true, Description: "which records, as in db.query"},
			{Name: "group_by", Kind: engine.FieldStringList, Description: "columns to group by: one result per distinct combination"},
			{Name: "values", Kind: engine.FieldStringList, Required: true, Description: "what to compute: count, count(col), sum(col), avg(col), min(col), max(col)"},
			{Name: "as", Kind: engine.FieldName, Required: true, Description: "the variable receiving the object, or the list of groups"},
		},
		Example: []byte(`{"type": "db.aggregate", "table": "users", "where": "users.active", "group_by": ["age"], "values": ["count", "sum(score)", "max(born)"], "as": "stats"}`),
		Compile: compileAggregate,
	})
}

// An aggregate is one entry of values.
type aggregate struct {
	fn  string         // count, sum, avg, min, max
	col *tables.Column // nil for count (records)
	key string         // the result's key
}

func compileAggregate(c *engine.StepCompiler) engine.RunFunc {
	t := compileTable(c)
	where := compileWhereField(c, t, "where")
	groupNames := c.StringList("group_by")
	valueSpecs := c.StringList("values")
	as := c.NewName("as")
	if t == nil {
		c.Declare(as)
		return nil
	}
	ok := true
	var groups []*tables.Column
	seen := map[string]bool{}
	for i, n := range groupNames {
		path := fmt.Sprintf("group_by[%d]", i)
		col := column(c, t, path, n)
		switch {
		case col == nil:
			ok = false
		case col.Type == value.JSON:
			c.Errorf(path, "bad_value", "%s is a json column; group by columns of other types", col.Label())
			ok = false
		case seen[n]:
			c.Errorf(path, "duplicate", "column %s is grouped by twice", n)
			ok = false
		default:
			seen[n] = true
			groups = append(groups, col)
		}
	}
	var aggs []aggregate
	if c.Has("values") && len(valueSpecs) == 0 {
		c.Errorf("values", "bad_value", "values is empty; list what to compute, e.g. [\"count\", \"sum(price)\"]")
		ok = false
	}
	for i, spec := range valueSpecs {
		a, err := parseAggregate(t, spec)
		path := fmt.Sprintf("values[%d]", i)
		if err != "" {
			c.Errorf(path, "bad_value", "%s", err)
			ok = false
			continue
		}
		if seen[a.key] {
			c.Errorf(path, "duplicate", "%s gives the key %s, which the result already has", spec, a.key)
			ok = false
			continue
		}
		seen[a.key] = true
		aggs = append(aggs, a)
	}
	rec := types.Map{}
	for _, g := range groups {
		rec[g.Name] = types.Any
	}
	for _, a := range aggs {
		rec[a.key] = types.Any
		if a.fn == "count" {
			rec[a.key] = types.Int
		}
	}
	if len(groups) > 0 {
		c.DeclareTyped(as, types.Array(rec))
	} else {
		c.DeclareTyped(as, rec)
	}
	if !ok {
		return nil
	}
	// SQLite keeps decimals as sort keys, which SQL cannot add: there a
	// sum or avg of a decimal column reads the values and adds them here.
	inGo := false
	for _, a := range aggs {
		if (a.fn == "sum" || a.fn == "avg") && a.col.Type == value.DecimalT {
			inGo = true
		}
	}
	sqlStmt := tables.BuildBoth(func(b *tables.Builder) {
		b.W("SELECT ")
		for _, g := range groups {
			b.W(g.Q + ", ")
		}
		for i, a := range aggs {
			if i > 0 {
				b.W(", ")
			}
			switch {
			case a.col == nil:
				b.W("COUNT(*)")
			case a.fn == "avg": // SUM and COUNT: the division is exact here
				b.W("SUM(" + a.col.Q + "), COUNT(" + a.col.Q + ")")
			default:
				b.W(strings.ToUpper(a.fn) + "(" + a.col.Q + ")")
			}
		}
		b.W(" FROM " + t.Q)
	})
	goStmt := tables.BuildBoth(func(b *tables.Builder) {
		b.W("SELECT ")
		for _, g := range groups {
			b.W(g.Q + ", ")
		}
		for i, a := range aggs {
			if i > 0 {
				b.W(", ")
			}
			if a.col == nil {
				b.W("1")
			} else {
				b.W(a.col.Q)
			}
		}
		b.W(" FROM " + t.Q)
	})
	tail := tables.BuildBoth(func(b *tables.Builder) {
		if len(groups) == 0 {
			return
		}
		b.W(" GROUP BY " + tables.SelectList(groups))
	})
	order := tables.BuildBoth(func(b *tables.Builder) {
		if len(groups) == 0 {
			return
		}
		b.W(" ORDER BY ")
		for i, g := range groups {
			if i > 0 {
				b.W(", ")
			}
			b.W(g.Q)
			if b.D == value.SQLite && !g.System && !g.Required {
				b.W(" NULLS LAST")
			}
		}
	})
	return func(s *engine.State) (any, error) {
		conn, err := connect(s)
		if err != nil {
			return nil, err
		}
		goFold := inGo && conn.d == value.SQLite
		b := &tables.Builder{D: conn.d}
		if goFold {
			b.W(goStmt[conn.d])
		} else {
			b.W(sqlStmt[conn.d])
		}
		if where != nil {
			b.W(" WHERE ")
			if err := where.Write(b, s); err != nil {
				return nil, err
			}
		}
		if !goFold {
			b.W(tail[conn.d])
		}
		b.W(order[conn.d])
		maxItems := s.Limits().MaxItems
		if len(groups) > 0 && !goFold {
			b.W(" LIMIT ")
			b.Arg(int64(maxItems + 1))
		}
		rows, err := conn.q.QueryContext(s.Context(), b.String(), b.Args...)
		if err != nil {
			return nil, tables.DBError(t, err)
		}
		defer rows.Close()
		var out []any
		n := len(groups) + len(aggs)
		for _, a := range aggs {
			if a.fn == "avg" && !goFold {
				n++
			}
		}
		vals := make([]any, n)
		ptrs := make([]any, n)
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		var f *folder
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				return nil, tables.DBError(t, err)
			}
			if goFold {
				if f == nil || !f.same(vals[:len(groups)]) {
					if f != nil {
						r, err := f.result(groups, aggs)
						if err != nil {
							return nil, err
						}
						out = append(out, r)
					}
					f = newFolder(vals[:len(groups)], len(aggs))
				}
				if err := f.add(aggs, vals[len(groups):]); err != nil {
					return nil, tables.DBError(t, err)
				}
			} else {
				r, err := sqlResult(groups, aggs, vals)
				if err != nil {
					return nil, tables.DBError(t, err)
				}
				out = append(out, r)
			}
			if len(out) > maxItems {
				return nil, &engine.Error{Code: engine.CodeLimit, Message: fmt.Sprintf(
					"db.aggregate of %s gave more than %d groups (limit max_items); group by fewer columns or narrow its where", t.Name, maxItems)}
			}
		}
		if err := rows.Err(); err != nil {
			return nil, tables.DBError(t, err)
		}
		if goFold {
			if f == nil && len(groups) == 0 {
				f = newFolder(nil, len(aggs))
			}
			if f != nil {
				r, err := f.result(groups, aggs)
				if err != nil {
					return nil, err
				}
				out = append(out, r)
			}
		}
		var result any
		if len(groups) == 0 {
			result = out[0]
		} else {
			if out == nil {
				out = []any{}
			}
			result = out
		}
		s.Set(as, result)
		return result, nil
	}
}

// parseAggregate reads "count", "count(col)", "sum(col)", … ("" error:
// the message).
func parseAggregate(t *tables.Table, spec string) (aggregate, string) {
	s := strings.TrimSpace(spec)
	if s == "count" || s == "count()" || s == "count(*)" {
		return aggregate{fn: "count", key: "count"}, ""
	}
	open := strings.IndexByte(s, '(')
	if open < 0 || !strings.HasSuffix(s, ")") {
		return aggregate{}, fmt.Sprintf("%q is not an aggregate; write count, count(col), sum(col), avg(col), min(col) or max(col)", spec)
	}
	fn := strings.ToLower(strings.TrimSpace(s[:open]))
	name := strings.TrimSpace(s[open+1 : len(s)-1])
	switch fn {
	case "count", "sum", "avg", "min", "max":
	default:
		return aggregate{}, fmt.Sprintf("%q: unknown aggregate %s; use count, sum, avg, min or max", spec, fn)
	}
	col := t.ByName[name]
	if col == nil {
		return aggregate{}, fmt.Sprintf("%q: %s", spec, t.UnknownColumn(name))
	}
	switch fn {
	case "sum", "avg":
		if col.Type != value.Int && col.Type != value.DecimalT {
			return aggregate{}, fmt.Sprintf("%q: %s is a %s column; %s takes int and decimal columns", spec, col.Label(), col.TypeName, fn)
		}
	case "min", "max":
		if !col.Type.Info().Ordered {
			return aggregate{}, fmt.Sprintf("%q: %s is a %s column, which has no order; %s takes ordered columns", spec, col.Label(), col.TypeName, fn)
		}
	}
	return aggregate{fn: fn, col: col, key: fn + "_" + name}, ""
}

// sqlResult reads a row of the GROUP BY statement.
func sqlResult(groups []*tables.Column, aggs []aggregate, vals []any) (map[string]any, error) {
	r := make(map[string]any, len(groups)+len(aggs))
	for i, g := range groups {
		v, err := tables.Decode(g, vals[i])
		if err != nil {
			return nil, err
		}
		r[g.Name] = v
	}
	i := len(groups)
	for _, a := range aggs {
		switch a.fn {
		case "count":
			n, err := sqlInt(vals[i])
			if err != nil {
				return nil, err
			}
			r[a.key] = int(n)
		case "sum":
			v, err := sqlNumber(a.col, vals[i])
			if err != nil {
				return nil, err
			}
			if v == nil {
				v = zeroOf(a.col)
			}
			r[a.key] = v
		case "avg":
			sum, err := sqlNumber(a.col, vals[i])
			if err != nil {
				return nil, err
			}
			n, err := sqlInt(vals[i+1])
			if err != nil {
				return nil, err
			}
			i++
			if r[a.key], err = average(a.col, sum, n); err != nil {
				return nil, err
			}
		default:
			v, err := tables.Decode(a.col, vals[i])
			if err != nil {
				return nil, err
			}
			r[a.key] = v
		}
		i++
	}
	return r, nil
}

// sqlInt reads a COUNT.
func sqlInt(v any) (int64, error) {
	switch x := v.(type) {
	case int64:
		return x, nil
	case []byte:
		return strconv.ParseInt(string(x), 10, 64)
	case string:
		return strconv.ParseInt(x, 10, 64)
	}
	return 0, fmt.Errorf("cannot read a count from a %T", v)
}

// sqlNumber reads a SUM of col: PostgreSQL's sum of bigint is numeric.
func sqlNumber(col *tables.Column, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	if col.Type == value.Int {
		switch x := v.(type) {
		case int64:
			return int(x), nil
		case float64:
			return int(x), nil
		}
		d, err := value.DecimalT.Decode(v)
		if err != nil {
			return nil, err
		}
		n, ok := d.(value.Decimal).Int()
		if !ok {
			return nil, fmt.Errorf("the sum of %s does not fit an int", col.Label())
		}
		return n, nil
	}
	return value.DecimalT.Decode(v)
}

func zeroOf(col *tables.Column) any {
	if col.Type == value.Int {
		return 0
	}
	return value.DecimalFromInt(0)
}

// average is sum / n: a decimal for decimals, a float for ints, null for
// no values.
func average(col *tables.Column, sum any, n int64) (any, error) {
	if n == 0 || sum == nil {
		return nil, nil
	}
	if col.Type == value.Int {
		return float64(sum.(int)) / float64(n), nil
	}
	q, err := sum.(value.Decimal).Quo(value.DecimalFromInt(n))
	if err != nil {
		return nil, err
	}
	return q.Reduce(), nil
}

// folder adds up one group's rows here (SQLite, decimals).
type folder struct {
	key   []any
	count []int64
	sums  []value.Decimal
	best  []any // min or max, as scanned (sort keys and fixed-width text order as values do)
}

func newFolder(key []any, n int) *folder {
	f := &folder{key: append([]any(nil), key...), count: make([]int64, n), sums: make([]value.Decimal, n), best: make([]any, n)}
	for i := range f.sums {
		f.sums[i] = value.DecimalFromInt(0)
	}
	return f
}

func (f *folder) same(key []any) bool {
	for i, k := range key {
		if fmt.Sprint(k) != fmt.Sprint(f.key[i]) || (k == nil) != (f.key[i] == nil) {
			return false
		}
	}
	return true
}

func (f *folder) add(aggs []aggregate, vals []any) error {
	for i, a := range aggs {
		v := vals[i]
		if a.col != nil && v == nil {
			continue
		}
		f.count[i]++
		switch a.fn {
		case "sum", "avg":
			d, err := value.DecimalT.Decode(v)
			if err != nil {
				return err
			}
			if f.sums[i], err = f.sums[i].Add(d.(value.Decimal)); err != nil {
				return err
			}
		case "min", "max":
			if f.best[i] == nil || (a.fn == "min") == less(v, f.best[i]) {
				f.best[i] = v
			}
		}
	}
	return nil
}

// less orders two scanned SQLite values of one column.
func less(a, b any) bool {
	switch x := a.(type) {
	case int64:
		if y, ok := b.(int64); ok {
			return x < y
		}
	case float64:
		if y, ok := b.(float64); ok {
			return x < y
		}
	case string:
		if y, ok := b.(string); ok {
			return x < y
		}
	case []byte:
		if y, ok := b.([]byte); ok {
			return string(x) < string(y)
		}
	}
	return fmt.Sprint(a) < fmt.Sprint(b)
}

func (f *folder) result(groups []*tables.Column, aggs []aggregate) (map[string]any, error) {
	r := make(map[string]any, len(groups)+len(aggs))
	for i, g := range groups {
		v, err := tables.Decode(g, f.key[i])
		if err != nil {
			return nil, err
		}
		r[g.Name] = v
	}
	for i, a := range aggs {
		var err error
		switch a.fn {
		case "count":
			r[a.key] = int(f.count[i])
		case "sum":
			var v any = f.sums[i].Reduce()
			if a.col.Type == value.Int {
				n, ok := f.sums[i].Int()
				if !ok {
					return nil, fmt.Errorf("the sum of %s does not fit an int", a.col.Label())
				}
				v = n
			}
			r[a.key] = v
		case "avg":
			var sum any = f.sums[i]
			if a.col.Type == value.Int {
				n, _ := f.sums[i].Int()
				sum = n
			}
			r[a.key], err = average(a.col, sum, f.count[i])
		default:
			r[a.key], err = tables.Decode(a.col, f.best[i])
		}
		if err != nil {
			return nil, err
		}
	}
	return r, nil
}
