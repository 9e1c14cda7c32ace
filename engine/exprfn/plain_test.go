package exprfn

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/types"
)

func TestPlain(t *testing.T) {
	type month int
	ts := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		in   any
		want any
		err  string
	}{
		{in: nil, want: nil},
		{in: []any{1, "a", 2.5, true, nil, ts}, want: []any{1, "a", 2.5, true, nil, ts}},
		{in: map[any][]any{"a": {1}, "b": {2}}, want: map[string]any{"a": []any{1}, "b": []any{2}}},
		{in: map[any][]any{1: {1}, true: {2}, nil: {3}, 2.5: {4}, ts: {5}},
			want: map[string]any{"1": []any{1}, "true": []any{2}, "null": []any{3}, "2.5": []any{4}, "2026-03-01T00:00:00Z": []any{5}}},
		{in: []int{1, 2}, want: []any{1, 2}},
		{in: []string{"a"}, want: []any{"a"}},
		{in: [2]any{"a", 1}, want: []any{"a", 1}},
		{in: month(3), want: 3},
		{in: uint8(7), want: 7},
		{in: float32(0.5), want: 0.5},
		{in: map[string]any{"g": map[any][]any{"x": {[]int{1}}}}, want: map[string]any{"g": map[string]any{"x": []any{[]any{1}}}}},
		{in: []any{map[any]any{1: "a"}}, want: []any{map[string]any{"1": "a"}}},
		{in: map[any]any{1: "a", "1": "b"}, err: `the object keys int 1 and text "1" are both the text "1"; make the keys text, e.g. groupBy(items, string(.id))`},
		{in: map[any]any{[2]int{1, 2}: "a"}, err: "an object key is a list; keys must be text or numbers"},
		{in: (*int)(nil), want: nil},
		{in: time.Hour, want: time.Hour},
	} {
		got, err := Plain(c.in)
		if (err == nil) != (c.err == "") || (err != nil && err.Error() != c.err) {
			t.Errorf("Plain(%#v): error %v, want %q", c.in, err, c.err)
			continue
		}
		if c.err == "" && !reflect.DeepEqual(got, c.want) {
			t.Errorf("Plain(%#v) = %#v, want %#v", c.in, got, c.want)
		}
	}
}

// TestPlainLeavesPlainValuesAlone checks that a plain value comes back as
// the very same list or object (nothing copied), and that a list or object
// holding one value to change is copied, not written to.
func TestPlainLeavesPlainValuesAlone(t *testing.T) {
	l := []any{1, map[string]any{"a": []any{"x"}}}
	got, err := Plain(l)
	if err != nil || &got.([]any)[0] != &l[0] {
		t.Fatalf("Plain copied a plain list: %v", err)
	}
	m := map[string]any{"a": 1, "b": []any{2}}
	got, err = Plain(m)
	if err != nil || reflect.ValueOf(got).UnsafePointer() != reflect.ValueOf(m).UnsafePointer() {
		t.Fatalf("Plain copied a plain object: %v", err)
	}
	shared := map[string]any{"r": []int{1}, "a": 1}
	got, err = Plain(shared)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := shared["r"].([]int); !ok {
		t.Fatalf("Plain wrote into the object it was given: %#v", shared)
	}
	if !reflect.DeepEqual(got, map[string]any{"r": []any{1}, "a": 1}) {
		t.Fatalf("Plain(%#v) = %#v", shared, got)
	}
}

// TestNeedsPlain checks which expressions the engine runs Plain on: those
// that group, make ranges or call methods, and no other.
func TestNeedsPlain(t *testing.T) {
	env := types.Map{"l": types.Any, "t": types.Any}
	for src, want := range map[string]bool{
		"1 + 2":                      false,
		"{a: [1, 'x'], b: l}":        false,
		"map(l, # * 2)":              false,
		"filter(l, # > 1)":           false,
		"keys({a: 1})":               false,
		"fromPairs([['a', 1]])":      false,
		"split('a,b', ',')":          false,
		"sortBy(l, #)":               false,
		"groupBy(l, #)":              true,
		"{g: groupBy(l, #)}":         true,
		"1..3":                       true,
		"[1..3]":                     true,
		"map(1..3, #)":               true, // the range is folded into a constant
		"now().Month()":              true,
		"duration('1h').Hours() > 0": true,
	} {
		prog, err := expr.Compile(src, append([]expr.Option{expr.Env(env)}, Options()...)...)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		if got := NeedsPlain(prog); got != want {
			t.Errorf("NeedsPlain(%s) = %v, want %v", src, got, want)
		}
	}
}

// TestNumbersLeavesItsArgumentAlone: Numbers copies what it changes. A
// durable run's decoded input is also its execution record's, which the
// records writer encodes meanwhile; writing into it was a data race
// (TestTriggerDepthLimitStopsLoops under -race).
func TestNumbersLeavesItsArgumentAlone(t *testing.T) {
	in := map[string]any{"n": json.Number("2"), "keep": []any{"x"}, "deep": []any{map[string]any{"f": json.Number("2.5")}}}
	got := Numbers(in)
	want := map[string]any{"n": 2, "keep": []any{"x"}, "deep": []any{map[string]any{"f": 2.5}}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Numbers = %#v, want %#v", got, want)
	}
	if in["n"] != json.Number("2") || in["deep"].([]any)[0].(map[string]any)["f"] != json.Number("2.5") {
		t.Fatalf("Numbers wrote into its argument: %#v", in)
	}
	if &got.(map[string]any)["keep"].([]any)[0] != &in["keep"].([]any)[0] {
		t.Fatalf("Numbers copied a list it did not change")
	}
	plain := map[string]any{"a": []any{1, "b"}}
	if p := Numbers(plain); reflect.ValueOf(p).UnsafePointer() != reflect.ValueOf(plain).UnsafePointer() {
		t.Fatalf("Numbers copied an object without json.Number")
	}
}
