package engine_test

import (
	"testing"
)

// TestRecursionWarnings checks the warning about calls that always
// recurse: a self-call behind a base case is not warned; a cycle of
// unconditional calls through other functions is (issue 15).
func TestRecursionWarnings(t *testing.T) {
	fn := func(name, stack string) string {
		return `{"kind": "function", "name": "` + name + `", "input": [{"name": "n", "type": "int", "required": true}], "stack": ` + stack + `, "response": "1"}`
	}
	call := func(callee string) string {
		return `{"type": "call", "function": "` + callee + `", "input": {"n": "input.n - 1"}}`
	}
	cases := []struct {
		name string
		defs []string
		want string
	}{
		{name: "guarded fact: a base case returns first", defs: []string{
			fn("fact", `[{"type": "if", "cond": "input.n <= 1", "then": [{"type": "return", "value": "1"}]},
				{"type": "call", "function": "fact", "input": {"n": "input.n - 1"}, "as": "r"},
				{"type": "return", "value": "input.n * r"}]`)}},
		{name: "a precondition before the call", defs: []string{
			fn("down", `[{"type": "precondition", "cond": "input.n > 0", "message": "done"}, `+call("down")+`]`)}},
		{name: "a throw in a branch before the call", defs: []string{
			fn("down", `[{"type": "switch", "value": "input.n", "cases": [{"match": "0", "steps": [{"type": "throw", "message": "done"}]}]}, `+call("down")+`]`)}},
		{name: "the call in a branch", defs: []string{
			fn("down", `[{"type": "if", "cond": "input.n > 0", "then": [`+call("down")+`]}]`)}},
		{name: "a return after the call does not guard it", defs: []string{
			fn("forever", `[`+call("forever")+`, {"type": "return", "value": "1"}]`)},
			want: "warning: forever: stack[0].function: forever calls itself unconditionally; it will always hit the call depth limit"},
		{name: "a call in try steps is reached", defs: []string{
			fn("forever", `[{"type": "try", "steps": [`+call("forever")+`], "catch": []}]`)},
			want: "warning: forever: stack[0].steps[0].function: forever calls itself unconditionally; it will always hit the call depth limit"},
		{name: "a → b → a", defs: []string{fn("a", `[`+call("b")+`]`), fn("b", `[{"type": "var", "name": "x", "value": "1"}, `+call("a")+`]`)},
			want: "warning: a: stack[0].function: a and b call each other unconditionally (a → b → a); every call of a recurses until it hits the call depth limit\n" +
				"warning: b: stack[1].function: b and a call each other unconditionally (b → a → b); every call of b recurses until it hits the call depth limit"},
		{name: "a → b → c → a", defs: []string{fn("a", `[`+call("b")+`]`), fn("b", `[`+call("c")+`]`), fn("c", `[`+call("a")+`]`)},
			want: "warning: a: stack[0].function: a, b and c call each other unconditionally (a → b → c → a); every call of a recurses until it hits the call depth limit\n" +
				"warning: b: stack[0].function: b, c and a call each other unconditionally (b → c → a → b); every call of b recurses until it hits the call depth limit\n" +
				"warning: c: stack[0].function: c, a and b call each other unconditionally (c → a → b → c); every call of c recurses until it hits the call depth limit"},
		{name: "a → b guarded, b → a", defs: []string{
			fn("a", `[{"type": "if", "cond": "input.n > 0", "then": [`+call("b")+`]}]`), fn("b", `[`+call("a")+`]`)}},
		{name: "a calls b, which calls itself", defs: []string{fn("a", `[`+call("b")+`]`), fn("b", `[`+call("b")+`]`)},
			want: "warning: b: stack[0].function: b calls itself unconditionally; it will always hit the call depth limit"},
	}
	support := supportDefs(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { checkDiagnostics(t, support, tc.want, tc.defs...) })
	}
}

// TestStaticTypes checks that what is known of a value's type (declared
// inputs, db records, loop variables) finds type errors at load time,
// with their JSON path (issue 15), and that a value that may be null, or
// that a set step changes, is not held to a type.
func TestStaticTypes(t *testing.T) {
	const inputs = `[{"name": "s", "type": "text", "required": true}, {"name": "maybe", "type": "text"},
		{"name": "n", "type": "int", "default": 1}, {"name": "flag", "type": "bool", "required": true},
		{"name": "at", "type": "timestamp", "required": true}, {"name": "price", "type": "decimal", "required": true},
		{"name": "tags", "type": "text", "list": true}, {"name": "doc", "type": "json", "required": true}]`
	fn := func(stack string) string {
		return `{"kind": "function", "name": "f", "input": ` + inputs + `, "stack": ` + stack + `}`
	}
	const users = `{"kind": "table", "name": "users", "fields": [{"name": "email", "type": "email", "required": true}, {"name": "age", "type": "int"}]}`
	cases := []struct{ name, def, want string }{
		{name: "text minus a number (issue 15)", def: fn(`[{"type": "var", "name": "x", "value": "input.s - 1"}]`),
			want: "error: f: stack[0].value: invalid operation: - (mismatched types string and int) (1:9)"},
		{name: "a text that may be null is not typed", def: fn(`[{"type": "var", "name": "x", "value": "input.maybe == 'a' || input.maybe - 1 > 0"}]`)},
		{name: "an int with a default", def: fn(`[{"type": "var", "name": "x", "value": "upper(input.n)"}]`),
			want: "error: f: stack[0].value: cannot use int as argument (type string) to call upper  (1:13)"},
		{name: "a bool", def: fn(`[{"type": "var", "name": "x", "value": "input.flag + 1"}]`),
			want: "error: f: stack[0].value: invalid operation: + (mismatched types bool and int) (1:12)"},
		{name: "a timestamp", def: fn(`[{"type": "var", "name": "x", "value": "input.at.year"}]`),
			want: "error: f: stack[0].value: type time.Time has no field year (1:10)"},
		{name: "a decimal is a number of either kind", def: fn(`[{"type": "var", "name": "x", "value": "input.price % 2 + input.price / 2"}]`)},
		{name: "json is anything", def: fn(`[{"type": "var", "name": "x", "value": "input.doc.a - input.doc[0]"}]`)},
		{name: "the items of a text list", def: fn(`[{"type": "foreach", "items": "input.tags", "as": "tag", "index": "i", "steps": [
			{"type": "var", "name": "x", "value": "tag * i"}]}]`),
			want: "error: f: stack[0].steps[0].value: invalid operation: * (mismatched types string and int) (1:5)"},
		{name: "a for variable", def: fn(`[{"type": "for", "count": "3", "as": "i", "steps": [{"type": "var", "name": "x", "value": "i + 'th'"}]}]`),
			want: "error: f: stack[0].steps[0].value: invalid operation: + (mismatched types int and string) (1:3)"},
		{name: "a for variable a set step changes is not typed", def: fn(`[{"type": "for", "count": "3", "as": "i", "steps": [
			{"type": "var", "name": "x", "value": "i + 'th'"}, {"type": "set", "name": "i", "value": "'i'"}]}]`)},
		{name: "a db record's columns", def: fn(`[{"type": "db.get", "table": "users", "id": "1", "as": "u"},
			{"type": "var", "name": "x", "value": "u.emial"}, {"type": "var", "name": "y", "value": "u.created_at - u.id"}]`),
			want: "error: f: stack[1].value: unknown field emial (1:3)\n" +
				"error: f: stack[2].value: invalid operation: - (mismatched types string and int) (1:14)"},
		{name: "a db column that may be null is not typed", def: fn(`[{"type": "db.get", "table": "users", "id": "1", "as": "u"},
			{"type": "var", "name": "x", "value": "u.email == 'a' && u.age + 1 > 0"}]`)},
		{name: "db.query records in a loop, and its count", def: fn(`[{"type": "db.query", "table": "users", "count": true, "as": "page"},
			{"type": "foreach", "items": "page.items", "as": "u", "steps": [{"type": "var", "name": "x", "value": "u.name"}]},
			{"type": "var", "name": "t", "value": "page.total + ''"}]`),
			want: "error: f: stack[1].steps[0].value: unknown field name (1:3)\n" +
				"error: f: stack[2].value: invalid operation: + (mismatched types int and string) (1:12)"},
		{name: "a record a set step changes is not typed", def: fn(`[{"type": "db.get", "table": "users", "id": "1", "as": "u"},
			{"type": "set", "name": "u", "path": "extra", "value": "1"}, {"type": "var", "name": "x", "value": "u.extra"}]`)},
	}
	support := supportDefs(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { checkDiagnostics(t, support, tc.want, tc.def, users) })
	}
}
