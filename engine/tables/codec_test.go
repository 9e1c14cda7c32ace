package tables

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/funcstack/funcstack/engine/value"
)

func TestCodecRoundTrip(t *testing.T) {
	tbl := usersTable(t)
	born := time.Date(2026, 11, 23, 10, 0, 0, 123456789, time.FixedZone("x", 3600))
	cases := []struct {
		col  string
		in   any
		want string
	}{
		{"age", 42, "42"},
		{"age", 42.0, "42"},
		{"age", "42", "42"},
		{"score", 1, "1"},
		{"score", 2.5, "2.5"},
		{"active", true, "true"},
		{"active", "false", "false"},
		{"name", "héllo", "héllo"},
		{"born", born, "2026-11-23T09:00:00.123456Z"},
		{"born", "2026-11-23T10:00:00Z", "2026-11-23T10:00:00Z"},
		{"born", 0, "1970-01-01T00:00:00Z"},
		{"meta", map[string]any{"b": []any{1, 2.5, "x"}, "a": nil}, "map[a:<nil> b:[1 2.5 x]]"},
		{"ref", "0190A4B0-0000-7000-8000-000000000001", "0190a4b0-0000-7000-8000-000000000001"},
	}
	for _, tc := range cases {
		col := tbl.ByName[tc.col]
		for _, d := range []value.Dialect{value.SQLite, value.Postgres} {
			a, err := Encode(col, tc.in, d)
			if err != nil {
				t.Errorf("%s %v %s: %v", tc.col, tc.in, d, err)
				continue
			}
			// What the driver gives back: SQLite stores bools as integers,
			// PostgreSQL times as time.Time.
			back, err := Decode(col, a)
			if err != nil {
				t.Errorf("%s %v %s: decode: %v", tc.col, tc.in, d, err)
				continue
			}
			if got := fmt.Sprint(back); got != tc.want {
				t.Errorf("%s %v %s: got %s, want %s", tc.col, tc.in, d, got, tc.want)
			}
		}
	}
	for _, bad := range []struct {
		col string
		in  any
	}{{"age", 1.5}, {"age", "x"}, {"age", true}, {"score", "x"}, {"score", math.NaN()}, {"active", 1}, {"name", 5},
		{"name", "a\x00"}, {"name", "\xff"}, {"born", "yesterday"}, {"ref", "not-a-uuid"}, {"meta", map[string]any{"a": "\x00"}}} {
		if _, err := Encode(tbl.ByName[bad.col], bad.in, value.SQLite); err == nil {
			t.Errorf("%s %v: no error", bad.col, bad.in)
		} else if _, ok := err.(*CodecError); !ok {
			t.Errorf("%s %v: error %T", bad.col, bad.in, err)
		}
	}
}
