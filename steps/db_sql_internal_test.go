package steps

import (
	"strings"
	"testing"
)

func TestScanSQL(t *testing.T) {
	ok := []struct {
		src, pg string
		n       int
		rows    bool
	}{
		{"SELECT * FROM users WHERE id = ?", "SELECT * FROM users WHERE id = $1", 1, true},
		{"select '?', \"a?\", ? -- ?\n/* ? /* ? */ */ from x;", "select '?', \"a?\", $1 -- ?\n/* ? /* ? */ */ from x", 1, true},
		{"UPDATE users SET name = ? WHERE id = ?", "UPDATE users SET name = $1 WHERE id = $2", 2, false},
		{"INSERT INTO t (a) VALUES (?) RETURNING id", "INSERT INTO t (a) VALUES ($1) RETURNING id", 1, true},
		{"select 'it''s ?', E'\\' ?', $$ ? $$, $t$ ; ? $t$, ?", "select 'it''s ?', E'\\' ?', $$ ? $$, $t$ ; ? $t$, $1", 1, true},
		{"  with x as (select ?) select * from x ;  -- done", "  with x as (select $1) select * from x ", 1, true},
		{"DELETE FROM t", "DELETE FROM t", 0, false},
	}
	for _, tc := range ok {
		sc, err := scanSQL(tc.src)
		if err != nil {
			t.Errorf("%q: %v", tc.src, err)
			continue
		}
		if got := sc.rebind(); got != tc.pg || len(sc.marks) != tc.n || sc.rows != tc.rows {
			t.Errorf("%q: got %q n=%d rows=%v", tc.src, got, len(sc.marks), sc.rows)
		}
	}
	for src, want := range map[string]string{
		"select 1; select 2":          "only one statement",
		"select 1; drop table users;": "only one statement",
		"select 1;;":                  "only one statement",
		"select ?; ?":                 "only one statement",
		"select $1":                   "write placeholders as ?",
		"select 'abc":                 "never closed",
		"select \"abc":                "never closed",
		"select /* x":                 "never closed",
		"select $a$ x":                "never closed",
		"-- only a comment":           "no SQL statement",
	} {
		if _, err := scanSQL(src); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: got %v, want %q", src, err, want)
		}
	}
}

func TestInListAt(t *testing.T) {
	for _, tc := range []struct {
		src     string
		in, not bool
	}{
		{"SELECT 1 WHERE id IN (?)", true, false},
		{"SELECT 1 WHERE id in( ? )", true, false},
		{"SELECT 1 WHERE id NOT IN (\n?\n)", true, true},
		{"SELECT 1 WHERE id not  in (?)", true, true},
		{"SELECT 1 WHERE id IN (?, ?)", false, false},
		{"SELECT 1 WHERE id = (?)", false, false},
		{"SELECT 1 WHERE fin (?)", false, false},
		{"SELECT f(?)", false, false},
	} {
		sc, err := scanSQL(tc.src)
		if err != nil {
			t.Fatal(err)
		}
		if sc.inList[0] != tc.in || sc.notIn[0] != tc.not {
			t.Errorf("%q: in %v not %v, want %v %v", tc.src, sc.inList[0], sc.notIn[0], tc.in, tc.not)
		}
	}
}
