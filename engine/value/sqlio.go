package value

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/funcstack/funcstack/engine/exprfn"
	"strings"
	"time"
	"unicode/utf8"
)

// TimeFormat is how SQLite columns of type timestamp hold times: UTC, fixed
// width, so that text order is time order.
const TimeFormat = "2006-01-02T15:04:05.000000Z"

// TimeArg is t as the bound parameter of a timestamp column on d: a time
// on PostgreSQL, TimeFormat text on SQLite, to the microsecond.
func TimeArg(t time.Time, d Dialect) any {
	t = t.UTC().Truncate(time.Microsecond)
	if d == Postgres {
		return t
	}
	return t.Format(TimeFormat)
}

// FormatTime is how timestamps come back to a stack: RFC 3339 in UTC,
// with as many fraction digits as needed.
func FormatTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// ScanTime reads a timestamp column as scanned into an any (a time on
// PostgreSQL, TimeFormat text on SQLite); NULL is the zero time.
func ScanTime(v any) (time.Time, error) {
	switch t := v.(type) {
	case nil:
		return time.Time{}, nil
	case time.Time:
		return t.UTC(), nil
	case string:
		return parseTimeText(t)
	case []byte:
		return parseTimeText(string(t))
	}
	return time.Time{}, fmt.Errorf("unexpected timestamp value %T", v)
}

func parseTimeText(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	for _, f := range []string{TimeFormat, time.RFC3339Nano, "2006-01-02 15:04:05.999999999-07:00", "2006-01-02 15:04:05.999999999", "2006-01-02"} {
		if t, err := time.Parse(f, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("stored value %q is not a timestamp", s)
}

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

// marshalStored encodes v for a JSON column, refusing a NUL character
// rather than changing the user's data.
func marshalStored(v any) ([]byte, error) {
	b, err := EncodeJSON(v)
	if err == nil && HasNUL(b) {
		return nil, errors.New("text holds a NUL character (\\u0000), which cannot be stored")
	}
	return b, err
}

// decodeStoredJSON reads a JSON column's text into a stack value.
func decodeStoredJSON(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("stored value is not JSON: %v", err)
	}
	return exprfn.Numbers(v), nil
}

// CheckText refuses text PostgreSQL cannot store (and SQLite would store
// differently): invalid UTF-8 and NUL characters.
func CheckText(s string) error {
	if !utf8.ValidString(s) {
		return &Refused{"the text is not valid UTF-8"}
	}
	if strings.IndexByte(s, 0) >= 0 {
		return &Refused{"the text holds a NUL character (\\u0000), which cannot be stored"}
	}
	return nil
}

// quoteLiteral writes s as a SQL string literal.
func quoteLiteral(s string) (string, error) {
	if strings.IndexByte(s, 0) >= 0 {
		return "", errors.New("text holds a NUL character, which the database cannot store")
	}
	return "'" + strings.ReplaceAll(s, "'", "''") + "'", nil
}

// jsonText reads a default written as a JSON string.
func jsonText(raw json.RawMessage) (string, bool) {
	var s string
	return s, json.Unmarshal(raw, &s) == nil
}

// isNull reports whether a default is JSON null.
func isNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }

// bytesOrString reads a scanned text value.
func bytesOrString(v any) (string, bool) {
	switch s := v.(type) {
	case string:
		return s, true
	case []byte:
		return string(s), true
	}
	return "", false
}
