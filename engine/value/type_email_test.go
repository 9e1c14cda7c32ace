package value_test

import (
	"testing"

	"github.com/funcstack/funcstack/engine/value"
)

func TestEmail(t *testing.T) {
	checkCoerce(t, value.Email, []coerceCase{
		{"ada@example.com", `"ada@example.com"`},
		{"Ada <ada@example.com>", "error: expected email, got text"},
		{"ada@localhost", "error: expected email, got text"},
		{5, "error: expected email, got int"},
	})
	checkColumn(t, value.Email, "TEXT", "TEXT")
	checkStore(t, value.Email, []storeCase{{"ada@example.com", `"ada@example.com"`, `"ada@example.com"`, `"ada@example.com"`}})
	if s := value.Email.Schema(); s["format"] != "email" {
		t.Errorf("schema %v", s)
	}
}
