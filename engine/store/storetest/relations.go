package storetest

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/store"
)

// The relation tests run a small shop: customers, products, coupons,
// orders (ref customer, ref coupon with on_delete set_null, refs lines)
// and order lines (ref order with on_delete cascade, ref product,
// restrict by default).

var shopTables = []string{
	`{"kind": "table", "name": "customer", "fields": [{"name": "email", "type": "email", "required": true, "unique": true},
		{"name": "orders", "type": "refs", "table": "order", "by": "customer"}]}`,
	`{"kind": "table", "name": "product", "fields": [{"name": "name", "type": "text", "required": true}]}`,
	`{"kind": "table", "name": "coupon", "fields": [{"name": "code", "type": "text"}]}`,
	`{"kind": "table", "name": "order", "fields": [{"name": "customer", "type": "ref", "table": "customer", "required": true},
		{"name": "coupon", "type": "ref", "table": "coupon", "on_delete": "set_null"}, {"name": "note", "type": "text"},
		{"name": "lines", "type": "refs", "table": "order_line", "by": "order"}]}`,
	`{"kind": "table", "name": "order_line", "fields": [{"name": "order", "type": "ref", "table": "order", "on_delete": "cascade", "required": true},
		{"name": "product", "type": "ref", "table": "product", "required": true}, {"name": "qty", "type": "int"}]}`,
}

// shopSeed adds 2 customers, 3 products, a coupon, 3 orders and 5 lines.
const shopSeed = `[
	{"type": "db.bulk", "table": "customer", "op": "add", "items": "[{'email': 'ada@example.com'}, {'email': 'bob@example.com'}]"},
	{"type": "db.bulk", "table": "product", "op": "add", "items": "[{'name': 'pen'}, {'name': 'ink'}, {'name': 'pad'}]"},
	{"type": "db.add", "table": "coupon", "data": {"code": "'TEN'"}, "as": "coupon"},
	{"type": "db.bulk", "table": "order", "op": "add", "items": "[{'customer': 1, 'note': 'first', 'coupon': coupon.id}, {'customer': 1, 'note': 'second'}, {'customer': 2, 'note': 'third'}]"},
	{"type": "db.bulk", "table": "order_line", "op": "add", "items": "[{'order': 1, 'product': 1, 'qty': 2}, {'order': 1, 'product': 2, 'qty': 1}, {'order': 2, 'product': 1, 'qty': 5}, {'order': 3, 'product': 3, 'qty': 1}, {'order': 3, 'product': 1, 'qty': 7}]"}]`

// runShop runs stack (after seed, when given) as function main on the
// shop tables and returns its response as JSON, or the run's error.
func runShop(t *testing.T, s *store.Store, input map[string]any, stack, response string) (string, error) {
	t.Helper()
	return runMain(t, s, input, append(append([]string(nil), shopTables...), mainOf(`[{"name": "email", "type": "email"}]`, stack, response))...)
}

func mustShop(t *testing.T, s *store.Store, input map[string]any, stack, response string) string {
	t.Helper()
	got, err := runShop(t, s, input, stack, response)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	return got
}

func testRelationsInclude(t *testing.T, s *store.Store) {
	mustShop(t, s, nil, shopSeed, "1")
	// One: each order's customer; many and nested: its lines and their
	// products; and the other way, a customer's orders.
	got := mustShop(t, s, nil, `[
		{"type": "db.query", "table": "order", "include": ["customer", "lines.product"], "as": "orders"},
		{"type": "db.get", "table": "customer", "by": {"email": "'bob@example.com'"}, "include": ["orders.lines"], "as": "bob"},
		{"type": "db.get", "table": "order", "id": "2", "include": ["coupon"], "as": "nocoupon"}]`,
		`{"orders": map(orders, ({"note": #.note, "customer": #.customer.email, "lines": map(#.lines, ({"qty": #.qty, "product": #.product.name}))})),
		  "bob": map(bob.orders, ({"note": #.note, "qtys": map(#.lines, #.qty)})), "coupon": nocoupon.coupon}`)
	want := `{"bob":[{"note":"third","qtys":[1,7]}],"coupon":null,"orders":[` +
		`{"customer":"ada@example.com","lines":[{"product":"pen","qty":2},{"product":"ink","qty":1}],"note":"first"},` +
		`{"customer":"ada@example.com","lines":[{"product":"pen","qty":5}],"note":"second"},` +
		`{"customer":"bob@example.com","lines":[{"product":"pad","qty":1},{"product":"pen","qty":7}],"note":"third"}]}`
	if got != want {
		t.Errorf("include:\n got  %s\n want %s", got, want)
	}
	// A where through refs: a customer's orders by email, lines by their
	// order's customer; a refs field with no records is [].
	got = mustShop(t, s, map[string]any{"email": "ada@example.com"}, `[
		{"type": "db.query", "table": "order", "where": "order.customer.email == input.email && order.note != 'first'", "as": "mine"},
		{"type": "db.query", "table": "order_line", "where": "order_line.order.customer.email endsWith '@example.com' && order_line.product.name in ['pen', 'pad'] && order_line.qty > 1", "as": "lines"},
		{"type": "db.add", "table": "order", "data": {"customer": "2"}, "as": "empty"},
		{"type": "db.get", "table": "order", "id": "empty.id", "include": ["lines"], "as": "back"}]`,
		`{"mine": map(mine, #.note), "lines": map(lines, #.qty), "empty": back.lines}`)
	if want := `{"empty":[],"lines":[2,5,7],"mine":["second"]}`; got != want {
		t.Errorf("where through refs:\n got  %s\n want %s", got, want)
	}
}

func testRelationsDelete(t *testing.T, s *store.Store) {
	mustShop(t, s, nil, shopSeed, "1")
	// restrict: a product still on a line is not deleted.
	_, err := runShop(t, s, nil, `[{"type": "db.delete", "table": "product", "id": "1"}]`, "1")
	if want := "product 1 is still referred to by records of another table whose ref has on_delete restrict; delete or change those records first, or make the ref on_delete cascade or set_null"; msgOf(err) != want {
		t.Errorf("restrict:\n got  %v\n want %s", err, want)
	}
	var ee *engine.Error
	if errors.As(err, &ee); ee == nil || ee.Status != 409 {
		t.Errorf("restrict: %#v, want status 409", err)
	}
	// set_null: deleting the coupon empties the order's ref; cascade:
	// deleting an order deletes its lines.
	got := mustShop(t, s, nil, `[
		{"type": "db.delete", "table": "coupon", "id": "1"},
		{"type": "db.delete", "table": "order", "id": "1"},
		{"type": "db.query", "table": "order", "as": "orders"},
		{"type": "db.query", "table": "order_line", "as": "lines"}]`,
		`{"coupons": map(orders, #.coupon), "line_orders": map(lines, #.order)}`)
	if want := `{"coupons":[null,null],"line_orders":[2,3,3]}`; got != want {
		t.Errorf("cascade and set_null:\n got  %s\n want %s", got, want)
	}
	// A sync that rebuilds a table others point to (SQLite copies it)
	// keeps their rows: the cascade does not fire.
	defs := append([]string(nil), shopTables...)
	defs[3] = strings.Replace(defs[3], `{"name": "note", "type": "text"}`, `{"name": "note", "type": "text", "unique": true}`, 1)
	var parsed []*engine.Definition
	for _, d := range defs {
		parsed = append(parsed, parse(t, d))
	}
	if err := s.SyncTables(ctx(), parsed, false); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := s.SQL().QueryRowContext(ctx(), `SELECT count(*) FROM "order_line"`).Scan(&n); err != nil || n != 3 {
		t.Errorf("after rebuilding order: %d lines (%v), want 3", n, err)
	}
}

// testRelationsDanglingRef: every write of a ref to a record that does
// not exist is refused with the ref column and the id named, on SQLite
// (whose error names neither) as on PostgreSQL, in a transaction too
// (where PostgreSQL runs no further statement).
func testRelationsDanglingRef(t *testing.T, s *store.Store) {
	mustShop(t, s, nil, shopSeed, "1")
	const customer = "order.customer is a ref to customer, and customer has no record with id 99; give the id of a record of customer"
	const coupon = "order.coupon is a ref to coupon, and coupon has no record with id 7; give the id of a record of coupon, or null"
	for _, tc := range []struct{ name, stack, want string }{
		{"db.add", `[{"type": "db.add", "table": "order", "data": {"customer": "99"}}]`, customer},
		{"db.add of an object", `[{"type": "db.add", "table": "order", "data": "{customer: 1, coupon: 7}"}]`, coupon},
		{"db.edit", `[{"type": "db.edit", "table": "order", "id": "1", "data": {"customer": "1", "coupon": "7"}}]`, coupon},
		{"db.patch of an object", `[{"type": "db.patch", "table": "order", "id": "1", "data": "{coupon: 7}", "as": "o"}]`, coupon},
		{"db.patch without as", `[{"type": "db.patch", "table": "order", "id": "1", "data": {"coupon": "7"}}]`, coupon},
		{"db.upsert", `[{"type": "db.upsert", "table": "customer", "by": {"email": "'ada@example.com'"}, "data": {}},
			{"type": "db.upsert", "table": "order", "by": {"note": "'first'"}, "data": {"customer": "99"}}]`, customer},
		{"db.bulk add", `[{"type": "db.bulk", "table": "order", "op": "add", "items": "[{'customer': 1}, {'customer': 2, 'coupon': 1}, {'customer': 2, 'coupon': 7}]"}]`, coupon},
		{"db.bulk patch", `[{"type": "db.bulk", "table": "order", "op": "patch", "items": "[{'id': 1, 'coupon': nil}, {'id': 2, 'coupon': 7}]"}]`, coupon},
		{"in a transaction", `[{"type": "db.transaction", "steps": [
			{"type": "db.add", "table": "order", "data": {"customer": "1"}},
			{"type": "db.add", "table": "order", "data": {"customer": "99"}}]}]`, customer},
	} {
		_, err := runShop(t, s, nil, tc.stack, "1")
		if msgOf(err) != tc.want {
			t.Errorf("%s:\n got  %v\n want %s", tc.name, err, tc.want)
		}
		if ee, _ := errors.AsType[*engine.Error](err); ee == nil || ee.Code != engine.CodeInvalidInput || ee.Status != 400 {
			t.Errorf("%s: %#v, want invalid_input, status 400", tc.name, err)
		}
	}
	// Nothing was written: the orders and their coupons are the seed's.
	if got, want := mustShop(t, s, nil, `[{"type": "db.query", "table": "order", "as": "o"}]`, "map(o, [#.customer, #.coupon])"), "[[1,1],[1,null],[2,null]]"; got != want {
		t.Errorf("after: %s, want %s", got, want)
	}
}

// testRelationsMigrate: an int column that becomes a ref keeps its values
// when each is an id of the other table; otherwise the sync says which.
func testRelationsMigrate(t *testing.T, s *store.Store) {
	user := `{"kind": "table", "name": "app_user", "fields": [{"name": "name", "type": "text"}]}`
	before := `{"kind": "table", "name": "post", "fields": [{"name": "author", "type": "int"}]}`
	after := `{"kind": "table", "name": "post", "fields": [{"name": "author", "type": "ref", "table": "app_user"}]}`
	sync := func(docs ...string) error {
		var parsed []*engine.Definition
		for _, d := range docs {
			parsed = append(parsed, parse(t, d))
		}
		return s.SyncTables(ctx(), parsed, false)
	}
	if err := sync(user, before); err != nil {
		t.Fatal(err)
	}
	mustExec(t, s, `INSERT INTO "app_user" ("name") VALUES ('ada')`)
	mustExec(t, s, `INSERT INTO "post" ("author") VALUES (1), (7), (NULL)`)
	err := sync(user, after)
	if want := "table post: column author becomes a ref to table app_user, but 1 records hold ids that app_user does not have (e.g. 7); set them to null or to ids of app_user (or add those records), then sync again"; err == nil || err.Error() != want {
		t.Fatalf("orphans:\n got  %v\n want %s", err, want)
	}
	mustExec(t, s, `UPDATE "post" SET "author" = NULL WHERE "author" = 7`)
	if err := sync(user, after); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := s.SQL().QueryRowContext(ctx(), `SELECT count(*) FROM "post" WHERE "author" = 1`).Scan(&n); err != nil || n != 1 {
		t.Errorf("kept values: %d (%v), want 1", n, err)
	}
	if _, err := s.SQL().ExecContext(ctx(), `INSERT INTO "post" ("author") VALUES (7)`); err == nil {
		t.Error("the foreign key was not added: a post of user 7 was stored")
	}
	if err := sync(user, after); err != nil {
		t.Fatalf("second sync: %v", err)
	}
}

// testNameCaps: a 63-byte table name works; one byte more is refused at
// validate time, as is a generated name that would not fit.
func testNameCaps(t *testing.T, s *store.Store) {
	name := "t" + strings.Repeat("x", 62)
	got := runStack(t, s, nil, `{"kind": "table", "name": "`+name+`", "fields": [{"name": "v", "type": "int"}]}`, mainOf(`[]`,
		`[{"type": "db.add", "table": "`+name+`", "data": {"v": "1"}}, {"type": "db.query", "table": "`+name+`", "as": "rows"}]`,
		`map(rows, #.v)`))
	if got != "[1]" {
		t.Errorf("63-byte table: %s", got)
	}
	// A 64-byte table name is refused where the definition is read; a
	// name funcstack makes up (a foreign key's) where the workspace is
	// checked.
	var diags engine.Diagnostics
	engine.ParseDefinition("long.json", []byte(`{"kind": "table", "name": "`+name+`y", "fields": [{"name": "v", "type": "int"}]}`), &diags)
	if got := diags.Err(); got == nil || !strings.Contains(got.Error(), `is 64 characters long; at most 63 fit`) {
		t.Errorf("a 64-byte table name: %v", got)
	}
	target := parse(t, `{"kind": "table", "name": "`+name+`", "fields": [{"name": "v", "type": "int"}]}`)
	ref := parse(t, `{"kind": "table", "name": "`+name[:50]+`", "fields": [{"name": "parent_record", "type": "ref", "table": "`+name+`"}]}`)
	_, diags = engine.Compile([]*engine.Definition{target, ref})
	got = fmt.Sprint(diags.Errors())
	want := `fields[0].name: the name of its foreign key "` + name[:50] + `_parent_record_fkey" is 69 bytes; PostgreSQL keeps at most 63 bytes of a name (longer ones are cut, and two cut names would become one), so funcstack refuses it on every database; shorten the table's or the field's name`
	if !strings.Contains(got, want) {
		t.Errorf("diagnostics:\n%s\nlack %s", got, want)
	}
}

// msgOf is the message of a run's *engine.Error (without its definition,
// path and execution ID), or err's text.
func msgOf(err error) string {
	var ee *engine.Error
	if errors.As(err, &ee) {
		return ee.Message
	}
	if err == nil {
		return "no error"
	}
	return err.Error()
}
