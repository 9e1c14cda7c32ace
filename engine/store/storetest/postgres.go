package storetest

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/funcstack/funcstack/engine"
)

// DefaultPostgresURL is the test server (override with
// FUNCSTACK_TEST_DATABASE_URL).
const DefaultPostgresURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// PostgresURL returns the URL of a fresh, empty schema on the test
// PostgreSQL server, dropped when the test ends. When the server cannot be
// reached the test is skipped, or fails when $CI is set or
// FUNCSTACK_TEST_POSTGRES=require.
func PostgresURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv("FUNCSTACK_TEST_DATABASE_URL")
	if base == "" {
		base = DefaultPostgresURL
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		msg := fmt.Sprintf("PostgreSQL at %s is unreachable (%v); start it (pg_ctlcluster 15 main start) or set FUNCSTACK_TEST_DATABASE_URL", base, err)
		if os.Getenv("CI") != "" || os.Getenv("FUNCSTACK_TEST_POSTGRES") == "require" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	defer conn.Close(context.Background())
	schema := "fs_test_" + engine.NewID()[24:] // unique enough per run
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+pgx.Identifier{schema}.Sanitize()); err != nil {
		t.Fatalf("creating schema %s: %v", schema, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Logf("dropping schema %s: %v", schema, err)
			return
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, "DROP SCHEMA "+pgx.Identifier{schema}.Sanitize()+" CASCADE"); err != nil {
			t.Logf("dropping schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
