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
	})
}

func TestDBSQLCompileErrors(t *testing.T) {
	wantDBCompileErrors(t, []compileCase{
		{`[{"type": "db.sql", "sql": "SELECT 1; DROP TABLE users", "as": "x"}]`, `stack[0].sql: only one statement is allowed`},
		{`[{"type": "db.sql", "sql": "SELECT * FROM users WHERE id = ?", "params": [], "as": "x"}]`, `stack[0].params: the SQL has 1 ? placeholder but params has 0 values`},
		{`[{"type": "db.sql", "sql": "SELECT * FROM users WHERE id = $1", "params": ["1"], "as": "x"}]`, `stack[0].sql: $1: write placeholders as ?`},
	})
}
