package steps_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/store"
	"github.com/funcstack/funcstack/engine/store/storetest"
)

// The tables every db test works on.
const (
	usersDef = `{"kind": "table", "name": "users", "fields": [
		{"name": "email", "type": "email", "required": true, "unique": true},
		{"name": "name", "type": "text"},
		{"name": "age", "type": "int"},
		{"name": "score", "type": "decimal"},
		{"name": "active", "type": "bool", "default": true},
		{"name": "born", "type": "timestamp"},
		{"name": "meta", "type": "json"}],
		"indexes": [{"fields": ["age"]}]}`
	docsDef     = `{"kind": "table", "name": "docs", "id": "uuid", "fields": [{"name": "title", "type": "text"}, {"name": "tags", "type": "json"}]}`
	countersDef = `{"kind": "table", "name": "counters", "fields": [{"name": "name", "type": "text", "unique": true}, {"name": "value", "type": "int", "required": true}]}`
	notesDef    = `{"kind": "table", "name": "notes", "fields": [{"name": "body", "type": "text"}, {"name": "n", "type": "int"}]}`
)

var dbTables = []string{usersDef, docsDef, countersDef, notesDef}

func init() {
	// The catalogue examples of the db steps read the table users.
	for _, n := range []string{"db.query", "db.get", "db.add", "db.edit", "db.patch", "db.upsert", "db.delete", "db.bulk", "db.transaction", "db.sql"} {
		preambles[n] = examplePreamble{}
	}
	exampleSupport = append(exampleSupport, usersDef)
}

// backend is one database the db tests run on.
type backend struct {
	name string
	st   *store.Store
}

// backends opens a fresh SQLite database and a fresh PostgreSQL schema
// (skipped when unreachable, fatal on CI) with the test tables.
func backends(t testing.TB) []backend {
	t.Helper()
	ctx := context.Background()
	var out []backend
	open := func(name string, opt store.Options) {
		opt.PruneInterval = -1
		st, err := store.Open(ctx, opt)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		t.Cleanup(func() { st.Close() })
		var defs []*engine.Definition
		for _, d := range dbTables {
			var diags engine.Diagnostics
			defs = append(defs, engine.ParseDefinition("t.json", []byte(d), &diags))
		}
		if err := st.SyncTables(ctx, defs, false); err != nil {
			t.Fatalf("%s: sync tables: %v", name, err)
		}
		out = append(out, backend{name, st})
	}
	open("sqlite", store.Options{DataDir: t.TempDir()})
	if err := pgReachable(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("PostgreSQL: %v", err)
		}
		t.Logf("PostgreSQL tests skipped: %v", err)
		return out
	}
	open("postgres", store.Options{DatabaseURL: storetest.PostgresURL(t)})
	return out
}

var pgCheck = sync.OnceValue(func() error {
	base := os.Getenv("FUNCSTACK_TEST_DATABASE_URL")
	if base == "" {
		base = storetest.DefaultPostgresURL
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		return fmt.Errorf("%s is unreachable: %v", base, err)
	}
	return conn.Close(ctx)
})

// pgReachable reports whether the test PostgreSQL server answers.
func pgReachable() error { return pgCheck() }

// dbEngine runs defs (plus the test tables) on db.
func dbEngine(t testing.TB, db engine.Database, defs ...string) *engine.Engine {
	t.Helper()
	return dbEngineWith(t, db, engine.Config{}, defs...)
}

// dbEngineWith is dbEngine with an engine configuration (limits).
func dbEngineWith(t testing.TB, db engine.Database, cfg engine.Config, defs ...string) *engine.Engine {
	t.Helper()
	prog := compile(t, append(append([]string(nil), dbTables...), defs...)...)
	if db != nil {
		cfg.DB = db
	}
	eng := engine.New(cfg)
	eng.Load(prog)
	t.Cleanup(eng.Close)
	return eng
}

// dbMain builds main with the inputs the db cases read.
func dbMain(stack, response string) string {
	return fn("main", `[{"name": "min", "type": "int"}, {"name": "changes", "type": "json"}, {"name": "s", "type": "text"}]`, stack, response)
}

// tsRE matches the timestamps the engine keeps.
var tsRE = regexp.MustCompile(`"20\d\d-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z"`)

// runJSON runs main and gives its output as JSON with kept timestamps
// and UUIDs replaced, or the error text.
func runJSON(t testing.TB, eng *engine.Engine, input any) string {
	s, _ := runJSONErr(t, eng, input)
	return s
}

func runJSONErr(t testing.TB, eng *engine.Engine, input any) (string, error) {
	t.Helper()
	res, err := eng.Run(context.Background(), "main", input, engine.RunOptions{ExecutionID: execID})
	if err != nil {
		return "error: " + errText(err), err
	}
	b, err := json.Marshal(res.Output)
	if err != nil {
		t.Fatalf("output is not JSON: %v", err)
	}
	return uuidRE.ReplaceAllString(tsRE.ReplaceAllString(string(b), `"<ts>"`), "<id>"), nil
}

func clearTables(t testing.TB, st *store.Store) {
	t.Helper()
	for _, tbl := range []string{"users", "docs", "counters", "notes"} {
		if _, err := st.SQL().Exec(`DELETE FROM "` + tbl + `"`); err != nil {
			t.Fatal(err)
		}
	}
}

type dbCase struct {
	name  string
	stack string // the stack of main
	resp  string // its response expression
	input any
	want  string // JSON (timestamps "<ts>", UUIDs <id>) or "error: ..."
	code  string // the error's code, when an error is wanted
}

// seedStack adds three users; cases start from it.
const seedStack = `
	{"type": "db.add", "table": "users", "data": {"email": "'ada@x.com'", "name": "'Ada'", "age": "36", "score": "9.5", "born": "'1815-12-10T00:00:00Z'", "meta": "{langs: ['en', 'fr'], n: 1}"}, "as": "a"},
	{"type": "db.add", "table": "users", "data": {"email": "'bob@x.com'", "name": "'Bob'", "age": "17", "active": "false"}, "as": "b"},
	{"type": "db.add", "table": "users", "data": {"email": "'cy@y.org'", "age": "52", "score": "1"}, "as": "c"}`

func TestDBSteps(t *testing.T) {
	cases := []dbCase{
		{name: "add returns the stored record", stack: `[` + seedStack + `]`, resp: "[a, b, c]",
			want: `[{"active":true,"age":36,"born":"1815-12-10T00:00:00Z","created_at":"<ts>","email":"ada@x.com","id":1,"meta":{"langs":["en","fr"],"n":1},"name":"Ada","score":9.5,"updated_at":"<ts>"},` +
				`{"active":false,"age":17,"born":null,"created_at":"<ts>","email":"bob@x.com","id":2,"meta":null,"name":"Bob","score":null,"updated_at":"<ts>"},` +
				`{"active":true,"age":52,"born":null,"created_at":"<ts>","email":"cy@y.org","id":3,"meta":null,"name":null,"score":1,"updated_at":"<ts>"}]`},
		{name: "timestamps are RFC 3339 UTC", stack: `[` + seedStack + `]`, resp: "[a.born, a.created_at == a.updated_at]", want: `["1815-12-10T00:00:00Z",true]`},
		{name: "add to a uuid table", stack: `[{"type": "db.add", "table": "docs", "data": {"title": "'t'", "tags": "['a']"}, "as": "d"},
			{"type": "db.get", "table": "docs", "id": "d.id", "as": "again"}]`, resp: "{d: d, same: again == d, v7: d.id[14:15]}",
			want: `{"d":{"created_at":"<ts>","id":"<id>","tags":["a"],"title":"t","updated_at":"<ts>"},"same":true,"v7":"7"}`},
		{name: "get by id, by column, missing", stack: `[` + seedStack + `,
			{"type": "db.get", "table": "users", "id": "b.id", "as": "g1"},
			{"type": "db.get", "table": "users", "by": {"email": "'cy@y.org'"}, "as": "g2"},
			{"type": "db.get", "table": "users", "id": "999", "as": "g3"},
			{"type": "db.get", "table": "users", "id": "'2'", "as": "g4"}]`, resp: "[g1.name, g2.age, g3, g4.email]", want: `["Bob",52,null,"bob@x.com"]`},
		{name: "get by a column many rows share gives the first added", stack: `[` + seedStack + `,
			{"type": "db.edit", "table": "users", "id": "c.id", "data": {"age": "17"}},
			{"type": "db.edit", "table": "users", "id": "a.id", "data": {"age": "17"}},
			{"type": "db.get", "table": "users", "by": {"age": "17"}, "as": "g"},
			{"type": "db.get", "table": "users", "by": {"age": "17", "email": "'cy@y.org'"}, "as": "h"}]`, resp: "[g.name, h.id]", want: `["Ada",3]`},
		{name: "get with a bad id", stack: `[{"type": "db.get", "table": "users", "id": "'abc'", "as": "g"}]`, resp: "g",
			want: `error: main: stack[0].id: users.id expects a whole number, got text "abc" (execution exec-1)`, code: engine.CodeInvalidInput},
		{name: "query where sort limit offset", stack: `[` + seedStack + `,
			{"type": "db.query", "table": "users", "where": "users.age >= input.min || users.email endsWith '.org'", "sort": ["-age"], "as": "q1"},
			{"type": "db.query", "table": "users", "sort": ["name"], "fields": ["name"], "as": "q2"},
			{"type": "db.query", "table": "users", "limit": "1", "offset": "1", "fields": ["id"], "as": "q3"},
			{"type": "db.query", "table": "users", "where": "users.active && users.id in [a.id, b.id, 99]", "count": true, "limit": "5", "fields": ["email"], "as": "q4"},
			{"type": "db.query", "table": "users", "where": "users.id in []", "count": true, "as": "q5"},
			{"type": "db.query", "table": "users", "where": "users.name != nil && !(users.name contains 'o')", "fields": ["name"], "as": "q6"},
			{"type": "db.query", "table": "users", "where": "users.born < now() && users.meta != nil", "fields": ["id"], "as": "q7"},
			{"type": "db.query", "table": "users", "offset": "2", "fields": ["id"], "as": "q8"}]`,
			input: map[string]any{"min": 30},
			resp:  "{q1: map(q1, .email), q2: q2, q3: q3, q4: q4, q5: q5, q6: q6, q7: q7, q8: q8}",
			want: `{"q1":["cy@y.org","ada@x.com"],"q2":[{"name":"Ada"},{"name":"Bob"},{"name":null}],"q3":[{"id":2}],"q4":{"items":[{"email":"ada@x.com"}],"total":1},` +
				`"q5":{"items":[],"total":0},"q6":[{"name":"Ada"}],"q7":[{"id":1}],"q8":[{"id":3}]}`},
		{name: "contains is literal and case-sensitive", stack: `[
			{"type": "db.add", "table": "notes", "data": {"body": "'50% off_now'"}},
			{"type": "db.add", "table": "notes", "data": {"body": "'5000 offXnow'"}},
			{"type": "db.add", "table": "notes", "data": {"body": "'A*B?[c]'"}},
			{"type": "db.add", "table": "notes", "data": {"body": "'a\\\\b'"}},
			{"type": "db.query", "table": "notes", "where": "notes.body contains '0% off_'", "fields": ["body"], "as": "q1"},
			{"type": "db.query", "table": "notes", "where": "notes.body startsWith 'A*B?['", "fields": ["body"], "as": "q2"},
			{"type": "db.query", "table": "notes", "where": "notes.body contains 'OFF'", "fields": ["body"], "as": "q3"},
			{"type": "db.query", "table": "notes", "where": "notes.body endsWith '\\\\b'", "fields": ["body"], "as": "q4"}]`,
			resp: "[q1, q2, q3, q4]", want: `[[{"body":"50% off_now"}],[{"body":"A*B?[c]"}],[],[{"body":"a\\b"}]]`},
		{name: "edit and patch", stack: `[` + seedStack + `,
			{"type": "db.edit", "table": "users", "id": "a.id", "data": {"name": "nil", "age": "a.age + 1"}, "as": "e"},
			{"type": "db.patch", "table": "users", "id": "b.id", "data": {"score": "2"}, "as": "p"},
			{"type": "db.patch", "table": "users", "id": "c.id", "data": "input.changes", "as": "d"}]`,
			input: map[string]any{"changes": map[string]any{"name": "Cy", "active": false}},
			resp:  "[e.name, e.age, e.email, p.score, p.name, d.name, d.active, d.age]", want: `[null,37,"ada@x.com",2,"Bob","Cy",false,52]`},
		{name: "edit of a missing record", stack: `[{"type": "db.edit", "table": "users", "id": "42", "data": {"name": "'x'"}, "as": "e"}]`, resp: "e",
			want: `error: main: stack[0]: users 42 not found (execution exec-1)`, code: engine.CodeNotFound},
		{name: "patch of a missing record", stack: `[{"type": "db.patch", "table": "docs", "id": "'0190a4b0-0000-7000-8000-000000000001'", "data": {"title": "'x'"}, "as": "e"}]`, resp: "e",
			want: `error: main: stack[0]: docs "<id>" not found (execution exec-1)`, code: engine.CodeNotFound},
		{name: "patch with unknown key", stack: `[` + seedStack + `, {"type": "db.patch", "table": "users", "id": "a.id", "data": "{nmae: 'x'}", "as": "e"}]`, resp: "e",
			want: `error: main: stack[3].data: table users has no column "nmae" (did you mean "name"?) (execution exec-1)`, code: engine.CodeInvalidInput},
		{name: "patch cannot null a required column", stack: `[` + seedStack + `, {"type": "db.patch", "table": "users", "id": "a.id", "data": {"email": "nil"}, "as": "e"}]`, resp: "e",
			want: "error: main: stack[3].data.email: users.email is required; `nil` gave null (execution exec-1)", code: engine.CodeInvalidInput},
		{name: "upsert adds then edits", stack: `[
			{"type": "db.upsert", "table": "users", "by": {"email": "'u@x.com'"}, "data": {"age": "1"}, "as": "u1"},
			{"type": "db.upsert", "table": "users", "by": {"email": "'u@x.com'"}, "data": {"age": "2"}, "as": "u2"},
			{"type": "db.upsert", "table": "notes", "by": {"body": "'k'"}, "data": {"n": "1"}, "as": "n1"},
			{"type": "db.upsert", "table": "notes", "by": {"body": "'k'"}, "data": {"n": "2"}, "as": "n2"},
			{"type": "db.query", "table": "notes", "count": true, "as": "everything"}]`,
			resp: "[u1.id == u2.id, u2.age, n1.id == n2.id, n2.n, everything.total]", want: `[true,2,true,2,1]`},
		{name: "delete, twice", stack: `[` + seedStack + `,
			{"type": "db.delete", "table": "users", "id": "a.id"},
			{"type": "db.delete", "table": "users", "id": "a.id"},
			{"type": "db.query", "table": "users", "fields": ["id"], "as": "left"}]`, resp: "left", want: `[{"id":2},{"id":3}]`},
		{name: "unique violation is a conflict", stack: `[` + seedStack + `, {"type": "db.add", "table": "users", "data": {"email": "'ada@x.com'"}}]`, resp: "",
			want: anyErr, code: "conflict"},
		{name: "bulk add patch delete", stack: `[
			{"type": "db.bulk", "table": "notes", "op": "add", "items": "map(1..5, ({body: 'n' + string(#), n: #}))", "as": "added"},
			{"type": "db.bulk", "table": "notes", "op": "add", "items": "[{body: 'x'}, {n: 7}]", "as": "added2"},
			{"type": "db.query", "table": "notes", "fields": ["id"], "as": "ids"},
			{"type": "db.bulk", "table": "notes", "op": "patch", "items": "map(ids[0:2], ({id: #.id, n: 100}))", "as": "patched"},
			{"type": "db.bulk", "table": "notes", "op": "delete", "items": "[ids[4].id, ids[5], 999]", "as": "deleted"},
			{"type": "db.query", "table": "notes", "fields": ["body", "n"], "as": "left"}]`,
			resp: "{added: added, added2: added2, patched: patched, deleted: deleted, left: left}",
			want: `{"added":5,"added2":2,"deleted":2,"left":[{"body":"n1","n":100},{"body":"n2","n":100},{"body":"n3","n":3},{"body":"n4","n":4},{"body":null,"n":7}],"patched":2}`},
		{name: "bulk is all or nothing", stack: `[
			{"type": "try", "steps": [{"type": "db.bulk", "table": "users", "op": "add", "items": "[{email: 'a@x'}, {email: 'b@x'}, {email: 'a@x'}]"}], "catch": []},
			{"type": "db.query", "table": "users", "count": true, "as": "n"}]`, resp: "n.total", want: `0`},
		{name: "bulk add with a bad item", stack: `[{"type": "db.bulk", "table": "notes", "op": "add", "items": "[{body: 'x'}, {bod: 'y'}]"}]`, resp: "",
			want: `error: main: stack[0].items: items[1]: table notes has no column "bod" (did you mean "body"?) (execution exec-1)`, code: engine.CodeInvalidInput},
		{name: "transaction rolls back on error", stack: `[
			{"type": "try", "steps": [{"type": "db.transaction", "steps": [
				{"type": "db.add", "table": "notes", "data": {"body": "'gone'"}},
				{"type": "throw", "message": "'boom'"}]}], "catch": []},
			{"type": "db.query", "table": "notes", "count": true, "as": "n"}]`, resp: "n.total", want: `0`},
		{name: "transaction commits on return", stack: `[
			{"type": "db.transaction", "steps": [
				{"type": "db.add", "table": "notes", "data": {"body": "'kept'"}, "as": "k"},
				{"type": "return", "value": "k.body"}]}]`, resp: "", want: `"kept"`},
		{name: "nested transaction is a savepoint", stack: `[
			{"type": "db.transaction", "steps": [
				{"type": "db.add", "table": "notes", "data": {"body": "'outer'"}},
				{"type": "try", "steps": [{"type": "db.transaction", "steps": [
					{"type": "db.add", "table": "notes", "data": {"body": "'inner'"}},
					{"type": "db.add", "table": "users", "data": {"email": "'x'"}},
					{"type": "db.add", "table": "users", "data": {"email": "'x'"}}]}], "catch": []},
				{"type": "db.add", "table": "notes", "data": {"body": "'after'"}}]},
			{"type": "db.query", "table": "notes", "fields": ["body"], "as": "left"},
			{"type": "db.query", "table": "users", "count": true, "as": "users"}]`, resp: "[map(left, .body), users.total]", want: `[["outer","after"],0]`},
		{name: "sql query and statement", stack: `[` + seedStack + `,
			{"type": "db.sql", "sql": "SELECT email, age FROM users WHERE age > ? AND email <> ? ORDER BY age", "params": ["20", "'x'"], "as": "rows"},
			{"type": "db.sql", "sql": "UPDATE users SET age = age + ? WHERE age < ?;", "params": ["1", "40"], "as": "res"}]`,
			resp: "[rows, res]", want: `[[{"age":36,"email":"ada@x.com"},{"age":52,"email":"cy@y.org"}],{"rows_affected":2}]`},
		{name: "sql hostile params stay values", stack: `[` + seedStack + `,
			{"type": "db.sql", "sql": "SELECT count(*) AS n FROM users WHERE name = ? OR email = ?", "params": ["\"x' OR '1'='1\"", "'; DROP TABLE users; --'"], "as": "rows"},
			{"type": "db.query", "table": "users", "count": true, "limit": "0", "as": "everything"}]`, resp: "[rows[0].n, everything.total]", want: `[0,3]`},
	}
	for _, be := range backends(t) {
		t.Run(be.name, func(t *testing.T) {
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					clearTables(t, be.st)
					resetIDs(t, be.st)
					eng := dbEngine(t, be.st, dbMain(tc.stack, tc.resp))
					got, err := runJSONErr(t, eng, tc.input)
					if tc.want == anyErr {
						if !strings.HasPrefix(got, "error: ") {
							t.Fatalf("got %s, want an error", got)
						}
					} else if got != tc.want {
						t.Fatalf("\n got  %s\n want %s", got, tc.want)
					}
					if tc.code != "" {
						if e := engine.AsError(err); e == nil || e.Code != tc.code {
							t.Errorf("error %v, want code %s", err, tc.code)
						}
					}
				})
			}
		})
	}
}

const anyErr = "<any error>"

// TestDBQueryReadsAtMostMaxItems: a query (db.query or db.sql) matching more records than
// max_items is an error that says what to do, not a whole table read
// into memory; up to the limit, with or without a limit of its own, it
// reads them all.
func TestDBQueryReadsAtMostMaxItems(t *testing.T) {
	for _, be := range backends(t) {
		t.Run(be.name, func(t *testing.T) {
			clearTables(t, be.st)
			resetIDs(t, be.st)
			cfg := engine.Config{Limits: engine.Limits{MaxItems: 5}}
			seed := dbEngineWith(t, be.st, cfg, dbMain(`[
				{"type": "for", "count": "6", "as": "i", "steps": [
					{"type": "db.add", "table": "notes", "data": {"body": "'n' + string(i)"}}]}]`, "nil"))
			if got := runJSON(t, seed, nil); got != "null" {
				t.Fatal(got)
			}
			for _, c := range []struct{ limit, where, want string }{
				{"", "", "error: main: stack[0]: db.query of notes matched more than 5 records (limit max_items); give it a limit and page with offset, or narrow its where (execution exec-1)"},
				{"100", "", "error: main: stack[0]: db.query of notes matched more than 5 records (limit max_items); give it a limit and page with offset, or narrow its where (execution exec-1)"},
				{"5", "", "5"},
				{"", "notes.id > 1", "5"},
				{"nil", "notes.id > 2", "4"},
				{"sql", "", "error: main: stack[0]: db.sql gave more than 5 rows (limit max_items); add a LIMIT and page with OFFSET, or narrow its WHERE (execution exec-1)"},
				{"sql", "id > 1", "5"},
			} {
				if c.limit == "sql" {
					q := "SELECT id FROM notes"
					if c.where != "" {
						q += " WHERE " + c.where
					}
					eng := dbEngineWith(t, be.st, cfg, dbMain(`[{"type": "db.sql", "sql": "`+q+`", "as": "rows"}]`, "len(rows)"))
					if got := runJSON(t, eng, nil); got != c.want {
						t.Errorf("db.sql %q:\n got  %s\n want %s", q, got, c.want)
					}
					continue
				}
				q := `{"type": "db.query", "table": "notes", "as": "rows"`
				if c.limit != "" {
					q += `, "limit": "` + c.limit + `"`
				}
				if c.where != "" {
					q += `, "where": "` + c.where + `"`
				}
				eng := dbEngineWith(t, be.st, cfg, dbMain(`[`+q+`}]`, "len(rows)"))
				if got := runJSON(t, eng, nil); got != c.want {
					t.Errorf("limit %q where %q:\n got  %s\n want %s", c.limit, c.where, got, c.want)
				}
			}
		})
	}
}

// resetIDs restarts the id sequences so that cases can name ids.
func resetIDs(t testing.TB, st *store.Store) {
	t.Helper()
	for _, tbl := range []string{"users", "counters", "notes"} {
		var q string
		if st.Dialect() == "postgres" {
			q = `ALTER TABLE "` + tbl + `" ALTER COLUMN "id" RESTART WITH 1`
		} else {
			q = `DELETE FROM sqlite_sequence WHERE name = '` + tbl + `'`
		}
		if _, err := st.SQL().Exec(q); err != nil {
			t.Fatal(err)
		}
	}
}

func TestDBCompileErrors(t *testing.T) {
	cases := []struct{ stack, want string }{
		{`[{"type": "db.query", "table": "user", "as": "x"}]`, `stack[0].table: unknown table "user" (did you mean "users"?)`},
		{`[{"type": "db.query", "table": "users", "where": "users.agee > 1", "as": "x"}]`, `stack[0].where: unknown field agee`},
		{`[{"type": "db.query", "table": "users", "where": "users.age * 2 > 1", "as": "x"}]`, "stack[0].where: cannot be turned into SQL: `users.age * 2` computes with a column"},
		{`[{"type": "db.query", "table": "users", "where": "users.name == nme", "as": "x"}]`, `stack[0].where: unknown name nme`},
		{`[{"type": "db.query", "table": "users", "sort": ["-agee"], "as": "x"}]`, `stack[0].sort[0]: table users has no column "agee" (did you mean "age"?)`},
		{`[{"type": "db.query", "table": "users", "fields": ["id", "emial"], "as": "x"}]`, `stack[0].fields[1]: table users has no column "emial" (did you mean "email"?)`},
		{`[{"type": "db.get", "table": "users", "by": {"mail": "1"}, "as": "x"}]`, `stack[0].by.mail: table users has no column "mail" (did you mean "email"?)`},
		{`[{"type": "db.get", "table": "users", "as": "x"}]`, `stack[0]: give either id or by`},
		{`[{"type": "db.add", "table": "users", "data": {"name": "'x'"}}]`, `stack[0].data: users.email is required and has no default`},
		{`[{"type": "db.add", "table": "users", "data": {"email": "'x'", "id": "1"}}]`, `stack[0].data.id: users.id is kept by the engine`},
		{`[{"type": "db.edit", "table": "users", "id": "1", "data": {"nam": "'x'"}}]`, `stack[0].data.nam: table users has no column "nam" (did you mean "name"?)`},
		{`[{"type": "db.upsert", "table": "users", "by": {"email": "'x'"}, "data": {"email": "'y'"}}]`, `stack[0].data.email: column email is already in by`},
		{`[{"type": "db.bulk", "table": "users", "op": "insert", "items": "[]"}]`, `stack[0].op: "insert" is not one of add, patch, delete`},
		{`[{"type": "db.sql", "sql": "SELECT 1; DROP TABLE users", "as": "x"}]`, `stack[0].sql: only one statement is allowed`},
		{`[{"type": "db.sql", "sql": "SELECT * FROM users WHERE id = ?", "params": [], "as": "x"}]`, `stack[0].params: the SQL has 1 ? placeholder but params has 0 values`},
		{`[{"type": "db.sql", "sql": "SELECT * FROM users WHERE id = $1", "params": ["1"], "as": "x"}]`, `stack[0].sql: $1: write placeholders as ?`},
	}
	for _, tc := range cases {
		var diags engine.Diagnostics
		var parsed []*engine.Definition
		for _, d := range append(append([]string(nil), dbTables...), mainFn(tc.stack, "")) {
			parsed = append(parsed, engine.ParseDefinition("d.json", []byte(d), &diags))
		}
		_, more := engine.Compile(parsed)
		diags = append(diags, more...)
		got := fmt.Sprint(diags.Errors())
		if !strings.Contains(got, tc.want) {
			t.Errorf("%s:\n got  %s\n want %s", tc.stack, got, tc.want)
		}
	}
	// An upsert without a unique constraint warns.
	var diags engine.Diagnostics
	var parsed []*engine.Definition
	for _, d := range append(append([]string(nil), dbTables...), mainFn(`[{"type": "db.upsert", "table": "notes", "by": {"body": "'x'"}}]`, "")) {
		parsed = append(parsed, engine.ParseDefinition("d.json", []byte(d), &diags))
	}
	_, more := engine.Compile(parsed)
	if w := fmt.Sprint(more.Warnings()); !strings.Contains(w, "no unique constraint on (body)") {
		t.Errorf("no upsert warning: %s", w)
	}
}

func TestDBNoDatabase(t *testing.T) {
	for _, st := range []string{
		`[{"type": "db.query", "table": "users", "as": "x"}]`,
		`[{"type": "db.transaction", "steps": []}]`,
		`[{"type": "db.sql", "sql": "SELECT 1", "as": "x"}]`,
	} {
		eng := dbEngine(t, nil, mainFn(st, ""))
		got := runJSON(t, eng, nil)
		if want := "error: main: stack[0]: no database configured; run with --data or --database-url (execution exec-1)"; got != want {
			t.Errorf("got %s\nwant %s", got, want)
		}
	}
}

// TestDBHostileCorpus runs hostile values through a where, an add and a
// db.sql on both databases: they are stored and matched as plain values,
// or refused with a tidy invalid_input error, and the table survives.
func TestDBHostileCorpus(t *testing.T) {
	stack := `[
		{"type": "db.add", "table": "notes", "data": {"body": "input.s"}, "as": "added"},
		{"type": "db.query", "table": "notes", "where": "notes.body == input.s || notes.body contains input.s || notes.body startsWith input.s", "fields": ["body"], "as": "found"},
		{"type": "db.sql", "sql": "SELECT count(*) AS n FROM notes WHERE body = ?", "params": ["input.s"], "as": "raw"},
		{"type": "db.delete", "table": "notes", "id": "added.id"}]`
	for _, be := range backends(t) {
		t.Run(be.name, func(t *testing.T) {
			clearTables(t, be.st)
			eng := dbEngine(t, be.st, dbMain(stack, "{found: found, n: raw[0].n}"))
			for i, s := range hostile() {
				res, err := eng.Run(context.Background(), "main", map[string]any{"s": s}, engine.RunOptions{})
				if err != nil {
					e := engine.AsError(err)
					if e.Code != engine.CodeInvalidInput || !(strings.ContainsRune(s, 0) || !isUTF8(s)) {
						t.Errorf("value %d (%.30q): %v", i, s, err)
					}
					continue
				}
				out := res.Output.(map[string]any)
				found := out["found"].([]any)
				if len(found) != 1 || found[0].(map[string]any)["body"] != s || out["n"] != 1 {
					t.Errorf("value %d (%.30q): found %.200v, n %v", i, s, found, out["n"])
				}
			}
			var n int
			if err := be.st.SQL().QueryRow(`SELECT count(*) FROM "notes"`).Scan(&n); err != nil || n != 0 {
				t.Errorf("notes after the corpus: %d rows, %v", n, err)
			}
		})
	}
}

func isUTF8(s string) bool { return strings.ToValidUTF8(s, "\uFFFD") == s }

func hostile() []string {
	return []string{
		"'", "''", `"`, `\`, `\'`, "' OR '1'='1", "' OR 1=1 --", "'; DROP TABLE notes; --", "; DROP TABLE notes",
		"/* c */", "*/", "?", "$1", "$$", "%", "_", "%_%", `\%`, "*", "[", "]", "[a-z]", "a*b?c[d]", "NULL",
		"\x00", "a\x00b", "\xff\xfe", "é", "日本語", "🙂", "\u202e", "\r\n", "E'\\''", "`", strings.Repeat("x", 1<<20),
		strings.Repeat("%_", 5000), strings.Repeat("'", 1000),
	}
}

// TestDBConcurrentCounter has 16 goroutines each run 50 times a
// transaction reading a counter and writing it plus one: no update may be
// lost and no "database is locked" may reach a run. The runs' execution
// records go to the same database meanwhile (on SQLite through a
// connection of their own), and every one of them is written.
func TestDBConcurrentCounter(t *testing.T) {
	stack := `[{"type": "db.transaction", "steps": [
		{"type": "db.get", "table": "counters", "by": {"name": "'c'"}, "as": "c"},
		{"type": "db.patch", "table": "counters", "id": "c.id", "data": {"value": "c.value + 1"}}]}]`
	for _, be := range backends(t) {
		t.Run(be.name, func(t *testing.T) {
			clearTables(t, be.st)
			eng := dbEngineWith(t, be.st, engine.Config{Store: be.st.Executions()}, mainFn(stack, ""))
			if _, err := be.st.SQL().Exec(`INSERT INTO "counters" ("name", "value") VALUES ('c', 0)`); err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			errs := make(chan error, 800)
			ids := make(chan string, 800)
			start := time.Now()
			for g := 0; g < 16; g++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := 0; i < 50; i++ {
						res, err := eng.Run(context.Background(), "main", nil, engine.RunOptions{})
						if err != nil {
							errs <- err
							continue
						}
						ids <- res.ExecutionID
					}
				}()
			}
			wg.Wait()
			close(errs)
			close(ids)
			for err := range errs {
				t.Errorf("run failed: %v", err)
			}
			if err := be.st.ExecutionRecords().Flush(context.Background()); err != nil {
				t.Fatal(err)
			}
			q := `SELECT status FROM funcstack_executions WHERE id = ?`
			if be.st.Dialect() == store.DialectPostgres {
				q = `SELECT status FROM funcstack_executions WHERE id = $1`
			}
			for id := range ids {
				var status string
				if err := be.st.SQL().QueryRow(q, id).Scan(&status); err != nil || status != engine.StatusSucceeded {
					t.Errorf("execution record %s: %q %v", id, status, err)
				}
			}
			var v int
			if err := be.st.SQL().QueryRow(`SELECT "value" FROM "counters" WHERE "name" = 'c'`).Scan(&v); err != nil {
				t.Fatal(err)
			}
			if v != 800 {
				t.Errorf("counter is %d, want 800", v)
			}
			t.Logf("%s: 800 transactions in %s", be.name, time.Since(start))
		})
	}
}

// TestDBSameOnBothBackends runs one stack on both databases and compares
// the outputs whole.
func TestDBSameOnBothBackends(t *testing.T) {
	bes := backends(t)
	if len(bes) < 2 {
		t.Skip("needs both databases")
	}
	stack := `[` + seedStack + `,
		{"type": "db.query", "table": "users", "sort": ["-score", "name"], "as": "everyone"},
		{"type": "db.add", "table": "docs", "data": {"title": "'x'", "tags": "{a: [1, 2.5, true, nil, 'é'], b: {c: 'd'}}"}, "as": "doc"},
		{"type": "db.query", "table": "users", "where": "users.born >= '1800-01-01' && users.score > 9", "as": "old"},
		{"type": "db.sql", "sql": "SELECT id, email FROM users WHERE age BETWEEN ? AND ? ORDER BY id", "params": ["10", "40"], "as": "raw"}]`
	var outs []string
	for _, be := range bes {
		clearTables(t, be.st)
		resetIDs(t, be.st)
		eng := dbEngine(t, be.st, mainFn(stack, "{everyone: everyone, tags: doc.tags, old: old, raw: raw}"))
		outs = append(outs, runJSON(t, eng, nil))
	}
	if outs[0] != outs[1] {
		t.Errorf("outputs differ:\n sqlite   %s\n postgres %s", outs[0], outs[1])
	}
	if strings.HasPrefix(outs[0], "error") {
		t.Error(outs[0])
	}
}
