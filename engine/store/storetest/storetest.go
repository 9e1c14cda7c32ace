package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/store"
	"github.com/funcstack/funcstack/engine/value"
)

// Run runs the suite. open must return a fresh store on an empty database;
// it should close it in t.Cleanup.
func Run(t *testing.T, open func(t *testing.T) *store.Store) {
	t.Run("MigrateIdempotent", func(t *testing.T) { testMigrate(t, open(t)) })
	t.Run("SyncTables", func(t *testing.T) { testSyncTables(t, open(t)) })
	t.Run("SyncTablesRejects", func(t *testing.T) { testSyncRejects(t, open(t)) })
	t.Run("Versions", func(t *testing.T) { testVersions(t, open(t)) })
	t.Run("ExecutionsRoundTrip", func(t *testing.T) { testExecRoundTrip(t, open(t)) })
	t.Run("Idempotency", func(t *testing.T) { testIdempotency(t, open(t)) })
	t.Run("MigrateIdempotencyKeys", func(t *testing.T) { testMigrateIdempotencyKeys(t, open(t)) })
	t.Run("Prune", func(t *testing.T) { testPrune(t, open(t)) })
	t.Run("PruneKeeps", func(t *testing.T) { testPruneKeeps(t, open(t)) })
	t.Run("ConcurrentSaves", func(t *testing.T) { testConcurrent(t, open(t)) })
	t.Run("NewRecords", func(t *testing.T) { testNewRecords(t, open(t)) })
	t.Run("HostileRecords", func(t *testing.T) { testHostileRecords(t, open(t)) })
	t.Run("Rename", func(t *testing.T) { testRename(t, open(t)) })
	t.Run("TableInfo", func(t *testing.T) { testTableInfo(t, open(t)) })
	t.Run("History", func(t *testing.T) { testHistory(t, open(t)) })
	t.Run("MigrateOrigin", func(t *testing.T) { testMigrateOrigin(t, open(t)) })
	t.Run("Notes", func(t *testing.T) { testNotes(t, open(t)) })
	t.Run("Nodes", func(t *testing.T) { testNodes(t, open(t)) })
	t.Run("CloseLost", func(t *testing.T) { testCloseLost(t, open(t)) })
	t.Run("Decimals", func(t *testing.T) { testDecimals(t, open(t)) })
	t.Run("DecimalMigration", func(t *testing.T) { testDecimalMigration(t, open(t)) })
	t.Run("SQLTypedColumns", func(t *testing.T) { testSQLTypedColumns(t, open(t)) })
	t.Run("RelationsInclude", func(t *testing.T) { testRelationsInclude(t, open(t)) })
	t.Run("RelationsDelete", func(t *testing.T) { testRelationsDelete(t, open(t)) })
	t.Run("RelationsMigrate", func(t *testing.T) { testRelationsMigrate(t, open(t)) })
	t.Run("NameCaps", func(t *testing.T) { testNameCaps(t, open(t)) })
}

func ctx() context.Context { return context.Background() }

func parse(t *testing.T, doc string) *engine.Definition {
	t.Helper()
	var diags engine.Diagnostics
	d := engine.ParseDefinition("test.json", []byte(doc), &diags)
	if d == nil || diags.HasErrors() {
		t.Fatalf("bad test definition: %v", diags.Err())
	}
	return d
}

func testMigrate(t *testing.T, s *store.Store) {
	for i := 0; i < 2; i++ {
		if err := s.Migrate(ctx()); err != nil {
			t.Fatalf("migrate #%d: %v", i+2, err)
		}
	}
}

// columns returns the column names of a table, in order.
func columns(t *testing.T, s *store.Store, table string) []string {
	t.Helper()
	rows, err := s.SQL().QueryContext(ctx(), `SELECT * FROM "`+table+`" WHERE 1 = 0`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	return cols
}

func ph(s *store.Store, n int) string {
	if s.Dialect() == store.DialectPostgres {
		return fmt.Sprintf("$%d", n)
	}
	return "?"
}

func mustExec(t *testing.T, s *store.Store, q string, args ...any) {
	t.Helper()
	if _, err := s.SQL().ExecContext(ctx(), q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func wantErr(t *testing.T, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error; want one containing %q", parts)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error %q lacks %q", err, p)
		}
	}
}

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

func testVersions(t *testing.T, s *store.Store) {
	a1 := parse(t, `{"kind": "function", "name": "a", "stack": [{"type": "return", "value": "1"}]}`)
	v, changed, err := s.SaveDefinition(ctx(), a1)
	if err != nil || v != 1 || !changed {
		t.Fatalf("first save: v%d changed %v err %v", v, changed, err)
	}
	// Same content, other spacing and key order: no new version.
	same := parse(t, `{"stack": [{"value": "1", "type": "return"}],   "name": "a", "kind": "function"}`)
	v, changed, err = s.SaveDefinition(ctx(), same)
	if err != nil || v != 1 || changed {
		t.Fatalf("unchanged save: v%d changed %v err %v", v, changed, err)
	}
	a2 := parse(t, `{"kind": "function", "name": "a", "stack": [{"type": "return", "value": "2"}]}`)
	if v, changed, err = s.SaveDefinition(ctx(), a2); err != nil || v != 2 || !changed {
		t.Fatalf("changed save: v%d changed %v err %v", v, changed, err)
	}
	if _, err := s.GetPublished(ctx(), "a"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("published before publishing: %v", err)
	}
	if err := s.Publish(ctx(), "a", 1); err != nil {
		t.Fatal(err)
	}
	wantErr(t, s.Publish(ctx(), "a", 9), "definition a has no version 9")
	wantErr(t, s.Publish(ctx(), "nope", 1), "no definition by that name")
	d, err := s.GetPublished(ctx(), "a")
	if err != nil || !strings.Contains(string(d.Raw), `"1"`) {
		t.Fatalf("published: %v %s", err, d.Raw)
	}
	d, err = s.Get(ctx(), "a")
	if err != nil || !strings.Contains(string(d.Raw), `"2"`) || d.Kind != engine.KindFunction || d.Name != "a" {
		t.Fatalf("latest: %v %+v", err, d)
	}
	n, err := s.Restore(ctx(), "a", 1)
	if err != nil || n != 3 {
		t.Fatalf("restore: v%d %v", n, err)
	}
	h, err := s.History(ctx(), "a")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, x := range h {
		got = append(got, fmt.Sprintf("%d:%v:%s", x.Version, x.Published, x.Note))
	}
	if want := "3:false:restored from version 1 2:false: 1:true:"; strings.Join(got, " ") != want {
		t.Errorf("history\n got %s\nwant %s", strings.Join(got, " "), want)
	}
	if h[0].Hash != h[2].Hash {
		t.Error("the restored version's content differs from version 1")
	}
	b1 := parse(t, `{"kind": "table", "name": "b", "fields": [{"name": "x", "type": "int"}]}`)
	if _, _, err := s.SaveDefinition(ctx(), b1); err != nil {
		t.Fatal(err)
	}
	all, err := s.List(ctx())
	if err != nil || len(all) != 2 || all[0].Name != "a" || all[1].Name != "b" || !strings.Contains(string(all[0].Raw), `"1"`) {
		t.Fatalf("list: %v %v", all, err)
	}
	pub, err := s.ListPublished(ctx())
	if err != nil || len(pub) != 1 || pub[0].Name != "a" {
		t.Fatalf("list published: %v %v", pub, err)
	}
	if err := s.Delete(ctx(), "a"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ctx(), "a"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("get after delete: %v", err)
	}
	if err := s.Delete(ctx(), "a"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("second delete: %v", err)
	}
	if _, _, err := s.SaveDefinition(ctx(), &engine.Definition{Name: "Bad Name"}); err == nil {
		t.Error("a bad name was saved")
	}
}

func sampleRecord(id string) *engine.ExecutionRecord {
	now := time.Now().UTC().Truncate(time.Microsecond)
	return &engine.ExecutionRecord{ID: id, Function: "f", Mode: engine.ModeAsync, Status: engine.StatusFailed,
		Input:  map[string]any{"n": 3, "s": "<&>", "list": []any{1, 2.5, "x", nil, true}},
		Output: map[string]any{"big": 1 << 60, "nested": map[string]any{"k": []any{}}},
		Error:  &engine.Error{Code: "boom", Message: "it broke", Status: 502, Definition: "f", Path: "stack[0]", ExecutionID: id},
		Parent: "parent-1", Attempts: 2, IdempotencyKey: "k1",
		CreatedAt: now.Add(-time.Second), StartedAt: now.Add(-time.Millisecond), FinishedAt: now,
		Trace: []engine.TraceEntry{{Path: "stack[0]", Type: "var", Definition: "f", StartNs: 1, DurationNs: 2, Result: 7}},
		Logs:  []engine.LogEntry{{Time: now, Path: "stack[1]", Value: map[string]any{"a": "b\x00c"}}}}
}

// hostile are texts a client may send as input, chosen to break a store
// that writes records carelessly: quotes, comments, statement ends,
// backslashes, escapes of either backend, unicode, invalid UTF-8, long.
var hostile = []string{
	`'`, `''`, `\'`, `\`, `"`, "`", `'); DROP TABLE funcstack_executions; --`, `' OR '1'='1`,
	"-- comment", "/* open comment", "$1", "?", "%s", "\x00", "e'\\x41'", `\u0000`, "line\nbreak\r\t",
	"Ünïcødé ✓ 𝔘 🙂", "\u2028\u2029", "\xff\xfe invalid UTF-8 \xc3\x28", strings.Repeat("'", 10000),
	strings.Repeat("x", 200000),
}

// testHostileRecords: every hostile text, as input, output, log value,
// error message and idempotency key, comes back as it went in (invalid
// UTF-8 as U+FFFD, as encoding/json writes it), in batches of one and of
// many, and the table is still there.
func testHostileRecords(t *testing.T, s *store.Store) {
	es := s.ExecutionRecords()
	ids := make([]string, len(hostile))
	for i, h := range hostile {
		ids[i] = engine.NewID()
		rec := &engine.ExecutionRecord{ID: ids[i], Function: "f", Mode: engine.ModeSync, Status: engine.StatusFailed,
			Input: map[string]any{h: h, "list": []any{h}}, Output: h, IdempotencyKey: h, Parent: h,
			Error:     &engine.Error{Code: "c", Message: h, ExecutionID: ids[i]},
			Logs:      []engine.LogEntry{{Time: time.Now().UTC(), Path: "stack[0]", Value: h}},
			CreatedAt: time.Now().UTC(), StartedAt: time.Now().UTC(), FinishedAt: time.Now().UTC()}
		if err := es.Save(ctx(), rec); err != nil {
			t.Fatal(err)
		}
		if i == 3 { // a batch of a few, then one of the rest
			if err := es.Flush(ctx()); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := es.Flush(ctx()); err != nil {
		t.Fatal(err)
	}
	for i, h := range hostile {
		// What encoding/json makes of h: NUL and invalid UTF-8 are the
		// only changes a store may make.
		b, _ := json.Marshal(h)
		var want string
		_ = json.Unmarshal(b, &want)
		want = strings.ReplaceAll(want, "\x00", "\uFFFD")
		key := strings.ReplaceAll(strings.ToValidUTF8(h, "\uFFFD"), "\x00", "\uFFFD") // text columns
		got, err := es.Get(ctx(), ids[i])
		if err != nil {
			t.Fatalf("hostile text %d: %v", i, err)
		}
		in, _ := got.Input.(map[string]any)
		short := h
		if len(short) > 40 {
			short = short[:40] + "…"
		}
		if got.Output != want || in == nil || in[want] != want || got.Error == nil || got.Error.Message != want ||
			len(got.Logs) != 1 || got.Logs[0].Value != want || got.IdempotencyKey != key || got.Parent != key {
			t.Errorf("hostile text %d (%q) did not come back as it went in: output %q, error %+v", i, short, got.Output, got.Error)
		}
	}
	// Hostile idempotency keys claim and find their execution.
	for i, h := range hostile {
		first, err := es.ClaimIdempotencyKey(ctx(), "f", h, h, ids[i], time.Hour)
		if err != nil || first != ids[i] {
			t.Fatalf("claiming hostile key %d: %q %v", i, first, err)
		}
		again, err := es.ClaimIdempotencyKey(ctx(), "f", h, h, engine.NewID(), time.Hour)
		if err != nil || again != ids[i] {
			t.Errorf("hostile key %d claimed again: %q %v, want %s", i, again, err, ids[i])
		}
	}
	var n int
	if err := s.SQL().QueryRowContext(ctx(), "SELECT count(*) FROM funcstack_executions").Scan(&n); err != nil || n != len(hostile) {
		t.Errorf("the table holds %d records (%v), want %d", n, err, len(hostile))
	}
}

func testExecRoundTrip(t *testing.T, s *store.Store) {
	es := s.ExecutionRecords()
	id := engine.NewID()
	rec := sampleRecord(id)
	if err := es.Save(ctx(), rec); err != nil {
		t.Fatal(err)
	}
	rec.Status = "mutated after save" // the store must have copied it
	// Still in the batch (the flusher waits FlushInterval).
	got, err := es.Get(ctx(), id)
	if err != nil || got.Status != engine.StatusFailed {
		t.Fatalf("get of a queued record: %+v %v", got, err)
	}
	if err := es.Flush(ctx()); err != nil {
		t.Fatal(err)
	}
	got, err = es.Get(ctx(), id)
	if err != nil {
		t.Fatal(err)
	}
	want := sampleRecord(id)
	want.CreatedAt, want.StartedAt, want.FinishedAt = rec.CreatedAt, rec.StartedAt, rec.FinishedAt
	want.Logs[0].Time = rec.Logs[0].Time
	want.Logs[0].Value = map[string]any{"a": "b\uFFFDc"} // NUL cannot be stored
	wj, _ := json.Marshal(want)
	gj, _ := json.Marshal(got)
	if string(wj) != string(gj) {
		t.Errorf("round trip\n got %s\nwant %s", gj, wj)
	}
	if n, ok := got.Input.(map[string]any)["n"].(int); !ok || n != 3 {
		t.Errorf("numbers come back as int: %T", got.Input.(map[string]any)["n"])
	}
	// Update in place.
	rec = sampleRecord(id)
	rec.Status, rec.Error, rec.Output = engine.StatusSucceeded, nil, "done"
	if err := es.Save(ctx(), rec); err != nil {
		t.Fatal(err)
	}
	if err := es.Flush(ctx()); err != nil {
		t.Fatal(err)
	}
	got, err = es.Get(ctx(), id)
	if err != nil || got.Status != engine.StatusSucceeded || got.Error != nil || got.Output != "done" {
		t.Fatalf("updated: %+v %v", got, err)
	}
	if _, err := es.Get(ctx(), "nope"); !errors.Is(err, engine.ErrNoExecution) {
		t.Errorf("unknown id: %v", err)
	}
	list, err := es.List(ctx(), store.ListOptions{Function: "f"})
	if err != nil || len(list) != 1 || list[0].ID != id {
		t.Errorf("list: %v %v", list, err)
	}
}

func testIdempotency(t *testing.T, s *store.Store) {
	es := s.Executions()
	got, err := es.ClaimIdempotencyKey(ctx(), "f", "key", "fp1", "id1", time.Hour)
	if err != nil || got != "id1" {
		t.Fatalf("first claim: %q %v", got, err)
	}
	got, err = es.ClaimIdempotencyKey(ctx(), "f", "key", "fp1", "id2", time.Hour)
	if err != nil || got != "id1" {
		t.Fatalf("second claim with the same input: %q %v", got, err)
	}
	// The same key with another input is refused, naming the key, the
	// function and the first execution.
	got, err = es.ClaimIdempotencyKey(ctx(), "f", "key", "fp2", "id2b", time.Hour)
	e := engine.AsError(err)
	want := `the idempotency key "key" was first used for function f with a different input, by execution id1; ` +
		`a key stays bound to its first input for 1h. Send a new key for a new run, or send the first input again to get execution id1`
	if err == nil || got != "id1" || e.Code != engine.CodeIdempotencyKeyReused || e.HTTPStatus() != 422 || e.ExecutionID != "id1" || e.Message != want {
		t.Fatalf("claim with another input: %q %+v", got, e)
	}
	if got, _ = es.ClaimIdempotencyKey(ctx(), "g", "key", "fp2", "id3", time.Hour); got != "id3" {
		t.Errorf("other scope: %q", got)
	}
	// Expiry frees the key for any input.
	if got, _ = es.ClaimIdempotencyKey(ctx(), "f", "short", "fp1", "id4", 30*time.Millisecond); got != "id4" {
		t.Fatalf("short claim: %q", got)
	}
	time.Sleep(60 * time.Millisecond)
	if got, err = es.ClaimIdempotencyKey(ctx(), "f", "short", "fp2", "id5", time.Hour); got != "id5" || err != nil {
		t.Errorf("claim after expiry: %q %v, want id5", got, err)
	}
	if got, err = es.ClaimIdempotencyKey(ctx(), "f", "short", "fp1", "id6", time.Hour); got != "id5" || err == nil {
		t.Errorf("the claim after expiry keeps its own input: %q %v, want id5 and an error", got, err)
	}
	// Racing claims: exactly one wins.
	var wg sync.WaitGroup
	res := make([]string, 16)
	for i := range res {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res[i], _ = es.ClaimIdempotencyKey(ctx(), "f", "race", "fp", fmt.Sprint("r", i), time.Hour)
		}()
	}
	wg.Wait()
	for _, r := range res {
		if r != res[0] || r == "" {
			t.Fatalf("racing claims disagree: %v", res)
		}
	}
}

// testMigrateIdempotencyKeys migrates a key table made before input
// fingerprints were kept: it gains the column, and a key claimed then
// keeps giving its execution for any input.
func testMigrateIdempotencyKeys(t *testing.T, s *store.Store) {
	timeType := "TEXT"
	if s.Dialect() == store.DialectPostgres {
		timeType = "TIMESTAMPTZ"
	}
	mustExec(t, s, `DROP TABLE funcstack_idempotency_keys`)
	mustExec(t, s, `CREATE TABLE funcstack_idempotency_keys (
		scope TEXT NOT NULL,
		"key" TEXT NOT NULL,
		execution_id TEXT NOT NULL,
		expires_at `+timeType+` NOT NULL,
		PRIMARY KEY (scope, "key"))`)
	// A key claimed by an older funcstack.
	es := s.Executions()
	var expires any = time.Now().Add(time.Hour).UTC()
	if s.Dialect() == store.DialectSQLite {
		expires = store.FormatTime(time.Now().Add(time.Hour))
	}
	mustExec(t, s, `INSERT INTO funcstack_idempotency_keys (scope, "key", execution_id, expires_at) VALUES (`+
		ph(s, 1)+`, `+ph(s, 2)+`, `+ph(s, 3)+`, `+ph(s, 4)+`)`, "f", "old", "id-old", expires)
	for i := 0; i < 2; i++ {
		if err := s.Migrate(ctx()); err != nil {
			t.Fatalf("migrate #%d of an old key table: %v", i+1, err)
		}
	}
	if cols := strings.Join(columns(t, s, "funcstack_idempotency_keys"), ","); !strings.Contains(cols, "fingerprint") {
		t.Fatalf("columns after migration: %s", cols)
	}
	for _, fp := range []string{"fp1", "fp2"} {
		if got, err := es.ClaimIdempotencyKey(ctx(), "f", "old", fp, engine.NewID(), time.Hour); err != nil || got != "id-old" {
			t.Errorf("an old key claimed again with input %s: %q %v, want id-old", fp, got, err)
		}
	}
	// New keys keep their input.
	if got, err := es.ClaimIdempotencyKey(ctx(), "f", "new", "fp1", "id-new", time.Hour); err != nil || got != "id-new" {
		t.Fatalf("a new key: %q %v", got, err)
	}
	if _, err := es.ClaimIdempotencyKey(ctx(), "f", "new", "fp2", engine.NewID(), time.Hour); engine.AsError(err).Code != engine.CodeIdempotencyKeyReused {
		t.Errorf("a new key with another input: %v", err)
	}
}

func testPrune(t *testing.T, s *store.Store) {
	es := s.ExecutionRecords()
	old := sampleRecord(engine.NewID())
	old.CreatedAt = time.Now().Add(-30 * 24 * time.Hour)
	oldRunning := sampleRecord(engine.NewID())
	oldRunning.CreatedAt, oldRunning.Status = old.CreatedAt, engine.StatusRunning
	fresh := sampleRecord(engine.NewID())
	for _, r := range []*engine.ExecutionRecord{old, oldRunning, fresh} {
		if err := es.Save(ctx(), r); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := es.ClaimIdempotencyKey(ctx(), "f", "gone", "fp", "x", time.Millisecond); err != nil {
		t.Fatal(err)
	}
	// API keys' links: to the old record (pruned with it), to the kept one, and an old link whose record is kept
	for _, id := range []string{old.ID, fresh.ID, oldRunning.ID} {
		if err := s.OwnExecution(ctx(), id, "key1"); err != nil {
			t.Fatal(err)
		}
	}
	// durable runs counted for an old root and a new one
	tx, err := s.SQL().BeginTx(ctx(), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, root := range []string{old.ID, fresh.ID} {
		if n, err := s.CountDescendantsIn(ctx(), tx, root, 2); err != nil || n != 2 {
			t.Fatalf("counting the durable runs of %s: %d %v", root, n, err)
		}
	}
	if n, err := s.CountDescendantsIn(ctx(), tx, fresh.ID, 3); err != nil || n != 5 {
		t.Fatalf("counting on: %d %v, want 5", n, err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	at := any(store.FormatTime(old.CreatedAt))
	backdate := []string{"UPDATE funcstack_api_key_executions SET created_at = ? WHERE execution_id IN (?, ?)", "UPDATE funcstack_durable_roots SET created_at = ? WHERE root IN (?, ?)"}
	if s.Dialect() == store.DialectPostgres {
		at = old.CreatedAt
		for i := range backdate {
			backdate[i] = strings.NewReplacer("= ?", "= $1", "(?, ?)", "($2, $3)").Replace(backdate[i])
		}
	}
	for _, q := range backdate {
		if _, err := s.SQL().ExecContext(ctx(), q, at, old.ID, oldRunning.ID); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(5 * time.Millisecond)
	if err := es.Flush(ctx()); err != nil {
		t.Fatal(err)
	}
	n, err := es.Prune(ctx())
	if err != nil || n != 1 {
		t.Fatalf("prune deleted %d, %v; want 1", n, err)
	}
	if _, err := es.Get(ctx(), old.ID); !errors.Is(err, engine.ErrNoExecution) {
		t.Errorf("old record kept: %v", err)
	}
	for _, r := range []*engine.ExecutionRecord{oldRunning, fresh} {
		if _, err := es.Get(ctx(), r.ID); err != nil {
			t.Errorf("record %s (%s) pruned: %v", r.ID, r.Status, err)
		}
	}
	var keys int
	if err := s.SQL().QueryRowContext(ctx(), "SELECT count(*) FROM funcstack_idempotency_keys").Scan(&keys); err != nil || keys != 0 {
		t.Errorf("expired idempotency keys left: %d %v", keys, err)
	}
	var roots []string
	rows, err := s.SQL().QueryContext(ctx(), "SELECT root FROM funcstack_durable_roots")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var r string
		_ = rows.Scan(&r)
		roots = append(roots, r)
	}
	rows.Close()
	if len(roots) != 1 || roots[0] != fresh.ID {
		t.Errorf("durable roots after pruning: %v, want only %s", roots, fresh.ID)
	}
	for id, want := range map[string]string{old.ID: "", fresh.ID: "key1", oldRunning.ID: "key1"} {
		if got, err := s.ExecutionOwner(ctx(), id); err != nil || got != want {
			t.Errorf("the API key of execution %s after pruning: %q %v, want %q", id, got, err, want)
		}
	}
}

// testPruneKeeps: a definition's history.keep replaces the retention
// (7 days) for its records, shorter or longer; the others keep it.
func testPruneKeeps(t *testing.T, s *store.Store) {
	es := s.ExecutionRecords()
	es.SetKeeps(map[string]time.Duration{"short": 12 * time.Hour, "long": 30 * 24 * time.Hour, "o'quote": time.Hour})
	ids := map[string]string{}
	add := func(fn string, age time.Duration) {
		r := sampleRecord(engine.NewID())
		r.Function, r.CreatedAt, r.Status = fn, time.Now().Add(-age), engine.StatusSucceeded
		ids[r.ID] = fmt.Sprintf("%s %s", fn, age)
		if err := es.Save(ctx(), r); err != nil {
			t.Fatal(err)
		}
	}
	for _, fn := range []string{"short", "long", "plain", "o'quote"} {
		for _, age := range []time.Duration{30 * time.Minute, 2 * time.Hour, 13 * time.Hour, 8 * 24 * time.Hour, 31 * 24 * time.Hour} {
			add(fn, age)
		}
	}
	if err := es.Flush(ctx()); err != nil {
		t.Fatal(err)
	}
	n, err := es.Prune(ctx())
	if err != nil {
		t.Fatal(err)
	}
	var left []string
	for id, what := range ids {
		if _, err := es.Get(ctx(), id); err == nil {
			left = append(left, what)
		} else if !errors.Is(err, engine.ErrNoExecution) {
			t.Fatal(err)
		}
	}
	sort.Strings(left)
	want := "long 13h0m0s, long 192h0m0s, long 2h0m0s, long 30m0s, o'quote 30m0s, plain 13h0m0s, plain 2h0m0s, plain 30m0s, short 2h0m0s, short 30m0s"
	if got := strings.Join(left, ", "); got != want || n != 10 {
		t.Errorf("pruned %d; left\n %s\nwant\n %s", n, got, want)
	}
}

// testNewRecords: records kept as new (Keep: the engine's sync runs,
// which PostgreSQL inserts without ON CONFLICT) end as their last version
// whatever follows them: a version saved while the new one waits in the
// batch, one saved after it is written; and a record kept as new whose ID
// is in the table already (a broken promise) still replaces it, without
// losing the other records of its batch.
func testNewRecords(t *testing.T, s *store.Store) {
	es := s.ExecutionRecords()
	rec := func(id, status string) *engine.ExecutionRecord {
		return &engine.ExecutionRecord{ID: id, Function: "f", Mode: engine.ModeSync, Status: status, CreatedAt: time.Now(), Output: status}
	}
	pendingThenSaved, writtenThenSaved, there, alone := engine.NewID(), engine.NewID(), engine.NewID(), engine.NewID()
	if err := es.Save(ctx(), rec(there, engine.StatusQueued)); err != nil {
		t.Fatal(err)
	}
	if err := es.Keep(ctx(), rec(writtenThenSaved, engine.StatusRunning)); err != nil {
		t.Fatal(err)
	}
	if err := es.Flush(ctx()); err != nil {
		t.Fatal(err)
	}
	for _, k := range []*engine.ExecutionRecord{rec(pendingThenSaved, engine.StatusRunning), rec(there, engine.StatusSucceeded), rec(alone, engine.StatusSucceeded)} {
		if err := es.Keep(ctx(), k); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range []*engine.ExecutionRecord{rec(pendingThenSaved, engine.StatusSucceeded), rec(writtenThenSaved, engine.StatusSucceeded)} {
		if err := es.Save(ctx(), r); err != nil {
			t.Fatal(err)
		}
	}
	if err := es.Flush(ctx()); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{pendingThenSaved, writtenThenSaved, there, alone} {
		var status, output string
		if err := s.SQL().QueryRowContext(ctx(), "SELECT status, output FROM funcstack_executions WHERE id = "+ph(s, 1), id).Scan(&status, &output); err != nil {
			t.Fatalf("record %s: %v", id, err)
		}
		if status != engine.StatusSucceeded || output != `"succeeded"` {
			t.Errorf("record %s: status %s, output %s; want succeeded", id, status, output)
		}
	}
}

func testConcurrent(t *testing.T, s *store.Store) {
	es := s.ExecutionRecords()
	const goroutines, each = 32, 100
	var wg sync.WaitGroup
	ids := make([][]string, goroutines)
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				id := engine.NewID()
				ids[g] = append(ids[g], id)
				r := &engine.ExecutionRecord{ID: id, Function: "f", Status: engine.StatusQueued, CreatedAt: time.Now(), Input: map[string]any{"g": g, "i": i}}
				if err := es.Save(ctx(), r); err != nil {
					t.Error(err)
					return
				}
				r2 := *r
				r2.Status, r2.Output = engine.StatusSucceeded, i
				if err := es.Save(ctx(), &r2); err != nil {
					t.Error(err)
					return
				}
				if got, err := es.Get(ctx(), id); err != nil || got.Status != engine.StatusSucceeded {
					t.Errorf("get right after save: %v %v", got, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if err := es.Flush(ctx()); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := s.SQL().QueryRowContext(ctx(), "SELECT count(*) FROM funcstack_executions WHERE status = 'succeeded'").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != goroutines*each {
		t.Errorf("%d succeeded records written, want %d", n, goroutines*each)
	}
	got, err := es.Get(ctx(), ids[3][7])
	if err != nil || got.Output != 7 {
		t.Errorf("a record: %+v %v", got, err)
	}
}
