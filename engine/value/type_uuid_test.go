package value_test

import (
	"testing"

	"github.com/funcstack/funcstack/engine/value"
)

func TestUUID(t *testing.T) {
	checkCoerce(t, value.UUID, []coerceCase{
		{"0190A4B0-0000-7000-8000-000000000001", `"0190a4b0-0000-7000-8000-000000000001"`},
		{"not-a-uuid", "error: expected uuid, got text"},
	})
	checkColumn(t, value.UUID, "TEXT", "UUID")
	checkStore(t, value.UUID, []storeCase{
		{"0190A4B0-0000-7000-8000-000000000001", `"0190a4b0-0000-7000-8000-000000000001"`, `"0190a4b0-0000-7000-8000-000000000001"`, `"0190a4b0-0000-7000-8000-000000000001"`},
		{"x", `error: expects a UUID, got text "x"`, `error: expects a UUID, got text "x"`, ""},
	})
	checkLiteral(t, value.UUID, []literalCase{{`"x"`, `error: default "x" is not a UUID`, `error: default "x" is not a UUID`}})
}
