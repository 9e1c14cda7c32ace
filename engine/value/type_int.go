package value

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/expr-lang/expr/types"
)

// IntType is a whole number of 64 bits: a Go int, BIGINT on PostgreSQL
// and INTEGER on SQLite.
type IntType struct{}

// Int is the int type.
var Int Type = IntType{}

var _ Type = IntType{}

func init() { Register(Int) }

func (IntType) Info() Info {
	return Info{Name: "int", Description: "A whole number from -9223372036854775808 to 9223372036854775807.", Editor: "number",
		Input: true, Column: true, ListOK: true, Bounds: "value", Equality: true, Ordered: true, Example: json.RawMessage(`42`)}
}

func (IntType) Coerce(v any) (any, error) {
	n, ok := ToInt(v)
	if !ok {
		if whole, big := bigWhole(v); big {
			return nil, fmt.Errorf("expected int, got %s, a whole number too large: an int is from -9223372036854775808 to 9223372036854775807; send it as text if you need it whole", whole)
		}
		return nil, expected("int", v)
	}
	return n, nil
}

func (IntType) Column(d Dialect) string {
	if d == Postgres {
		return "BIGINT"
	}
	return "INTEGER"
}

func (IntType) Encode(v any, _ Dialect) (any, error) {
	switch n := v.(type) {
	case int:
		return int64(n), nil
	case int64:
		return n, nil
	case int32:
		return int64(n), nil
	case uint:
		if uint64(n) > math.MaxInt64 {
			return nil, &Mismatch{"a whole number that fits 64 bits", v}
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
	case string: // "42": path parameters are text
		if i, err := strconv.ParseInt(strings.TrimSpace(n), 10, 64); err == nil {
			return i, nil
		}
	}
	return nil, &Mismatch{"a whole number", v}
}

func (IntType) Decode(v any) (any, error) {
	switch n := v.(type) {
	case int64:
		return int(n), nil
	case float64:
		return int(n), nil
	}
	if s, ok := bytesOrString(v); ok {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("stored value %q is not a whole number", s)
		}
		return int(n), nil
	}
	return nil, cannotRead(v, "int")
}

func (IntType) Literal(raw json.RawMessage, _ Dialect) (string, error) {
	if isNull(raw) {
		return "", nil
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err != nil {
		return "", fmt.Errorf("default %s is not an integer", raw)
	}
	i, err := strconv.ParseInt(n.String(), 10, 64)
	if err != nil {
		return "", fmt.Errorf("default %s is not a 64-bit integer", raw)
	}
	return strconv.FormatInt(i, 10), nil
}

func (IntType) Schema() map[string]any { return map[string]any{"type": "integer"} }

func (IntType) ExprType() types.Type { return types.Int }

// cannotRead is the error of a scanned value of an unexpected Go type.
func cannotRead(v any, typ string) error {
	return fmt.Errorf("cannot read a %T stored in a %s column", v, typ)
}
