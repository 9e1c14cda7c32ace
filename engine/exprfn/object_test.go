package exprfn

import (
	"testing"
)

func TestObjectFunctions(t *testing.T) {
	runCases(t, []exprCase{
		{src: "merge({a: 1}, {a: 2, b: 3})", want: map[string]any{"a": 2, "b": 3}},
		{src: "merge()", want: map[string]any{}},
		{src: "merge(nul, o)", want: map[string]any{"a": 1}},
		{src: "merge(o, l)", err: "merge: argument 2 must be an object, e.g. merge(defaults, input); got a list"},
		{src: "let m = merge(o, {b: 2}); o", want: map[string]any{"a": 1}}, // o is left as it was
		{src: "pick({a: 1, b: 2, c: 3}, ['a', 'c', 'z'])", want: map[string]any{"a": 1, "c": 3}},
		{src: "pick({a: 1, b: 2}, 'b')", want: map[string]any{"b": 2}},
		{src: "pick({a: 1}, [])", want: map[string]any{}},
		{src: "pick({a: 1}, [1])", err: "pick: key 0 must be text, e.g. pick(user, ['id', 'name']); got int 1"},
		{src: "pick(l, ['a'])", err: "pick: the first argument must be an object, e.g. pick(user, ['id', 'name']); got a list"},
		{src: "pick(o, n)", err: "pick: the keys must be a list, e.g. pick(user, ['id', 'name']); got int 5"},
		{src: "omit({a: 1, b: 2, c: 3}, ['a', 'z'])", want: map[string]any{"b": 2, "c": 3}},
		{src: "omit({a: 1}, 'a')", want: map[string]any{}},
		{src: "entries({b: [1], a: nil})", want: []any{map[string]any{"key": "a", "value": nil}, map[string]any{"key": "b", "value": []any{1}}}},
		{src: "entries({})", want: []any{}},
		{src: "entries(l)", err: "entries: the argument must be an object, e.g. entries({a: 1}); got a list"},
		{src: "fromEntries(entries({b: 2, a: 1}))", want: map[string]any{"a": 1, "b": 2}},
		{src: "fromEntries([['a', 1], {key: 'a', value: 2}, {key: 3}])", want: map[string]any{"a": 2, "3": nil}},
		{src: "fromEntries([{k: 1}])", err: "fromEntries: item 0 must be {key, value} or [key, value], e.g. fromEntries([{key: 'a', value: 1}]); got an object"},
		{src: "fromEntries([['a']])", err: "fromEntries: item 0 must be {key, value} or [key, value], e.g. fromEntries([{key: 'a', value: 1}]); got a list"},
		{src: "fromEntries([[[1], 2]])", err: "fromEntries: item 0: an object key is a list; keys must be text or numbers"},
		{src: "fromEntries(o)", err: "fromEntries: the argument must be a list, e.g. fromEntries([{key: 'a', value: 1}]); got an object"},

		{src: "append([1], 2, 3)", want: []any{1, 2, 3}},
		{src: "append(nul, 1)", want: []any{1}},
		{src: "append(1..2, 3)", want: []any{1, 2, 3}},
		{src: "append(o, 1)", err: "append: the first argument must be a list, e.g. append(ids, id); got an object"},
		{src: "append(n, 1)", err: "append: the first argument must be a list, e.g. append(ids, id); got int 5"},
		{src: "append(l)", err: "compile: not enough arguments to call append"},
	})
}
