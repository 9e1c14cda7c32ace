package steps

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/value"
)

// The value codec turns expression values into bound parameters of a
// column (encode) and scanned column values into the values a stack sees
// (decode). Both follow the column storage the store creates:
//
//	type        SQLite                        PostgreSQL        stack value
//	int, id     INTEGER                       BIGINT            int
//	decimal     REAL                          DOUBLE PRECISION  float64
//	bool        INTEGER 0/1                   BOOLEAN           bool
//	text, email TEXT                          TEXT              string
//	uuid        TEXT                          UUID              string
//	timestamp   TEXT 2006-01-02T15:04:05.000000Z TIMESTAMPTZ    RFC 3339 string, UTC
//	json        TEXT                          JSONB             decoded JSON
//
// so that a record reads the same on both backends.

// codecError is a value that does not fit its column.
type codecError struct{ msg string }

func (e *codecError) Error() string { return e.msg }

// describe names a value's kind with a short preview.
func describe(v any) string { return value.Describe(v) }

// checkText rejects text PostgreSQL cannot store (and SQLite would store
// differently): invalid UTF-8 and NUL characters.
func checkText(c *dbColumn, s string) error {
	if err := value.CheckText(s); err != nil {
		return &codecError{c.label() + ": " + err.Error()}
	}
	return nil
}

// encode turns an expression value into the bound parameter of column c,
// as its type says (value.Type.Encode). nil is NULL.
func encode(c *dbColumn, v any, d dialect) (any, error) {
	if v == nil {
		return nil, nil
	}
	a, err := c.vt.Encode(v, d)
	if err != nil {
		if m, ok := err.(*value.Mismatch); ok {
			return nil, &codecError{c.label() + " " + m.Error()}
		}
		return nil, &codecError{c.label() + ": " + err.Error()}
	}
	return a, nil
}

// timeArg is t as a bound parameter of a timestamp column.
func timeArg(t time.Time, d dialect) any { return value.TimeArg(t, d) }

// decode turns a scanned value of column c into the value a stack sees.
func decode(c *dbColumn, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	out, err := c.vt.Decode(v)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", c.label(), err)
	}
	return out, nil
}

// formatTime is how timestamps come back: RFC 3339 in UTC, with as many
// fraction digits as needed.
func formatTime(t time.Time) string { return value.FormatTime(t) }

// marshalJSON encodes v for a JSON column, refusing a NUL character
// rather than changing the user's data.
func marshalJSON(v any) ([]byte, error) {
	b, err := value.EncodeJSON(v)
	if err == nil && value.HasNUL(b) {
		return nil, fmt.Errorf("text holds a NUL character (\\u0000), which cannot be stored")
	}
	return b, err
}

// encodeAny is the parameter of a db.sql query: the value as it is, with
// times, lists and objects made storable.
func encodeAny(v any, d dialect) (any, error) {
	switch x := v.(type) {
	case nil, int64, float64:
		return x, nil
	case int:
		return int64(x), nil
	case int32:
		return int64(x), nil
	case float32:
		return float64(x), nil
	case bool:
		return value.BoolArg(x, d), nil
	case string:
		if err := value.CheckText(x); err != nil {
			return nil, &codecError{err.Error()}
		}
		return x, nil
	case time.Time:
		return timeArg(x, d), nil
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i, nil
		}
		f, err := x.Float64()
		return f, err
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Slice, reflect.Array, reflect.Map, reflect.Struct:
		b, err := marshalJSON(v)
		if err != nil {
			return nil, &codecError{fmt.Sprintf("the value cannot be written as JSON: %v", err)}
		}
		return string(b), nil
	}
	return nil, &codecError{fmt.Sprintf("cannot bind a %T", v)}
}

// decodeAny turns a value scanned by db.sql into a stack value; typeName
// is the column's database type, when the driver knows it.
func decodeAny(v any, typeName string) any {
	switch x := v.(type) {
	case nil:
		return nil
	case int64:
		return int(x)
	case float64, bool:
		return x
	case time.Time:
		return formatTime(x)
	case []byte:
		return decodeText(string(x), typeName)
	case string:
		return decodeText(x, typeName)
	case [16]byte:
		return uuid.UUID(x).String()
	}
	return v
}

func decodeText(s, typeName string) any {
	switch strings.ToUpper(typeName) {
	case "JSON", "JSONB":
		dec := json.NewDecoder(strings.NewReader(s))
		dec.UseNumber()
		var v any
		if dec.Decode(&v) == nil {
			return engine.NormalizeNumbers(v)
		}
	case "NUMERIC", "DECIMAL":
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return f
		}
	case "INT8", "INT4", "INT2", "BIGINT", "INTEGER":
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return int(n)
		}
	}
	return s
}
