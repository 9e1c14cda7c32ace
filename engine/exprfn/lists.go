package exprfn

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"
)

func init() {
	register(
		&Function{Name: "chunk", Category: Array, Signature: "chunk(list, size) → list",
			Description: "The list cut into lists of size items, in order, the last one holding what is left (size 1 or more).",
			Example:     "chunk([1, 2, 3, 4, 5], 2)", Result: "[[1,2],[3,4],[5]]",
			Func: chunkFunc, Types: []any{new(func(any, any) []any)}},
		&Function{Name: "difference", Category: Array, Signature: "difference(list, other) → list",
			Description: "The items of the list that are not in the other, in the list's order; numbers are equal by value (1 and 1.0), texts, bools and timestamps as ==, objects and lists by their contents.",
			Example:     "difference([1, 2, 3, 2, 'a'], [2, 'a'])", Result: "[1,3]",
			Func: setFunc("difference", false), Types: setTypes},
		&Function{Name: "intersect", Category: Array, Signature: "intersect(list, other) → list",
			Description: "The items of the list that are also in the other, in the list's order (repeats kept); equal as difference compares them.",
			Example:     "intersect([{id: 1}, {id: 2}, 3], [3, {id: 2}])", Result: `[{"id":2},3]`,
			Func: setFunc("intersect", true), Types: setTypes},
	)
}

var setTypes = []any{new(func(any, any) []any)}

func chunkFunc(args ...any) (any, error) {
	const example = "chunk(ids, 100)"
	if err := arity("chunk", args, 2, 2, "a list and a size, e.g. "+example); err != nil {
		return nil, err
	}
	items, err := list("chunk", "the list", args[0], example)
	if err != nil {
		return nil, err
	}
	size, ok := whole(args[1])
	if !ok || size < 1 {
		return nil, argError("chunk", "the size", "a whole number of 1 or more", example, args[1])
	}
	out := make([]any, 0, (len(items)+size-1)/size)
	for len(items) > 0 {
		n := min(size, len(items))
		out = append(out, append([]any(nil), items[:n]...))
		items = items[n:]
	}
	return out, nil
}

// setFunc is difference (keep false) or intersect (keep true): the items
// of the first list whose key (setKey) is, or is not, among the second's.
func setFunc(fn string, keep bool) func(args ...any) (any, error) {
	example := fn + "(all_ids, done_ids)"
	return func(args ...any) (any, error) {
		if err := arity(fn, args, 2, 2, "two lists, e.g. "+example); err != nil {
			return nil, err
		}
		a, err := list(fn, "the first list", args[0], example)
		if err != nil {
			return nil, err
		}
		b, err := list(fn, "the second list", args[1], example)
		if err != nil {
			return nil, err
		}
		in := make(map[string]bool, len(b))
		var sb strings.Builder
		for _, v := range b {
			sb.Reset()
			setKey(&sb, v)
			in[sb.String()] = true
		}
		out := []any{}
		for _, v := range a {
			sb.Reset()
			setKey(&sb, v)
			if in[sb.String()] == keep {
				out = append(out, v)
			}
		}
		return out, nil
	}
}

// setKey writes a text that is the same for two values difference and
// intersect take as equal: numbers by value (an int, a float and a
// decimal of one value are one number), texts, bools, null, timestamps
// by their instant, lists and objects by their contents.
func setKey(b *strings.Builder, v any) {
	switch x := v.(type) {
	case nil:
		b.WriteString("z")
	case string:
		b.WriteString("s")
		b.WriteString(strconv.Quote(x))
	case bool:
		b.WriteString("b")
		b.WriteString(strconv.FormatBool(x))
	case time.Time:
		b.WriteString("t")
		b.WriteString(x.UTC().Format(time.RFC3339Nano))
	case time.Duration:
		b.WriteString("d")
		b.WriteString(strconv.FormatInt(int64(x), 10))
	case []any:
		b.WriteString("[")
		for _, it := range x {
			setKey(b, it)
			b.WriteString(",")
		}
		b.WriteString("]")
	case map[string]any:
		b.WriteString("{")
		for _, k := range sortedKeys(x) {
			b.WriteString(strconv.Quote(k))
			b.WriteString(":")
			setKey(b, x[k])
			b.WriteString(",")
		}
		b.WriteString("}")
	case exactDecimal:
		b.WriteString("n")
		if n, ok := x.Int(); ok {
			b.WriteString(strconv.Itoa(n))
			return
		}
		s := x.String()
		if strings.Contains(s, ".") {
			s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
		}
		b.WriteString(s)
	default:
		if n, ok := whole(v); ok {
			b.WriteString("n")
			b.WriteString(strconv.Itoa(n))
			return
		}
		if f, _, err := number("", "", v, ""); err == nil {
			b.WriteString("n")
			b.WriteString(strconv.FormatFloat(f, 'f', -1, 64))
			return
		}
		rv := reflect.ValueOf(v)
		if rv.Kind() == reflect.Slice || rv.Kind() == reflect.Array {
			l, _ := list("", "", v, "")
			setKey(b, l)
			return
		}
		fmt.Fprintf(b, "?%T:%v", v, v)
	}
}
