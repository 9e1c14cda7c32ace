package store

import (
	"bytes"
	"encoding/json"
	"strings"
)

// EncodeJSON encodes v compactly, without HTML escaping, as stored JSON
// columns hold it.
func EncodeJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// HasNUL reports whether encoded JSON holds a NUL character, which
// PostgreSQL's JSONB and TEXT cannot store.
// The text \u0000 itself (written \\u0000) is not one.
func HasNUL(b []byte) bool {
	for i := 0; ; {
		j := bytes.Index(b[i:], []byte(`\u0000`))
		if j < 0 {
			return false
		}
		k := i + j
		n := 0 // backslashes ending at k: an odd count makes k's an escape
		for p := k; p >= 0 && b[p] == '\\'; p-- {
			n++
		}
		if n%2 == 1 {
			return true
		}
		i = k + 1
	}
}

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
