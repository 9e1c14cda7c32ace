package storetest

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/store"
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
	t.Run("RelationsDanglingRef", func(t *testing.T) { testRelationsDanglingRef(t, open(t)) })
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
