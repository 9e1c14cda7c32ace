package value_test

import (
	"testing"

	"github.com/funcstack/funcstack/engine/value"
)

func TestBool(t *testing.T) {
	checkCoerce(t, value.Bool, []coerceCase{
		{true, "true"},
		{"false", "false"},
		{1, "error: expected bool, got int"},
	})
	checkColumn(t, value.Bool, "BOOLEAN", "BOOLEAN")
	checkStore(t, value.Bool, []storeCase{
		{true, "1", "true", "true"},
		{"false", "0", "false", "false"},
		{1, "error: expects true or false, got an int (1)", "error: expects true or false, got an int (1)", ""},
	})
	checkLiteral(t, value.Bool, []literalCase{
		{`true`, "1", "TRUE"},
		{`false`, "0", "FALSE"},
		{`"yes"`, `error: default "yes" is not true or false`, `error: default "yes" is not true or false`},
	})
}
