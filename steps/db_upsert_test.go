package steps_test

import (
	"fmt"
	"strings"
	"testing"
)

func TestDBUpsert(t *testing.T) {
	runDBCases(t, []dbCase{
		{name: "upsert adds then edits", stack: `[
			{"type": "db.upsert", "table": "users", "by": {"email": "'u@x.com'"}, "data": {"age": "1"}, "as": "u1"},
			{"type": "db.upsert", "table": "users", "by": {"email": "'u@x.com'"}, "data": {"age": "2"}, "as": "u2"},
			{"type": "db.upsert", "table": "notes", "by": {"body": "'k'"}, "data": {"n": "1"}, "as": "n1"},
			{"type": "db.upsert", "table": "notes", "by": {"body": "'k'"}, "data": {"n": "2"}, "as": "n2"},
			{"type": "db.query", "table": "notes", "count": true, "as": "everything"}]`,
			resp: "[u1.id == u2.id, u2.age, n1.id == n2.id, n2.n, everything.total]", want: `[true,2,true,2,1]`},
	})
}

func TestDBUpsertCompileErrors(t *testing.T) {
	wantDBCompileErrors(t, []compileCase{
		{`[{"type": "db.upsert", "table": "users", "by": {"email": "'x'"}, "data": {"email": "'y'"}}]`, `stack[0].data.email: column email is already in by`},
	})
	// An upsert without a unique constraint warns.
	more := diagnose(withTables(mainFn(`[{"type": "db.upsert", "table": "notes", "by": {"body": "'x'"}}]`, ""))...)
	if w := fmt.Sprint(more.Warnings()); !strings.Contains(w, "no unique constraint on (body)") {
		t.Errorf("no upsert warning: %s", w)
	}
}
