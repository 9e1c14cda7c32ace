package api

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/store"
	"github.com/funcstack/funcstack/engine/value"
)

// The record browser's search and filters: GET /tables/{name}/records
// takes search=<text> (records with the text in any text or email column)
// and filter=<column>:<op>:<value>, repeated (all must hold). They become
// the where of the db.query the listing runs, with the values as inputs
// (never spliced into the expression), so they mean what they mean in a
// stack: the value is read as the column's type, and a value that does not
// fit is the db step's 400.

// filterOp is one filter operator.
type filterOp struct {
	op      string
	expr    string
	applies func(value.Type) bool
	value   bool
}

// filterOps are the filter operators, in the order filterWanted lists
// them: the where expression each writes (%[1]s the column, %[2]s the
// value), which column types it applies to (read from the value-type
// registry, as the builder's filters do: docs/design.md §19.1), and
// whether it takes a value.
var filterOps = []filterOp{
	{"eq", "%[1]s == %[2]s", equality, true},
	{"ne", "%[1]s != %[2]s", equality, true},
	{"lt", "%[1]s < %[2]s", ordered, true},
	{"le", "%[1]s <= %[2]s", ordered, true},
	{"gt", "%[1]s > %[2]s", ordered, true},
	{"ge", "%[1]s >= %[2]s", ordered, true},
	{"contains", "%[1]s contains %[2]s", searchable, true},
	{"startsWith", "%[1]s startsWith %[2]s", searchable, true},
	{"endsWith", "%[1]s endsWith %[2]s", searchable, true},
	{"empty", "%[1]s == nil", stored, false},
	{"set", "%[1]s != nil", stored, false},
}

func equality(t value.Type) bool   { return t.Info().Equality }
func ordered(t value.Type) bool    { return t.Info().Ordered }
func searchable(t value.Type) bool { return t.Info().Searchable }

// stored: the type has a column (a refs field has none), so its value
// may be null.
func stored(t value.Type) bool { return t.Info().Column && t.Column(value.SQLite) != "" }

// columnTypes names the column types applies holds for, in the
// registry's order: what a message says a filter or the search works on.
func columnTypes(applies func(value.Type) bool) []string {
	var out []string
	for _, n := range value.ColumnTypes() {
		if applies(value.Lookup(n)) {
			out = append(out, n)
		}
	}
	return out
}

// filterWanted is the form of a filter, for messages.
var filterWanted = func() string {
	ops := make([]string, len(filterOps))
	for i, o := range filterOps {
		ops[i] = o.op
	}
	return "filter=<column>:<op>:<value>, op one of " + strings.Join(ops, ", ")
}()

// recordsFilter is the where of the record listing's search and filters.
type recordsFilter struct {
	where  string         // "" for none
	inputs map[string]any // the values it reads
	said   map[string]string
}

// explain returns a copy of a db step's error in which a condition of the
// filter is named by the query parameter the user wrote instead. It copies
// because the error is also held by the run's execution record, which the
// records writer may be encoding at the same time.
func (f recordsFilter) explain(e *engine.Error) *engine.Error {
	c := *e
	for cond, param := range f.said {
		c.Message = strings.Replace(c.Message, "in `"+cond+"`", param, 1)
	}
	return &c
}

// recordsWhere reads the record listing's search and filters on table.
func recordsWhere(c *gin.Context, table string, cols []store.TableColumn) (recordsFilter, *engine.Error) {
	var conds []string
	said := map[string]string{}
	inputs := map[string]any{}
	typeOf := map[string]string{}
	for _, col := range cols {
		typeOf[col.Name] = col.Type
	}
	for i, f := range c.QueryArray("filter") {
		name, rest, ok := strings.Cut(f, ":")
		op, val, hasValue := strings.Cut(rest, ":")
		if !ok {
			return recordsFilter{}, badRequest("filter=%q says no operator; send %s", f, filterWanted)
		}
		typ, known := typeOf[name]
		if !known {
			msg := fmt.Sprintf("filter=%q: table %s has no column %q; columns: %s", f, table, name, strings.Join(colNames(cols), ", "))
			if cl := engine.Closest(name, colNames(cols)); cl != "" {
				msg = fmt.Sprintf("filter=%q: table %s has no column %q (did you mean %q?)", f, table, name, cl)
			}
			return recordsFilter{}, badRequest("%s", msg)
		}
		at := slices.IndexFunc(filterOps, func(o filterOp) bool { return o.op == op })
		if at < 0 {
			return recordsFilter{}, badRequest("filter=%q: %q is not an operator; send %s", f, op, filterWanted)
		}
		spec := filterOps[at]
		if t := value.Lookup(typ); t == nil || !spec.applies(t) {
			return recordsFilter{}, badRequest("filter=%q: %s does not apply to %s, %s column; it applies to %s columns", f, op, name, withArticle(typ), strings.Join(columnTypes(spec.applies), ", "))
		}
		in := "f" + strconv.Itoa(i)
		if spec.value {
			if !hasValue {
				return recordsFilter{}, badRequest("filter=%q says no value; send %s:%s:<value>", f, name, op)
			}
			inputs[in] = val
		}
		cond := fmt.Sprintf(spec.expr, table+"."+name, "input."+in)
		conds, said[cond] = append(conds, cond), fmt.Sprintf("filter=%q", f)
	}
	if q := c.Query("search"); q != "" {
		var any []string
		for _, col := range cols {
			if t := value.Lookup(col.Type); t != nil && searchable(t) {
				cond := fmt.Sprintf("%s.%s contains input.q", table, col.Name)
				any, said[cond] = append(any, cond), fmt.Sprintf("search=%q", q)
			}
		}
		if len(any) == 0 {
			return recordsFilter{}, badRequest("search=%q: table %s has no %s column to search; filter by a column instead (%s)", q, table, strings.Join(columnTypes(searchable), " or "), filterWanted)
		}
		inputs["q"] = q
		conds = append(conds, "("+strings.Join(any, " || ")+")")
	}
	return recordsFilter{where: strings.Join(conds, " && "), inputs: inputs, said: said}, nil
}

// withArticle is a type name with its article: "an int", "a text".
func withArticle(typ string) string {
	if strings.ContainsRune("aeiou", rune(typ[0])) {
		return "an " + typ
	}
	return "a " + typ
}
