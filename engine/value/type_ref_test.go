package value_test

import (
	"testing"

	"github.com/funcstack/funcstack/engine/value"
)

func TestRefIsPlanned(t *testing.T) {
	if value.Usable("ref") != nil {
		t.Fatal("ref is usable; it is planned")
	}
	want := `type "ref" is not available yet: relations between tables are being built; until then keep the other record's id in an int or uuid field`
	if got := value.Unknown("ref", value.ColumnTypes()); got != want {
		t.Errorf("got %s\nwant %s", got, want)
	}
}
