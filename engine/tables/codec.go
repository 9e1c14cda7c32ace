package tables

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/funcstack/funcstack/engine/exprfn"
	"github.com/funcstack/funcstack/engine/value"
)

// The codec turns expression values into bound parameters of a column
// (Encode) and scanned column values into the values a stack sees
// (Decode), as the column's value type says (engine/value: each type's
// Encode and Decode, with the storage of each type on each database in
// its file), so that a record reads the same on both backends.

// Encode turns an expression value into the bound parameter of column c,
// as its type says (value.Type.Encode). nil is NULL. A value that does not
// fit is a *CodecError naming the column.
func Encode(c *Column, v any, d value.Dialect) (any, error) {
	if v == nil {
		return nil, nil
	}
	a, err := c.Type.Encode(v, d)
	if err != nil {
		if m, ok := err.(*value.Mismatch); ok {
			return nil, &CodecError{c.Label() + " " + m.Error()}
		}
		return nil, &CodecError{c.Label() + ": " + err.Error()}
	}
	return a, nil
}

// EncodeWrite is Encode for a value written to column c (data of db.add,
// db.edit, db.patch, db.upsert, db.bulk): a column with values also
// refuses a text that is not one of them. Where clauses use Encode, so
// that comparing with another text finds nothing rather than failing.
func EncodeWrite(c *Column, v any, d value.Dialect) (any, error) {
	a, err := Encode(c, v, d)
	if err != nil || len(c.Values) == 0 {
		return a, err
	}
	if s, ok := a.(string); ok && !slices.Contains(c.Values, s) {
		return nil, &CodecError{fmt.Sprintf("%s must be one of %s; got %s", c.Label(), strings.Join(c.Values, ", "), strconv.Quote(s))}
	}
	return a, nil
}

// Decode turns a scanned value of column c into the value a stack sees.
func Decode(c *Column, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	out, err := c.Type.Decode(v)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", c.Label(), err)
	}
	return out, nil
}

// CheckText refuses text column c cannot store (invalid UTF-8, NUL).
func CheckText(c *Column, s string) error {
	if err := value.CheckText(s); err != nil {
		return &CodecError{c.Label() + ": " + err.Error()}
	}
	return nil
}

// Now is the time of a write as a bound parameter, as kept in created_at
// and updated_at.
func Now(d value.Dialect) any { return value.TimeArg(time.Now(), d) }

// EncodeAny is the parameter of a db.sql query: the value as it is, with
// times, lists and objects made storable, and a decimal as decimal
// columns hold it (on SQLite their sort key, so that it compares with
// them).
func EncodeAny(v any, d value.Dialect) (any, error) {
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
			return nil, &CodecError{err.Error()}
		}
		return x, nil
	case time.Time:
		return value.TimeArg(x, d), nil
	case value.Decimal:
		return value.DecimalT.Encode(x, d)
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
		a, err := value.JSON.Encode(v, d)
		if err != nil {
			return nil, &CodecError{err.Error()}
		}
		return a, nil
	}
	return nil, &CodecError{fmt.Sprintf("cannot bind a %T", v)}
}

// DecodeAny turns a value scanned by db.sql into a stack value; typeName
// is the column's database type, when the driver knows it.
func DecodeAny(v any, typeName string) any {
	switch x := v.(type) {
	case nil:
		return nil
	case int64:
		if strings.EqualFold(typeName, "BOOLEAN") { // SQLite keeps bools as 0 and 1
			return x != 0
		}
		return int(x)
	case float64, bool:
		return x
	case time.Time:
		return value.FormatTime(x)
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
	case "", "TEXT":
		// SQLite keeps times as text of one fixed width (value.TimeFormat):
		// they come back as on PostgreSQL, RFC 3339.
		if len(s) == len(value.TimeFormat) && s[len(s)-1] == 'Z' && s[10] == 'T' {
			if t, err := time.Parse(value.TimeFormat, s); err == nil {
				return value.FormatTime(t)
			}
		}
	case "JSON", "JSONB", "JSON_TEXT":
		dec := json.NewDecoder(strings.NewReader(s))
		dec.UseNumber()
		var v any
		if dec.Decode(&v) == nil {
			return exprfn.Numbers(v)
		}
	case "NUMERIC", "DECIMAL", value.SQLiteDecimal:
		if x, err := value.DecimalT.Decode(s); err == nil {
			return x
		}
	case "INT8", "INT4", "INT2", "BIGINT", "INTEGER":
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return int(n)
		}
	}
	return s
}
