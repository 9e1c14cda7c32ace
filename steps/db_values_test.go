package steps_test

import (
	"testing"
)

// A column with values takes only those texts, from every write; null
// stays allowed unless the column is required, and where and db.get's by
// compare with any text.
func TestDBValues(t *testing.T) {
	const bad = "tickets.state must be one of open, closed; got "
	runDBCases(t, []dbCase{
		{name: "db.add takes a listed value and the default", stack: `[
			{"type": "db.add", "table": "tickets", "data": {"title": "'a'", "state": "'closed'", "kind": "'bug'"}, "as": "a"},
			{"type": "db.add", "table": "tickets", "data": {"title": "'b'", "kind": "nil"}, "as": "b"}]`,
			resp: "[[a.state, a.kind], [b.state, b.kind]]",
			want: `[["closed","bug"],["open",null]]`},
		{name: "db.add refuses another value", stack: `[
			{"type": "db.add", "table": "tickets", "data": {"title": "'a'", "state": "'sent'"}}]`,
			want: `error: main: stack[0].data.state: ` + bad + `"sent" (execution exec-1)`, code: "invalid_input"},
		{name: "db.add of an object refuses another value", stack: `[
			{"type": "db.add", "table": "tickets", "data": "{title: 'a', kind: 'Bug'}"}]`,
			want: `error: main: stack[0].data: tickets.kind must be one of bug, idea; got "Bug" (execution exec-1)`, code: "invalid_input"},
		{name: "db.edit", stack: `[
			{"type": "db.add", "table": "tickets", "data": {"title": "'a'"}, "as": "a"},
			{"type": "db.edit", "table": "tickets", "id": "a.id", "data": {"title": "'a'", "state": "'closed'"}, "as": "e"},
			{"type": "db.edit", "table": "tickets", "id": "a.id", "data": {"title": "'a'", "state": "'shut'"}}]`,
			want: `error: main: stack[2].data.state: ` + bad + `"shut" (execution exec-1)`, code: "invalid_input"},
		{name: "db.patch", stack: `[
			{"type": "db.add", "table": "tickets", "data": {"title": "'a'"}, "as": "a"},
			{"type": "db.patch", "table": "tickets", "id": "a.id", "data": {"state": "'closed'"}, "as": "p"},
			{"type": "db.patch", "table": "tickets", "id": "a.id", "data": "{state: 'OPEN'}"}]`,
			want: `error: main: stack[2].data: ` + bad + `"OPEN" (execution exec-1)`, code: "invalid_input"},
		{name: "db.patch takes a listed value; null on an optional column", stack: `[
			{"type": "db.add", "table": "tickets", "data": {"title": "'a'", "kind": "'idea'"}, "as": "a"},
			{"type": "db.patch", "table": "tickets", "id": "a.id", "data": {"state": "'closed'", "kind": "nil"}, "as": "p"}]`,
			resp: "[p.state, p.kind]",
			want: `["closed",null]`},
		{name: "db.upsert, data and by", stack: `[
			{"type": "db.upsert", "table": "tickets", "by": {"title": "'a'"}, "data": {"state": "'closed'"}, "as": "u"},
			{"type": "db.upsert", "table": "tickets", "by": {"title": "'a'"}, "data": {"kind": "'feature'"}}]`,
			want: `error: main: stack[1].data.kind: tickets.kind must be one of bug, idea; got "feature" (execution exec-1)`, code: "invalid_input"},
		{name: "db.upsert with a by column that takes values", stack: `[
			{"type": "db.upsert", "table": "tickets", "by": {"title": "'a'", "state": "'later'"}, "data": {"kind": "'bug'"}}]`,
			want: `error: main: stack[0].by.state: ` + bad + `"later" (execution exec-1)`, code: "invalid_input"},
		{name: "db.bulk add and patch", stack: `[
			{"type": "db.bulk", "table": "tickets", "op": "add", "items": "[{title: 'a', state: 'closed'}, {title: 'b'}]", "as": "n"},
			{"type": "db.bulk", "table": "tickets", "op": "add", "items": "[{title: 'c'}, {title: 'd', state: 'done'}]"}]`,
			want: `error: main: stack[1].items: items[1]: ` + bad + `"done" (execution exec-1)`, code: "invalid_input"},
		{name: "db.bulk patch", stack: `[
			{"type": "db.bulk", "table": "tickets", "op": "add", "items": "[{title: 'a'}, {title: 'b'}]"},
			{"type": "db.bulk", "table": "tickets", "op": "patch", "items": "[{id: 1, state: 'closed'}, {id: 2, state: 'gone'}]"}]`,
			want: `error: main: stack[1].items: items[1]: ` + bad + `"gone" (execution exec-1)`, code: "invalid_input"},
		{name: "db.bulk takes listed values", stack: `[
			{"type": "db.bulk", "table": "tickets", "op": "add", "items": "[{title: 'a', kind: 'idea'}, {title: 'b'}]"},
			{"type": "db.bulk", "table": "tickets", "op": "patch", "items": "[{id: 2, state: 'closed'}]"},
			{"type": "db.query", "table": "tickets", "fields": ["title", "state", "kind"], "as": "q"}]`,
			resp: "q",
			want: `[{"kind":"idea","state":"open","title":"a"},{"kind":null,"state":"closed","title":"b"}]`},
		{name: "where and db.get by compare with any text", stack: `[
			{"type": "db.add", "table": "tickets", "data": {"title": "'a'"}},
			{"type": "db.query", "table": "tickets", "where": "tickets.state == 'sent' || tickets.state in ['x', 'open']", "fields": ["title"], "as": "q"},
			{"type": "db.get", "table": "tickets", "by": {"state": "'sent'"}, "as": "g"}]`,
			resp: "[q, g]",
			want: `[[{"title":"a"}],null]`},
		{name: "a required column with values refuses null", stack: `[
			{"type": "db.add", "table": "tickets", "data": {"title": "'a'"}, "as": "a"},
			{"type": "db.patch", "table": "tickets", "id": "a.id", "data": {"state": "nil"}}]`,
			want: "error: main: stack[1].data.state: tickets.state is required; `nil` gave null (execution exec-1)", code: "invalid_input"},
	})
}

func TestTableValuesErrors(t *testing.T) {
	wantDiagnostics(t, []diagCase{
		{"values settings", `[]`, `error: bad: fields[0].values: values lists the texts the column allows, e.g. ["placed", "paid"]; an empty list allows none: list them, or remove values
error: bad: fields[1].values[2]: "x" is listed twice in values
error: bad: fields[2].values: only text fields take values (this one is int); remove values
error: bad: fields[3].values: expected a list, got string "x, y"
error: bad: fields[4].values[1]: expected a string, got number 2
error: bad: fields[5].default: default "z" is not one of the values x, y; make it one of them, or add it to values
error: bad: fields[6].values: only text fields take values (this one is email); remove values`},
	}, withTables(`{"kind": "table", "name": "bad", "fields": [
		{"name": "a", "type": "text", "values": []},
		{"name": "b", "type": "text", "values": ["x", "y", "x"]},
		{"name": "c", "type": "int", "values": ["1"]},
		{"name": "d", "type": "text", "values": "x, y"},
		{"name": "e", "type": "text", "values": ["x", 2]},
		{"name": "f", "type": "text", "default": "z", "values": ["x", "y"]},
		{"name": "g", "type": "email", "values": ["a@x.com"]},
		{"name": "h", "type": "text", "default": "y", "values": ["x", "y"]}]}`)...)
}
