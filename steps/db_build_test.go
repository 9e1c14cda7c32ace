package steps_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/store"
	"github.com/funcstack/funcstack/engine/store/storetest"
)

// Tests of what every db step shares (db_build.go), through stacks: no
// database configured, hostile values, one output on both databases, and
// statements cached before a table's column changes type.

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

// TestPostgresStatementsAfterTableChange: two nodes on one PostgreSQL
// schema. Node A runs db steps (pgx caches their prepared statements on
// each pooled connection); node B re-types a column with force (dropped
// and added again). Node A, loaded with the new definition, must go on
// working: its statements have the same SQL text but another result type,
// which PostgreSQL refuses for a cached plan.
func TestPostgresStatementsAfterTableChange(t *testing.T) {
	url := storetest.PostgresURL(t)
	ctx := context.Background()
	open := func() *store.Store {
		st, err := store.Open(ctx, store.Options{DatabaseURL: url, PruneInterval: -1})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
	a, b := open(), open()
	table := func(typ string) string {
		return fmt.Sprintf(`{"kind": "table", "name": "things", "fields": [{"name": "label", "type": %q}, {"name": "n", "type": "int"}]}`, typ)
	}
	syncTable := func(st *store.Store, def string, force bool) {
		t.Helper()
		var diags engine.Diagnostics
		d := engine.ParseDefinition("things.json", []byte(def), &diags)
		if err := st.SyncTables(ctx, []*engine.Definition{d}, force); err != nil {
			t.Fatal(err)
		}
	}
	syncTable(a, table("text"), false)
	stack := `[{"type": "db.get", "table": "things", "id": "input.id", "as": "rec"},
		{"type": "db.query", "table": "things", "where": "things.n == 1", "as": "rows"},
		{"type": "db.patch", "table": "things", "id": "input.id", "data": {"n": "1"}, "as": "after"},
		{"type": "db.edit", "table": "things", "id": "input.id", "data": {"label": "rec.label", "n": "1"}, "as": "edited"}]`
	program := func(typ string) *engine.Program {
		return compile(t, table(typ), fn("main", `[{"name": "id", "type": "int"}]`, stack, "{rec: rec, n: len(rows), after: after.label}"))
	}
	eng := engine.New(engine.Config{DB: a})
	t.Cleanup(eng.Close)
	eng.Load(program("text"))
	runMany := func(want string) {
		t.Helper()
		var wg sync.WaitGroup
		errs := make(chan error, 40)
		for range 8 { // several pooled connections cache the statements
			wg.Go(func() {
				for range 5 {
					res, err := eng.Run(ctx, "main", map[string]any{"id": 1}, engine.RunOptions{})
					if err == nil && !strings.Contains(fmt.Sprint(res.Output), want) {
						err = fmt.Errorf("output %v, want %s in it", res.Output, want)
					}
					if err != nil {
						errs <- err
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
	}
	if _, err := a.SQL().Exec(`INSERT INTO things (label, n) VALUES ('x', 1)`); err != nil {
		t.Fatal(err)
	}
	runMany("label:x")

	// Node B re-types label; node A reloads the new definition.
	syncTable(b, table("int"), true)
	if _, err := b.SQL().Exec(`UPDATE things SET label = 7 WHERE id = 1`); err != nil {
		t.Fatal(err)
	}
	eng.Load(program("int"))
	runMany("label:7")

	// Inside a db.transaction PostgreSQL aborts the transaction at the
	// stale statement's error; the pool has then forgotten its statements
	// and the transaction runs again on fresh ones.
	txStack := `[{"type": "db.transaction", "steps": [
		{"type": "db.get", "table": "things", "id": "input.id", "as": "rec"},
		{"type": "db.patch", "table": "things", "id": "input.id", "data": {"n": "rec.n + 1"}, "as": "after"}]}]`
	txProgram := func(typ string) *engine.Program {
		return compile(t, table(typ), fn("main", `[{"name": "id", "type": "int"}]`, txStack, "after.label"))
	}
	eng.Load(txProgram("int"))
	runMany("7")
	syncTable(b, table("text"), true)
	if _, err := b.SQL().Exec(`UPDATE things SET label = 'back' WHERE id = 1`); err != nil {
		t.Fatal(err)
	}
	eng.Load(txProgram("text"))
	for i := range 20 {
		res, err := eng.Run(ctx, "main", map[string]any{"id": 1}, engine.RunOptions{})
		switch {
		case err != nil:
			t.Errorf("transaction run %d: %v", i, err)
		case res.Output != "back":
			t.Errorf("transaction run %d: output %v, want back", i, res.Output)
		}
	}
}
