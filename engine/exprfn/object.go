package exprfn

import (
	"fmt"
)

func init() {
	register(
		&Function{Name: "append", Category: Array, Signature: "append(list, item, …) → list",
			Description: "A new list with the items added at the end; the list itself does not change.",
			Example:     "append([1, 2], 3, 4)", Result: "[1,2,3,4]",
			Func: appendFunc, Types: []any{new(func(any, any, ...any) []any)}},
		&Function{Name: "merge", Category: Object, Signature: "merge(object, object, …) → object",
			Description: "One object with the keys of all, a later object's value winning (null objects are skipped; not deep).",
			Example:     "merge({a: 1, b: 2}, {b: 3}, nil, {c: 4})", Result: `{"a":1,"b":3,"c":4}`,
			Func: mergeFunc, Types: []any{new(func(...any) map[string]any)}},
		&Function{Name: "pick", Category: Object, Signature: "pick(object, keys) → object",
			Description: "The object with only the given keys (a list of texts, or one text), those it has.",
			Example:     "pick({id: 1, name: 'Ann', password: 'x'}, ['id', 'name'])", Result: `{"id":1,"name":"Ann"}`,
			Func: pickFunc(true), Types: pickTypes},
		&Function{Name: "omit", Category: Object, Signature: "omit(object, keys) → object",
			Description: "The object without the given keys (a list of texts, or one text).",
			Example:     "omit({id: 1, name: 'Ann', password: 'x'}, 'password')", Result: `{"id":1,"name":"Ann"}`,
			Func: pickFunc(false), Types: pickTypes},
		&Function{Name: "entries", Category: Object, Signature: "entries(object) → list",
			Description: "The object as a list of {key, value} objects, sorted by key (for a foreach over an object).",
			Example:     "entries({b: 2, a: 1})", Result: `[{"key":"a","value":1},{"key":"b","value":2}]`,
			Func: entriesFunc, Types: []any{new(func(any) []any)}},
		&Function{Name: "fromEntries", Category: Object, Signature: "fromEntries(list) → object",
			Description: "An object made of {key, value} objects or [key, value] pairs (a later one wins).",
			Example:     "fromEntries([{key: 'a', value: 1}, ['b', 2]])", Result: `{"a":1,"b":2}`,
			Func: fromEntriesFunc, Types: []any{new(func(any) map[string]any)}},
	)
}

// appendFunc is append(list, item, ...): a new list with the items added
// at the end. The old list is left as it was, so variables that share it
// do not see the change.
func appendFunc(params ...any) (any, error) {
	const example = "append(ids, id)"
	if len(params) < 2 {
		return nil, fmt.Errorf("append needs a list and at least one item, e.g. %s", example)
	}
	var base []any
	if params[0] != nil {
		var err error
		if base, err = list("append", "the first argument", params[0], example); err != nil {
			return nil, err
		}
	}
	if len(base)+len(params)-1 > MaxItems {
		return nil, errItemsLimit("append", "adding to this list")
	}
	out := make([]any, len(base), len(base)+len(params)-1)
	copy(out, base)
	return append(out, params[1:]...), nil
}

func mergeFunc(args ...any) (any, error) {
	const example = "merge(defaults, input)"
	n := 0
	objects := make([]map[string]any, 0, len(args))
	for i, a := range args {
		if a == nil {
			continue
		}
		m, err := object("merge", fmt.Sprintf("argument %d", i+1), a, example)
		if err != nil {
			return nil, err
		}
		objects = append(objects, m)
		n += len(m)
	}
	if n > MaxItems {
		return nil, errItemsLimit("merge", "merging these objects")
	}
	out := make(map[string]any, n)
	for _, m := range objects {
		for k, v := range m {
			out[k] = v
		}
	}
	return out, nil
}

var pickTypes = []any{new(func(any, any) map[string]any)}

// pickFunc is pick (keep true) or omit.
func pickFunc(keep bool) func(args ...any) (any, error) {
	fn, example := "omit", "omit(user, ['password'])"
	if keep {
		fn, example = "pick", "pick(user, ['id', 'name'])"
	}
	return func(args ...any) (any, error) {
		if err := arity(fn, args, 2, 2, "an object and its keys, e.g. "+example); err != nil {
			return nil, err
		}
		m, err := object(fn, "the first argument", args[0], example)
		if err != nil {
			return nil, err
		}
		var keys []any
		if k, ok := args[1].(string); ok {
			keys = []any{k}
		} else if keys, err = list(fn, "the keys", args[1], example); err != nil {
			return nil, err
		}
		named := make(map[string]bool, len(keys))
		for i, k := range keys {
			s, ok := k.(string)
			if !ok {
				return nil, argError(fn, fmt.Sprintf("key %d", i), "text", example, k)
			}
			named[s] = true
		}
		out := map[string]any{}
		if keep {
			for k := range named {
				if v, ok := m[k]; ok {
					out[k] = v
				}
			}
			return out, nil
		}
		for k, v := range m {
			if !named[k] {
				out[k] = v
			}
		}
		return out, nil
	}
}

func entriesFunc(args ...any) (any, error) {
	return bySortedKey("entries", args, "entries({a: 1})", func(k string, v any) any { return map[string]any{"key": k, "value": v} })
}

func fromEntriesFunc(args ...any) (any, error) {
	const example = "fromEntries([{key: 'a', value: 1}])"
	if err := arity("fromEntries", args, 1, 1, "one list, e.g. "+example); err != nil {
		return nil, err
	}
	items, err := list("fromEntries", "the argument", args[0], example)
	if err != nil {
		return nil, err
	}
	out := make(map[string]any, len(items))
	for i, it := range items {
		var k, v any
		switch x := it.(type) {
		case map[string]any:
			key, hasKey := x["key"]
			if !hasKey || len(x) > 2 || (len(x) == 2 && !has(x, "value")) {
				return nil, argError("fromEntries", fmt.Sprintf("item %d", i), "{key, value} or [key, value]", example, it)
			}
			k, v = key, x["value"]
		case []any:
			if len(x) != 2 {
				return nil, argError("fromEntries", fmt.Sprintf("item %d", i), "{key, value} or [key, value]", example, it)
			}
			k, v = x[0], x[1]
		default:
			return nil, argError("fromEntries", fmt.Sprintf("item %d", i), "{key, value} or [key, value]", example, it)
		}
		key, err := keyText(k)
		if err != nil {
			return nil, fmt.Errorf("fromEntries: item %d: %v", i, err)
		}
		out[key] = v
	}
	return out, nil
}

func has(m map[string]any, k string) bool {
	_, ok := m[k]
	return ok
}
