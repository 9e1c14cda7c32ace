package value

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
)

// A number both backends can keep and give back is one that parses as a
// finite float64: PostgreSQL's JSONB refuses 1e999999 (and 1e-999999),
// and SQLite keeps its text but hands back an infinity, which JSON cannot
// write. Input decoding refuses such numbers (NonFinite), and an
// execution record writes whatever slips through as text (Storable).

// MaxNumberText is what the errors of NonFinite say a number may be.
const MaxNumberText = "1.8e308"

// NumberFits reports whether the JSON number n parses as a finite float64
// (a number too close to zero, such as 1e-999999, does not).
func NumberFits(n json.Number) bool {
	f, err := strconv.ParseFloat(string(n), 64)
	return err == nil && (f != 0 || !nonZeroDigits(string(n)))
}

// nonZeroDigits reports whether the digits of the number s before its
// exponent are not all zero: 1e-999999 is then an underflow, not a zero.
func nonZeroDigits(s string) bool {
	for i := 0; i < len(s) && s[i] != 'e' && s[i] != 'E'; i++ {
		if s[i] >= '1' && s[i] <= '9' {
			return true
		}
	}
	return false
}

// NonFinite looks through v (decoded JSON: maps, lists, json.Number,
// float64) for the first number that does not fit (NumberFits) or is NaN
// or infinite, and returns its JSON path below at (at itself for v) and
// its text; ok is false when there is none. Map keys are visited in no
// particular order, so with several such numbers any one may be named.
func NonFinite(v any, at string) (path, text string, ok bool) {
	switch x := v.(type) {
	case json.Number:
		if !NumberFits(x) {
			return at, string(x), true
		}
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return at, strconv.FormatFloat(x, 'g', -1, 64), true
		}
	case []any:
		for i, e := range x {
			if p, t, ok := NonFinite(e, at+"["+strconv.Itoa(i)+"]"); ok {
				return p, t, true
			}
		}
	case map[string]any:
		for k, e := range x {
			sub := k
			if at != "" {
				sub = at + "." + k
			}
			if p, t, ok := NonFinite(e, sub); ok {
				return p, t, true
			}
		}
	}
	return "", "", false
}

// NonFiniteMessage is the message of an input error for the number text
// found by NonFinite.
func NonFiniteMessage(text string) string {
	if f, err := strconv.ParseFloat(text, 64); err == nil && f == 0 {
		return text + " is too close to zero to be a number; send 0, or at least 2.3e-308 in size"
	}
	if text == "NaN" {
		return "NaN is not a number; send a finite number"
	}
	return text + " is too large to be a number; send at most " + MaxNumberText + " in size"
}

// Storable returns v with every NaN or infinite float64 and every
// json.Number that does not fit replaced by its text, and NUL characters
// in texts and keys replaced by U+FFFD, copying only what changes; v
// itself is never changed. Other types come back as they are.
func Storable(v any) any {
	out, _ := storable(v)
	return out
}

// storable is Storable, also saying whether anything changed.
func storable(v any) (any, bool) {
	switch x := v.(type) {
	case json.Number:
		if !NumberFits(x) {
			return string(x), true
		}
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return strconv.FormatFloat(x, 'g', -1, 64), true
		}
	case string:
		if strings.IndexByte(x, 0) >= 0 {
			return strings.ReplaceAll(x, "\x00", "\uFFFD"), true
		}
	case []any:
		var out []any
		for i, e := range x {
			s, changed := storable(e)
			if changed && out == nil {
				out = make([]any, len(x))
				copy(out, x)
			}
			if changed {
				out[i] = s
			}
		}
		if out != nil {
			return out, true
		}
	case map[string]any:
		var out map[string]any
		for k, e := range x {
			s, changed := storable(e)
			ck := k
			if strings.IndexByte(k, 0) >= 0 {
				ck, changed = strings.ReplaceAll(k, "\x00", "\uFFFD"), true
			}
			if !changed {
				continue
			}
			if out == nil {
				out = make(map[string]any, len(x))
				for k2, e2 := range x {
					out[k2] = e2
				}
			}
			delete(out, k)
			out[ck] = s
		}
		if out != nil {
			return out, true
		}
	}
	return v, false
}
