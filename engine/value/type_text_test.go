package value_test

import (
	"testing"

	"github.com/funcstack/funcstack/engine/value"
)

func TestText(t *testing.T) {
	checkCoerce(t, value.Text, []coerceCase{
		{"héllo", `"héllo"`},
		{5, "error: expected text, got int"},
		{nil, "error: expected text, got null"},
	})
	checkColumn(t, value.Text, "TEXT", "TEXT")
	checkStore(t, value.Text, []storeCase{
		{"héllo", `"héllo"`, `"héllo"`, `"héllo"`},
		{5, "error: expects text, got an int (5)", "error: expects text, got an int (5)", ""},
		{"a\x00", `error: the text holds a NUL character (\u0000), which cannot be stored`, `error: the text holds a NUL character (\u0000), which cannot be stored`, ""},
		{"\xff", "error: the text is not valid UTF-8", "error: the text is not valid UTF-8", ""},
	})
	checkLiteral(t, value.Text, []literalCase{
		{`"it's"`, `'it''s'`, `'it''s'`},
		{`null`, ``, ``},
		{`5`, "error: default 5 is not text; write it in quotes", "error: default 5 is not text; write it in quotes"},
	})
}
