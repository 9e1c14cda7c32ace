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
	"github.com/funcstack/funcstack/engine/enginetest"
	"github.com/funcstack/funcstack/engine/store"
	"github.com/funcstack/funcstack/engine/store/storetest"
	_ "github.com/funcstack/funcstack/steps"
)

// The helpers every step test shares, in one place: building definitions
// (fn, mainFn), running main and comparing its output or error text whole
// (runCases, runCase), compile-error tables (wantCompileErrors), and for the
// db steps the test tables, a fresh store on SQLite and on PostgreSQL
// (backends) and the run and compile-error tables of their cases
// (runDBCases, wantDBCompileErrors).

// execID is the fixed execution ID of every top-level run, so that error
// texts can be compared whole.
const execID = "exec-1"

// uuidRE matches the IDs of async children, which the tests cannot fix.
var uuidRE = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)

// fn builds a function definition.
func fn(name, input, stack, response string) string {
	if input == "" {
		input = "[]"
	}
	resp := ""
	if response != "" {
		b, _ := json.Marshal(response)
		resp = `, "response": ` + string(b)
	}
	return fmt.Sprintf(`{"kind": "function", "name": %q, "input": %s, "stack": %s%s}`, name, input, stack, resp)
}

// mainFn builds the function "main" that the cases run.
func mainFn(stack, response string) string { return fn("main", "", stack, response) }

// compile parses and compiles defs and fails the test on any error
// diagnostic.
func compile(t testing.TB, defs ...string) *engine.Program { return enginetest.Compile(t, defs...) }

// newEngine makes an engine running defs.
func newEngine(t testing.TB, cfg engine.Config, defs ...string) *engine.Engine {
	t.Helper()
	eng := engine.New(cfg)
	eng.Load(compile(t, defs...))
	t.Cleanup(eng.Close)
	return eng
}

// jsonOf renders v as JSON; the tests compare outputs this way.
func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("output is not JSON: %v (%#v)", err, v)
	}
	return string(b)
}

// errText is err's text with async child IDs replaced by <id>.
func errText(err error) string {
	if err == nil {
		return ""
	}
	return uuidRE.ReplaceAllString(err.Error(), "<id>")
}

// anyOutput as a case's want accepts any output (check inspects it).
const anyOutput = "<any>"

type stepCase struct {
	name  string
	defs  []string // the definitions; "main" is run
	input any
	cfg   engine.Config
	opt   engine.RunOptions
	// want is the JSON of the output; wantErr the whole error text.
	want    string
	wantErr string
	// wantCode, when set, is the error's code.
	wantCode string
	// wantStatus, when set, is the error's HTTP status.
	wantStatus int
	// check, when set, inspects the result further.
	check func(t *testing.T, res *engine.Result)
	skip  string
}

func runCases(t *testing.T, cases []stepCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.skip != "" {
				t.Skip(tc.skip)
			}
			runCase(t, tc)
		})
	}
}

func runCase(t *testing.T, tc stepCase) *engine.Result {
	t.Helper()
	eng := newEngine(t, tc.cfg, tc.defs...)
	opt := tc.opt
	opt.ExecutionID = execID
	opt.Trace = true
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	res, err := eng.Run(ctx, "main", tc.input, opt)
	if got := errText(err); got != tc.wantErr {
		t.Fatalf("error:\n got  %s\n want %s", got, tc.wantErr)
	}
	if err != nil {
		e := engine.AsError(err)
		if tc.wantCode != "" && e.Code != tc.wantCode {
			t.Errorf("error code %q, want %q", e.Code, tc.wantCode)
		}
		if tc.wantStatus != 0 && e.HTTPStatus() != tc.wantStatus {
			t.Errorf("error status %d, want %d", e.HTTPStatus(), tc.wantStatus)
		}
	} else if got := uuidRE.ReplaceAllString(jsonOf(t, res.Output), "<id>"); tc.want != anyOutput && got != tc.want {
		t.Fatalf("output:\n got  %s\n want %s", got, tc.want)
	}
	if tc.check != nil {
		tc.check(t, res)
	}
	return res
}

// compileCase is a stack of main that must not compile, and a part of the
// error text saying why.
type compileCase struct{ stack, want string }

// diagnose parses and compiles defs and gives the diagnostics of both.
func diagnose(defs ...string) engine.Diagnostics {
	var diags engine.Diagnostics
	var parsed []*engine.Definition
	for _, d := range defs {
		if def := engine.ParseDefinition("d.json", []byte(d), &diags); def != nil {
			parsed = append(parsed, def)
		}
	}
	_, more := engine.Compile(parsed)
	return append(diags, more...)
}

// wantCompileErrors checks that each case's main fails to compile with an
// error about tc.want.
func wantCompileErrors(t *testing.T, cases []compileCase) {
	t.Helper()
	for _, tc := range cases {
		diags := diagnose(mainFn(tc.stack, ""))
		if !diags.HasErrors() || !strings.Contains(diags.Err().Error(), tc.want) {
			t.Errorf("%s: %v; want an error about %q", tc.stack, diags.Err(), tc.want)
		}
	}
}

// diagCase is a stack of main and every diagnostic its compile gives,
// "severity: definition: path: message" a line.
type diagCase struct{ name, stack, want string }

// wantDiagnostics compiles each case's main (with defs) and compares its
// diagnostics whole.
func wantDiagnostics(t *testing.T, cases []diagCase, defs ...string) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Helper()
			var lines []string
			for _, d := range diagnose(append([]string{mainFn(tc.stack, "")}, defs...)...) {
				lines = append(lines, d.Severity+": "+d.String())
			}
			if got := strings.Join(lines, "\n"); got != tc.want {
				t.Errorf("diagnostics:\n--- got\n%s\n--- want\n%s", got, tc.want)
			}
		})
	}
}

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
	// accounts, posts and comments hold hidden columns (a hidden ref
	// too: comments.post) for the hidden-column cases.
	accountsDef = `{"kind": "table", "name": "accounts", "fields": [{"name": "name", "type": "text", "unique": true},
		{"name": "secret", "type": "text", "hidden": true}, {"name": "posts", "type": "refs", "table": "posts", "by": "author"}]}`
	postsDef = `{"kind": "table", "name": "posts", "fields": [{"name": "author", "type": "ref", "table": "accounts"}, {"name": "title", "type": "text"},
		{"name": "comments", "type": "refs", "table": "comments", "by": "post"}]}`
	commentsDef = `{"kind": "table", "name": "comments", "fields": [{"name": "post", "type": "ref", "table": "posts", "hidden": true},
		{"name": "body", "type": "text"}, {"name": "code", "type": "text", "hidden": true}]}`
	// tickets' state and kind take values, for the values cases.
	ticketsDef = `{"kind": "table", "name": "tickets", "fields": [{"name": "title", "type": "text", "unique": true},
		{"name": "state", "type": "text", "required": true, "default": "open", "values": ["open", "closed"]},
		{"name": "kind", "type": "text", "values": ["bug", "idea"]}]}`
)

var dbTables = []string{usersDef, docsDef, countersDef, notesDef, accountsDef, postsDef, commentsDef, ticketsDef}

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
	if db != nil {
		cfg.DB = db
	}
	return newEngine(t, cfg, withTables(defs...)...)
}

// withTables is defs after the test tables.
func withTables(defs ...string) []string { return append(append([]string(nil), dbTables...), defs...) }

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
	for _, tbl := range []string{"users", "docs", "counters", "notes", "comments", "posts", "accounts", "tickets"} {
		if _, err := st.SQL().Exec(`DELETE FROM "` + tbl + `"`); err != nil {
			t.Fatal(err)
		}
	}
}

// resetIDs restarts the id sequences so that cases can name ids.
func resetIDs(t testing.TB, st *store.Store) {
	t.Helper()
	for _, tbl := range []string{"users", "counters", "notes", "accounts", "posts", "comments", "tickets"} {
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

type dbCase struct {
	name  string
	stack string // the stack of main
	resp  string // its response expression
	input any
	want  string // JSON (timestamps "<ts>", UUIDs <id>) or "error: ..."
	code  string // the error's code, when an error is wanted
}

// anyErr as a dbCase's want accepts any error (code can name which).
const anyErr = "<any error>"

// seedStack adds three users; cases start from it.
const seedStack = `
	{"type": "db.add", "table": "users", "data": {"email": "'ada@x.com'", "name": "'Ada'", "age": "36", "score": "9.5", "born": "'1815-12-10T00:00:00Z'", "meta": "{langs: ['en', 'fr'], n: 1}"}, "as": "a"},
	{"type": "db.add", "table": "users", "data": {"email": "'bob@x.com'", "name": "'Bob'", "age": "17", "active": "false"}, "as": "b"},
	{"type": "db.add", "table": "users", "data": {"email": "'cy@y.org'", "age": "52", "score": "1"}, "as": "c"}`

// runDBCases runs each case's main on each backend, from empty tables whose
// ids start at 1, and compares its output (or error text) whole.
func runDBCases(t *testing.T, cases []dbCase) {
	t.Helper()
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

// wantDBCompileErrors checks that each case's main, beside the test tables,
// fails to compile with an error about tc.want.
func wantDBCompileErrors(t *testing.T, cases []compileCase) {
	t.Helper()
	for _, tc := range cases {
		diags := diagnose(withTables(mainFn(tc.stack, ""))...)
		got := fmt.Sprint(diags.Errors())
		if !strings.Contains(got, tc.want) {
			t.Errorf("%s:\n got  %s\n want %s", tc.stack, got, tc.want)
		}
	}
}
