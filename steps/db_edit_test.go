package steps_test

import (
	"testing"

	"github.com/funcstack/funcstack/engine"
)

func TestDBEdit(t *testing.T) {
	runDBCases(t, []dbCase{
		{name: "edit and patch", stack: `[` + seedStack + `,
			{"type": "db.edit", "table": "users", "id": "a.id", "data": {"name": "nil", "age": "a.age + 1"}, "as": "e"},
			{"type": "db.patch", "table": "users", "id": "b.id", "data": {"score": "2"}, "as": "p"},
			{"type": "db.patch", "table": "users", "id": "c.id", "data": "input.changes", "as": "d"}]`,
			input: map[string]any{"changes": map[string]any{"name": "Cy", "active": false}},
			resp:  "[e.name, e.age, e.email, p.score, p.name, d.name, d.active, d.age]", want: `[null,37,"ada@x.com",2,"Bob","Cy",false,52]`},
		{name: "edit with an object", stack: `[` + seedStack + `,
			{"type": "db.edit", "table": "users", "id": "a.id", "data": "input.changes", "as": "e"},
			{"type": "db.edit", "table": "users", "id": "b.id", "data": "{nam: 'x'}", "as": "bad"}]`,
			input: map[string]any{"changes": map[string]any{"name": nil, "age": 40}},
			want:  `error: main: stack[4].data: table users has no column "nam" (did you mean "name"?) (execution exec-1)`},
		{name: "edit with an object sets its keys", stack: `[` + seedStack + `,
			{"type": "db.edit", "table": "users", "id": "a.id", "data": "input.changes", "as": "e"}]`,
			input: map[string]any{"changes": map[string]any{"name": nil, "age": 40}},
			resp:  "[e.name, e.age, e.email]", want: `[null,40,"ada@x.com"]`},
		{name: "edit of a missing record", stack: `[{"type": "db.edit", "table": "users", "id": "42", "data": {"name": "'x'"}, "as": "e"}]`, resp: "e",
			want: `error: main: stack[0]: users 42 not found (execution exec-1)`, code: engine.CodeNotFound},
	})
}

func TestDBEditCompileErrors(t *testing.T) {
	wantDBCompileErrors(t, []compileCase{
		{`[{"type": "db.edit", "table": "users", "id": "1", "data": {"nam": "'x'"}}]`, `stack[0].data.nam: table users has no column "nam" (did you mean "name"?)`},
	})
}

// TestDBDataExprErrors: a data expression that does not compile is one
// error, not also "data is empty" or the required columns it would give.
func TestDBDataExprErrors(t *testing.T) {
	wantDiagnostics(t, []diagCase{
		{"db.patch", `[{"type": "db.patch", "table": "users", "id": "1", "data": "chnges"}]`, "error: main: stack[0].data: unknown name chnges; to write text, put it in quotes: 'chnges'"},
		{"db.add", `[{"type": "db.add", "table": "users", "data": "chnges"}]`, "error: main: stack[0].data: unknown name chnges; to write text, put it in quotes: 'chnges'"},
		{"db.upsert", `[{"type": "db.upsert", "table": "users", "by": {"email": "'a@x.com'"}, "data": "chnges"}]`, "error: main: stack[0].data: unknown name chnges; to write text, put it in quotes: 'chnges'"},
	}, dbTables...)
}
