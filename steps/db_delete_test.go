package steps_test

import "testing"

func TestDBDelete(t *testing.T) {
	runDBCases(t, []dbCase{
		{name: "delete, twice", stack: `[` + seedStack + `,
			{"type": "db.delete", "table": "users", "id": "a.id"},
			{"type": "db.delete", "table": "users", "id": "a.id"},
			{"type": "db.query", "table": "users", "fields": ["id"], "as": "left"}]`, resp: "left", want: `[{"id":2},{"id":3}]`},
	})
}
