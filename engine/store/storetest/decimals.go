package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/store"
	_ "github.com/funcstack/funcstack/steps" // the db.* steps
)

// The decimal tests run stacks of db steps on the store, as a workspace
// would: values go through the engine, the steps and engine/tables'
// codec, and are checked as a user reads them (JSON), and as the
// database holds them.

const itemTable = `{"kind": "table", "name": "item", "fields": [
	{"name": "name", "type": "text"}, {"name": "price", "type": "decimal", "default": 2.50}]}`

// runStack runs the function main of defs on s with input and returns
// its output as JSON.
func runStack(t *testing.T, s *store.Store, input map[string]any, defs ...string) string {
	t.Helper()
	out, err := runMain(t, s, input, defs...)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	return out
}

// runMain syncs the tables of defs on s, runs their function main with
// input and returns its output as JSON, or the run's error.
func runMain(t *testing.T, s *store.Store, input map[string]any, defs ...string) (string, error) {
	t.Helper()
	var parsed []*engine.Definition
	for _, d := range defs {
		parsed = append(parsed, parse(t, d))
	}
	prog, diags := engine.Compile(parsed)
	if diags.HasErrors() {
		t.Fatalf("compile: %v", diags.Err())
	}
	if err := s.SyncTables(ctx(), parsed, false); err != nil {
		t.Fatal(err)
	}
	e := engine.New(engine.Config{DB: s})
	defer e.Close()
	e.Load(prog)
	res, err := e.Run(context.Background(), "main", input, engine.RunOptions{})
	if err != nil {
		return "", err
	}
	b, err := json.Marshal(res.Output)
	if err != nil {
		t.Fatal(err)
	}
	return string(b), nil
}

func mainOf(input, stack, response string) string {
	return fmt.Sprintf(`{"kind": "function", "name": "main", "input": %s, "stack": %s, "response": %q}`, input, stack, response)
}

func testDecimals(t *testing.T, s *store.Store) {
	// 0.1 + 0.2 is stored as 0.3 and read back as 0.3.
	got := runStack(t, s, map[string]any{"a": json.Number("0.1"), "b": json.Number("0.2")}, itemTable, mainOf(
		`[{"name": "a", "type": "decimal"}, {"name": "b", "type": "decimal"}]`,
		`[{"type": "db.add", "table": "item", "data": {"name": "'sum'", "price": "input.a + input.b"}, "as": "added"},
		  {"type": "db.get", "table": "item", "id": "added.id", "as": "back"},
		  {"type": "db.add", "table": "item", "data": {"name": "'default'"}, "as": "dflt"}]`,
		`{"price": back.price, "is_03": back.price == 0.3, "default": dflt.price}`))
	if want := `{"default":2.5,"is_03":true,"price":0.3}`; got != want {
		t.Errorf("0.1 + 0.2:\n got  %s\n want %s", got, want)
	}
	var raw string
	q := `SELECT CAST("price" AS TEXT) FROM "item" WHERE "name" = 'sum'`
	if err := s.SQL().QueryRowContext(ctx(), q).Scan(&raw); err != nil {
		t.Fatal(err)
	}
	if want := map[string]string{store.DialectSQLite: ">5000:3", store.DialectPostgres: "0.3"}[s.Dialect()]; raw != want {
		t.Errorf("stored 0.1 + 0.2 as %q, want %q", raw, want)
	}

	// 1,000 prices sum exactly, in an expression over the records.
	got = runStack(t, s, nil, itemTable, mainOf(`[]`,
		`[{"type": "db.bulk", "table": "item", "op": "add", "items": "map(1..1000, ({'name': 'bulk', 'price': decimal('0.01') * # + decimal('19.99')}))"},
		  {"type": "db.query", "table": "item", "where": "item.name == 'bulk'", "as": "rows"}]`,
		`{"n": len(rows), "total": sum(rows, #.price), "mean": mean(map(rows, #.price))}`))
	// Σ (19.99 + 0.01 i) for i = 1…1000 = 19990 + 0.01 × 500500 = 24995.
	if want := `{"mean":24.995,"n":1000,"total":24995.00}`; got != want {
		t.Errorf("1,000 prices:\n got  %s\n want %s", got, want)
	}

	// Sorting and comparing by value on both databases ("10" < "9" as
	// text).
	got = runStack(t, s, nil, itemTable, mainOf(`[]`,
		`[{"type": "db.bulk", "table": "item", "op": "add", "items": "map([9, 10, 9.5, -1, 100, 0.5, -10, -0.5, 0], ({'name': 'sort', 'price': decimal(#)}))"},
		  {"type": "db.query", "table": "item", "where": "item.name == 'sort'", "sort": ["price"], "as": "up"},
		  {"type": "db.query", "table": "item", "where": "item.name == 'sort' && item.price > 9 && item.price != 100", "sort": ["-price"], "as": "some"},
		  {"type": "db.get", "table": "item", "by": {"name": "'sort'", "price": "decimal('9.50')"}, "as": "nine"}]`,
		`{"up": map(up, #.price), "some": map(some, #.price), "nine": nine.price}`))
	if want := `{"nine":9.5,"some":[10,9.5],"up":[-10,-1,-0.5,0,0.5,9,9.5,10,100]}`; got != want {
		t.Errorf("order:\n got  %s\n want %s", got, want)
	}
}

// testDecimalMigration: a table whose decimal column an older funcstack
// made (binary floats: REAL on SQLite, DOUBLE PRECISION on PostgreSQL) is
// converted by the next sync, its values kept and then sorted by value.
func testDecimalMigration(t *testing.T, s *store.Store) {
	pg := s.Dialect() == store.DialectPostgres
	ddl := `CREATE TABLE "legacy_price" ("id" INTEGER PRIMARY KEY AUTOINCREMENT, "price" REAL DEFAULT 2.5,
		"created_at" TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z','now')),
		"updated_at" TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z','now')))`
	if pg {
		ddl = `CREATE TABLE "legacy_price" ("id" BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, "price" DOUBLE PRECISION DEFAULT 2.5,
			"created_at" TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP, "updated_at" TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP)`
	}
	mustExec(t, s, ddl)
	mustExec(t, s, `INSERT INTO funcstack_tables (name, spec, updated_at) VALUES (`+ph(s, 1)+`, `+ph(s, 2)+`, CURRENT_TIMESTAMP)`,
		"legacy_price", `{"name":"legacy_price","id":"int","columns":[{"name":"price","type":"decimal","default":"2.5"}]}`)
	for _, p := range []float64{10, 0.1, 9, 0.30000000000000004, -2} {
		mustExec(t, s, `INSERT INTO "legacy_price" ("price") VALUES (`+ph(s, 1)+`)`, p)
	}
	mustExec(t, s, `INSERT INTO "legacy_price" ("price") VALUES (NULL)`)
	def := `{"kind": "table", "name": "legacy_price", "fields": [{"name": "price", "type": "decimal", "default": 2.5}]}`
	got := runStack(t, s, nil, def, mainOf(`[]`,
		`[{"type": "db.add", "table": "legacy_price", "data": {}, "as": "fresh"},
		  {"type": "db.query", "table": "legacy_price", "sort": ["price"], "as": "rows"}]`,
		`{"prices": map(rows, #.price), "fresh": fresh.price}`))
	if want := `{"fresh":2.5,"prices":[-2,0.1,0.30000000000000004,2.5,9,10,null]}`; got != want {
		t.Errorf("migrated decimals:\n got  %s\n want %s", got, want)
	}
	var typ string
	q := `SELECT type FROM pragma_table_info('legacy_price') WHERE name = 'price'`
	if pg {
		q = `SELECT data_type FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'legacy_price' AND column_name = 'price'`
	}
	if err := s.SQL().QueryRowContext(ctx(), q).Scan(&typ); err != nil {
		t.Fatal(err)
	}
	if want := map[bool]string{false: "DECIMAL_TEXT", true: "numeric"}[pg]; typ != want {
		t.Errorf("the price column is %s after the sync, want %s", typ, want)
	}
	// A second sync finds nothing to do.
	if err := s.SyncTables(ctx(), []*engine.Definition{parse(t, def)}, false); err != nil {
		t.Fatal(err)
	}
}
