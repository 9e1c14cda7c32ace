package value

import (
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"
)

// TypeName names the kind of a Go value in messages, as a type name:
// null, text, bool, int, decimal, object, list, timestamp.
func TypeName(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return "text"
	case bool:
		return "bool"
	case int, int64, int32:
		return "int"
	case float64, float32, Decimal:
		return "decimal"
	case json.Number:
		if _, err := x.Int64(); err == nil {
			return "int"
		}
		return "decimal"
	case map[string]any:
		return "object"
	case []any:
		return "list"
	case time.Time:
		return "timestamp"
	}
	return fmt.Sprintf("%T", v)
}

// KindOf names the kind of a value with its article: "an int", "text".
func KindOf(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "text"
	case bool:
		return "a bool"
	case int, int64, int32, uint:
		return "an int"
	case float64, float32, Decimal:
		return "a decimal"
	case map[string]any:
		return "an object"
	case []any:
		return "a list"
	}
	return fmt.Sprintf("%T", v)
}

// Describe names a value's kind with a short preview: text "abc", an int
// (5).
func Describe(v any) string {
	k := KindOf(v)
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

// ToInt converts JSON and Go numbers (and numeric strings) to int when
// they are whole.
func ToInt(v any) (int, bool) {
	switch n := v.(type) {
	case int:
		return n, true
	case int64:
		return int(n), true
	case int32:
		return int(n), true
	case float64:
		if n == math.Trunc(n) && math.Abs(n) < 1<<62 {
			return int(n), true
		}
	case json.Number:
		if i, err := n.Int64(); err == nil {
			return int(i), true
		}
		if f, err := n.Float64(); err == nil && f == math.Trunc(f) && math.Abs(f) < 1<<62 {
			return int(f), true
		}
	case string:
		if i, err := strconv.Atoi(strings.TrimSpace(n)); err == nil {
			return i, true
		}
	}
	return 0, false
}

// bigWhole reports whether v is a whole number outside int's range, and
// writes it.
func bigWhole(v any) (string, bool) {
	var text string
	switch x := v.(type) {
	case json.Number:
		text = x.String()
	case string: // a path or query parameter
		text = strings.TrimSpace(x)
		if _, ok := new(big.Int).SetString(text, 10); !ok {
			return "", false
		}
	case float64:
		if x != x || math.IsInf(x, 0) || x != math.Trunc(x) {
			return "", false
		}
		text = strconv.FormatFloat(x, 'g', -1, 64)
	default:
		return "", false
	}
	r, ok := new(big.Rat).SetString(text)
	if !ok || !r.IsInt() || r.Num().IsInt64() {
		return "", false
	}
	return text, true // as sent: 12345678901234567890, or 1e300
}

// Float is a number value (an int or a decimal) as a float64, for
// comparing it with an input's min and max.
func Float(v any) (float64, bool) {
	switch n := v.(type) {
	case int:
		return float64(n), true
	case float64:
		return n, true
	case Decimal:
		return n.Float64(), true
	}
	return 0, false
}
