package value_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/funcstack/funcstack/engine/value"
)

// coerceCase is an input value and what Coerce makes of it: the value
// (printed with %#v) or the error text.
type coerceCase struct {
	in   any
	want string
}

func checkCoerce(t *testing.T, typ value.Type, cases []coerceCase) {
	t.Helper()
	for _, c := range cases {
		got, err := typ.Coerce(c.in)
		s := fmt.Sprintf("%#v", got)
		if err != nil {
			s = "error: " + err.Error()
		}
		if s != c.want {
			t.Errorf("%s.Coerce(%#v) = %s, want %s", typ.Info().Name, c.in, s, c.want)
		}
	}
}

// storeCase is a stack value, its bound parameter on SQLite and on
// PostgreSQL (%#v, or "error: …"), and what decoding the parameter gives
// back (%#v).
type storeCase struct {
	in         any
	sqlite, pg string
	back       string
}

func checkStore(t *testing.T, typ value.Type, cases []storeCase) {
	t.Helper()
	for _, c := range cases {
		for _, d := range value.Dialects {
			want := c.sqlite
			if d == value.Postgres {
				want = c.pg
			}
			a, err := typ.Encode(c.in, d)
			s := fmt.Sprintf("%#v", a)
			if err != nil {
				s = "error: " + err.Error()
			}
			if s != want {
				t.Errorf("%s.Encode(%#v, %s) = %s, want %s", typ.Info().Name, c.in, d, s, want)
				continue
			}
			if err != nil || c.back == "" {
				continue
			}
			back, err := typ.Decode(a)
			s = fmt.Sprintf("%#v", back)
			if err != nil {
				s = "error: " + err.Error()
			}
			if s != c.back {
				t.Errorf("%s.Decode(%#v) on %s = %s, want %s", typ.Info().Name, a, d, s, c.back)
			}
		}
	}
}

// literalCase is a column default as JSON and its SQL literal on SQLite
// and PostgreSQL (or "error: …").
type literalCase struct {
	raw        string
	sqlite, pg string
}

func checkLiteral(t *testing.T, typ value.Type, cases []literalCase) {
	t.Helper()
	for _, c := range cases {
		for _, d := range value.Dialects {
			want := c.sqlite
			if d == value.Postgres {
				want = c.pg
			}
			got, err := typ.Literal(json.RawMessage(c.raw), d)
			if err != nil {
				got = "error: " + err.Error()
			}
			if got != want {
				t.Errorf("%s.Literal(%s, %s) = %s, want %s", typ.Info().Name, c.raw, d, got, want)
			}
		}
	}
}

func checkColumn(t *testing.T, typ value.Type, sqlite, pg string) {
	t.Helper()
	if got := typ.Column(value.SQLite); got != sqlite {
		t.Errorf("%s column on SQLite = %q, want %q", typ.Info().Name, got, sqlite)
	}
	if got := typ.Column(value.Postgres); got != pg {
		t.Errorf("%s column on PostgreSQL = %q, want %q", typ.Info().Name, got, pg)
	}
}
