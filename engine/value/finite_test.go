package value

import (
	"encoding/json"
	"math"
	"reflect"
	"testing"
)

// TestNonFinite: the first number neither backend could keep is named by
// its JSON path and text.
func TestNonFinite(t *testing.T) {
	for _, c := range []struct {
		v          any
		path, text string
		ok         bool
	}{
		{json.Number("1e999999"), "data", "1e999999", true},
		{json.Number("-1e400"), "data", "-1e400", true},
		{json.Number("1e-999999"), "data", "1e-999999", true},
		{json.Number("1e-320"), "", "", false},
		{json.Number("1.7e308"), "", "", false},
		{[]any{1.0, map[string]any{"x": math.Inf(1)}}, "data[1].x", "+Inf", true},
		{math.NaN(), "data", "NaN", true},
		{map[string]any{"a": "1e999999"}, "", "", false},
	} {
		p, txt, ok := NonFinite(c.v, "data")
		if p != c.path || txt != c.text || ok != c.ok {
			t.Errorf("NonFinite(%v) = %q %q %v, want %q %q %v", c.v, p, txt, ok, c.path, c.text, c.ok)
		}
	}
}

// TestStorable: what a record cannot hold becomes text, in a copy; what it
// can hold is given back unchanged.
func TestStorable(t *testing.T) {
	in := map[string]any{"n": json.Number("1e999999"), "k\x00": []any{"a\x00", 1.5, math.Inf(-1)}, "ok": json.Number("2")}
	got := Storable(in)
	want := map[string]any{"n": "1e999999", "k\uFFFD": []any{"a\uFFFD", 1.5, "-Inf"}, "ok": json.Number("2")}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Storable = %#v, want %#v", got, want)
	}
	if _, ok := in["k\x00"]; !ok || in["n"] != json.Number("1e999999") {
		t.Errorf("Storable changed its argument: %#v", in)
	}
	same := map[string]any{"a": []any{"x", 1.0}}
	if got := Storable(same); reflect.ValueOf(got).Pointer() != reflect.ValueOf(same).Pointer() {
		t.Errorf("Storable copied a value it did not change")
	}
	if NonFiniteMessage("1e999999") != "1e999999 is too large to be a number; send at most 1.8e308 in size" {
		t.Error(NonFiniteMessage("1e999999"))
	}
}
