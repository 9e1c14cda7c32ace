package tables

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/value"
)

// vars is a Vars for tests.
type vars map[string]any

func (v vars) Get(name string) any { return v[name] }

// render writes w for d with vs.
func render(w *Where, d value.Dialect, vs vars) (string, []any, error) {
	b := &Builder{D: d}
	err := w.Write(b, vs)
	return b.String(), b.Args, err
}

func TestWhereSQL(t *testing.T) {
	tbl := usersTable(t)
	in := vars{"input": map[string]any{"min": 18, "ids": []any{1, 2, 3}, "q": `50%_off\*[x]?`, "all": true,
		"filter": map[string]any{"status": "x"}}, "x": 4, "born": time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)}
	cases := []struct {
		where        string
		sqlite, pg   string
		sqliteA, pgA string // fmt %v of the args
	}{
		{"users.age >= input.min", `"age" >= ?`, `"age" >= $1`, "[18]", "[18]"},
		{"users.email == 'a@b.c' && users.age < 30", `("email" = ? AND "age" < ?)`, `("email" = $1 AND "age" < $2)`, "[a@b.c 30]", "[a@b.c 30]"},
		{"users.name == nil", `"name" IS NULL`, `"name" IS NULL`, "[]", "[]"},
		{"nil != users.name", `"name" IS NOT NULL`, `"name" IS NOT NULL`, "[]", "[]"},
		{"users.name != nil || !users.active", `("name" IS NOT NULL OR NOT (COALESCE("active" = 1, FALSE)))`, `("name" IS NOT NULL OR NOT (COALESCE("active", FALSE)))`, "[]", "[]"},
		{"users.active", `"active" = 1`, `"active"`, "[]", "[]"},
		{"users.active == true", `"active" = ?`, `"active" = $1`, "[1]", "[true]"},
		{"users.id in input.ids", `"id" IN (?, ?, ?)`, `"id" IN ($1, $2, $3)`, "[1 2 3]", "[1 2 3]"},
		{"users.id in []", `FALSE`, `FALSE`, "[]", "[]"},
		{"users.id not in [1, 2]", `NOT ("id" IN (?, ?))`, `NOT ("id" IN ($1, $2))`, "[1 2]", "[1 2]"},
		{"users.age in 1..3", `"age" IN (?, ?, ?)`, `"age" IN ($1, $2, $3)`, "[1 2 3]", "[1 2 3]"},
		{"users.name contains input.q", `"name" GLOB ?`, `"name" LIKE $1 ESCAPE '\'`, `[*50%_off\[*][[]x][?]*]`, `[%50\%\_off\\*[x]?%]`},
		{"users.name startsWith 'a_b'", `"name" GLOB ?`, `"name" LIKE $1 ESCAPE '\'`, `[a_b*]`, `[a\_b%]`},
		{"users.email endsWith '@x.com'", `"email" GLOB ?`, `"email" LIKE $1 ESCAPE '\'`, `[*@x.com]`, `[%@x.com]`},
		{"not (users.name contains 'a')", `NOT (COALESCE("name" GLOB ?, FALSE))`, `NOT (COALESCE("name" LIKE $1 ESCAPE '\', FALSE))`, `[*a*]`, `[%a%]`},
		{"input.all || users.age > 3", `1 = 1`, `1 = 1`, "[]", "[]"},
		{"!input.all || users.age > 3", `"age" > ?`, `"age" > $1`, "[3]", "[3]"},
		{"input.all && users.age > 3", `"age" > ?`, `"age" > $1`, "[3]", "[3]"},
		{"input.none == true && users.age > 3", `1 = 0`, `1 = 0`, "[]", "[]"},
		{"input.none == nil || users.name contains input.none", `1 = 1`, `1 = 1`, "[]", "[]"},
		{"users.age > 3 || input.all", `("age" > ? OR ?)`, `("age" > $1 OR $2)`, "[3 1]", "[3 true]"},
		{"5 < users.age", `? < "age"`, `$1 < "age"`, "[5]", "[5]"},
		{"users.age > x * 2", `"age" > ?`, `"age" > $1`, "[8]", "[8]"},
		{"users.score >= 1.5 and users.score <= -2", `("score" >= ? AND "score" <= ?)`, `("score" >= $1 AND "score" <= $2)`, "[>5001:15 <4998:7~]", "[1.5 -2]"},
		{"users.age == users.score", `"age" IS "score"`, `"age" IS NOT DISTINCT FROM "score"`, "[]", "[]"},
		{"users.age != users.score", `"age" IS NOT "score"`, `"age" IS DISTINCT FROM "score"`, "[]", "[]"},
		{"users.email != users.id", `"email" <> "id"`, `"email" <> "id"`, "[]", "[]"},
		{"!(users.age < users.score)", `NOT (COALESCE("age" < "score", FALSE))`, `NOT (COALESCE("age" < "score", FALSE))`, "[]", "[]"},
		// Null as in expressions: != keeps null rows, == and != with a
		// null value test for null, in with nil matches null, and no
		// condition under ! is ever unknown.
		{"users.name != 'x'", `("name" <> ? OR "name" IS NULL)`, `("name" <> $1 OR "name" IS NULL)`, "[x]", "[x]"},
		{"users.email != 'x'", `"email" <> ?`, `"email" <> $1`, "[x]", "[x]"},
		{"users.name == input.none", `"name" IS NULL`, `"name" IS NULL`, "[]", "[]"},
		{"input.none != users.name", `"name" IS NOT NULL`, `"name" IS NOT NULL`, "[]", "[]"},
		{"users.name in ['a', nil]", `("name" IN (?) OR "name" IS NULL)`, `("name" IN ($1) OR "name" IS NULL)`, "[a]", "[a]"},
		{"users.name in [input.none]", `"name" IS NULL`, `"name" IS NULL`, "[]", "[]"},
		{"users.name not in ['a']", `NOT (COALESCE("name" IN (?), FALSE))`, `NOT (COALESCE("name" IN ($1), FALSE))`, "[a]", "[a]"},
		{"users.name not in ['a', nil]", `NOT (("name" IN (?) OR "name" IS NULL))`, `NOT (("name" IN ($1) OR "name" IS NULL))`, "[a]", "[a]"},
		{"!(users.age > 3)", `NOT (COALESCE("age" > ?, FALSE))`, `NOT (COALESCE("age" > $1, FALSE))`, "[3]", "[3]"},
		{"!(users.email == 'a')", `NOT ("email" = ?)`, `NOT ("email" = $1)`, "[a]", "[a]"},
		{"users.name contains input.none", `FALSE`, `FALSE`, "[]", "[]"},
		// Case-insensitive matching.
		{"lower(users.name) contains lower(input.q)", `LOWER("name") GLOB ?`, `LOWER("name") LIKE $1 ESCAPE '\'`, `[*50%_off\[*][[]x][?]*]`, `[%50\%\_off\\*[x]?%]`},
		{"upper(users.email) == 'A@B.C'", `UPPER("email") = ?`, `UPPER("email") = $1`, "[A@B.C]", "[A@B.C]"},
		{"lower(users.name) in ['ada', 'bob']", `LOWER("name") IN (?, ?)`, `LOWER("name") IN ($1, $2)`, "[ada bob]", "[ada bob]"},
		{"(users.age > 1)", `"age" > ?`, `"age" > $1`, "[1]", "[1]"},
		{"users.born > '2026-01-01T00:00:00Z'", `"born" > ?`, `"born" > $1`, "[2026-01-01T00:00:00.000000Z]", "[2026-01-01 00:00:00 +0000 UTC]"},
		{"users.born <= born", `"born" <= ?`, `"born" <= $1`, "[2026-11-23T10:00:00.000000Z]", "[2026-11-23 10:00:00 +0000 UTC]"},
		{"users.meta == {a: 1}", `"meta" = ?`, `"meta" = $1`, `[{"a":1}]`, `[{"a":1}]`},
		{"users.name == input.filter.status", `"name" = ?`, `"name" = $1`, "[x]", "[x]"},
		{"users.name == (input.filter?.status ?? 'none')", `"name" = ?`, `"name" = $1`, "[x]", "[x]"},
		{"users.ref == '0190A4B0-0000-7000-8000-000000000001'", `"ref" = ?`, `"ref" = $1`, "[0190a4b0-0000-7000-8000-000000000001]", "[0190a4b0-0000-7000-8000-000000000001]"},
		{"users.age > 1 && (users.age < 5 || users.name == 'a') && !(users.id == 3)", `(("age" > ? AND ("age" < ? OR "name" = ?)) AND NOT ("id" = ?))`,
			`(("age" > $1 AND ("age" < $2 OR "name" = $3)) AND NOT ("id" = $4))`, "[1 5 a 3]", "[1 5 a 3]"},
		{"true", `?`, `$1`, "[1]", "[true]"},
		{"len(input.ids) > 2 && users.id == 1", `"id" = ?`, `"id" = $1`, "[1]", "[1]"},
		{"users.id == first(map(input.ids, # * 10))", `"id" = ?`, `"id" = $1`, "[10]", "[10]"},
		{"users.name in [input.q, 'b']", `"name" IN (?, ?)`, `"name" IN ($1, $2)`, `[50%_off\*[x]? b]`, `[50%_off\*[x]? b]`},
	}
	for _, tc := range cases {
		t.Run(tc.where, func(t *testing.T) {
			w, err := CompileWhere(tc.where, "stack[0].where", tbl, []string{"input", "x", "born", "users"})
			if err != nil {
				t.Fatalf("compile: %v", err)
			}
			for _, d := range []value.Dialect{value.SQLite, value.Postgres} {
				want, wantA := tc.sqlite, tc.sqliteA
				if d == value.Postgres {
					want, wantA = tc.pg, tc.pgA
				}
				got, args, err := render(w, d, in)
				if err != nil {
					t.Fatalf("%s: %v", d, err)
				}
				if got != want {
					t.Errorf("%s SQL:\n got  %s\n want %s", d, got, want)
				}
				if ga := fmt.Sprint(args); ga != wantA {
					t.Errorf("%s args:\n got  %s\n want %s", d, ga, wantA)
				}
			}
		})
	}
}

func TestWhereRejects(t *testing.T) {
	tbl := usersTable(t)
	cases := map[string]string{
		"users.age * 2 > 10":                       "`users.age * 2` computes with a column",
		"trim(users.email) == 'x'":                 "`trim(users.email)` passes a column to a function",
		"lower(users.age) == 'x'":                  "`lower(users.age)` folds the case of a int column",
		"lower(users.name) < 'b'":                  "orders LOWER(\"name\")",
		"lower(lower(users.name)) == 'b'":          "folds the case of a text column",
		"len(users.name) > 3":                      "`len(users.name)` passes a column to a function",
		"users.name matches 'x'":                   "uses matches",
		"(users.age > 1 ? true : false)":           "chooses with a column",
		"users.name":                               "is a text column, not a condition",
		"users == nil":                             "is the whole table",
		"users[input.col] == 1":                    "picks the column at run time",
		"users.active > true":                      "orders a bool column",
		"'x' in users.meta":                        "looks inside a column",
		"'abc' contains users.name":                "has the column on the right",
		"users.age contains '1'":                   "searches a int column",
		"users.name contains users.email":          "reads a column; search for a value",
		"users.meta.a == 1":                        "reads inside a column value",
		"users.id in map([1], users.id)":           "reads a column; the right side of in must be a list of values",
		"-users.age < 1":                           "computes with a column",
		"users.meta in [1]":                        "tests a json column with in",
		"users.age > 1 || users.name + 'x' == 'y'": "`users.name + \"x\"` computes with a column",
	}
	for src, want := range cases {
		t.Run(src, func(t *testing.T) {
			_, err := CompileWhere(src, "p", tbl, []string{"input", "users"})
			var we *whereError
			if !errors.As(err, &we) {
				t.Fatalf("got %v, want a whereError", err)
			}
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not contain %q", err, want)
			}
		})
	}
}

// TestWhereHostile feeds hostile values through a where and checks that
// the statement's text never changes, the values are bound unchanged (or
// refused with a tidy error) and nothing panics.
func TestWhereHostile(t *testing.T) {
	tbl := usersTable(t)
	const src = "users.name == input.s || users.email contains input.s || users.name startsWith input.s || users.name endsWith input.s || users.name in [input.s]"
	w, err := CompileWhere(src, "stack[0].where", tbl, []string{"input", "users"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[value.Dialect]string{}
	for _, d := range []value.Dialect{value.SQLite, value.Postgres} {
		want[d], _, _ = render(w, d, vars{"input": map[string]any{"s": "plain"}})
	}
	for i, s := range hostileStrings() {
		for _, d := range []value.Dialect{value.SQLite, value.Postgres} {
			got, args, err := render(w, d, vars{"input": map[string]any{"s": s}})
			if err != nil {
				var e *engine.Error
				if !errors.As(err, &e) || e.Code != engine.CodeInvalidInput || e.Path != "stack[0].where" {
					t.Errorf("value %d: untidy error %T %v", i, err, err)
				}
				if !strings.ContainsRune(s, 0) && utf8Valid(s) {
					t.Errorf("value %d (%q): unexpected error %v", i, trunc(s), err)
				}
				continue
			}
			if got != want[d] {
				t.Errorf("value %d (%q): %s SQL changed:\n got  %s\n want %s", i, trunc(s), d, got, want[d])
			}
			if len(args) != 5 || args[0] != s || args[4] != s {
				t.Errorf("value %d: %s args not bound as given: %q", i, d, args)
			}
		}
	}
	// Numbers: an int column takes whole numbers that fit 64 bits.
	wn, err := CompileWhere("users.age == input.n", "p", tbl, []string{"input", "users"})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []any{math.MaxInt64, math.MinInt64, 1e300, math.Inf(1), math.NaN(), 1.5, "1; DROP TABLE users", "12", math.Copysign(0, -1)} {
		got, _, err := render(wn, value.Postgres, vars{"input": map[string]any{"n": n}})
		if err != nil {
			var e *engine.Error
			if !errors.As(err, &e) || e.Code != engine.CodeInvalidInput {
				t.Errorf("%v: untidy error %v", n, err)
			}
			continue
		}
		if got != `"age" = $1` {
			t.Errorf("%v: SQL changed: %s", n, got)
		}
	}
}

func utf8Valid(s string) bool { return strings.ToValidUTF8(s, "\uFFFD") == s }

func trunc(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// hostileStrings is the corpus of hostile text values.
func hostileStrings() []string {
	return []string{
		"", "'", "''", `"`, `\`, `\'`, "' OR '1'='1", "' OR 1=1 --", "'; DROP TABLE users; --", "; DROP TABLE users",
		"admin'--", "/* comment */", "*/", "/*", "-- comment\n", "?", "$1", "$$", "$tag$", "%", "_", "%_%", `\%`, `\_`,
		"*", "[", "]", "[a-z]", "a*b?c[d]", "NULL", "null", "\x00", "a\x00b", "\xff\xfe", "é", "日本語", "🙂", "\u202e",
		"\r\n", "\t", "E'\\''", "`", "0x41", "1e309", "-- ", "||", "GLOB", strings.Repeat("x", 1<<20), strings.Repeat("%_", 5000),
		strings.Repeat("'", 1000),
	}
}

// TestWhereNullValues: values null at run time behave as in expressions.
func TestWhereNullValues(t *testing.T) {
	tbl := usersTable(t)
	in := vars{"input": map[string]any{}}
	cases := []struct{ where, sqlite, err string }{
		{"users.age < input.none", "", "stack[0].where: in `users.age < input.none`: `input.none` is null, and < orders values; test for null first, e.g. input.none == nil || users.age < input.none"},
		{"input.none >= users.age", "", "stack[0].where: in `input.none >= users.age`: `input.none` is null, and >= orders values; test for null first, e.g. input.none == nil || input.none >= users.age"},
		{"input.none == nil || users.age < input.none", `1 = 1`, ""},
		{"lower(users.name) == input.none", `FALSE`, ""},
		{"lower(users.name) != input.none", `"name" IS NOT NULL`, ""},
		{"lower(users.name) in [nil, 'a']", `LOWER("name") IN (?)`, ""},
		{"!(lower(users.name) in [nil, 'a'])", `NOT (COALESCE(LOWER("name") IN (?), FALSE))`, ""},
		{"users.name startsWith input.none", `FALSE`, ""},
		{"users.age in input.none", `FALSE`, ""},
	}
	for _, tc := range cases {
		w, err := CompileWhere(tc.where, "stack[0].where", tbl, []string{"input", "users"})
		if err != nil {
			t.Fatalf("%s: %v", tc.where, err)
		}
		got, _, err := render(w, value.SQLite, in)
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("%s: error\n got  %v\n want %s", tc.where, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.sqlite {
			t.Errorf("%s:\n got  %s %v\n want %s", tc.where, got, err, tc.sqlite)
		}
	}
	if _, err := CompileWhere("lower(users.name) == nil", "p", tbl, []string{"users"}); err == nil || err.Error() != "cannot be turned into SQL: `lower(users.name) == nil` tests LOWER(\"name\") for null; test the column itself, e.g. users.name == nil" {
		t.Errorf("lower(col) == nil: %v", err)
	}
}
