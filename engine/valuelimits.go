package engine

import (
	"fmt"
	"reflect"
)

// The size and depth limits a value is checked against before a variable
// holds it (docs/design.md §7 Limits).

// sizeOver reports whether v's JSON is longer than limit bytes, looking at
// no more of v than it takes to know (a lower bound of the JSON's length).
func sizeOver(v any, limit int) bool {
	left := limit
	var walk func(v any) bool
	walk = func(v any) bool {
		switch x := v.(type) {
		case nil, bool:
			left -= 5
		case string:
			left -= len(x) + 2
		case map[string]any:
			left -= 2
			for k, e := range x {
				if left -= len(k) + 4; left < 0 || walk(e) {
					return true
				}
			}
		case []any:
			left -= 2
			for _, e := range x {
				if left--; left < 0 || walk(e) {
					return true
				}
			}
		default:
			// typed lists and maps ([]string, map[string]int…): at least
			// a byte per item, so a long one is over at once
			switch r := reflect.ValueOf(v); r.Kind() {
			case reflect.Slice, reflect.Array, reflect.Map:
				if left -= 2 + r.Len(); left < 0 {
					return true
				}
				if r.Kind() == reflect.Map {
					it := r.MapRange()
					for it.Next() {
						if walk(it.Value().Interface()) {
							return true
						}
					}
				} else {
					for i := 0; i < r.Len(); i++ {
						if walk(r.Index(i).Interface()) {
							return true
						}
					}
				}
			case reflect.String:
				left -= r.Len() + 2
			default:
				left-- // a number (at least a digit), or a value measured once encoded
			}
		}
		return left < 0
	}
	return walk(v)
}

// checkValue checks v, to be stored in variable name, against the size
// limits (see Assign).
func (s *State) checkValue(name string, v any) error {
	switch v.(type) {
	case nil, bool, int, float64:
		return nil
	}
	if err := s.checkSize(name, v, 0); err != nil {
		return err
	}
	if err := s.checkDepth(name, v, 0); err != nil {
		return err
	}
	return nil
}

// checkSize checks v, with extra items to come, against max_text_bytes
// and max_items: its own length, not what it holds (see checkDepth).
func (s *State) checkSize(name string, v any, extra int) *Error {
	l := &s.eng.cfg.Limits
	n, what := 0, ""
	switch x := v.(type) {
	case string:
		if len(x) > l.MaxTextBytes {
			return &Error{Code: CodeLimit, Message: fmt.Sprintf(
				"%s would hold %s of text (limit max_text_bytes, %s); keep large data in a table, or raise the limit (--max-text-bytes)",
				name, byteSize(len(x)), byteSize(l.MaxTextBytes))}
		}
		return nil
	case []any:
		n, what = len(x), "a list"
	case map[string]any:
		n, what = len(x), "an object"
	case nil, bool, int, float64:
		return nil
	default: // what builtins make: map[any]any, []int, ...
		switch rv := reflect.ValueOf(v); rv.Kind() {
		case reflect.Slice, reflect.Array:
			n, what = rv.Len(), "a list"
		case reflect.Map:
			n, what = rv.Len(), "an object"
		default:
			return nil
		}
	}
	if n+extra > l.MaxItems {
		return &Error{Code: CodeLimit, Message: fmt.Sprintf(
			"%s would hold %s of %d items (limit max_items, %d); page through the data, or raise the limit (--max-items)",
			name, what, n+extra, l.MaxItems)}
	}
	return nil
}

// checkDepth checks that v, held inside above lists, nests lists and
// objects at most max_depth deep: a value wrapped in itself again and
// again ({a: o} in a loop) would otherwise grow until encoding or
// comparing it overflows the stack, which ends the whole process.
func (s *State) checkDepth(name string, v any, above int) *Error {
	max := s.eng.cfg.Limits.MaxDepth
	budget := depthBudget
	if tooDeep(v, max-above, &budget) {
		return &Error{Code: CodeLimit, Message: fmt.Sprintf(
			"%s would nest lists and objects more than %d deep (limit max_depth); flatten the value, or raise the limit (--max-depth)", name, max)}
	}
	return nil
}

// depthBudget bounds the lists and objects one depth check looks into, so
// that storing a large value costs at most this much.
const depthBudget = 100_000

// tooDeep reports whether v nests lists and objects more than left deep,
// looking into at most *budget of them.
func tooDeep(v any, left int, budget *int) bool {
	switch x := v.(type) {
	case nil, bool, int, float64, string:
		return false
	case map[string]any:
		if left == 0 {
			return true
		}
		for _, e := range x {
			if stop, deep := deeper(e, left, budget); stop {
				return deep
			}
		}
		return false
	case []any:
		if left == 0 {
			return true
		}
		for _, e := range x {
			if stop, deep := deeper(e, left, budget); stop {
				return deep
			}
		}
		return false
	}
	rv := reflect.ValueOf(v) // what builtins make: map[any]any, []int, ...
	var items []reflect.Value
	switch rv.Kind() {
	case reflect.Map:
		it := rv.MapRange()
		for it.Next() {
			items = append(items, it.Value())
		}
	case reflect.Slice, reflect.Array:
		for i := 0; i < rv.Len(); i++ {
			items = append(items, rv.Index(i))
		}
	default:
		return false
	}
	if left == 0 {
		return true
	}
	for _, e := range items {
		if stop, deep := deeper(e.Interface(), left, budget); stop {
			return deep
		}
	}
	return false
}

// deeper looks into e, an item of a container with left levels to go:
// stop when the budget is spent (deep false) or e is too deep (deep true).
func deeper(e any, left int, budget *int) (stop, deep bool) {
	if *budget--; *budget < 0 {
		return true, false
	}
	if tooDeep(e, left-1, budget) {
		return true, true
	}
	return false, false
}

// byteSize writes n bytes as B, KiB or MiB.
func byteSize(n int) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
