package exprfn

import (
	"testing"
)

// TestBuiltinStandIns checks the functions that stand in for expr's
// builtins of the same name: same answers, but a stable order and values
// that can be stored (issue 15, item 6).
func TestBuiltinStandIns(t *testing.T) {
	runCases(t, []exprCase{
		{src: "keys({c: 1, a: 2, b: 3, e: 4, d: 5})", want: []any{"a", "b", "c", "d", "e"}},
		{src: "values({c: 1, a: 2, b: 3, e: 4, d: 5})", want: []any{2, 3, 1, 5, 4}},
		{src: "toPairs({b: 1, a: 2})", want: []any{[]any{"a", 2}, []any{"b", 1}}},
		{src: "keys(groupBy([1, 2, 3], # % 2))", want: []any{"0", "1"}},
		{src: "keys(l)", err: "keys: the argument must be an object, e.g. keys({b: 1, a: 2}); got a list"},
		{src: "fromPairs([['a', 1], ['b', 2], ['a', 3]])", want: map[string]any{"a": 3, "b": 2}},
		{src: "fromPairs([[1, 'x'], [true, 'y'], [nil, 'z'], [2.5, 'w']])", want: map[string]any{"1": "x", "true": "y", "null": "z", "2.5": "w"}},
		{src: "fromPairs(toPairs({a: 1}))", want: map[string]any{"a": 1}},
		{src: "fromPairs([[1, 2, 3]])", err: "fromPairs: item 0 must be a [key, value] pair, e.g. fromPairs([['a', 1], ['b', 2]]); got a list"},
		{src: "fromPairs([[{}, 1]])", err: "fromPairs: item 0: an object key is an object; keys must be text or numbers"},
		{src: "fromPairs(o)", err: "fromPairs: the argument must be a list, e.g. fromPairs([['a', 1], ['b', 2]]); got an object"},
		{src: "split('a,b,,c', ',')", want: []any{"a", "b", "", "c"}},
		{src: "split('a,b,c', ',', 2)", want: []any{"a", "b,c"}},
		{src: "split('abc', '')", want: []any{"a", "b", "c"}},
		{src: "split('', ',')", want: []any{""}},
		{src: "splitAfter('a,b', ',')", want: []any{"a,", "b"}},
		{src: "split(long, '')", err: "split: cutting this text would make more than 1000000 items (max_items)"},
		{src: "len(split(long, '', 3))", want: 3},
		{src: "split(n, ',')", err: "split: the text must be text, e.g. split('a,b', ','); got int 5"},
		{src: "split('a', ',', 1.5)", err: "split: the count must be a whole number, e.g. split('a,b,c', ',', 2); got decimal 1.5"},
		{src: "string(t)", want: "2026-03-01T14:05:09.123456789Z"},
		{src: "string(now()) matches '^\\\\d{4}-\\\\d\\\\d-\\\\d\\\\dT\\\\d\\\\d:\\\\d\\\\d:\\\\d\\\\d(\\\\.\\\\d+)?Z$'", want: true},
		{src: "string(nul) + string(1.5) + string(true) + string(-3)", want: "null1.5true-3"},
		{src: "string({b: [1, 'x'], a: nil})", want: `{"a":null,"b":[1,"x"]}`},
		{src: "string(groupBy([1, 2], 'k'))", want: `{"k":[1,2]}`},
		{src: "string(1..3)", want: "[1,2,3]"},
		{src: "string(duration('90m'))", want: "1h30m0s"},
		{src: "toJSON({url: 'a<b>&c', n: [1, 2.5, nil]})", want: `{"n":[1,2.5,null],"url":"a<b>&c"}`},
		{src: "toJSON(groupBy(['a', 'b', 'a'], #))", want: `{"a":["a","a"],"b":["b"]}`},
		{src: "toJSON(t)", want: `"2026-03-01T14:05:09.123456789Z"`},
		{src: "toJSON(1.0 / 0)", err: "toJSON: the value cannot be written as JSON: json: unsupported value: +Inf"},
		{src: "fromJSON('{\"a\": [1, 2.5, 1e3, 12345678901234567890]}')", want: map[string]any{"a": []any{1, 2.5, 1000.0, 12345678901234567890.0}}},
		{src: "fromJSON('1') % 2", want: 1},
		{src: "fromJSON('{')", err: "fromJSON: the text is not JSON: unexpected end of JSON input"},
		{src: "fromJSON('1 2')", err: "fromJSON: the text holds more than one JSON value"},
		{src: "now().Location().String()", want: "UTC"},
		{src: "now(timezone('Asia/Tokyo')).Location().String()", want: "Asia/Tokyo"},
	})
}
