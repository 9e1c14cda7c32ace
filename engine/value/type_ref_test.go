package value_test

import (
	"encoding/json"
	"testing"

	"github.com/funcstack/funcstack/engine/value"
)

func TestRef(t *testing.T) {
	ref := value.Usable("ref")
	if ref == nil {
		t.Fatal("ref is not usable")
	}
	for _, c := range []struct {
		in   any
		want any
	}{{json.Number("7"), 7}, {"0190D2A4-5B1C-7C3E-9F00-123456789ABC", "0190d2a4-5b1c-7c3e-9f00-123456789abc"}} {
		got, err := ref.Coerce(c.in)
		if err != nil || got != c.want {
			t.Errorf("Coerce(%v) = %v, %v; want %v", c.in, got, err, c.want)
		}
	}
	if _, err := ref.Coerce("bob"); err == nil || err.Error() != "expected an id (int or uuid), got text" {
		t.Errorf("Coerce(bob): %v", err)
	}
	if _, err := ref.Encode(1.5, value.Postgres); err == nil || err.Error() != "expects an id (a whole number or a UUID), got a decimal (1.5)" {
		t.Errorf("Encode(1.5): %v", err)
	}
	if got, _ := ref.Decode(int64(3)); got != 3 {
		t.Errorf("Decode(int64 3) = %#v", got)
	}
	if _, err := ref.Literal(json.RawMessage(`5`), value.SQLite); err == nil || err.Error() != "a ref has no default other than null; leave default out" {
		t.Errorf("Literal(5): %v", err)
	}
	if i := value.Refs.Info(); i.Relation != "many" || value.Refs.Column(value.Postgres) != "" {
		t.Errorf("refs: %+v", i)
	}
}
