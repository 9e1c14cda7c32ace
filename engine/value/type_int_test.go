package value_test

import (
	"encoding/json"
	"testing"

	"github.com/funcstack/funcstack/engine/value"
)

func TestInt(t *testing.T) {
	checkCoerce(t, value.Int, []coerceCase{
		{json.Number("42"), "42"},
		{42.0, "42"},
		{" 7 ", "7"},
		{1.5, "error: expected int, got decimal"},
		{json.Number("12345678901234567890"), "error: expected int, got 12345678901234567890, a whole number too large: an int is from -9223372036854775808 to 9223372036854775807; send it as text if you need it whole"},
		{"x", "error: expected int, got text"},
	})
	checkColumn(t, value.Int, "INTEGER", "BIGINT")
	checkStore(t, value.Int, []storeCase{
		{42, "42", "42", "42"},
		{"42", "42", "42", "42"},
		{42.0, "42", "42", "42"},
		{1.5, "error: expects a whole number, got a decimal (1.5)", "error: expects a whole number, got a decimal (1.5)", ""},
		{true, "error: expects a whole number, got a bool (true)", "error: expects a whole number, got a bool (true)", ""},
	})
	for _, in := range []any{[]byte("12"), "12"} {
		if got, err := value.Int.Decode(in); err != nil || got != 12 {
			t.Errorf("Decode(%#v) = %v, %v", in, got, err)
		}
	}
	if _, err := value.Int.Decode("x"); err == nil || err.Error() != `stored value "x" is not a whole number` {
		t.Errorf("Decode(x): %v", err)
	}
	checkLiteral(t, value.Int, []literalCase{
		{`7`, "7", "7"},
		{`"x"`, "error: default \"x\" is not an integer", "error: default \"x\" is not an integer"},
		{`1e30`, "error: default 1e30 is not a 64-bit integer", "error: default 1e30 is not a 64-bit integer"},
	})
}
