package value

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/expr-lang/expr/types"
)

// DecimalType is a number with a fraction.
type DecimalType struct{}

// DecimalT is the decimal type.
var DecimalT Type = DecimalType{}

var _ Type = DecimalType{}

func init() { Register(DecimalT) }

func (DecimalType) Info() Info {
	return Info{Name: "decimal", Description: "A number with a fraction, such as 19.99.", Editor: "decimal",
		Input: true, Column: true, ListOK: true, Bounds: "value", Ordered: true, Example: json.RawMessage(`19.99`)}
}

func toFloat(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, !math.IsNaN(n) && !math.IsInf(n, 0)
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	case int32:
		return float64(n), true
	case float32:
		return float64(n), true
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(n), 64)
		return f, err == nil && !math.IsNaN(f) && !math.IsInf(f, 0)
	}
	return 0, false
}

func (DecimalType) Coerce(v any) (any, error) {
	x, ok := toFloat(v)
	if !ok {
		return nil, expected("decimal", v)
	}
	return x, nil
}

func (DecimalType) Column(d Dialect) string {
	if d == Postgres {
		return "DOUBLE PRECISION"
	}
	return "REAL"
}

func (DecimalType) Encode(v any, _ Dialect) (any, error) {
	f, ok := toFloat(v)
	if !ok {
		if x, isFloat := v.(float64); isFloat && (math.IsNaN(x) || math.IsInf(x, 0)) {
			return nil, &Mismatch{"a finite number", v}
		}
		return nil, &Mismatch{"a number", v}
	}
	return f, nil
}

func (DecimalType) Decode(v any) (any, error) {
	switch n := v.(type) {
	case float64:
		return n, nil
	case int64:
		return float64(n), nil
	}
	if s, ok := bytesOrString(v); ok {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, fmt.Errorf("stored value %q is not a number", s)
		}
		return f, nil
	}
	return nil, cannotRead(v, "decimal")
}

func (DecimalType) Literal(raw json.RawMessage, _ Dialect) (string, error) {
	if isNull(raw) {
		return "", nil
	}
	var f float64
	if err := json.Unmarshal(raw, &f); err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return "", fmt.Errorf("default %s is not a number", raw)
	}
	lit := strconv.FormatFloat(f, 'g', -1, 64)
	if !strings.ContainsAny(lit, ".e") {
		lit += ".0"
	}
	return lit, nil
}

func (DecimalType) Schema() map[string]any { return map[string]any{"type": "number"} }

func (DecimalType) ExprType() types.Type { return types.Float }
