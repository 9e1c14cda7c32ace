package value

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strings"

	"github.com/expr-lang/expr/types"
)

// DecimalType is an exact decimal number: a Decimal on the stack, NUMERIC
// on PostgreSQL, and on SQLite text holding its sort key (see SortKey),
// so that every digit is kept and the column sorts by value. Stored
// decimals come back without trailing zeros on both databases (2.50 is
// read as 2.5).
type DecimalType struct{}

// DecimalT is the decimal type.
var DecimalT Type = DecimalType{}

var _ Type = DecimalType{}

func init() { Register(DecimalT) }

// SQLiteDecimal is the declared type of decimal columns on SQLite: text
// affinity (a NUMERIC affinity would turn the text into a binary float),
// and a name db.sql recognises to decode the sort keys.
const SQLiteDecimal = "DECIMAL_TEXT"

// DecimalGoType is the Go type of decimal values, as expressions see it.
var DecimalGoType = reflect.TypeOf(Decimal{})

func (DecimalType) Info() Info {
	return Info{Name: "decimal", Description: "An exact decimal number, such as 19.99: every digit is kept, and 0.1 + 0.2 is 0.3.", Editor: "decimal",
		Input: true, Column: true, ListOK: true, Bounds: "value", Equality: true, Ordered: true, Example: json.RawMessage(`19.99`)}
}

// toDecimal reads a number for a decimal input or column: decimals,
// ints, JSON numbers and decimal text exactly, floats by their shortest
// decimal (a float given where a decimal is stored is taken as written).
func toDecimal(v any) (Decimal, bool) {
	if x, ok := AsDecimal(v); ok {
		return x, true
	}
	switch f := v.(type) {
	case float64:
		x, err := DecimalFromFloat(f)
		return x, err == nil
	case float32:
		x, err := DecimalFromFloat(float64(f))
		return x, err == nil
	}
	return Decimal{}, false
}

func (DecimalType) Coerce(v any) (any, error) {
	x, ok := toDecimal(v)
	if !ok {
		return nil, expected("decimal", v)
	}
	return x, nil
}

func (DecimalType) Column(d Dialect) string {
	if d == Postgres {
		return "NUMERIC"
	}
	return SQLiteDecimal
}

func (DecimalType) Encode(v any, d Dialect) (any, error) {
	x, ok := toDecimal(v)
	if !ok {
		if f, isFloat := v.(float64); isFloat && (math.IsNaN(f) || math.IsInf(f, 0)) {
			return nil, &Mismatch{"a finite number", v}
		}
		return nil, &Mismatch{"a number", v}
	}
	if d == Postgres {
		return x.String(), nil
	}
	key, err := SortKey(x)
	if err != nil {
		return nil, &Refused{err.Error()}
	}
	return key, nil
}

// Decode reads a sort key (SQLite), numeric text (PostgreSQL, or text a
// db.sql statement wrote), or a number an older database kept as REAL.
func (DecimalType) Decode(v any) (any, error) {
	switch n := v.(type) {
	case float64:
		x, err := DecimalFromFloat(n)
		if err != nil {
			return nil, fmt.Errorf("stored value %v is not a finite number", n)
		}
		return x.Reduce(), nil
	case int64:
		return DecimalFromInt(n), nil
	}
	s, ok := bytesOrString(v)
	if !ok {
		return nil, cannotRead(v, "decimal")
	}
	if x, ok := ParseSortKey(s); ok {
		return x, nil
	}
	x, err := ParseDecimal(s)
	if err != nil {
		return nil, fmt.Errorf("stored value %q is not a number", s)
	}
	return x.Reduce(), nil
}

func (DecimalType) Literal(raw json.RawMessage, d Dialect) (string, error) {
	if isNull(raw) {
		return "", nil
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err != nil || strings.HasPrefix(strings.TrimSpace(string(raw)), `"`) {
		return "", fmt.Errorf("default %s is not a number", raw)
	}
	x, err := ParseDecimal(n.String())
	if err != nil {
		return "", fmt.Errorf("default %s is not a number", raw)
	}
	if d == Postgres {
		return x.String(), nil
	}
	key, err := SortKey(x)
	if err != nil {
		return "", err
	}
	return quoteLiteral(key)
}

func (DecimalType) Schema() map[string]any { return map[string]any{"type": "number"} }

func (DecimalType) ExprType() types.Type { return types.TypeOf(Decimal{}) }

// PreviousColumn is the column type decimals had before they were exact
// (binary floats): columns applied then are converted on the next sync
// (engine/tables).
func (DecimalType) PreviousColumn(d Dialect) string {
	if d == Postgres {
		return "DOUBLE PRECISION"
	}
	return "REAL"
}
