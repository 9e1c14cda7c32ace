package durable

import (
	"context"
	"strings"
	"testing"

	"github.com/funcstack/funcstack/engine/store"
	"github.com/funcstack/funcstack/engine/store/storetest"
)

// The enqueue pipeline commits all its statements or none, and leaves its
// connection usable after a failure.
func TestPipeTxIsAllOrNothing(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, store.Options{DatabaseURL: storetest.PostgresURL(t), Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	c, err := st.Pool().Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Release()
	if _, err := c.Exec(ctx, "CREATE TABLE pipe_probe (n int PRIMARY KEY)"); err != nil {
		t.Fatal(err)
	}
	count := func() (n int) {
		if err := c.QueryRow(ctx, "SELECT count(*) FROM pipe_probe").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	// A failing statement queued before a query fails the query; nothing
	// before it is kept.
	tx := &pipeTx{conn: c.Conn()}
	tx.Exec(ctx, "INSERT INTO pipe_probe VALUES (1)")
	tx.Exec(ctx, "INSERT INTO pipe_probe VALUES (1)") // duplicate key
	if _, err := tx.Query(ctx, "SELECT 1"); err == nil || !strings.Contains(err.Error(), "duplicate") {
		t.Fatalf("query after a failing statement: %v", err)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 0 {
		t.Fatalf("%d rows kept from a failed pipeline", n)
	}
	// Statements queued after the query run with the commit.
	tx = &pipeTx{conn: c.Conn()}
	tx.Exec(ctx, "INSERT INTO pipe_probe VALUES (1)")
	var one int
	if err := tx.QueryRow(ctx, "SELECT n FROM pipe_probe").Scan(&one); err != nil || one != 1 {
		t.Fatalf("the query sees the queued insert: %d %v", one, err)
	}
	tx.Exec(ctx, "INSERT INTO pipe_probe VALUES (2)")
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 2 {
		t.Fatalf("%d rows after commit, want 2", n)
	}
	// A failure at the commit keeps nothing either.
	tx = &pipeTx{conn: c.Conn()}
	tx.Exec(ctx, "INSERT INTO pipe_probe VALUES (3)")
	tx.Exec(ctx, "INSERT INTO pipe_probe VALUES (2)")
	if err := tx.Commit(ctx); err == nil {
		t.Fatal("commit after a failing statement must fail")
	}
	tx.Rollback(ctx)
	if n := count(); n != 2 {
		t.Fatalf("%d rows after a failed commit, want 2", n)
	}
}
