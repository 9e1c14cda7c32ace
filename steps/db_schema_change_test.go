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
