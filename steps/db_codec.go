package steps

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/store"
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

// sqliteTimeFormat is how SQLite timestamp columns hold times (the store's
// format): UTC, fixed
// width, so that text order is time order.
const sqliteTimeFormat = store.TimeFormat

// codecError is a value that does not fit its column.
type codecError struct{ msg string }

func (e *codecError) Error() string { return e.msg }

func badValue(c *dbColumn, want string, v any) error {
	return &codecError{fmt.Sprintf("%s expects %s, got %s", c.label(), want, describe(v))}
}

// describe names a value's kind with a short preview.
func describe(v any) string {
	k := kindOf(v)
	switch x := v.(type) {
	case nil:
		return k
	case string:
		if len(x) > 40 {
			x = x[:37] + "..."
		}
		return fmt.Sprintf("%s %q", k, x)
	case map[string]any, []any:
		return k
	}
	s := fmt.Sprint(v)
	if len(s) > 40 {
		s = s[:37] + "..."
	}
	return fmt.Sprintf("%s (%s)", k, s)
}

// checkText rejects text PostgreSQL cannot store (and SQLite would store
// differently): invalid UTF-8 and NUL characters.
func checkText(c *dbColumn, s string) error {
	if !utf8.ValidString(s) {
		return &codecError{fmt.Sprintf("%s: the text is not valid UTF-8", c.label())}
	}
	if strings.IndexByte(s, 0) >= 0 {
		return &codecError{fmt.Sprintf("%s: the text holds a NUL character (\\u0000), which cannot be stored", c.label())}
	}
	return nil
}

// encode turns an expression value into the bound parameter of column c.
// nil is NULL.
func encode(c *dbColumn, v any, d dialect) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch c.typ {
	case "int":
		if _, isText := v.(string); isText {
			// Accept "42" (path parameters are text), nothing else.
			n, err := strconv.ParseInt(strings.TrimSpace(v.(string)), 10, 64)
			if err != nil {
				return nil, badValue(c, "a whole number", v)
			}
			return n, nil
		}
		switch n := v.(type) {
		case int:
			return int64(n), nil
		case int64:
			return n, nil
		case int32:
			return int64(n), nil
		case uint:
			if uint64(n) > math.MaxInt64 {
				return nil, badValue(c, "a whole number that fits 64 bits", v)
			}
			return int64(n), nil
		case float64:
			if n == math.Trunc(n) && math.Abs(n) < 1<<63 {
				return int64(n), nil
			}
		case json.Number:
			if i, err := n.Int64(); err == nil {
				return i, nil
			}
		}
		return nil, badValue(c, "a whole number", v)
	case "decimal":
		var f float64
		switch n := v.(type) {
		case float64:
			f = n
		case float32:
			f = float64(n)
		case int:
			f = float64(n)
		case int64:
			f = float64(n)
		case int32:
			f = float64(n)
		case json.Number:
			x, err := n.Float64()
			if err != nil {
				return nil, badValue(c, "a number", v)
			}
			f = x
		case string:
			x, err := strconv.ParseFloat(strings.TrimSpace(n), 64)
			if err != nil {
				return nil, badValue(c, "a number", v)
			}
			f = x
		default:
			return nil, badValue(c, "a number", v)
		}
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, badValue(c, "a finite number", v)
		}
		return f, nil
	case "bool":
		var b bool
		switch x := v.(type) {
		case bool:
			b = x
		case string:
			p, err := strconv.ParseBool(x)
			if err != nil {
				return nil, badValue(c, "true or false", v)
			}
			b = p
		default:
			return nil, badValue(c, "true or false", v)
		}
		if d == dPostgres {
			return b, nil
		}
		if b {
			return int64(1), nil
		}
		return int64(0), nil
	case "text", "email":
		s, ok := v.(string)
		if !ok {
			return nil, badValue(c, "text", v)
		}
		if err := checkText(c, s); err != nil {
			return nil, err
		}
		return s, nil
	case "uuid":
		var u uuid.UUID
		switch x := v.(type) {
		case string:
			p, err := uuid.Parse(x)
			if err != nil {
				return nil, badValue(c, "a UUID", v)
			}
			u = p
		case uuid.UUID:
			u = x
		case [16]byte:
			u = x
		default:
			return nil, badValue(c, "a UUID", v)
		}
		return u.String(), nil
	case "timestamp":
		t, ok := toTime(v)
		if !ok {
			return nil, badValue(c, "a timestamp (RFC 3339 such as 2026-01-02T15:04:05Z, or Unix milliseconds)", v)
		}
		return timeArg(t, d), nil
	case "json":
		b, err := marshalJSON(v)
		if err != nil {
			return nil, &codecError{fmt.Sprintf("%s: the value cannot be written as JSON: %v", c.label(), err)}
		}
		return string(b), nil
	}
	return nil, &codecError{fmt.Sprintf("%s has unknown type %q", c.label(), c.typ)}
}

// timeArg is t as a bound parameter of a timestamp column.
func timeArg(t time.Time, d dialect) any {
	t = t.UTC().Truncate(time.Microsecond)
	if d == dPostgres {
		return t
	}
	return t.Format(sqliteTimeFormat)
}

// toTime reads a timestamp the way inputs do: a time, RFC 3339 text, a
// date, or Unix milliseconds.
func toTime(v any) (time.Time, bool) {
	switch t := v.(type) {
	case time.Time:
		return t, true
	case string:
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02"} {
			if p, err := time.Parse(layout, t); err == nil {
				return p, true
			}
		}
		return time.Time{}, false
	case float64, int, int64, json.Number:
		if ms, ok := engine.ToInt(v); ok {
			return time.UnixMilli(int64(ms)).UTC(), true
		}
	}
	return time.Time{}, false
}

// marshalJSON encodes v for a JSON column, refusing a NUL character
// rather than changing the user's data.
func marshalJSON(v any) ([]byte, error) {
	b, err := store.EncodeJSON(v)
	if err == nil && store.HasNUL(b) {
		return nil, fmt.Errorf("text holds a NUL character (\\u0000), which cannot be stored")
	}
	return b, err
}

// decode turns a scanned value of column c into the value a stack sees.
func decode(c *dbColumn, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch c.typ {
	case "int":
		switch n := v.(type) {
		case int64:
			return int(n), nil
		case float64:
			return int(n), nil
		case []byte:
			return atoiValue(c, string(n))
		case string:
			return atoiValue(c, n)
		}
	case "decimal":
		switch n := v.(type) {
		case float64:
			return n, nil
		case int64:
			return float64(n), nil
		case []byte:
			return atofValue(c, string(n))
		case string:
			return atofValue(c, n)
		}
	case "bool":
		switch b := v.(type) {
		case bool:
			return b, nil
		case int64:
			return b != 0, nil
		case []byte:
			return strconv.ParseBool(string(b))
		case string:
			return strconv.ParseBool(b)
		}
	case "text", "email":
		switch s := v.(type) {
		case string:
			return s, nil
		case []byte:
			return string(s), nil
		}
		return fmt.Sprint(v), nil
	case "uuid":
		switch s := v.(type) {
		case string:
			return s, nil
		case []byte:
			if len(s) == 16 {
				u, _ := uuid.FromBytes(s)
				return u.String(), nil
			}
			return string(s), nil
		case [16]byte:
			return uuid.UUID(s).String(), nil
		}
	case "timestamp":
		t, err := store.ScanTime(v)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", c.label(), err)
		}
		return formatTime(t), nil
	case "json":
		switch s := v.(type) {
		case string:
			return decodeJSON(c, []byte(s))
		case []byte:
			return decodeJSON(c, s)
		default:
			return engine.NormalizeNumbers(v), nil
		}
	}
	return nil, fmt.Errorf("%s: cannot read a %T stored in a %s column", c.label(), v, c.typ)
}

func atoiValue(c *dbColumn, s string) (any, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("%s: stored value %q is not a whole number", c.label(), s)
	}
	return int(n), nil
}

func atofValue(c *dbColumn, s string) (any, error) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return nil, fmt.Errorf("%s: stored value %q is not a number", c.label(), s)
	}
	return f, nil
}

func decodeJSON(c *dbColumn, b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("%s: stored value is not JSON: %v", c.label(), err)
	}
	return engine.NormalizeNumbers(v), nil
}

// formatTime is how timestamps come back: RFC 3339 in UTC, with as many
// fraction digits as needed.
func formatTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

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
		if d == dPostgres {
			return x, nil
		}
		if x {
			return int64(1), nil
		}
		return int64(0), nil
	case string:
		if !utf8.ValidString(x) {
			return nil, &codecError{"the text is not valid UTF-8"}
		}
		if strings.IndexByte(x, 0) >= 0 {
			return nil, &codecError{"the text holds a NUL character (\\u0000), which cannot be stored"}
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
