package steps_test

import "testing"

func TestDBSQL(t *testing.T) {
	runDBCases(t, []dbCase{
		{name: "sql query and statement", stack: `[` + seedStack + `,
			{"type": "db.sql", "sql": "SELECT email, age FROM users WHERE age > ? AND email <> ? ORDER BY age", "params": ["20", "'x'"], "as": "rows"},
			{"type": "db.sql", "sql": "UPDATE users SET age = age + ? WHERE age < ?;", "params": ["1", "40"], "as": "res"}]`,
			resp: "[rows, res]", want: `[[{"age":36,"email":"ada@x.com"},{"age":52,"email":"cy@y.org"}],{"rows_affected":2}]`},
		{name: "sql hostile params stay values", stack: `[` + seedStack + `,
			{"type": "db.sql", "sql": "SELECT count(*) AS n FROM users WHERE name = ? OR email = ?", "params": ["\"x' OR '1'='1\"", "'; DROP TABLE users; --'"], "as": "rows"},
			{"type": "db.query", "table": "users", "count": true, "limit": "0", "as": "everything"}]`, resp: "[rows[0].n, everything.total]", want: `[0,3]`},
		// The same binding and the same JSON types on both databases.
		{name: "sql binds values alike", stack: `[` + seedStack + `,
			{"type": "db.sql", "sql": "SELECT ? AS i, ? + 1 AS j, ? AS f, ? AS t, ? AS n", "params": ["5", "5", "1.5", "'x'", "nil"], "as": "echo"},
			{"type": "db.sql", "sql": "SELECT email FROM users WHERE active = ? AND born < ? ORDER BY id", "params": ["true", "now()"], "as": "typed"},
			{"type": "db.sql", "sql": "SELECT email, score FROM users WHERE score > ? ORDER BY id", "params": ["decimal('2.5')"], "as": "dec"}]`,
			resp: "[echo, typed, dec]",
			want: `[[{"f":1.5,"i":5,"j":6,"n":null,"t":"x"}],[{"email":"ada@x.com"}],[{"email":"ada@x.com","score":9.5}]]`},
		{name: "sql gives bools, times and decimals alike", stack: `[` + seedStack + `,
			{"type": "db.sql", "sql": "SELECT name, active, born, score, meta FROM users ORDER BY id", "as": "rows"}]`,
			resp: "rows",
			want: `[{"active":true,"born":"1815-12-10T00:00:00Z","meta":{"langs":["en","fr"],"n":1},"name":"Ada","score":9.5},` +
				`{"active":false,"born":null,"meta":null,"name":"Bob","score":null},{"active":true,"born":null,"meta":null,"name":null,"score":1}]`},
		{name: "sql expands a list in IN (?)", stack: `[` + seedStack + `,
			{"type": "db.sql", "sql": "SELECT email FROM users WHERE id IN (?) ORDER BY id", "params": ["[a.id, c.id]"], "as": "in2"},
			{"type": "db.sql", "sql": "SELECT email FROM users WHERE email not in ( ? ) AND id in(?) ORDER BY id", "params": ["['ada@x.com']", "[1, 2, 3, 4]"], "as": "notin"},
			{"type": "db.sql", "sql": "SELECT email FROM users WHERE id IN (?)", "params": ["[]"], "as": "empty"}]`,
			resp: "[in2, notin, empty]",
			want: `[[{"email":"ada@x.com"},{"email":"cy@y.org"}],[{"email":"bob@x.com"},{"email":"cy@y.org"}],[]]`},
		{name: "sql refuses NOT IN an empty list", stack: `[
			{"type": "db.sql", "sql": "SELECT email FROM users WHERE id NOT IN (?)", "params": ["[]"], "as": "rows"}]`,
			want: "error: main: stack[0].params[0]: `[]` gave an empty list, and NOT IN () has no form on PostgreSQL; skip the condition when the list is empty (e.g. with an if step) (execution exec-1)"},
	})
}

func TestDBSQLCompileErrors(t *testing.T) {
	wantDBCompileErrors(t, []compileCase{
		{`[{"type": "db.sql", "sql": "SELECT 1; DROP TABLE users", "as": "x"}]`, `stack[0].sql: only one statement is allowed`},
		{`[{"type": "db.sql", "sql": "SELECT * FROM users WHERE id = ?", "params": [], "as": "x"}]`, `stack[0].params: the SQL has 1 ? placeholder but params has 0 values`},
		{`[{"type": "db.sql", "sql": "SELECT * FROM users WHERE id = $1", "params": ["1"], "as": "x"}]`, `stack[0].sql: $1: write placeholders as ?`},
	})
}
