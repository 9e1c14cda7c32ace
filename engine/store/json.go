package store

import (
	"bytes"
	"encoding/json"
	"strings"
)

// marshalJSON encodes v compactly, without HTML escaping. Strings holding
// NUL characters (which PostgreSQL's JSONB and TEXT cannot store) have them
// replaced by U+FFFD.
func marshalJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	b := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	if bytes.Contains(b, []byte(`\u0000`)) {
		var x any
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		if err := dec.Decode(&x); err == nil {
			return marshalJSON(stripNUL(x))
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
