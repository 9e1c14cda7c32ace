package engine

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// reporter collects diagnostics for one definition.
type reporter struct {
	file  string
	def   string
	diags *Diagnostics
}

func (r *reporter) errorf(path, code, format string, args ...any) {
	*r.diags = append(*r.diags, Diagnostic{Severity: SeverityError, Code: code, File: r.file,
		Definition: r.def, Path: path, Message: fmt.Sprintf(format, args...)})
}

func (r *reporter) warnf(path, code, format string, args ...any) {
	*r.diags = append(*r.diags, Diagnostic{Severity: SeverityWarning, Code: code, File: r.file,
		Definition: r.def, Path: path, Message: fmt.Sprintf(format, args...)})
}

// object is a JSON object being decoded field by field, so that every
// problem is reported with its exact path and decoding goes on after one.
type object struct {
	r      *reporter
	path   string
	fields map[string]json.RawMessage
	used   map[string]bool
}

// decodeObject parses raw as a JSON object; ok is false (and an error
// reported) when it is not one.
func decodeObject(r *reporter, path string, raw json.RawMessage) (*object, bool) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		r.errorf(path, "wrong_type", "expected an object, got %s", jsonKind(raw))
		return nil, false
	}
	return &object{r: r, path: path, fields: m, used: map[string]bool{}}, true
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func indexPath(path string, i int) string { return path + "[" + strconv.Itoa(i) + "]" }

// at returns the path of key in o.
func (o *object) at(key string) string { return joinPath(o.path, key) }

// has reports whether key is present and not null.
func (o *object) has(key string) bool {
	raw, ok := o.fields[key]
	return ok && !isNull(raw)
}

// raw returns key's raw value and marks it used.
func (o *object) raw(key string) (json.RawMessage, bool) {
	o.used[key] = true
	raw, ok := o.fields[key]
	if !ok || isNull(raw) {
		return nil, false
	}
	return raw, true
}

func (o *object) missing(key, what string) {
	o.r.errorf(o.at(key), "required", "required: %s", what)
}

// str decodes a string field.
func (o *object) str(key string, required bool) string {
	raw, ok := o.raw(key)
	if !ok {
		if required {
			o.missing(key, "a string")
		}
		return ""
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		o.r.errorf(o.at(key), "wrong_type", "expected a string, got %s", jsonKind(raw))
		return ""
	}
	return s
}

// boolean decodes a bool field.
func (o *object) boolean(key string) bool {
	raw, ok := o.raw(key)
	if !ok {
		return false
	}
	var b bool
	if err := json.Unmarshal(raw, &b); err != nil {
		o.r.errorf(o.at(key), "wrong_type", "expected true or false, got %s", jsonKind(raw))
	}
	return b
}

// integer decodes a whole-number field.
func (o *object) integer(key string) (int64, bool) {
	raw, ok := o.raw(key)
	if !ok {
		return 0, false
	}
	var f float64
	if err := json.Unmarshal(raw, &f); err != nil || f != float64(int64(f)) {
		o.r.errorf(o.at(key), "wrong_type", "expected a whole number, got %s", jsonKind(raw))
		return 0, false
	}
	return int64(f), true
}

// number decodes a numeric field.
func (o *object) number(key string) (float64, bool) {
	raw, ok := o.raw(key)
	if !ok {
		return 0, false
	}
	var f float64
	if err := json.Unmarshal(raw, &f); err != nil {
		o.r.errorf(o.at(key), "wrong_type", "expected a number, got %s", jsonKind(raw))
		return 0, false
	}
	return f, true
}

// array decodes an array field into its raw elements.
func (o *object) array(key string) ([]json.RawMessage, bool) {
	raw, ok := o.raw(key)
	if !ok {
		return nil, false
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		o.r.errorf(o.at(key), "wrong_type", "expected a list, got %s", jsonKind(raw))
		return nil, false
	}
	return items, true
}

// strings decodes a list of strings.
func (o *object) strings(key string) []string {
	items, ok := o.array(key)
	if !ok {
		return nil
	}
	out := make([]string, 0, len(items))
	for i, it := range items {
		var s string
		if err := json.Unmarshal(it, &s); err != nil {
			o.r.errorf(indexPath(o.at(key), i), "wrong_type", "expected a string, got %s", jsonKind(it))
			continue
		}
		out = append(out, s)
	}
	return out
}

// rejectUnknown reports every field that no decoder asked for.
func (o *object) rejectUnknown(known []string) {
	var unknown []string
	for k := range o.fields {
		if !o.used[k] && !contains(known, k) {
			unknown = append(unknown, k)
		}
	}
	sort.Strings(unknown)
	for _, k := range unknown {
		msg := fmt.Sprintf("unknown field %q", k)
		if s := closest(k, known); s != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", s)
		} else if len(known) > 0 {
			msg += "; known fields: " + strings.Join(known, ", ")
		}
		o.r.errorf(o.at(k), "unknown_field", "%s", msg)
	}
}

func isNull(raw json.RawMessage) bool {
	return len(bytes.TrimSpace(raw)) == 0 || string(bytes.TrimSpace(raw)) == "null"
}

// jsonKind names the JSON type of raw, with a short preview for scalars.
func jsonKind(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "nothing"
	}
	preview := func(kind string) string {
		s := string(raw)
		if len(s) > 40 {
			s = s[:37] + "..."
		}
		return kind + " " + s
	}
	switch raw[0] {
	case '{':
		return "an object"
	case '[':
		return "a list"
	case '"':
		return preview("string")
	case 't', 'f':
		return preview("bool")
	case 'n':
		return "null"
	default:
		return preview("number")
	}
}

// Closest returns the candidate nearest to s by edit distance, if it is
// near enough to be a likely typo; else "".
func Closest(s string, candidates []string) string { return closest(s, candidates) }

// closest returns the candidate nearest to s by edit distance, if near.
func closest(s string, candidates []string) string {
	best, bestD := "", 3
	for _, c := range candidates {
		if d := editDistance(s, c); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 99
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
