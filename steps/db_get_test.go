package steps_test

import (
	"testing"

	"github.com/funcstack/funcstack/engine"
)

func TestDBGet(t *testing.T) {
	runDBCases(t, []dbCase{
		{name: "get by id, by column, missing", stack: `[` + seedStack + `,
			{"type": "db.get", "table": "users", "id": "b.id", "as": "g1"},
			{"type": "db.get", "table": "users", "by": {"email": "'cy@y.org'"}, "as": "g2"},
			{"type": "db.get", "table": "users", "id": "999", "as": "g3"},
			{"type": "db.get", "table": "users", "id": "'2'", "as": "g4"}]`, resp: "[g1.name, g2.age, g3, g4.email]", want: `["Bob",52,null,"bob@x.com"]`},
		{name: "get by a column many rows share gives the first added", stack: `[` + seedStack + `,
			{"type": "db.edit", "table": "users", "id": "c.id", "data": {"age": "17"}},
			{"type": "db.edit", "table": "users", "id": "a.id", "data": {"age": "17"}},
			{"type": "db.get", "table": "users", "by": {"age": "17"}, "as": "g"},
			{"type": "db.get", "table": "users", "by": {"age": "17", "email": "'cy@y.org'"}, "as": "h"}]`, resp: "[g.name, h.id]", want: `["Ada",3]`},
		{name: "typed records compare with null columns and ids at run time", stack: `[` + seedStack + `,
			{"type": "db.get", "table": "users", "id": "c.id", "as": "g"},
			{"type": "db.query", "table": "users", "as": "everyone"},
			{"type": "var", "name": "found", "value": "[]"},
			{"type": "foreach", "items": "everyone", "as": "u", "steps": [
				{"type": "if", "cond": "u.id == 2 || u.name == 'Ada'", "then": [{"type": "set", "name": "found", "value": "append(found, u.email)"}]}]}]`,
			resp: "[g.name == 'Cy', g.name == nil, g.id == c.id, found]", want: `[false,true,true,["ada@x.com","bob@x.com"]]`},
		{name: "get with a bad id", stack: `[{"type": "db.get", "table": "users", "id": "'abc'", "as": "g"}]`, resp: "g",
			want: `error: main: stack[0].id: users.id expects a whole number, got text "abc" (execution exec-1)`, code: engine.CodeInvalidInput},
	})
}

func TestDBGetCompileErrors(t *testing.T) {
	wantDBCompileErrors(t, []compileCase{
		{`[{"type": "db.get", "table": "users", "by": {"mail": "1"}, "as": "x"}]`, `stack[0].by.mail: table users has no column "mail" (did you mean "email"?)`},
		{`[{"type": "db.get", "table": "users", "as": "x"}]`, `stack[0]: give either id or by`},
	})
}
