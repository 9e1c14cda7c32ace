package steps_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/store"
)

func TestDBTransaction(t *testing.T) {
	runDBCases(t, []dbCase{
		{name: "transaction rolls back on error", stack: `[
			{"type": "try", "steps": [{"type": "db.transaction", "steps": [
				{"type": "db.add", "table": "notes", "data": {"body": "'gone'"}},
				{"type": "throw", "message": "boom"}]}], "catch": []},
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
	})
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
