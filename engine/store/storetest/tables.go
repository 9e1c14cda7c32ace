package storetest

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/store"
	"github.com/funcstack/funcstack/engine/value"
)

func testSyncTables(t *testing.T, s *store.Store) {
	v1 := parse(t, `{"kind": "table", "name": "orders", "fields": [
		{"name": "customer", "type": "text", "required": true},
		{"name": "email", "type": "email", "unique": true},
		{"name": "qty", "type": "int", "default": 1},
		{"name": "price", "type": "decimal", "default": 2.5},
		{"name": "paid", "type": "bool", "default": false},
		{"name": "note", "type": "text", "default": "it's \"quoted\"; DROP TABLE x --"},
		{"name": "meta", "type": "json", "default": {"a": [1, 2]}},
		{"name": "due", "type": "timestamp"},
		{"name": "ref", "type": "uuid"}],
		"indexes": [{"fields": ["customer", "qty"]}, {"fields": ["ref"], "unique": true}]}`)
	people := parse(t, `{"kind": "table", "name": "people", "id": "uuid", "fields": [{"name": "name", "type": "text"}]}`)
	fn := parse(t, `{"kind": "function", "name": "f", "stack": []}`)
	if err := s.SyncTables(ctx(), []*engine.Definition{v1, people, fn}, false); err != nil {
		t.Fatal(err)
	}
	if err := s.SyncTables(ctx(), []*engine.Definition{v1, people}, false); err != nil {
		t.Fatalf("syncing again without changes: %v", err)
	}
	want := "id customer email qty price paid note meta due ref created_at updated_at"
	if got := strings.Join(columns(t, s, "orders"), " "); got != want {
		t.Errorf("orders columns\n got %s\nwant %s", got, want)
	}
	// Defaults and the engine's columns.
	mustExec(t, s, `INSERT INTO "orders" ("customer", "email") VALUES (`+ph(s, 1)+`, `+ph(s, 2)+`)`, "ann", "ann@example.com")
	var id int64
	var qty int64
	var price any
	var paid bool
	var note, meta, created string
	err := s.SQL().QueryRowContext(ctx(), `SELECT "id", "qty", "price", "paid", "note", "meta", CAST("created_at" AS TEXT) FROM "orders"`).Scan(&id, &qty, &price, &paid, &note, &meta, &created)
	if err != nil {
		t.Fatal(err)
	}
	if p, err := value.DecimalT.Decode(price); err != nil || fmt.Sprint(p) != "2.5" {
		t.Errorf("decimal default: stored %#v, reads %v (%v)", price, p, err)
	}
	if id != 1 || qty != 1 || paid || note != `it's "quoted"; DROP TABLE x --` || created == "" {
		t.Errorf("row: id %d qty %d price %v paid %v note %q created %q", id, qty, price, paid, note, created)
	}
	var mv any
	if err := json.Unmarshal([]byte(meta), &mv); err != nil || fmt.Sprint(mv) != "map[a:[1 2]]" {
		t.Errorf("json default: %q (%v)", meta, err)
	}
	if s.Dialect() == store.DialectSQLite {
		if _, err := time.Parse(store.TimeFormat, created); err != nil {
			t.Errorf("created_at %q is not in the fixed-width format: %v", created, err)
		}
	}
	// unique is enforced.
	_, err = s.SQL().ExecContext(ctx(), `INSERT INTO "orders" ("customer", "email") VALUES (`+ph(s, 1)+`, `+ph(s, 2)+`)`, "bob", "ann@example.com")
	if err == nil {
		t.Error("a second row with the same unique email was accepted")
	}
	// required is enforced.
	if _, err = s.SQL().ExecContext(ctx(), `INSERT INTO "orders" ("email") VALUES (`+ph(s, 1)+`)`, "x@example.com"); err == nil {
		t.Error("a row without the required customer was accepted")
	}
	// uuid id: the engine makes the values.
	mustExec(t, s, `INSERT INTO "people" ("id", "name") VALUES (`+ph(s, 1)+`, `+ph(s, 2)+`)`, engine.NewID(), "ann")

	// Additive: a new column (even a required one with a default, and a
	// unique one), a new index; an index dropped.
	v2 := parse(t, `{"kind": "table", "name": "orders", "fields": [
		{"name": "customer", "type": "text", "required": true},
		{"name": "email", "type": "email", "unique": true},
		{"name": "qty", "type": "int", "default": 1},
		{"name": "price", "type": "decimal", "default": 2.5},
		{"name": "paid", "type": "bool", "default": false},
		{"name": "note", "type": "text", "default": "it's \"quoted\"; DROP TABLE x --"},
		{"name": "meta", "type": "json", "default": {"a": [1, 2]}},
		{"name": "due", "type": "timestamp"},
		{"name": "ref", "type": "uuid"},
		{"name": "state", "type": "text", "required": true, "default": "new"},
		{"name": "code", "type": "text", "unique": true},
		{"name": "when", "type": "timestamp", "default": "now"}],
		"indexes": [{"fields": ["ref"], "unique": true}, {"fields": ["state"]}]}`)
	if err := s.SyncTables(ctx(), []*engine.Definition{v2}, false); err != nil {
		t.Fatalf("additive change: %v", err)
	}
	var state string
	if err := s.SQL().QueryRowContext(ctx(), `SELECT "state" FROM "orders" WHERE "id" = 1`).Scan(&state); err != nil || state != "new" {
		t.Errorf("new column default on the old row: %q, %v", state, err)
	}
	want += " state code when"
	got := strings.Join(columns(t, s, "orders"), " ")
	if s.Dialect() == store.DialectSQLite {
		// SQLite rebuilds the table for a unique column; order is
		// the definition's then.
		want = "id customer email qty price paid note meta due ref state code when created_at updated_at"
	}
	if got != want {
		t.Errorf("columns after the additive change\n got %s\nwant %s", got, want)
	}
	var n int
	if err := s.SQL().QueryRowContext(ctx(), `SELECT count(*) FROM "orders"`).Scan(&n); err != nil || n != 1 {
		t.Errorf("rows after the additive change: %d, %v", n, err)
	}

	// Destructive: refused with table and column named, then forced.
	v3 := parse(t, `{"kind": "table", "name": "orders", "fields": [
		{"name": "customer", "type": "text", "required": true},
		{"name": "email", "type": "email", "unique": true},
		{"name": "qty", "type": "text"},
		{"name": "state", "type": "text", "required": true, "default": "new"}]}`)
	err = s.SyncTables(ctx(), []*engine.Definition{v3}, false)
	wantErr(t, err, "table orders: column price (decimal) was removed", "table orders: column qty changes type from int to text", "--force")
	if got := strings.Join(columns(t, s, "orders"), " "); got != want {
		t.Errorf("a refused change altered the table: %s", got)
	}
	if err := s.SyncTables(ctx(), []*engine.Definition{v3}, true); err != nil {
		t.Fatalf("forced change: %v", err)
	}
	got = strings.Join(columns(t, s, "orders"), " ")
	if s.Dialect() == store.DialectSQLite {
		want = "id customer email qty state created_at updated_at"
	} else {
		want = "id customer email created_at updated_at state qty"
	}
	if got != want {
		t.Errorf("columns after the forced change\n got %s\nwant %s", got, want)
	}
	var customer string
	if err := s.SQL().QueryRowContext(ctx(), `SELECT "customer" FROM "orders" WHERE "id" = 1`).Scan(&customer); err != nil || customer != "ann" {
		t.Errorf("kept column after the forced change: %q, %v", customer, err)
	}
	// A required column without default cannot be added to a table with rows.
	v4 := parse(t, `{"kind": "table", "name": "orders", "fields": [
		{"name": "customer", "type": "text", "required": true},
		{"name": "email", "type": "email", "unique": true},
		{"name": "qty", "type": "text"},
		{"name": "state", "type": "text", "required": true, "default": "new"},
		{"name": "must", "type": "int", "required": true}]}`)
	wantErr(t, s.SyncTables(ctx(), []*engine.Definition{v4}, false), "table orders: new column must is required but has no default", "1 rows")
	// Ids: int → uuid is destructive.
	p2 := parse(t, `{"kind": "table", "name": "people", "fields": [{"name": "name", "type": "text"}]}`)
	wantErr(t, s.SyncTables(ctx(), []*engine.Definition{p2}, false), "table people: id changes from uuid to int")
}

func testSyncRejects(t *testing.T, s *store.Store) {
	sys := &engine.Definition{Kind: engine.KindTable, Name: "funcstack_users"}
	wantErr(t, s.SyncTables(ctx(), []*engine.Definition{sys}, false), "funcstack_users", "kept for funcstack")
	bad := &engine.Definition{Kind: engine.KindTable, Name: "t", Fields: []engine.TableField{{Name: `x"; DROP TABLE t; --`, Type: "text"}}}
	wantErr(t, s.SyncTables(ctx(), []*engine.Definition{bad}, false), "table t: fields[0]", "must match")
	def := &engine.Definition{Kind: engine.KindTable, Name: "t", Fields: []engine.TableField{{Name: "n", Type: "int", Default: json.RawMessage(`"1; DROP TABLE t"`)}}}
	wantErr(t, s.SyncTables(ctx(), []*engine.Definition{def}, false), "table t: fields[0].default", "not an integer")
	ty := &engine.Definition{Kind: engine.KindTable, Name: "t", Fields: []engine.TableField{{Name: "n", Type: "money"}}}
	wantErr(t, s.SyncTables(ctx(), []*engine.Definition{ty}, false), "unknown type \"money\"")
	// A table funcstack did not make.
	mustExec(t, s, `CREATE TABLE "legacy" (x INTEGER)`)
	leg := &engine.Definition{Kind: engine.KindTable, Name: "legacy"}
	wantErr(t, s.SyncTables(ctx(), []*engine.Definition{leg}, false), "table legacy already exists but funcstack did not make it")
	if err := s.SyncTables(ctx(), []*engine.Definition{leg}, true); err != nil {
		t.Fatal(err)
	}
}
