package steps_test

import (
	"testing"

	"github.com/funcstack/funcstack/engine"
)

func TestDBBulk(t *testing.T) {
	runDBCases(t, []dbCase{
		{name: "bulk add patch delete", stack: `[
			{"type": "db.bulk", "table": "notes", "op": "add", "items": "map(1..5, ({body: 'n' + string(#), n: #}))", "as": "added"},
			{"type": "db.bulk", "table": "notes", "op": "add", "items": "[{body: 'x'}, {n: 7}]", "as": "added2"},
			{"type": "db.query", "table": "notes", "fields": ["id"], "as": "ids"},
			{"type": "db.bulk", "table": "notes", "op": "patch", "items": "map(ids[0:2], ({id: #.id, n: 100}))", "as": "patched"},
			{"type": "db.bulk", "table": "notes", "op": "delete", "items": "[ids[4].id, ids[5], 999]", "as": "deleted"},
			{"type": "db.query", "table": "notes", "fields": ["body", "n"], "as": "left"}]`,
			resp: "{added: added, added2: added2, patched: patched, deleted: deleted, left: left}",
			want: `{"added":5,"added2":2,"deleted":2,"left":[{"body":"n1","n":100},{"body":"n2","n":100},{"body":"n3","n":3},{"body":"n4","n":4},{"body":null,"n":7}],"patched":2}`},
		{name: "bulk is all or nothing", stack: `[
			{"type": "try", "steps": [{"type": "db.bulk", "table": "users", "op": "add", "items": "[{email: 'a@x'}, {email: 'b@x'}, {email: 'a@x'}]"}], "catch": []},
			{"type": "db.query", "table": "users", "count": true, "as": "n"}]`, resp: "n.total", want: `0`},
		{name: "bulk add with a bad item", stack: `[{"type": "db.bulk", "table": "notes", "op": "add", "items": "[{body: 'x'}, {bod: 'y'}]"}]`, resp: "",
			want: `error: main: stack[0].items: items[1]: table notes has no column "bod" (did you mean "body"?) (execution exec-1)`, code: engine.CodeInvalidInput},
	})
}

func TestDBBulkCompileErrors(t *testing.T) {
	wantDBCompileErrors(t, []compileCase{
		{`[{"type": "db.bulk", "table": "users", "op": "insert", "items": "[]"}]`, `stack[0].op: "insert" is not one of add, patch, delete`},
	})
}
