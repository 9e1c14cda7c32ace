package api

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/store"
)

// The record browser's search and filters: GET /tables/{name}/records
// takes search=<text> (records with the text in any text or email column)
// and filter=<column>:<op>:<value>, repeated (all must hold). They become
// the where of the db.query the listing runs, with the values as inputs
// (never spliced into the expression), so they mean what they mean in a
// stack: the value is read as the column's type, and a value that does not
// fit is the db step's 400.

// filterOps are the filter operators: the where expression each writes
// (%[1]s the column, %[2]s the value), the column types it applies to,
// and whether it takes a value.
var filterOps = map[string]struct {
	expr  string
	types []string
	value bool
}{
	"eq":         {"%[1]s == %[2]s", equalTypes, true},
	"ne":         {"%[1]s != %[2]s", equalTypes, true},
	"lt":         {"%[1]s < %[2]s", orderedTypes, true},
	"le":         {"%[1]s <= %[2]s", orderedTypes, true},
	"gt":         {"%[1]s > %[2]s", orderedTypes, true},
	"ge":         {"%[1]s >= %[2]s", orderedTypes, true},
	"contains":   {"%[1]s contains %[2]s", textTypes, true},
	"startsWith": {"%[1]s startsWith %[2]s", textTypes, true},
	"endsWith":   {"%[1]s endsWith %[2]s", textTypes, true},
	"empty":      {"%[1]s == nil", allTypes, false},
	"set":        {"%[1]s != nil", allTypes, false},
}

var (
	textTypes    = []string{"text", "email"}
	orderedTypes = []string{"text", "email", "int", "decimal", "timestamp", "id", "uuid", "ref"}
	equalTypes   = []string{"text", "email", "int", "decimal", "timestamp", "id", "uuid", "bool", "ref"}
	allTypes     = []string{"text", "email", "int", "decimal", "timestamp", "id", "uuid", "bool", "json", "ref"}
)

const filterWanted = "filter=<column>:<op>:<value>, op one of eq, ne, lt, le, gt, ge, contains, startsWith, endsWith, empty, set"

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
		op, value, hasValue := strings.Cut(rest, ":")
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
		spec, known := filterOps[op]
		if !known {
			return recordsFilter{}, badRequest("filter=%q: %q is not an operator; send %s", f, op, filterWanted)
		}
		if !contains(spec.types, typ) {
			return recordsFilter{}, badRequest("filter=%q: %s does not apply to %s, %s column; it applies to %s columns", f, op, name, withArticle(typ), strings.Join(spec.types, ", "))
		}
		in := "f" + strconv.Itoa(i)
		if spec.value {
			if !hasValue {
				return recordsFilter{}, badRequest("filter=%q says no value; send %s:%s:<value>", f, name, op)
			}
			inputs[in] = value
		}
		cond := fmt.Sprintf(spec.expr, table+"."+name, "input."+in)
		conds, said[cond] = append(conds, cond), fmt.Sprintf("filter=%q", f)
	}
	if q := c.Query("search"); q != "" {
		var any []string
		for _, col := range cols {
			if contains(textTypes, col.Type) {
				cond := fmt.Sprintf("%s.%s contains input.q", table, col.Name)
				any, said[cond] = append(any, cond), fmt.Sprintf("search=%q", q)
			}
		}
		if len(any) == 0 {
			return recordsFilter{}, badRequest("search=%q: table %s has no text or email column to search; filter by a column instead (%s)", q, table, filterWanted)
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
