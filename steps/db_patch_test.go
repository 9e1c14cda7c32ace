package steps_test

import (
	"testing"

	"github.com/funcstack/funcstack/engine"
)

func TestDBPatch(t *testing.T) {
	runDBCases(t, []dbCase{
		{name: "patch of a missing record", stack: `[{"type": "db.patch", "table": "docs", "id": "'0190a4b0-0000-7000-8000-000000000001'", "data": {"title": "'x'"}, "as": "e"}]`, resp: "e",
			want: `error: main: stack[0]: docs "<id>" not found (execution exec-1)`, code: engine.CodeNotFound},
		{name: "patch with unknown key", stack: `[` + seedStack + `, {"type": "db.patch", "table": "users", "id": "a.id", "data": "{nmae: 'x'}", "as": "e"}]`, resp: "e",
			want: `error: main: stack[3].data: table users has no column "nmae" (did you mean "name"?) (execution exec-1)`, code: engine.CodeInvalidInput},
		{name: "patch cannot null a required column", stack: `[` + seedStack + `, {"type": "db.patch", "table": "users", "id": "a.id", "data": {"email": "nil"}, "as": "e"}]`, resp: "e",
			want: "error: main: stack[3].data.email: users.email is required; `nil` gave null (execution exec-1)", code: engine.CodeInvalidInput},
	})
}
