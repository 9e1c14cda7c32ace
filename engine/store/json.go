package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/value"
)

// EncodeJSON encodes v compactly, without HTML escaping, as stored JSON
// columns hold it (value.EncodeJSON).
func EncodeJSON(v any) ([]byte, error) { return value.EncodeJSON(v) }

// HasNUL reports whether encoded JSON holds a NUL character, which
// PostgreSQL's JSONB and TEXT cannot store (value.HasNUL).
func HasNUL(b []byte) bool { return value.HasNUL(b) }

// marshalJSON is EncodeJSON with NUL characters replaced by U+FFFD: the
// execution records keep what they can rather than fail.
func marshalJSON(v any) ([]byte, error) {
	b, err := EncodeJSON(v)
	if err != nil {
		return nil, err
	}
	if HasNUL(b) {
		var x any
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		if err := dec.Decode(&x); err == nil {
			return EncodeJSON(stripNUL(x)) // holds no NUL now: no second look
		}
	}
	return b, nil
}

func stripNUL(v any) any {
	switch x := v.(type) {
	case string:
		return strings.ReplaceAll(x, "\x00", "\uFFFD")
	case []any:
		for i := range x {
			x[i] = stripNUL(x[i])
		}
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[strings.ReplaceAll(k, "\x00", "\uFFFD")] = stripNUL(e)
		}
		return out
	}
	return v
}

// canonicalJSON re-encodes a JSON document with sorted keys and no
// insignificant space; numbers keep their text.
func canonicalJSON(raw []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return marshalJSON(v)
}

// AppendJSON appends v to b encoded as EncodeJSON encodes it. The values
// execution records mostly hold (maps, lists, texts, numbers, booleans)
// are written directly, without reflection; any other value is encoded by
// encoding/json. It fails where EncodeJSON fails (NaN, infinities).
func AppendJSON(b []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case string:
		return appendJSONString(b, x), nil
	case bool:
		return strconv.AppendBool(b, x), nil
	case int:
		return strconv.AppendInt(b, int64(x), 10), nil
	case int64:
		return strconv.AppendInt(b, x, 10), nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			break // encoding/json's error
		}
		return appendFloat(b, x), nil
	case json.Number:
		if !value.NumberFits(x) {
			return b, fmt.Errorf("the number %s is out of range", string(x))
		}
	case map[string]any:
		if x == nil {
			return append(b, "null"...), nil
		}
		if len(x) == 0 {
			return append(b, "{}"...), nil
		}
		var arr [16]string
		keys := arr[:0]
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, k)
			b = append(b, ':')
			var err error
			if b, err = AppendJSON(b, x[k]); err != nil {
				return b, err
			}
		}
		return append(b, '}'), nil
	case encodedJSON: // already encoded by this package
		return append(b, x...), nil
	case []any:
		if x == nil {
			return append(b, "null"...), nil
		}
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = AppendJSON(b, e); err != nil {
				return b, err
			}
		}
		return append(b, ']'), nil
	}
	enc, err := EncodeJSON(v)
	if err != nil {
		return b, err
	}
	return append(b, enc...), nil
}

// appendJSONString appends s as a JSON string. Texts of printable ASCII
// without quotes or backslashes are copied; others are left to
// encoding/json, whose escapes (control characters, U+2028, invalid
// UTF-8) they keep.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			enc, _ := EncodeJSON(s)
			return append(b, enc...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// appendFloat formats f as encoding/json does.
func appendFloat(b []byte, f float64) []byte {
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	start := len(b)
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// clean up e-09 to e-9
		n := len(b) - start
		if n >= 4 && b[len(b)-4] == 'e' && b[len(b)-3] == '-' && b[len(b)-2] == '0' {
			b[len(b)-2] = b[len(b)-1]
			b = b[:len(b)-1]
		}
	}
	return b
}

// recordJSON is v as stored in a JSON column of an execution record,
// appended to b: EncodeJSON's text with NUL characters replaced by U+FFFD
// (PostgreSQL cannot store them), or, for a value JSON cannot represent, a
// text saying so.
func recordJSON(b []byte, v any) []byte {
	start := len(b)
	out, err := AppendJSON(b, v)
	if err == nil && !HasNUL(out[start:]) {
		return out
	}
	enc, err := marshalJSON(storableColumn(v))
	if err != nil {
		enc, _ = marshalJSON("(not representable as JSON: " + err.Error() + ")")
	}
	return append(out[:start], enc...)
}

// storableColumn is v with what neither backend can keep (value.Storable)
// made text, also inside the values of a trace or logs.
func storableColumn(v any) any {
	switch x := v.(type) {
	case []engine.TraceEntry:
		out := make([]engine.TraceEntry, len(x))
		for i, t := range x {
			t.Result = value.Storable(t.Result)
			out[i] = t
		}
		return out
	case []engine.LogEntry:
		out := make([]engine.LogEntry, len(x))
		for i, l := range x {
			l.Value = value.Storable(l.Value)
			out[i] = l
		}
		return out
	}
	return value.Storable(v)
}
