package steps_test

import "testing"

func TestDBAdd(t *testing.T) {
	runDBCases(t, []dbCase{
		{name: "add returns the stored record", stack: `[` + seedStack + `]`, resp: "[a, b, c]",
			want: `[{"active":true,"age":36,"born":"1815-12-10T00:00:00Z","created_at":"<ts>","email":"ada@x.com","id":1,"meta":{"langs":["en","fr"],"n":1},"name":"Ada","score":9.5,"updated_at":"<ts>"},` +
				`{"active":false,"age":17,"born":null,"created_at":"<ts>","email":"bob@x.com","id":2,"meta":null,"name":"Bob","score":null,"updated_at":"<ts>"},` +
				`{"active":true,"age":52,"born":null,"created_at":"<ts>","email":"cy@y.org","id":3,"meta":null,"name":null,"score":1,"updated_at":"<ts>"}]`},
		{name: "timestamps are RFC 3339 UTC", stack: `[` + seedStack + `]`, resp: "[a.born, a.created_at == a.updated_at]", want: `["1815-12-10T00:00:00Z",true]`},
		{name: "add to a uuid table", stack: `[{"type": "db.add", "table": "docs", "data": {"title": "'t'", "tags": "['a']"}, "as": "d"},
			{"type": "db.get", "table": "docs", "id": "d.id", "as": "again"}]`, resp: "{d: d, same: again == d, v7: d.id[14:15]}",
			want: `{"d":{"created_at":"<ts>","id":"<id>","tags":["a"],"title":"t","updated_at":"<ts>"},"same":true,"v7":"7"}`},
		{name: "unique violation is a conflict", stack: `[` + seedStack + `, {"type": "db.add", "table": "users", "data": {"email": "'ada@x.com'"}}]`, resp: "",
			want: `error: main: stack[3]: users: another record has the same email (email must be unique); use another value, or change that record with db.edit or db.upsert (execution exec-1)`, code: "conflict"},
		{name: "add an object", stack: `[
			{"type": "db.add", "table": "users", "data": "input.changes", "as": "u"},
			{"type": "db.add", "table": "docs", "data": "{title: 'x', tags: nil}", "as": "d"}]`,
			input: map[string]any{"changes": map[string]any{"email": "o@x.com", "name": "O", "age": 3, "active": nil, "score": "1.10"}},
			resp:  "[u, d.title]",
			want:  `[{"active":true,"age":3,"born":null,"created_at":"<ts>","email":"o@x.com","id":1,"meta":null,"name":"O","score":1.1,"updated_at":"<ts>"},"x"]`},
		{name: "add an object with an unknown column", stack: `[{"type": "db.add", "table": "users", "data": "{email: 'o@x.com', nmae: 'O'}"}]`,
			want: `error: main: stack[0].data: table users has no column "nmae" (did you mean "name"?) (execution exec-1)`, code: "invalid_input"},
		{name: "add an object without a required column", stack: `[{"type": "db.add", "table": "users", "data": "{name: 'O'}"}]`,
			want: "error: main: stack[0].data: `{name: 'O'}` gave no value for users.email, which is required and has no default (execution exec-1)", code: "invalid_input"},
		{name: "add an object setting the id", stack: `[{"type": "db.add", "table": "users", "data": "{email: 'o@x.com', id: 5}"}]`,
			want: `error: main: stack[0].data: users.id is kept by the engine and cannot be set (execution exec-1)`},
		{name: "add a list", stack: `[{"type": "db.add", "table": "users", "data": "[1]"}]`,
			want: "error: main: stack[0].data: `[1]` gave a list; data must be an object of columns (execution exec-1)"},
	})
}

func TestDBAddCompileErrors(t *testing.T) {
	wantDBCompileErrors(t, []compileCase{
		{`[{"type": "db.add", "table": "users", "data": {"name": "'x'"}}]`, `stack[0].data: users.email is required and has no default`},
		{`[{"type": "db.add", "table": "users", "data": {"email": "'x'", "id": "1"}}]`, `stack[0].data.id: users.id is kept by the engine`},
	})
}
