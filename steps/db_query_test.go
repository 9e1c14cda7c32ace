package steps_test

import (
	"testing"

	"github.com/funcstack/funcstack/engine"
)

func TestDBQuery(t *testing.T) {
	runDBCases(t, []dbCase{
		{name: "query where sort limit offset", stack: `[` + seedStack + `,
			{"type": "db.query", "table": "users", "where": "users.age >= input.min || users.email endsWith '.org'", "sort": ["-age"], "as": "q1"},
			{"type": "db.query", "table": "users", "sort": ["name"], "fields": ["name"], "as": "q2"},
			{"type": "db.query", "table": "users", "limit": "1", "offset": "1", "fields": ["id"], "as": "q3"},
			{"type": "db.query", "table": "users", "where": "users.active && users.id in [a.id, b.id, 99]", "count": true, "limit": "5", "fields": ["email"], "as": "q4"},
			{"type": "db.query", "table": "users", "where": "users.id in []", "count": true, "as": "q5"},
			{"type": "db.query", "table": "users", "where": "users.name != nil && !(users.name contains 'o')", "fields": ["name"], "as": "q6"},
			{"type": "db.query", "table": "users", "where": "users.born < now() && users.meta != nil", "fields": ["id"], "as": "q7"},
			{"type": "db.query", "table": "users", "offset": "2", "fields": ["id"], "as": "q8"}]`,
			input: map[string]any{"min": 30},
			resp:  "{q1: map(q1, .email), q2: q2, q3: q3, q4: q4, q5: q5, q6: q6, q7: q7, q8: q8}",
			want: `{"q1":["cy@y.org","ada@x.com"],"q2":[{"name":"Ada"},{"name":"Bob"},{"name":null}],"q3":[{"id":2}],"q4":{"items":[{"email":"ada@x.com"}],"total":1},` +
				`"q5":{"items":[],"total":0},"q6":[{"name":"Ada"}],"q7":[{"id":1}],"q8":[{"id":3}]}`},
		{name: "contains is literal and case-sensitive", stack: `[
			{"type": "db.add", "table": "notes", "data": {"body": "'50% off_now'"}},
			{"type": "db.add", "table": "notes", "data": {"body": "'5000 offXnow'"}},
			{"type": "db.add", "table": "notes", "data": {"body": "'A*B?[c]'"}},
			{"type": "db.add", "table": "notes", "data": {"body": "'a\\\\b'"}},
			{"type": "db.query", "table": "notes", "where": "notes.body contains '0% off_'", "fields": ["body"], "as": "q1"},
			{"type": "db.query", "table": "notes", "where": "notes.body startsWith 'A*B?['", "fields": ["body"], "as": "q2"},
			{"type": "db.query", "table": "notes", "where": "notes.body contains 'OFF'", "fields": ["body"], "as": "q3"},
			{"type": "db.query", "table": "notes", "where": "notes.body endsWith '\\\\b'", "fields": ["body"], "as": "q4"}]`,
			resp: "[q1, q2, q3, q4]", want: `[[{"body":"50% off_now"}],[{"body":"A*B?[c]"}],[],[{"body":"a\\b"}]]`},
		// Null as in expressions (docs/design.md §25); cy's name is null.
		{name: "null as in expressions", stack: `[` + seedStack + `,
			{"type": "db.query", "table": "users", "where": "users.name != 'Bob'", "as": "q1"},
			{"type": "db.query", "table": "users", "where": "users.name == input.s", "as": "q2"},
			{"type": "db.query", "table": "users", "where": "users.name in ['Ada', nil]", "as": "q3"},
			{"type": "db.query", "table": "users", "where": "users.name not in ['Ada']", "as": "q4"},
			{"type": "db.query", "table": "users", "where": "!(users.score > 2)", "as": "q5"},
			{"type": "db.query", "table": "users", "where": "users.name != input.s", "as": "q6"},
			{"type": "db.query", "table": "users", "where": "lower(users.name) startsWith lower('ADA') || upper(users.email) == 'BOB@X.COM'", "as": "q7"}]`,
			resp: "map([q1, q2, q3, q4, q5, q6, q7], map(#, .email))",
			want: `[["ada@x.com","cy@y.org"],["cy@y.org"],["ada@x.com","cy@y.org"],["bob@x.com","cy@y.org"],["bob@x.com","cy@y.org"],["ada@x.com","bob@x.com"],["ada@x.com","bob@x.com"]]`},
		{name: "sort from an expression", stack: `[` + seedStack + `,
			{"type": "db.query", "table": "users", "sort": "input.changes.sort", "as": "q1"},
			{"type": "db.query", "table": "users", "sort": "'-age'", "as": "q2"},
			{"type": "db.query", "table": "users", "sort": "nil", "as": "q3"}]`,
			input: map[string]any{"changes": map[string]any{"sort": []any{"-active", "name"}}},
			resp:  "map([q1, q2, q3], map(#, .email))",
			want:  `[["ada@x.com","cy@y.org","bob@x.com"],["cy@y.org","ada@x.com","bob@x.com"],["ada@x.com","bob@x.com","cy@y.org"]]`},
		{name: "sort from an expression names an unknown column", stack: `[
			{"type": "db.query", "table": "users", "sort": "input.changes.sort", "as": "q1"}]`,
			input: map[string]any{"changes": map[string]any{"sort": []any{"name", "-agee"}}},
			want:  `error: main: stack[0].sort: sort "-agee": table users has no column "agee" (did you mean "age"?) (execution exec-1)`, code: engine.CodeInvalidInput},
		{name: "sort from an expression that is not a list", stack: `[
			{"type": "db.query", "table": "users", "sort": "input.changes", "as": "q1"}]`,
			input: map[string]any{"changes": map[string]any{"a": 1}},
			want:  "error: main: stack[0].sort: `input.changes` gave an object; sort takes a list of column names such as [\"-created_at\"] (execution exec-1)", code: engine.CodeInvalidInput},
		{name: "ordering against null is an error", stack: `[` + seedStack + `,
			{"type": "db.query", "table": "users", "where": "users.age < input.min", "as": "q1"}]`,
			want: "error: main: stack[3].where: in `users.age < input.min`: `input.min` is null, and < orders values; test for null first, e.g. input.min == nil || users.age < input.min (execution exec-1)", code: engine.CodeInvalidInput},
	})
}

func TestDBQueryCompileErrors(t *testing.T) {
	wantDBCompileErrors(t, []compileCase{
		{`[{"type": "db.query", "table": "user", "as": "x"}]`, `stack[0].table: unknown table "user" (did you mean "users"?)`},
		{`[{"type": "db.query", "table": "users", "where": "users.agee > 1", "as": "x"}]`, `stack[0].where: unknown field agee`},
		{`[{"type": "db.query", "table": "users", "where": "users.age * 2 > 1", "as": "x"}]`, "stack[0].where: cannot be turned into SQL: `users.age * 2` computes with a column"},
		{`[{"type": "db.query", "table": "users", "where": "users.name == nme", "as": "x"}]`, `stack[0].where: unknown name nme`},
		{`[{"type": "db.query", "table": "users", "sort": ["-agee"], "as": "x"}]`, `stack[0].sort[0]: table users has no column "agee" (did you mean "age"?)`},
		{`[{"type": "db.query", "table": "users", "fields": ["id", "emial"], "as": "x"}]`, `stack[0].fields[1]: table users has no column "emial" (did you mean "email"?)`},
	})
}

// TestDBQueryReadsAtMostMaxItems: a query (db.query or db.sql) matching more records than
// max_items is an error that says what to do, not a whole table read
// into memory; up to the limit, with or without a limit of its own, it
// reads them all.
func TestDBQueryReadsAtMostMaxItems(t *testing.T) {
	for _, be := range backends(t) {
		t.Run(be.name, func(t *testing.T) {
			clearTables(t, be.st)
			resetIDs(t, be.st)
			cfg := engine.Config{Limits: engine.Limits{MaxItems: 5}}
			seed := dbEngineWith(t, be.st, cfg, dbMain(`[
				{"type": "for", "count": "6", "as": "i", "steps": [
					{"type": "db.add", "table": "notes", "data": {"body": "'n' + string(i)"}}]}]`, "nil"))
			if got := runJSON(t, seed, nil); got != "null" {
				t.Fatal(got)
			}
			for _, c := range []struct{ limit, where, want string }{
				{"", "", "error: main: stack[0]: db.query of notes matched more than 5 records (limit max_items); give it a limit and page with offset, or narrow its where (execution exec-1)"},
				{"100", "", "error: main: stack[0]: db.query of notes matched more than 5 records (limit max_items); give it a limit and page with offset, or narrow its where (execution exec-1)"},
				{"5", "", "5"},
				{"", "notes.id > 1", "5"},
				{"nil", "notes.id > 2", "4"},
				{"sql", "", "error: main: stack[0]: db.sql gave more than 5 rows (limit max_items); add a LIMIT and page with OFFSET, or narrow its WHERE (execution exec-1)"},
				{"sql", "id > 1", "5"},
			} {
				if c.limit == "sql" {
					q := "SELECT id FROM notes"
					if c.where != "" {
						q += " WHERE " + c.where
					}
					eng := dbEngineWith(t, be.st, cfg, dbMain(`[{"type": "db.sql", "sql": "`+q+`", "as": "rows"}]`, "len(rows)"))
					if got := runJSON(t, eng, nil); got != c.want {
						t.Errorf("db.sql %q:\n got  %s\n want %s", q, got, c.want)
					}
					continue
				}
				q := `{"type": "db.query", "table": "notes", "as": "rows"`
				if c.limit != "" {
					q += `, "limit": "` + c.limit + `"`
				}
				if c.where != "" {
					q += `, "where": "` + c.where + `"`
				}
				eng := dbEngineWith(t, be.st, cfg, dbMain(`[`+q+`}]`, "len(rows)"))
				if got := runJSON(t, eng, nil); got != c.want {
					t.Errorf("limit %q where %q:\n got  %s\n want %s", c.limit, c.where, got, c.want)
				}
			}
		})
	}
}
