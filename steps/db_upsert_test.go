package steps_test

import (
	"fmt"
	"strings"
	"testing"
)

func TestDBUpsert(t *testing.T) {
	runDBCases(t, []dbCase{
		{name: "upsert adds then edits", stack: `[
			{"type": "db.upsert", "table": "users", "by": {"email": "'u@x.com'"}, "data": {"age": "1"}, "as": "u1"},
			{"type": "db.upsert", "table": "users", "by": {"email": "'u@x.com'"}, "data": {"age": "2"}, "as": "u2"},
			{"type": "db.upsert", "table": "notes", "by": {"body": "'k'"}, "data": {"n": "1"}, "as": "n1"},
			{"type": "db.upsert", "table": "notes", "by": {"body": "'k'"}, "data": {"n": "2"}, "as": "n2"},
			{"type": "db.query", "table": "notes", "count": true, "as": "everything"}]`,
			resp: "[u1.id == u2.id, u2.age, n1.id == n2.id, n2.n, everything.total]", want: `[true,2,true,2,1]`},
		// A Xano user sends the whole record: the by column may be in data
		// when its value is the same.
		{name: "upsert takes the whole record", stack: `[
			{"type": "db.upsert", "table": "users", "by": {"email": "input.changes.email"}, "data": "input.changes", "as": "u1"},
			{"type": "db.upsert", "table": "users", "by": {"email": "'ada@x.com'"}, "data": {"email": "'ada@x.com'", "age": "37"}, "as": "u2"},
			{"type": "db.upsert", "table": "notes", "by": {"body": "'k'"}, "data": "{body: 'k', n: 5}", "as": "n1"},
			{"type": "db.upsert", "table": "notes", "by": {"body": "'k'"}, "data": "{n: 6}", "as": "n2"}]`,
			input: map[string]any{"changes": map[string]any{"email": "ada@x.com", "name": "Ada", "age": 36}},
			resp:  "[u1.email, u1.name, u1.age, u2.id == u1.id, u2.age, u2.name, n1.n, n2.id == n1.id, n2.n]",
			want:  `["ada@x.com","Ada",36,true,37,"Ada",5,true,6]`},
		{name: "upsert refuses a different by value in data", stack: `[
			{"type": "db.upsert", "table": "users", "by": {"email": "'ada@x.com'"}, "data": {"email": "'bob@x.com'"}}]`,
			want: `error: main: stack[0].data.email: data gives email "bob@x.com" but by gives "ada@x.com"; a matched record keeps its by values: leave email out of data or give it the same value (execution exec-1)`},
		{name: "upsert refuses a different by value in a data object", stack: `[
			{"type": "db.upsert", "table": "notes", "by": {"body": "'k'"}, "data": "{body: 'j', n: 1}"}]`,
			want: `error: main: stack[0].data.body: data gives body "j" but by gives "k"; a matched record keeps its by values: leave body out of data or give it the same value (execution exec-1)`},
		// A null for a column with a default, as in db.add: an insert takes
		// the default, an update leaves the column as it is (an optional
		// input the client did not send changes nothing).
		{name: "upsert: a null for a column with a default", stack: `[
			{"type": "db.upsert", "table": "users", "by": {"email": "'u@x.com'"}, "data": {"active": "nil", "age": "1"}, "as": "u1"},
			{"type": "db.upsert", "table": "users", "by": {"email": "'u@x.com'"}, "data": {"active": "false"}, "as": "u2"},
			{"type": "db.upsert", "table": "users", "by": {"email": "'u@x.com'"}, "data": {"active": "nil", "age": "2"}, "as": "u3"},
			{"type": "db.upsert", "table": "users", "by": {"email": "'u@x.com'"}, "data": "{active: nil, age: 3}", "as": "u4"},
			{"type": "db.upsert", "table": "users", "by": {"email": "'v@x.com'"}, "data": "{active: nil}", "as": "v1"}]`,
			resp: "[u1.active, u2.active, u3.active, u3.age, u4.active, u4.age, v1.active]", want: `[true,false,false,2,false,3,true]`},
		{name: "upsert: a null for a required column without a default", stack: `[
			{"type": "db.upsert", "table": "counters", "by": {"name": "'a'"}, "data": {"value": "input.min"}}]`,
			want: "error: main: stack[0].data.value: counters.value is required; `input.min` gave null (execution exec-1)"},
		{name: "upsert data object with an unknown column", stack: `[
			{"type": "db.upsert", "table": "notes", "by": {"body": "'k'"}, "data": "{nn: 1}"}]`,
			want: `error: main: stack[0].data: table notes has no column "nn" (did you mean "n"?) (execution exec-1)`},
	})
}

func TestDBUpsertCompileErrors(t *testing.T) {
	wantDBCompileErrors(t, []compileCase{
		{`[{"type": "db.upsert", "table": "users", "by": {"email": "'x'"}, "data": {"emial": "'y'"}}]`, `stack[0].data.emial: table users has no column "emial" (did you mean "email"?)`},
	})
	// An upsert without a unique constraint warns.
	more := diagnose(withTables(mainFn(`[{"type": "db.upsert", "table": "notes", "by": {"body": "'x'"}}]`, ""))...)
	if w := fmt.Sprint(more.Warnings()); !strings.Contains(w, "no unique constraint on (body)") {
		t.Errorf("no upsert warning: %s", w)
	}
}
