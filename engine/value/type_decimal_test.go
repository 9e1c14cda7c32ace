package value_test

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/funcstack/funcstack/engine/value"
)

func TestDecimal(t *testing.T) {
	checkCoerce(t, value.DecimalT, []coerceCase{
		{json.Number("19.99"), "19.99"},
		{"x", "error: expected decimal, got text"},
	})
	checkStore(t, value.DecimalT, []storeCase{
		{2.5, "2.5", "2.5", "2.5"},
		{"x", `error: expects a number, got text "x"`, `error: expects a number, got text "x"`, ""},
		{math.NaN(), "error: expects a finite number, got a decimal (NaN)", "error: expects a finite number, got a decimal (NaN)", ""},
	})
}
