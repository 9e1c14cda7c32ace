package exprfn

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/expr-lang/expr/builtin"
)

// expr's own builtins, documented for the catalogue. Those with a Func are
// funcstack's stand-ins for the builtin of the same name (expr calls a
// function before a builtin): they give the same answers, except that
// what they give has a stable order and can be stored as JSON.
func init() {
	register(
		// Lists: predicates see each item as # (and its fields as .name).
		&Function{Name: "all", Category: Array, Signature: "all(list, predicate) → bool",
			Description: "Whether the predicate holds for every item (true for an empty list).",
			Example:     "all([1, 2, 3], # > 0)", Result: "true"},
		&Function{Name: "any", Category: Array, Signature: "any(list, predicate) → bool",
			Description: "Whether the predicate holds for at least one item.",
			Example:     "any([1, 2, 3], # > 2)", Result: "true"},
		&Function{Name: "none", Category: Array, Signature: "none(list, predicate) → bool",
			Description: "Whether the predicate holds for no item.",
			Example:     "none([1, 2, 3], # > 5)", Result: "true"},
		&Function{Name: "one", Category: Array, Signature: "one(list, predicate) → bool",
			Description: "Whether the predicate holds for exactly one item.",
			Example:     "one([1, 2, 3], # > 2)", Result: "true"},
		&Function{Name: "filter", Category: Array, Signature: "filter(list, predicate) → list",
			Description: "The items for which the predicate holds, in order.",
			Example:     "filter([1, 2, 3, 4], # % 2 == 0)", Result: "[2,4]"},
		&Function{Name: "map", Category: Array, Signature: "map(list, expression) → list",
			Description: "The expression's value for each item, in order.",
			Example:     "map([{name: 'Ann'}, {name: 'Bo'}], .name)", Result: `["Ann","Bo"]`},
		&Function{Name: "find", Category: Array, Signature: "find(list, predicate) → any",
			Description: "The first item for which the predicate holds, or null.",
			Example:     "find([{id: 1}, {id: 2}], .id == 2)", Result: `{"id":2}`},
		&Function{Name: "findIndex", Category: Array, Signature: "findIndex(list, predicate) → int",
			Description: "The index of the first item for which the predicate holds, or -1.",
			Example:     "findIndex([5, 7, 9], # > 6)", Result: "1"},
		&Function{Name: "findLast", Category: Array, Signature: "findLast(list, predicate) → any",
			Description: "The last item for which the predicate holds, or null.",
			Example:     "findLast([1, 2, 3], # < 3)", Result: "2"},
		&Function{Name: "findLastIndex", Category: Array, Signature: "findLastIndex(list, predicate) → int",
			Description: "The index of the last item for which the predicate holds, or -1.",
			Example:     "findLastIndex([1, 2, 3], # < 3)", Result: "1"},
		&Function{Name: "count", Category: Array, Signature: "count(list, predicate?) → int",
			Description: "How many items the predicate holds for (without one: how many are true).",
			Example:     "count([1, 2, 3], # > 1)", Result: "2"},
		&Function{Name: "sum", Category: Array, Signature: "sum(list, expression?) → number",
			Description: "The sum of the items, or of the expression's value for each item.",
			Example:     "sum([{price: 2}, {price: 3.5}], .price)", Result: "5.5"},
		&Function{Name: "groupBy", Category: Array, Signature: "groupBy(list, expression) → object",
			Description: "The items grouped by the expression's value, written as text: one list per key, items in order.",
			Example:     "groupBy([1, 2, 3, 4], # % 2 == 0 ? 'even' : 'odd')", Result: `{"even":[2,4],"odd":[1,3]}`},
		&Function{Name: "sortBy", Category: Array, Signature: "sortBy(list, expression, order?) → list",
			Description: "The items sorted by the expression's value (numbers, texts, timestamps or durations; a null first), keeping the order of equal ones; order is 'asc' (the default) or 'desc', the reverse (nulls last).",
			Example:     "sortBy([{n: 'b'}, {n: 'c'}, {n: 'a'}], .n, 'desc')", Result: `[{"n":"c"},{"n":"b"},{"n":"a"}]`},
		&Function{Name: "reduce", Category: Array, Signature: "reduce(list, expression, initial?) → any",
			Description: "Folds the list: the expression sees the value so far as #acc and the item as #.",
			Example:     "reduce([1, 2, 3], #acc + #, 10)", Result: "16"},
		&Function{Name: "first", Category: Array, Signature: "first(list) → any",
			Description: "The first item, or null for an empty list.",
			Example:     "first([4, 5, 6])", Result: "4"},
		&Function{Name: "last", Category: Array, Signature: "last(list) → any",
			Description: "The last item, or null for an empty list.",
			Example:     "last([4, 5, 6])", Result: "6"},
		&Function{Name: "take", Category: Array, Signature: "take(list, n) → list",
			Description: "The first n items (all of them when there are fewer).",
			Example:     "take([4, 5, 6], 2)", Result: "[4,5]"},
		&Function{Name: "reverse", Category: Array, Signature: "reverse(list) → list",
			Description: "The items in reverse order.",
			Example:     "reverse([1, 2, 3])", Result: "[3,2,1]"},
		&Function{Name: "uniq", Category: Array, Signature: "uniq(list) → list",
			Description: "The items without repeats, each where it first appears.",
			Example:     "uniq([1, 2, 1, 3, 2])", Result: "[1,2,3]"},
		&Function{Name: "concat", Category: Array, Signature: "concat(list, list, …) → list",
			Description: "The lists joined one after another.",
			Example:     "concat([1, 2], [3], [])", Result: "[1,2,3]"},
		&Function{Name: "flatten", Category: Array, Signature: "flatten(list) → list",
			Description: "The items of nested lists, at any depth, in one list.",
			Example:     "flatten([1, [2, [3, 4]]])", Result: "[1,2,3,4]"},
		&Function{Name: "sort", Category: Array, Signature: "sort(list, order?) → list",
			Description: "The numbers, texts, timestamps or durations sorted, nulls first; order is 'asc' (the default) or 'desc', the reverse (nulls last); for objects: sortBy.",
			Example:     "sort([3, 1, 2], 'desc')", Result: "[3,2,1]",
			Func: sortFunc, Types: []any{new(func(any) []any), new(func(any, string) []any)}},
		&Function{Name: "join", Category: Array, Signature: "join(list, separator?) → text",
			Description: "The texts, numbers and bools of the list joined with the separator (none by default); a null is an empty text.",
			Example:     "join(['a', 'b', 'c'], ', ') + ' / ' + join([7, 2.5, true, nil], '-')", Result: `"a, b, c / 7-2.5-true-"`,
			Func: joinFunc, Types: []any{new(func(any) string), new(func(any, string) string)}},
		&Function{Name: "len", Category: Array, Signature: "len(value) → int",
			Description: "The number of items of a list or object, or of characters of a text.",
			Example:     "len([1, 2, 3]) + len({a: 1}) + len('été')", Result: "7"},
		&Function{Name: "get", Category: Array, Signature: "get(listOrObject, indexOrKey) → any",
			Description: "The item at an index or the value at a key, or null when there is none (where [ ] would fail).",
			Example:     "get([1, 2], 5) ?? get({a: 1}, 'a')", Result: "1"},

		// Objects.
		&Function{Name: "keys", Category: Object, Signature: "keys(object) → list",
			Description: "The object's keys, sorted.",
			Example:     "keys({b: 1, a: 2, c: 3})", Result: `["a","b","c"]`,
			Func: keysFunc, Types: []any{new(func(any) []any)}},
		&Function{Name: "values", Category: Object, Signature: "values(object) → list",
			Description: "The object's values, in the order of its sorted keys.",
			Example:     "values({b: 1, a: 2, c: 3})", Result: "[2,1,3]",
			Func: valuesFunc, Types: []any{new(func(any) []any)}},
		&Function{Name: "toPairs", Category: Object, Signature: "toPairs(object) → list",
			Description: "The object as [key, value] pairs, sorted by key.",
			Example:     "toPairs({b: 1, a: 2})", Result: `[["a",2],["b",1]]`,
			Func: toPairsFunc, Types: []any{new(func(any) []any)}},
		&Function{Name: "fromPairs", Category: Object, Signature: "fromPairs(list) → object",
			Description: "An object made of [key, value] pairs (a later pair wins).",
			Example:     "fromPairs([['a', 1], ['b', 2]])", Result: `{"a":1,"b":2}`,
			Func: fromPairsFunc, Types: []any{new(func(any) map[string]any)}},

		// Text.
		&Function{Name: "trim", Category: Text, Signature: "trim(text, characters?) → text",
			Description: "The text without the spaces (or the given characters) at both ends.",
			Example:     "trim('  hi  ') + trim('--hi--', '-')", Result: `"hihi"`},
		&Function{Name: "trimPrefix", Category: Text, Signature: "trimPrefix(text, prefix) → text",
			Description: "The text without the prefix, when it starts with it.",
			Example:     "trimPrefix('v1.2', 'v')", Result: `"1.2"`},
		&Function{Name: "trimSuffix", Category: Text, Signature: "trimSuffix(text, suffix) → text",
			Description: "The text without the suffix, when it ends with it.",
			Example:     "trimSuffix('report.json', '.json')", Result: `"report"`},
		&Function{Name: "upper", Category: Text, Signature: "upper(text) → text",
			Description: "The text in upper case.",
			Example:     "upper('Crème')", Result: `"CRÈME"`},
		&Function{Name: "lower", Category: Text, Signature: "lower(text) → text",
			Description: "The text in lower case.",
			Example:     "lower('Crème')", Result: `"crème"`},
		&Function{Name: "split", Category: Text, Signature: "split(text, separator, n?) → list",
			Description: "The parts of the text between separators (at most n parts when n is given).",
			Example:     "split('a,b,c', ',')", Result: `["a","b","c"]`,
			Func: splitFunc("split", strings.SplitN), Types: splitTypes},
		&Function{Name: "splitAfter", Category: Text, Signature: "splitAfter(text, separator, n?) → list",
			Description: "The text cut after each separator, which the parts keep.",
			Example:     "splitAfter('a,b,c', ',')", Result: `["a,","b,","c"]`,
			Func: splitFunc("splitAfter", strings.SplitAfterN), Types: splitTypes},
		&Function{Name: "replace", Category: Text, Signature: "replace(text, old, new) → text",
			Description: "The text with every old part replaced by new (see regexReplace for patterns).",
			Example:     "replace('a-b-c', '-', '+')", Result: `"a+b+c"`},
		&Function{Name: "repeat", Category: Text, Signature: "repeat(text, n) → text",
			Description: "The text n times.",
			Example:     "repeat('ab', 3)", Result: `"ababab"`},
		&Function{Name: "indexOf", Category: Text, Signature: "indexOf(text, part) → int",
			Description: "The position of the first part in the text, in characters, or -1.",
			Example:     "indexOf('crème brûlée', 'b')", Result: "6",
			Func: indexOfFunc("indexOf", strings.Index), Types: indexOfTypes},
		&Function{Name: "lastIndexOf", Category: Text, Signature: "lastIndexOf(text, part) → int",
			Description: "The position of the last part in the text, in characters, or -1.",
			Example:     "lastIndexOf('été', 'é')", Result: "2",
			Func: indexOfFunc("lastIndexOf", strings.LastIndex), Types: indexOfTypes},
		&Function{Name: "hasPrefix", Category: Text, Signature: "hasPrefix(text, prefix) → bool",
			Description: "Whether the text starts with the prefix (also: text startsWith prefix).",
			Example:     "hasPrefix('hello', 'he')", Result: "true"},
		&Function{Name: "hasSuffix", Category: Text, Signature: "hasSuffix(text, suffix) → bool",
			Description: "Whether the text ends with the suffix (also: text endsWith suffix).",
			Example:     "hasSuffix('hello', 'lo')", Result: "true"},

		// Math.
		&Function{Name: "abs", Category: Math, Signature: "abs(number) → number",
			Description: "The number without its sign.",
			Example:     "abs(-3)", Result: "3"},
		&Function{Name: "ceil", Category: Math, Signature: "ceil(number) → decimal",
			Description: "The least whole number not below it.",
			Example:     "ceil(1.2)", Result: "2"},
		&Function{Name: "floor", Category: Math, Signature: "floor(number) → decimal",
			Description: "The greatest whole number not above it.",
			Example:     "floor(1.8)", Result: "1"},
		&Function{Name: "round", Category: Math, Signature: "round(number, decimals?) → number",
			Description: "The number rounded to that many digits after the point (0 to 20; none: a whole number), halves away from zero, on the digits the number shows: round(1.005, 2) is 1.01. A decimal stays exact (formatNumber gives text).",
			Example:     "round(2.345, 2)", Result: "2.35"},
		&Function{Name: "max", Category: Math, Signature: "max(number, …) → number",
			Description: "The greatest of the numbers, or of the numbers of a list.",
			Example:     "max(3, 7, 5)", Result: "7"},
		&Function{Name: "min", Category: Math, Signature: "min(number, …) → number",
			Description: "The least of the numbers, or of the numbers of a list.",
			Example:     "min([3, 7, 5])", Result: "3"},
		&Function{Name: "mean", Category: Math, Signature: "mean(list) → decimal",
			Description: "The average of the numbers.",
			Example:     "mean([1, 2, 3, 4])", Result: "2.5"},
		&Function{Name: "median", Category: Math, Signature: "median(list) → decimal",
			Description: "The middle number once sorted (the mean of the two middle ones for an even count).",
			Example:     "median([3, 1, 4, 2])", Result: "2.5"},
		&Function{Name: "bitand", Category: Math, Signature: "bitand(int, int) → int",
			Description: "The bits set in both.",
			Example:     "bitand(12, 10)", Result: "8"},
		&Function{Name: "bitor", Category: Math, Signature: "bitor(int, int) → int",
			Description: "The bits set in either.",
			Example:     "bitor(12, 10)", Result: "14"},
		&Function{Name: "bitxor", Category: Math, Signature: "bitxor(int, int) → int",
			Description: "The bits set in exactly one.",
			Example:     "bitxor(12, 10)", Result: "6"},
		&Function{Name: "bitnand", Category: Math, Signature: "bitnand(int, int) → int",
			Description: "The bits of the first not set in the second (a AND NOT b).",
			Example:     "bitnand(12, 10)", Result: "4"},
		&Function{Name: "bitnot", Category: Math, Signature: "bitnot(int) → int",
			Description: "Every bit flipped.",
			Example:     "bitnot(0)", Result: "-1"},
		&Function{Name: "bitshl", Category: Math, Signature: "bitshl(int, n) → int",
			Description: "The bits shifted n places left.",
			Example:     "bitshl(1, 4)", Result: "16"},
		&Function{Name: "bitshr", Category: Math, Signature: "bitshr(int, n) → int",
			Description: "The bits shifted n places right, keeping the sign.",
			Example:     "bitshr(-16, 2)", Result: "-4"},
		&Function{Name: "bitushr", Category: Math, Signature: "bitushr(int, n) → int",
			Description: "The bits shifted n places right, filling with zeros.",
			Example:     "bitushr(16, 2)", Result: "4"},

		// Types and conversions.
		&Function{Name: "type", Category: Type, Signature: "type(value) → text",
			Description: "The value's type: 'int', 'float', 'decimal' (exact, as decimal inputs and columns are), 'string', 'bool', 'array', 'map', 'timestamp', 'duration' or 'nil'.",
			Example:     "[type(1), type(1.5), type('a'), type([]), type({}), type(now()), type(nil)]",
			Result:      `["int","float","string","array","map","timestamp","nil"]`,
			Func:        typeFunc, Types: []any{new(func(any) string)}},
		&Function{Name: "int", Category: Type, Signature: "int(value) → int",
			Description: "A number, or a text holding one (spaces around it ignored), as a whole number: the fraction is cut off, toward zero.",
			Example:     "int(' 42.9 ') + int(-3.9)", Result: "39"},
		&Function{Name: "float", Category: Type, Signature: "float(value) → number",
			Description: "A number, or a text holding one, as a binary floating-point number (not exact: use decimal(x) for money).",
			Example:     "float('1.5')", Result: "1.5"},
		&Function{Name: "string", Category: Type, Signature: "string(value) → text",
			Description: "The value as text: numbers as written, timestamps in RFC 3339, lists and objects as JSON.",
			Example:     "string(42) + ' ' + string(date('2026-03-01')) + ' ' + string({a: [1]})",
			Result:      `"42 2026-03-01T00:00:00Z {\"a\":[1]}"`,
			Func:        stringFunc, Types: []any{new(func(any) string)}},
		&Function{Name: "toJSON", Category: Type, Signature: "toJSON(value) → text",
			Description: "The value as compact JSON text, keys sorted.",
			Example:     "toJSON({b: [1, 'x'], a: nil})", Result: `"{\"a\":null,\"b\":[1,\"x\"]}"`,
			Func: toJSONFunc, Types: []any{new(func(any) string)}},
		&Function{Name: "fromJSON", Category: Type, Signature: "fromJSON(text) → any",
			Description: "The value a JSON text holds; whole numbers come out as ints.",
			Example:     "fromJSON('{\"n\": 4, \"tags\": [\"a\"]}').n % 3", Result: "1",
			Func: fromJSONFunc, Types: []any{new(func(string) any)}},

		// Time.
		&Function{Name: "now", Category: Time, Signature: "now(timezone?) → timestamp",
			Description: "The current time, in UTC (or in a timezone(...)); string(now()) is RFC 3339.",
			Example:     "now()", Result: `"2026-03-01T12:00:00.123456789Z"`,
			Varies: `^"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z"$`,
			Func:   nowFunc, Types: []any{new(func() time.Time), new(func(*time.Location) time.Time)}},
		&Function{Name: "date", Category: Time, Signature: "date(text, layout?, timezone?) → timestamp",
			Description: "A timestamp read from text: RFC 3339 or YYYY-MM-DD by default, else a Go layout (see parseDate for readable layouts).",
			Example:     "date('2026-03-01T10:30:00+01:00')", Result: `"2026-03-01T10:30:00+01:00"`},
		&Function{Name: "duration", Category: Time, Signature: "duration(text) → duration",
			Description: "A length of time from text such as '90m' or '1h30m' (units ns, us, ms, s, m, h); .Hours(), .Minutes() read it.",
			Example:     "duration('90m').Hours()", Result: "1.5"},
		&Function{Name: "timezone", Category: Time, Signature: "timezone(name) → timezone",
			Description: "A timezone by its IANA name, for now() and date().",
			Example:     "date('2026-07-01', '2006-01-02', 'Europe/Paris') == date(timezone('Europe/Paris'), '2026-07-01')", Result: "true"},

		// Security and encodings.
		&Function{Name: "toBase64", Category: Security, Signature: "toBase64(text) → text",
			Description: "The text in standard Base64, with padding.",
			Example:     "toBase64('hi?')", Result: `"aGk/"`},
		&Function{Name: "fromBase64", Category: Security, Signature: "fromBase64(text) → text",
			Description: "The text a standard Base64 text holds.",
			Example:     "fromBase64('aGk/')", Result: `"hi?"`},
	)
}

// keysFunc is keys(object), its keys sorted.
func keysFunc(args ...any) (any, error) {
	return bySortedKey("keys", args, "keys({b: 1, a: 2})", func(k string, _ any) any { return k })
}

// valuesFunc is values(object), in the order of its sorted keys.
func valuesFunc(args ...any) (any, error) {
	return bySortedKey("values", args, "values({b: 1, a: 2})", func(_ string, v any) any { return v })
}

// toPairsFunc is toPairs(object): [key, value] pairs sorted by key.
func toPairsFunc(args ...any) (any, error) {
	return bySortedKey("toPairs", args, "toPairs({b: 1, a: 2})", func(k string, v any) any { return []any{k, v} })
}

// bySortedKey is the list of item(key, value) for each entry of fn's one
// object argument, in the order of the keys.
func bySortedKey(fn string, args []any, example string, item func(k string, v any) any) (any, error) {
	m, err := objectArg(fn, args, example)
	if err != nil {
		return nil, err
	}
	keys := sortedKeys(m)
	out := make([]any, len(keys))
	for i, k := range keys {
		out[i] = item(k, m[k])
	}
	return out, nil
}

// objectArg is the one object argument of fn.
func objectArg(fn string, args []any, example string) (map[string]any, error) {
	if err := arity(fn, args, 1, 1, "one object, e.g. "+example); err != nil {
		return nil, err
	}
	if m, ok := args[0].(map[string]any); ok {
		return m, nil
	}
	if reflect.ValueOf(args[0]).Kind() == reflect.Map { // a value Plain has not seen yet
		p, err := Plain(args[0])
		if err != nil {
			return nil, fmt.Errorf("%s: %v", fn, err)
		}
		return p.(map[string]any), nil
	}
	return nil, argError(fn, "the argument", "an object", example, args[0])
}

// fromPairsFunc is fromPairs(list of [key, value]).
func fromPairsFunc(args ...any) (any, error) {
	const example = "fromPairs([['a', 1], ['b', 2]])"
	if err := arity("fromPairs", args, 1, 1, "one list of [key, value] pairs, e.g. "+example); err != nil {
		return nil, err
	}
	pairs, err := list("fromPairs", "the argument", args[0], example)
	if err != nil {
		return nil, err
	}
	out := make(map[string]any, len(pairs))
	for i, p := range pairs {
		pair, ok := p.([]any)
		if !ok || len(pair) != 2 {
			return nil, argError("fromPairs", fmt.Sprintf("item %d", i), "a [key, value] pair", example, p)
		}
		k, err := keyText(pair[0])
		if err != nil {
			return nil, fmt.Errorf("fromPairs: item %d: %v", i, err)
		}
		out[k] = pair[1]
	}
	return out, nil
}

var indexOfTypes = []any{new(func(string, string) int)}

// indexOfFunc is indexOf or lastIndexOf: the position in characters, as
// len counts them and [from:to] slices (expr's counted bytes: 6 for the b
// of 'crème brûlée').
func indexOfFunc(fn string, index func(s, part string) int) func(args ...any) (any, error) {
	example := fn + "(email, '@')"
	return func(args ...any) (any, error) {
		if err := arity(fn, args, 2, 2, "a text and the part to find, e.g. "+example); err != nil {
			return nil, err
		}
		s, err := text(fn, "the first argument", args[0], example)
		if err != nil {
			return nil, err
		}
		part, err := text(fn, "the part", args[1], example)
		if err != nil {
			return nil, err
		}
		i := index(s, part)
		if i < 0 {
			return -1, nil
		}
		return utf8.RuneCountInString(s[:i]), nil
	}
}

var splitTypes = []any{new(func(string, string) []any), new(func(string, string, any) []any)}

// splitFunc is split or splitAfter: the parts as a list of any, bounded
// by MaxItems.
func splitFunc(fn string, cut func(s, sep string, n int) []string) func(args ...any) (any, error) {
	example := fn + "('a,b', ',')"
	return func(args ...any) (any, error) {
		if err := arity(fn, args, 2, 3, "a text, a separator and an optional count, e.g. "+example); err != nil {
			return nil, err
		}
		s, err := text(fn, "the text", args[0], example)
		if err != nil {
			return nil, err
		}
		sep, err := text(fn, "the separator", args[1], example)
		if err != nil {
			return nil, err
		}
		n := -1
		if len(args) == 3 {
			var ok bool
			if n, ok = whole(args[2]); !ok {
				return nil, argError(fn, "the count", "a whole number", fn+"('a,b,c', ',', 2)", args[2])
			}
		}
		if (n < 0 || n > MaxItems) && strings.Count(s, sep) >= MaxItems {
			return nil, errItemsLimit(fn, "cutting this text")
		}
		parts := cut(s, sep, n)
		out := make([]any, len(parts))
		for i, p := range parts {
			out[i] = p
		}
		return out, nil
	}
}

// stringFunc is string(value): expr's, but timestamps in RFC 3339 (never
// Go's form with its monotonic clock reading, m=+0.09), lists and objects
// as JSON, null as "null".
func stringFunc(args ...any) (any, error) {
	if err := arity("string", args, 1, 1, "one value, e.g. string(42)"); err != nil {
		return nil, err
	}
	switch x := args[0].(type) {
	case string:
		return x, nil
	case nil:
		return "null", nil
	case time.Time:
		return x.Format(time.RFC3339Nano), nil
	case map[string]any, []any:
		return toJSONFunc(x)
	}
	switch reflect.ValueOf(args[0]).Kind() {
	case reflect.Map, reflect.Slice, reflect.Array:
		return toJSONFunc(args[0])
	}
	return fmt.Sprintf("%v", args[0]), nil
}

// toJSONFunc is toJSON(value): compact JSON, keys sorted, < > & as they
// are (expr's indents it, and cannot write what groupBy makes).
func toJSONFunc(args ...any) (any, error) {
	if err := arity("toJSON", args, 1, 1, "one value, e.g. toJSON({a: 1})"); err != nil {
		return nil, err
	}
	v, err := Plain(args[0])
	if err != nil {
		return nil, fmt.Errorf("toJSON: %v", err)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("toJSON: the value cannot be written as JSON: %v", err)
	}
	if buf.Len() > MaxTextBytes+1 {
		return nil, errTextLimit("toJSON", "the value")
	}
	return strings.TrimSuffix(buf.String(), "\n"), nil
}

// fromJSONFunc is fromJSON(text), numbers as a request's are: an int when
// whole and within int's range, else a decimal.
func fromJSONFunc(args ...any) (any, error) {
	const example = `fromJSON('{"a": 1}')`
	s, err := oneText("fromJSON", args, example)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			err = errors.New("unexpected end of JSON input")
		}
		return nil, fmt.Errorf("fromJSON: the text is not JSON: %v", err)
	}
	if dec.More() {
		return nil, fmt.Errorf("fromJSON: the text holds more than one JSON value")
	}
	return Numbers(v), nil
}

// nowFunc is now() and now(timezone): the current time without Go's
// monotonic clock reading, in UTC unless a timezone is given.
func nowFunc(args ...any) (any, error) {
	switch len(args) {
	case 0:
		return time.Now().UTC(), nil
	case 1:
		if tz, ok := args[0].(*time.Location); ok {
			return time.Now().In(tz), nil
		}
		return nil, argError("now", "the argument", "a timezone", "now(timezone('Europe/Paris'))", args[0])
	}
	return nil, fmt.Errorf("now takes no argument or a timezone, e.g. now(timezone('Europe/Paris')); got %d arguments", len(args))
}

// typeFunc is type(value): expr's, but the engine's own values by their
// names in the docs (expr named a decimal
// "github.com/funcstack/funcstack/engine/value.Decimal" and a timestamp
// "time.Time").
func typeFunc(args ...any) (any, error) {
	if err := arity("type", args, 1, 1, "one value, e.g. type(input.x)"); err != nil {
		return nil, err
	}
	switch args[0].(type) {
	case exactDecimal:
		return "decimal", nil
	case time.Time:
		return "timestamp", nil
	case time.Duration:
		return "duration", nil
	case *time.Location:
		return "timezone", nil
	}
	return builtin.Type(args[0]), nil
}

// sortFunc is sort(list, order?): expr's, but decimals sort among the
// other numbers (expr's < refused them), nulls sort first (last in 'desc',
// the reverse order), and a list of items that cannot be compared
// (objects, a text among numbers) is an error naming the item and saying
// what to use, not "invalid operation: string < int".
func sortFunc(args ...any) (any, error) {
	const example = "sort(input.prices, 'desc')"
	if err := arity("sort", args, 1, 2, "a list and an optional order, 'asc' or 'desc', e.g. "+example); err != nil {
		return nil, err
	}
	items, err := list("sort", "the list", args[0], example)
	if err != nil {
		return nil, err
	}
	desc, err := sortOrder("sort", args, 1, example)
	if err != nil {
		return nil, err
	}
	if err := sortable("sort", "item", "items", items, func(i int) any { return items[i] }); err != nil {
		return nil, err
	}
	out := slices.Clone(items)
	slices.SortStableFunc(out, func(a, b any) int {
		c := compareSortable(a, b)
		if desc {
			return -c
		}
		return c
	})
	return out, nil
}

// sortOrder reads the order argument args[i]: false for 'asc' (or none),
// true for 'desc'.
func sortOrder(fn string, args []any, i int, example string) (bool, error) {
	if len(args) <= i {
		return false, nil
	}
	order, _ := args[i].(string)
	if order != "asc" && order != "desc" {
		return false, argError(fn, "the order", "'asc' or 'desc'", example, args[i])
	}
	return order == "desc", nil
}

// sortable checks that the values key(i) of the items can be compared:
// of one sortKind, nulls among any.
func sortable(fn, what, plural string, items []any, key func(i int) any) error {
	kind := ""
	for i := range items {
		v := key(i)
		k := sortKind(v)
		switch {
		case k == "":
			hint := ""
			if reflect.ValueOf(v).Kind() == reflect.Map && fn == "sort" {
				hint = "; to sort objects by a field, use sortBy(list, .field)"
			}
			return fmt.Errorf("%s: %s %d is %s; %s takes numbers, texts, timestamps or durations%s", fn, what, i, describe(v), fn, hint)
		case k == "null":
		case kind == "":
			kind = k
		case k != kind:
			return fmt.Errorf("%s: %s %d is %s among %ss; %s takes %s of one kind: numbers, texts, timestamps or durations", fn, what, i, describe(v), kind, fn, plural)
		}
	}
	return nil
}

// SortBy is sortBy(list, key, order?) once the keys are computed: pairs
// holds [item, key] for each item (the engine rewrites sortBy(l, .k, o)
// into _sortBy(map(l, [#, .k]), o)). Items are sorted by their keys,
// stably; a null key sorts first (last in 'desc', the reverse order);
// keys of two kinds are an error naming the item.
func SortBy(args ...any) (any, error) {
	const example = "sortBy(users, .name, 'desc')"
	if len(args) < 1 || len(args) > 2 {
		return nil, fmt.Errorf("sortBy takes a list, a key and an optional order, 'asc' or 'desc', e.g. %s", example)
	}
	pairs, ok := args[0].([]any)
	if !ok {
		return nil, argError("sortBy", "the list", "a list", example, args[0])
	}
	desc, err := sortOrder("sortBy", args, 1, example)
	if err != nil {
		return nil, err
	}
	keyOf := func(p any) any {
		if kv, ok := p.([]any); ok && len(kv) == 2 {
			return kv[1]
		}
		return nil
	}
	if err := sortable("sortBy", "the key of item", "keys", pairs, func(i int) any { return keyOf(pairs[i]) }); err != nil {
		return nil, err
	}
	sorted := slices.Clone(pairs)
	slices.SortStableFunc(sorted, func(a, b any) int {
		c := compareSortable(keyOf(a), keyOf(b))
		if desc {
			return -c
		}
		return c
	})
	out := make([]any, len(sorted))
	for i, p := range sorted {
		if kv, ok := p.([]any); ok && len(kv) == 2 {
			out[i] = kv[0]
		}
	}
	return out, nil
}

// sortKind is what sort compares v as: "number", "text", "timestamp",
// "duration", "null", or "" when it cannot.
func sortKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case int, int64, int32, float64, exactDecimal:
		return "number"
	case string:
		return "text"
	case time.Time:
		return "timestamp"
	case time.Duration:
		return "duration"
	}
	return ""
}

// compareSortable compares two values of one sortKind, or a null with
// anything (a null is less): ints exactly, other numbers by their
// nearest floats.
func compareSortable(a, b any) int {
	if a == nil || b == nil {
		return cmp.Compare(boolInt(a != nil), boolInt(b != nil))
	}
	switch x := a.(type) {
	case string:
		return strings.Compare(x, b.(string))
	case time.Time:
		return x.Compare(b.(time.Time))
	case time.Duration:
		return cmp.Compare(x, b.(time.Duration))
	}
	if x, ok := a.(int); ok {
		if y, ok := b.(int); ok {
			return cmp.Compare(x, y)
		}
	}
	fa, _, _ := number("sort", "", a, "")
	fb, _, _ := number("sort", "", b, "")
	return cmp.Compare(fa, fb)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// joinFunc is join(list, separator?): expr's, but numbers and bools are
// written as string() writes them and a null as nothing (expr's failed
// with "interface conversion: interface {} is int, not string": joining
// ids is what a Xano user does first); a list or object in it is an error
// naming the item.
func joinFunc(args ...any) (any, error) {
	const example = "join(map(items, .name), ', ')"
	if err := arity("join", args, 1, 2, "a list and an optional separator, e.g. "+example); err != nil {
		return nil, err
	}
	items, err := list("join", "the list", args[0], example)
	if err != nil {
		return nil, err
	}
	sep := ""
	if len(args) == 2 {
		if sep, err = text("join", "the separator", args[1], example); err != nil {
			return nil, err
		}
	}
	var b strings.Builder
	for i, it := range items {
		if i > 0 {
			b.WriteString(sep)
		}
		switch x := it.(type) {
		case string:
			b.WriteString(x)
		case nil:
		case int, int64, int32, float64, bool, exactDecimal, time.Time:
			s, _ := stringFunc(x)
			b.WriteString(s.(string))
		default:
			return nil, fmt.Errorf("join: item %d is %s; join takes texts, numbers and bools, e.g. %s", i, describe(it), example)
		}
		if b.Len() > MaxTextBytes {
			return nil, errTextLimit("join", "joining this list")
		}
	}
	return b.String(), nil
}
