package value_test

import (
	"encoding/json"
	"testing"

	"github.com/funcstack/funcstack/engine/value"
)

func TestJSON(t *testing.T) {
	checkCoerce(t, value.JSON, []coerceCase{
		{map[string]any{"n": json.Number("2"), "f": json.Number("2.5")}, `map[string]interface {}{"f":2.5, "n":2}`},
	})
	checkColumn(t, value.JSON, "JSON_TEXT", "JSONB")
	checkStore(t, value.JSON, []storeCase{
		{map[string]any{"b": []any{1, 2.5, "x<"}, "a": nil}, `"{\"a\":null,\"b\":[1,2.5,\"x<\"]}"`, `"{\"a\":null,\"b\":[1,2.5,\"x<\"]}"`,
			`map[string]interface {}{"a":interface {}(nil), "b":[]interface {}{1, 2.5, "x<"}}`},
		{map[string]any{"a": "\x00"}, `error: the value cannot be written as JSON: text holds a NUL character (\u0000), which cannot be stored`,
			`error: the value cannot be written as JSON: text holds a NUL character (\u0000), which cannot be stored`, ""},
	})
	checkLiteral(t, value.JSON, []literalCase{{`{"a": [1, "it's"]}`, `'{"a":[1,"it''s"]}'`, `'{"a":[1,"it''s"]}'`}})
}

// TestJSONCoerceLeavesInputAlone: coercion copies what it converts, so
// that a caller's input shared with its execution record is never
// written to.
func TestJSONCoerceLeavesInputAlone(t *testing.T) {
	in := map[string]any{"a": []any{json.Number("1.5")}, "b": "x"}
	out, _ := value.JSON.Coerce(in)
	if _, still := in["a"].([]any)[0].(json.Number); !still {
		t.Error("Coerce changed its input")
	}
	if got := out.(map[string]any)["a"].([]any)[0]; got != 1.5 {
		t.Errorf("coerced %#v", got)
	}
}
