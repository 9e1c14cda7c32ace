package exprfn

import (
	"os"
	"testing"
)

// TestFunctionsDocIsCurrent fails when docs/functions.md is not what the
// catalogue renders: run `make docs` after changing a function.
func TestFunctionsDocIsCurrent(t *testing.T) {
	const path = "../../docs/functions.md"
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v; run make docs", err)
	}
	if string(got) != Markdown() {
		t.Fatalf("%s is stale: run make docs (go run ./cmd/funcstack functions --markdown > docs/functions.md)", path)
	}
}
