package steps_test

import (
	"testing"
)

// hiddenSeed adds two accounts with secrets, a post by each and comments
// with codes: the columns marked hidden.
const hiddenSeed = `
	{"type": "db.add", "table": "accounts", "data": {"name": "'ada'", "secret": "'s-ada'"}, "as": "ada"},
	{"type": "db.add", "table": "accounts", "data": {"name": "'bob'", "secret": "'s-bob'"}, "as": "bob"},
	{"type": "db.add", "table": "posts", "data": {"author": "ada.id", "title": "'hello'"}, "as": "p1"},
	{"type": "db.add", "table": "posts", "data": {"author": "bob.id", "title": "'again'"}, "as": "p2"},
	{"type": "db.add", "table": "comments", "data": {"post": "p1.id", "body": "'nice'", "code": "'c1'"}, "as": "c1"},
	{"type": "db.add", "table": "comments", "data": {"post": "p1.id", "body": "'meh'", "code": "'c2'"}}`

// Hidden columns are written, filtered on and sorted by, but the records
// of db.get, db.query, the writes and every include leave them out unless
// fields lists them.
func TestDBHidden(t *testing.T) {
	const ada = `{"created_at":"<ts>","id":1,"name":"ada","updated_at":"<ts>"}`
	const bob = `{"created_at":"<ts>","id":2,"name":"bob","updated_at":"<ts>"}`
	runDBCases(t, []dbCase{
		{name: "db.add, db.get and db.query leave hidden columns out", stack: `[` + hiddenSeed + `,
			{"type": "db.get", "table": "accounts", "id": "ada.id", "as": "g"},
			{"type": "db.get", "table": "accounts", "by": {"name": "'bob'"}, "as": "h"},
			{"type": "db.query", "table": "accounts", "as": "q"},
			{"type": "db.query", "table": "accounts", "count": true, "as": "page"}]`,
			resp: "[ada, g, h, q, page, c1]",
			want: `[` + ada + `,` + ada + `,` + bob + `,[` + ada + `,` + bob + `],{"items":[` + ada + `,` + bob + `],"total":2},` +
				`{"body":"nice","created_at":"<ts>","id":1,"updated_at":"<ts>"}]`},
		{name: "db.edit, db.patch and db.upsert write hidden columns and leave them out", stack: `[` + hiddenSeed + `,
			{"type": "db.edit", "table": "accounts", "id": "ada.id", "data": {"secret": "'s2'"}, "as": "e"},
			{"type": "db.patch", "table": "accounts", "id": "bob.id", "data": "{secret: 's3'}", "as": "p"},
			{"type": "db.upsert", "table": "accounts", "by": {"name": "'cy'"}, "data": {"secret": "'s4'"}, "as": "u"},
			{"type": "db.query", "table": "accounts", "fields": ["name", "secret"], "as": "rows"}]`,
			resp: "[e, p, u, rows]",
			want: `[` + ada + `,` + bob + `,{"created_at":"<ts>","id":3,"name":"cy","updated_at":"<ts>"},[{"name":"ada","secret":"s2"},{"name":"bob","secret":"s3"},{"name":"cy","secret":"s4"}]]`},
		{name: "fields listing a hidden column give it; where and sort read hidden columns", stack: `[` + hiddenSeed + `,
			{"type": "db.get", "table": "accounts", "by": {"name": "'ada'"}, "fields": ["id", "secret"], "as": "login"},
			{"type": "db.query", "table": "accounts", "where": "accounts.secret startsWith 's-'", "sort": ["-secret"], "as": "q"},
			{"type": "db.query", "table": "accounts", "where": "accounts.secret == 's-bob'", "fields": ["name", "secret"], "as": "r"}]`,
			resp: "[login, login.secret, q, r]",
			want: `[{"id":1,"secret":"s-ada"},"s-ada",[` + bob + `,` + ada + `],[{"name":"bob","secret":"s-bob"}]]`},
		{name: "includes leave hidden columns out, one and many, nested", stack: `[` + hiddenSeed + `,
			{"type": "db.get", "table": "posts", "id": "p1.id", "include": ["author"], "as": "post"},
			{"type": "db.query", "table": "accounts", "include": ["posts.comments"], "as": "people"},
			{"type": "db.query", "table": "comments", "include": ["post.author"], "as": "cs"}]`,
			resp: "[post, people, cs]",
			want: `[{"author":` + ada + `,"created_at":"<ts>","id":1,"title":"hello","updated_at":"<ts>"},` +
				`[{"created_at":"<ts>","id":1,"name":"ada","posts":[{"author":1,"comments":[` +
				`{"body":"nice","created_at":"<ts>","id":1,"updated_at":"<ts>"},{"body":"meh","created_at":"<ts>","id":2,"updated_at":"<ts>"}],` +
				`"created_at":"<ts>","id":1,"title":"hello","updated_at":"<ts>"}],"updated_at":"<ts>"},` +
				`{"created_at":"<ts>","id":2,"name":"bob","posts":[{"author":2,"comments":[],"created_at":"<ts>","id":2,"title":"again","updated_at":"<ts>"}],"updated_at":"<ts>"}],` +
				`[{"body":"nice","created_at":"<ts>","id":1,"post":{"author":` + ada + `,"created_at":"<ts>","id":1,"title":"hello","updated_at":"<ts>"},"updated_at":"<ts>"},` +
				`{"body":"meh","created_at":"<ts>","id":2,"post":{"author":` + ada + `,"created_at":"<ts>","id":1,"title":"hello","updated_at":"<ts>"},"updated_at":"<ts>"}]]`},
		{name: "include with fields listing hidden columns", stack: `[` + hiddenSeed + `,
			{"type": "db.query", "table": "comments", "fields": ["post", "code"], "include": ["post"], "as": "cs"}]`,
			resp: "map(cs, [#.code, #.post.title])",
			want: `[["c1","hello"],["c2","hello"]]`},
	})
}

func TestDBHiddenCompileErrors(t *testing.T) {
	hint := func(path, pos, col, table string) string {
		return `error: main: ` + path + `: unknown field ` + col + ` (` + pos + `); ` + col + ` is a hidden column of table ` + table +
			`: records leave it out unless the db.get or db.query lists it in fields, e.g. "fields": ["id", "` + col + `"]`
	}
	wantDiagnostics(t, []diagCase{
		{"db.get", `[{"type": "db.get", "table": "accounts", "id": "1", "as": "a"}, {"type": "var", "name": "x", "value": "a.secret"}]`,
			hint("stack[1].value", "1:3", "secret", "accounts")},
		{"db.get with fields leaving it out", `[{"type": "db.get", "table": "accounts", "id": "1", "fields": ["name"], "as": "a"},
			{"type": "var", "name": "x", "value": "a.secret"}]`,
			hint("stack[1].value", "1:3", "secret", "accounts")},
		{"db.query items", `[{"type": "db.query", "table": "comments", "as": "cs"},
			{"type": "foreach", "items": "cs", "as": "c", "steps": [{"type": "var", "name": "x", "value": "c.code + c.body"}]}]`,
			hint("stack[1].steps[0].value", "1:3", "code", "comments")},
		{"db.add's record", `[{"type": "db.add", "table": "accounts", "data": {"secret": "'s'"}, "as": "a"}, {"type": "var", "name": "x", "value": "a.secret"}]`,
			hint("stack[1].value", "1:3", "secret", "accounts")},
		{"listed in fields", `[{"type": "db.get", "table": "accounts", "id": "1", "fields": ["id", "secret"], "as": "a"},
			{"type": "db.query", "table": "comments", "fields": ["code"], "as": "cs"},
			{"type": "var", "name": "x", "value": "a.secret + cs[0].code"}]`, ``},
	}, withTables()...)
}

func TestHiddenFieldErrors(t *testing.T) {
	wantDiagnostics(t, []diagCase{
		{"hidden settings", `[]`, `error: bad: fields[0].hidden: expected true or false, got string "yes"
error: bad: fields[1].hidden: id is kept by the engine and cannot be hidden; records always hold id, created_at and updated_at (leave them out of fields)
error: bad: fields[2].hidden: created_at is kept by the engine and cannot be hidden; records always hold id, created_at and updated_at (leave them out of fields)
error: bad: fields[4]: a refs field has no column: required, unique, default and hidden do not apply; remove them`},
	}, append(relTables, `{"kind": "table", "name": "bad", "fields": [
		{"name": "a", "type": "text", "hidden": "yes"},
		{"name": "id", "type": "int", "hidden": true},
		{"name": "created_at", "type": "timestamp", "hidden": true},
		{"name": "b", "type": "ref", "table": "bad", "hidden": true},
		{"name": "c", "type": "refs", "table": "bad", "by": "b", "hidden": true}]}`)...)
}
