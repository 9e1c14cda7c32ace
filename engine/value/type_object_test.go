package value_test

import (
	"testing"

	"github.com/funcstack/funcstack/engine/value"
)

func TestObject(t *testing.T) {
	checkCoerce(t, value.Object, []coerceCase{
		{map[string]any{"a": 1}, `map[string]interface {}{"a":1}`},
		{[]any{}, "error: expected object, got list"},
	})
	checkColumn(t, value.Object, "", "")
	if !value.Object.Info().Fields || value.Object.Info().Column {
		t.Errorf("object info %+v: declares fields, is no column", value.Object.Info())
	}
}
