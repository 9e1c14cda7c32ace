package engine_test

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/exprfn"
	"github.com/funcstack/funcstack/engine/store"
)

// TestFunctionCatalogueExamples runs every example of the function
// catalogue as the response of a function, as a user would, and compares
// the JSON it answers with the catalogue's result: exactly, or for a
// function whose result varies (uuid, now), against its pattern. The
// answer must also be a plain value (what a variable, a record and a table
// can hold) without the engine's help.
func TestFunctionCatalogueExamples(t *testing.T) {
	cat := exprfn.Catalogue()
	var docs []string
	for i, f := range cat {
		doc, err := json.Marshal(map[string]any{"kind": "function", "name": fmt.Sprintf("ex_%d", i), "response": f.Example})
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, string(doc))
	}
	e := engine.New(engine.Config{})
	defer e.Close()
	e.Load(mustProgram(t, docs...))
	for i, f := range cat {
		t.Run(f.Name, func(t *testing.T) {
			res, err := e.Run(context.Background(), fmt.Sprintf("ex_%d", i), nil, engine.RunOptions{})
			if err != nil {
				t.Fatalf("%s: %v", f.Example, err)
			}
			got, err := store.EncodeJSON(res.Output)
			if err != nil {
				t.Fatalf("%s: the answer cannot be written as JSON: %v", f.Example, err)
			}
			if f.Varies != "" {
				if !regexp.MustCompile(f.Varies).MatchString(string(got)) || !regexp.MustCompile(f.Varies).MatchString(f.Result) {
					t.Errorf("%s\n got  %s\n and the catalogue's %s; want both to match %s", f.Example, got, f.Result, f.Varies)
				}
			} else if string(got) != f.Result {
				t.Errorf("%s\n got  %s\n want %s", f.Example, got, f.Result)
			}
		})
	}
}

// TestFunctionLimitsAreTheEngineDefaults keeps what one function call may
// make equal to what a variable may hold by default.
func TestFunctionLimitsAreTheEngineDefaults(t *testing.T) {
	l := engine.DefaultLimits()
	if exprfn.MaxTextBytes != l.MaxTextBytes || exprfn.MaxItems != l.MaxItems {
		t.Fatalf("exprfn limits %d bytes, %d items; engine defaults %d bytes, %d items",
			exprfn.MaxTextBytes, exprfn.MaxItems, l.MaxTextBytes, l.MaxItems)
	}
}

// TestBuiltinValueRegressions are issue 15's item 6 cases, run as a user
// runs them: each stack's response as JSON, or its whole error.
func TestBuiltinValueRegressions(t *testing.T) {
	for _, c := range []struct {
		name, stack, response, want string
	}{
		{name: "groupBy is returned", response: "groupBy([1, 2, 3], # % 2 == 0 ? 'even' : 'odd')", want: `{"even":[2],"odd":[1,3]}`},
		{name: "groupBy is stored and read", stack: `[{"type": "var", "name": "g", "value": "groupBy([{k: 'a'}, {k: 'b'}, {k: 'a'}], .k)"}]`,
			response: "{a: len(g.a), keys: keys(g)}", want: `{"a":2,"keys":["a","b"]}`},
		{name: "groupBy by numbers", response: "groupBy([1.5, 2, 2.5], int(#))", want: `{"1":[1.5],"2":[2,2.5]}`},
		{name: "groupBy keys that are the same text", response: "groupBy([1, '1'], #)",
			want: "error: ex: response: the object keys int 1 and text \"1\" are both the text \"1\"; make the keys text, e.g. groupBy(items, string(.id)) in `groupBy([1, '1'], #)`"},
		{name: "fromPairs is returned", response: "fromPairs([['b', 1], ['a', [2]]])", want: `{"a":[2],"b":1}`},
		{name: "fromPairs is stored", stack: `[{"type": "var", "name": "p", "value": "fromPairs([['a', 1]])"}, {"type": "set", "name": "p", "value": "merge(p, {b: 2})"}]`,
			response: "p", want: `{"a":1,"b":2}`},
		{name: "toPairs, keys and values are sorted", response: "[toPairs({b: 1, a: 2}), keys({b: 1, a: 2}), values({b: 1, a: 2})]", want: `[[["a",2],["b",1]],["a","b"],[2,1]]`},
		{name: "a range grows", stack: `[{"type": "var", "name": "r", "value": "1..3"}, {"type": "set", "name": "r", "value": "append(r, 4)"}]`,
			response: "r", want: `[1,2,3,4]`},
		{name: "split grows", stack: `[{"type": "var", "name": "s", "value": "split('a,b', ',')"}, {"type": "set", "name": "s", "value": "append(s, 'c')"}]`,
			response: "s", want: `["a","b","c"]`},
		{name: "a method's number is a number", stack: `[{"type": "var", "name": "m", "value": "date('2026-03-01').Month()"}]`, response: "m + 1", want: `4`},
		{name: "string of a timestamp", response: "string(date('2026-03-01T10:00:00+01:00'))", want: `"2026-03-01T10:00:00+01:00"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.stack == "" {
				c.stack = "[]"
			}
			doc := fmt.Sprintf(`{"kind": "function", "name": "ex", "stack": %s, "response": %q}`, c.stack, c.response)
			e := engine.New(engine.Config{})
			defer e.Close()
			e.Load(mustProgram(t, doc))
			res, err := e.Run(context.Background(), "ex", nil, engine.RunOptions{ExecutionID: "x"})
			got := ""
			if err != nil {
				got = "error: " + strings.TrimSuffix(err.Error(), " (execution x)")
			} else {
				b, err := store.EncodeJSON(res.Output)
				if err != nil {
					t.Fatalf("the response cannot be written as JSON: %v", err)
				}
				got = string(b)
			}
			if got != c.want {
				t.Errorf("\n got  %s\n want %s", got, c.want)
			}
		})
	}
}

// TestKeysOrderIsStable runs keys, values and toPairs of an object of many
// keys again and again: the order is the same every time (Go's map order,
// which expr's builtins gave, changes from run to run).
func TestKeysOrderIsStable(t *testing.T) {
	e := engine.New(engine.Config{})
	defer e.Close()
	e.Load(mustProgram(t, `{"kind": "function", "name": "ex", "response": "[keys(o), values(o), toPairs(o)]",
		"stack": [{"type": "var", "name": "o", "value": "{k: 1, j: 2, i: 3, h: 4, g: 5, f: 6, e: 7, d: 8, c: 9, b: 10, a: 11}"}]}`))
	const want = `[["a","b","c","d","e","f","g","h","i","j","k"],[11,10,9,8,7,6,5,4,3,2,1],` +
		`[["a",11],["b",10],["c",9],["d",8],["e",7],["f",6],["g",5],["h",4],["i",3],["j",2],["k",1]]]`
	for i := 0; i < 20; i++ {
		res, err := e.Run(context.Background(), "ex", nil, engine.RunOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if b, _ := store.EncodeJSON(res.Output); string(b) != want {
			t.Fatalf("run %d:\n got  %s\n want %s", i, b, want)
		}
	}
}

// TestStringOfNowIsRFC3339 is the string(now()), which gave Go's
// form with its monotonic clock reading (… +0000 UTC m=+0.09).
func TestStringOfNowIsRFC3339(t *testing.T) {
	e := engine.New(engine.Config{})
	defer e.Close()
	e.Load(mustProgram(t, `{"kind": "function", "name": "ex", "response": "[string(now()), now()]"}`))
	res, err := e.Run(context.Background(), "ex", nil, engine.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := store.EncodeJSON(res.Output)
	ts := `"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z"`
	if !regexp.MustCompile(`^\[` + ts + `,` + ts + `\]$`).Match(b) {
		t.Fatalf("[string(now()), now()] = %s; want two RFC 3339 times in UTC", b)
	}
}

// TestFunctionsCheckedAtValidate: what a definition can get wrong about a
// function shows when it is validated, at its JSON path: a literal regex,
// date layout, timezone, amount or encoding the run would refuse, a
// wrong argument count or literal type, and a variable named like a
// function (which would hide it).
func TestFunctionsCheckedAtValidate(t *testing.T) {
	for _, c := range []struct{ stack, want string }{
		{`[{"type": "var", "name": "ok", "value": "regexMatch('a', '(')"}]`,
			"ex: stack[0].value: regexMatch: \"(\" is not a regular expression: missing closing ): `(` (patterns are RE2, Go's regexp: no backreferences or lookaround) (1:17)"},
		{`[{"type": "var", "name": "ok", "value": "regexReplace(string(1), 'a(?=b)', '')"}]`,
			"ex: stack[0].value: regexReplace: \"a(?=b)\" is not a regular expression: invalid or unsupported Perl syntax: `(?=` (patterns are RE2, Go's regexp: no backreferences or lookaround) (1:25)"},
		{`[{"type": "var", "name": "ok", "value": "formatDate(now(), 'YYYY-MM-DD hh:mm:sss')"}]`,
			`ex: stack[0].value: formatDate: "sss" in the layout "YYYY-MM-DD hh:mm:sss" is not a layout token; tokens are YYYY YY MMMM MMM MM M DD Do D dddd ddd HH H hh h mm m ss s SSS A a Z ZZ, and [text] is written as it is (1:19)`},
		{`[{"type": "var", "name": "ok", "value": "formatDate(now(), 'Qo [of] YYYY')"}]`,
			`ex: stack[0].value: formatDate: "Qo" in the layout "Qo [of] YYYY" is not a layout token; tokens are YYYY YY MMMM MMM MM M DD Do D dddd ddd HH H hh h mm m ss s SSS A a Z ZZ, and [text] is written as it is (1:19)`},
		{`[{"type": "var", "name": "ok", "value": "parseDate('x', 'DD/MM/YYYY', 'Europe/Pariss')"}]`,
			`ex: stack[0].value: parseDate: "Europe/Pariss" is not a timezone; name one as the IANA database does, e.g. 'Europe/Paris', 'America/New_York' or 'UTC' (1:30)`},
		{`[{"type": "var", "name": "ok", "value": "dateAdd(now(), '2 days')"}]`,
			`ex: stack[0].value: dateAdd: "2 days" is not an amount of time: expected a number and a unit at "2 days"; write it as '2h', '-30m', '1d12h' or '1y2mo' (units y, mo, w, d, h, m, s, ms) (1:16)`},
		{`[{"type": "var", "name": "ok", "value": "hmacSha256('a', 'k', 'hex64')"}]`,
			`ex: stack[0].value: hmacSha256: the encoding must be 'hex', 'base64' or 'base64url', e.g. hmacSha256(body, secret, 'base64'); got text "hex64" (1:22)`},
		{`[{"type": "var", "name": "ok", "value": "md5(12)"}]`,
			`ex: stack[0].value: cannot use int as argument (type string) to call md5  (1:5)`},
		{`[{"type": "var", "name": "ok", "value": "padStart('7')"}]`,
			`ex: stack[0].value: not enough arguments to call padStart (1:1)`},
		{`[{"type": "var", "name": "merge", "value": "1"}]`,
			`ex: stack[0].name: "merge" is the name of an expression function; choose another`},
		{`[{"type": "var", "name": "uuid", "value": "1"}]`,
			`ex: stack[0].name: "uuid" is the name of an expression function; choose another`},
	} {
		doc := fmt.Sprintf(`{"kind": "function", "name": "ex", "stack": %s}`, c.stack)
		_, diags := compileDocs(map[string][]byte{"ex.json": []byte(doc)})
		var got []string
		for _, d := range diags.Errors() {
			got = append(got, d.Definition+": "+d.Path+": "+d.Message)
		}
		if len(got) != 1 || got[0] != c.want {
			t.Errorf("%s\n got  %q\n want %q", c.stack, got, c.want)
		}
	}
	// Literals that are right, and patterns that are not literals, pass.
	mustProgram(t, `{"kind": "function", "name": "ok", "input": [{"name": "re", "type": "text"}], "stack": [
		{"type": "var", "name": "a", "value": "regexMatch('a', '^a+$') && regexMatch('a', input.re)"},
		{"type": "var", "name": "b", "value": "formatDate(now(), 'DD/MM/YYYY [at] HH:mm', 'Europe/Paris') + formatDate(now(), '2006')"},
		{"type": "var", "name": "c", "value": "dateAdd(now(), '-1mo2d') != nil && hmacSha256('a', 'k', 'base64url') != ''"}]}`)
}
