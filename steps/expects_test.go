package steps_test

import "testing"

// A field's registry entry says what its expression gives (Expects): a
// literal of another kind is refused where it is written, the message in
// the words the builder's value modes use; computed values and the kinds
// that fit pass.
func TestExpectsRefusesLiteralsOfAnotherKind(t *testing.T) {
	wantDiagnostics(t, []diagCase{
		{"text for a condition", `[{"type": "if", "cond": "'yes'", "then": []}]`,
			"error: main: stack[0].cond: cond must give true or false, and 'yes' is a text"},
		{"text for a limit", `[{"type": "db.query", "table": "users", "limit": "'ten'", "as": "rows"}]`,
			"error: main: stack[0].limit: limit must give a whole number, and 'ten' is a text"},
		{"a fraction for a count", `[{"type": "for", "count": "2.5", "as": "i", "steps": []}]`,
			"error: main: stack[0].count: count must give a whole number, and 2.5 is a number"},
		{"a number for a url", `[{"type": "http", "url": "42", "as": "r"}]`,
			"error: main: stack[0].url: url must give a text, and 42 is a whole number"},
		{"a list for a text", `[{"type": "auth.hash_password", "password": "['a']", "as": "h"}]`,
			"error: main: stack[0].password: password must give a text, and ['a'] is a list"},
		{"the kinds that fit", `[{"type": "if", "cond": "true", "then": []}, {"type": "for", "count": "3.0", "as": "i", "steps": []},
			{"type": "var", "name": "x", "value": "'any'"}, {"type": "if", "cond": "len(x) > 1", "then": []}]`, ""},
	}, usersDef)
}
