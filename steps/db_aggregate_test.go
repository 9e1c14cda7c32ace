package steps_test

import (
	"testing"

	"github.com/funcstack/funcstack/engine"
)

func init() {
	// The catalogue example reads the table users.
	preambles["db.aggregate"] = examplePreamble{}
}

func TestDBAggregate(t *testing.T) {
	runDBCases(t, []dbCase{
		{name: "over all records", stack: `[` + seedStack + `,
			{"type": "db.aggregate", "table": "users", "values": ["count", "count(name)", "sum(age)", "avg(age)", "sum(score)", "avg(score)", "min(score)", "max(score)", "min(name)", "max(born)"], "as": "every"},
			{"type": "db.aggregate", "table": "users", "where": "users.age > 100", "values": ["count", "sum(age)", "sum(score)", "avg(score)", "max(age)"], "as": "nothing"}]`,
			resp: "[every, nothing]",
			want: `[{"avg_age":35,"avg_score":5.25,"count":3,"count_name":2,"max_born":"1815-12-10T00:00:00Z","max_score":9.5,"min_name":"Ada","min_score":1,"sum_age":105,"sum_score":10.5},` +
				`{"avg_score":null,"count":0,"max_age":null,"sum_age":0,"sum_score":0}]`},
		{name: "grouped, decimals exact", stack: `[
			{"type": "db.add", "table": "users", "data": {"email": "'a@x'", "name": "'A'", "score": "0.1", "active": "true"}},
			{"type": "db.add", "table": "users", "data": {"email": "'b@x'", "name": "'B'", "score": "0.2", "active": "true"}},
			{"type": "db.add", "table": "users", "data": {"email": "'c@x'", "name": "'C'", "score": "10", "active": "false"}},
			{"type": "db.add", "table": "users", "data": {"email": "'d@x'", "score": "1", "active": "false"}},
			{"type": "db.add", "table": "users", "data": {"email": "'e@x'", "name": "'E'", "active": "false"}},
			{"type": "db.aggregate", "table": "users", "group_by": ["active"], "values": ["count", "sum(score)", "avg(score)", "min(score)", "max(name)"], "as": "by_active"},
			{"type": "db.aggregate", "table": "users", "where": "users.score != nil", "group_by": ["name"], "values": ["count"], "as": "by_name"}]`,
			resp: "[by_active, by_name, by_active[1].sum_score == 0.3]",
			want: `[[{"active":false,"avg_score":5.5,"count":3,"max_name":"E","min_score":1,"sum_score":11},{"active":true,"avg_score":0.15,"count":2,"max_name":"B","min_score":0.1,"sum_score":0.3}],` +
				`[{"count":1,"name":"A"},{"count":1,"name":"B"},{"count":1,"name":"C"},{"count":1,"name":null}],true]`},
		{name: "thirds keep 34 digits", stack: `[
			{"type": "db.add", "table": "users", "data": {"email": "'a@x'", "score": "1"}},
			{"type": "db.add", "table": "users", "data": {"email": "'b@x'", "score": "1"}},
			{"type": "db.add", "table": "users", "data": {"email": "'c@x'", "score": "0"}},
			{"type": "db.aggregate", "table": "users", "values": ["avg(score)", "avg(age)"], "as": "a"}]`,
			resp: "a", want: `{"avg_age":null,"avg_score":0.6666666666666666666666666666666667}`},
	})
}

func TestDBAggregateLimit(t *testing.T) {
	for _, be := range backends(t) {
		t.Run(be.name, func(t *testing.T) {
			clearTables(t, be.st)
			resetIDs(t, be.st)
			cfg := engine.Config{Limits: engine.Limits{MaxItems: 2}}
			eng := dbEngineWith(t, be.st, cfg, dbMain(`[`+seedStack+`,
				{"type": "db.aggregate", "table": "users", "group_by": ["email"], "values": ["count"], "as": "g"}]`, "g"))
			want := "error: main: stack[3]: db.aggregate of users gave more than 2 groups (limit max_items); group by fewer columns or narrow its where (execution exec-1)"
			if got := runJSON(t, eng, nil); got != want {
				t.Errorf("\n got  %s\n want %s", got, want)
			}
		})
	}
}

func TestDBAggregateCompileErrors(t *testing.T) {
	wantDBCompileErrors(t, []compileCase{
		{`[{"type": "db.aggregate", "table": "users", "values": ["sum(name)"], "as": "x"}]`, `stack[0].values[0]: "sum(name)": users.name is a text column; sum takes int and decimal columns`},
		{`[{"type": "db.aggregate", "table": "users", "values": ["avg(agee)"], "as": "x"}]`, `stack[0].values[0]: "avg(agee)": table users has no column "agee" (did you mean "age"?)`},
		{`[{"type": "db.aggregate", "table": "users", "values": ["median(age)"], "as": "x"}]`, `stack[0].values[0]: "median(age)": unknown aggregate median; use count, sum, avg, min or max`},
		{`[{"type": "db.aggregate", "table": "users", "values": ["total"], "as": "x"}]`, `stack[0].values[0]: "total" is not an aggregate; write count, count(col), sum(col), avg(col), min(col) or max(col)`},
		{`[{"type": "db.aggregate", "table": "users", "values": ["max(meta)"], "as": "x"}]`, `stack[0].values[0]: "max(meta)": users.meta is a json column, which has no order; max takes ordered columns`},
		{`[{"type": "db.aggregate", "table": "users", "group_by": ["meta"], "values": ["count"], "as": "x"}]`, `stack[0].group_by[0]: users.meta is a json column; group by columns of other types`},
		{`[{"type": "db.aggregate", "table": "users", "group_by": ["count"], "values": ["count"], "as": "x"}]`, `stack[0].group_by[0]: table users has no column "count"`},
		{`[{"type": "db.aggregate", "table": "users", "values": ["count", "count(*)"], "as": "x"}]`, `stack[0].values[1]: count(*) gives the key count, which the result already has`},
		{`[{"type": "db.aggregate", "table": "users", "values": [], "as": "x"}]`, `stack[0].values: values is empty`},
	})
}
