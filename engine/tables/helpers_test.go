package tables

import (
	"testing"

	"github.com/funcstack/funcstack/engine"
)

// The helpers the tests of unexported parts (package steps) share.

const usersTableJSON = `{"kind": "table", "name": "users", "fields": [
	{"name": "email", "type": "email", "required": true, "unique": true},
	{"name": "name", "type": "text"},
	{"name": "age", "type": "int"},
	{"name": "score", "type": "decimal"},
	{"name": "active", "type": "bool", "default": true},
	{"name": "born", "type": "timestamp"},
	{"name": "meta", "type": "json"},
	{"name": "ref", "type": "uuid"}]}`

func usersTable(t testing.TB) *Table {
	t.Helper()
	var diags engine.Diagnostics
	d := engine.ParseDefinition("users.json", []byte(usersTableJSON), &diags)
	if diags.HasErrors() {
		t.Fatal(diags.Err())
	}
	return Of(d)
}
