package steps_test

import (
	"testing"
)

// The shop's tables, for the include and ref checks.
var relTables = []string{
	`{"kind": "table", "name": "customer", "fields": [{"name": "email", "type": "email"}, {"name": "orders", "type": "refs", "table": "order", "by": "customer"}]}`,
	`{"kind": "table", "name": "order", "fields": [{"name": "customer", "type": "ref", "table": "customer"}, {"name": "note", "type": "text"},
		{"name": "lines", "type": "refs", "table": "order_line", "by": "order"}]}`,
	`{"kind": "table", "name": "order_line", "fields": [{"name": "order", "type": "ref", "table": "order", "on_delete": "cascade"}, {"name": "qty", "type": "int"}]}`,
}

func TestDBIncludeCompileErrors(t *testing.T) {
	wantDiagnostics(t, []diagCase{
		{"unknown field", `[{"type": "db.query", "table": "order", "include": ["custmer"], "as": "x"}]`,
			`error: main: stack[0].include[0]: "custmer": table order has no ref or refs field "custmer" (did you mean "customer"?)`},
		{"a column is no link", `[{"type": "db.get", "table": "order", "id": "1", "include": ["lines.qty"], "as": "x"}]`,
			`error: main: stack[0].include[0]: "lines.qty": table order_line has no ref or refs field "qty" (qty is a column of type int; include follows ref and refs fields)`},
		{"a path back to its table", `[{"type": "db.query", "table": "order", "include": ["customer", "lines.order"], "as": "x"}]`,
			`error: main: stack[0].include[1]: "lines.order" goes back to table order (order → order_line → order); the records on the way already hold it — stop the path before it`},
		{"fields lacking the ref", `[{"type": "db.query", "table": "order", "fields": ["note"], "include": ["customer"], "as": "x"}]`,
			`error: main: stack[0].fields: include needs column customer of order; add it to fields`},
		{"where on a refs field", `[{"type": "db.query", "table": "order", "where": "order.lines.qty > 1", "as": "x"}]`,
			`error: main: stack[0].where: order.lines is a refs field (a list of order_line records); a where reads the columns of one record: query order_line instead, with a where on its ref order`},
		{"where on two tables", `[{"type": "db.query", "table": "order", "where": "order.customer.email == order.note", "as": "x"}]`,
			"error: main: stack[0].where: cannot be turned into SQL: `order.customer.email == order.note` compares columns of two tables; a condition reads the columns of one table (compare each with a value)"},
		{"where on an unknown column of a ref", `[{"type": "db.query", "table": "order", "where": "order.customer.mail == 'a'", "as": "x"}]`,
			`error: main: stack[0].where: table customer has no column "mail" (did you mean "email"?)`},
	}, relTables...)
}

func TestRefFieldErrors(t *testing.T) {
	wantDiagnostics(t, []diagCase{
		{"ref and refs settings", `[]`, `error: bad: fields[2].on_delete: on_delete set_null empties the field, but it is required; use restrict or cascade, or make the field not required
error: bad: fields[3].table: a ref field names the table it links to, e.g. "table": "customer"
error: bad: fields[4].on_delete: only ref fields take on_delete; remove it
error: bad: fields[0].table: field a links to table "custmer", which is not defined (did you mean "customer"?)
error: bad: fields[1].by: field b: table order has no ref field "buyer" pointing to table bad; add one there, e.g. {"name": "bad", "type": "ref", "table": "bad"}`},
	}, append(relTables, `{"kind": "table", "name": "bad", "fields": [
		{"name": "a", "type": "ref", "table": "custmer"},
		{"name": "b", "type": "refs", "table": "order", "by": "buyer"},
		{"name": "c", "type": "ref", "table": "order", "required": true, "on_delete": "set_null"},
		{"name": "d", "type": "ref"},
		{"name": "e", "type": "int", "on_delete": "cascade"}]}`)...)
}
