package steps_test

import "testing"

func TestSet(t *testing.T) {
	runCases(t, []stepCase{
		{name: "whole value", defs: []string{mainFn(`[
			{"type": "var", "name": "total", "value": "1"},
			{"type": "set", "name": "total", "value": "total + 5"}]`, "total")}, want: `6`},
		{name: "path a.b[0].c leaves other holders unchanged", defs: []string{mainFn(`[
			{"type": "var", "name": "obj", "value": "{a: {b: [{c: 1, d: 2}, {c: 3}]}, e: 'x'}"},
			{"type": "var", "name": "copy", "value": "obj"},
			{"type": "var", "name": "inner", "value": "obj.a.b"},
			{"type": "set", "name": "obj", "path": "a.b[0].c", "value": "9"}]`, "{obj: obj, copy: copy, inner: inner}")},
			want: `{"copy":{"a":{"b":[{"c":1,"d":2},{"c":3}]},"e":"x"},"inner":[{"c":1,"d":2},{"c":3}],"obj":{"a":{"b":[{"c":9,"d":2},{"c":3}]},"e":"x"}}`},
		{name: "path leaves input unchanged", defs: []string{fn("main", `[{"name": "o", "type": "json"}]`, `[
			{"type": "var", "name": "o", "value": "input.o"},
			{"type": "set", "name": "o", "path": "k", "value": "'new'"}]`, "{o: o, input: input.o}")},
			input: map[string]any{"o": map[string]any{"k": "old"}},
			want:  `{"input":{"k":"old"},"o":{"k":"new"}}`},
		{name: "path creates missing objects", defs: []string{mainFn(`[
			{"type": "var", "name": "o", "value": "{}"},
			{"type": "set", "name": "o", "path": "x.y", "value": "1"}]`, "o")}, want: `{"x":{"y":1}}`},
		{name: "path index past end", defs: []string{mainFn(`[
			{"type": "var", "name": "o", "value": "{a: [1]}"},
			{"type": "set", "name": "o", "path": "a[5]", "value": "1"}]`, "o")},
			wantErr: "main: stack[1].path: cannot set o.a[5]: index 5 is past the end of a list of 1 (execution exec-1)"},
		{name: "path index into an object", defs: []string{mainFn(`[
			{"type": "var", "name": "o", "value": "{a: {}}"},
			{"type": "set", "name": "o", "path": "a[0]", "value": "1"}]`, "o")},
			wantErr: "main: stack[1].path: cannot set o.a[0]: [0] needs a list, found an object (execution exec-1)"},
		{name: "path with a variable index", defs: []string{mainFn(`[
			{"type": "var", "name": "order", "value": "{items: [{qty: 1}, {qty: 2}, {qty: 3}]}"},
			{"type": "for", "count": "len(order.items)", "as": "i", "steps": [
				{"type": "set", "name": "order", "path": "items[i].qty", "value": "order.items[i].qty * 10"}]}]`, "order")},
			want: `{"items":[{"qty":10},{"qty":20},{"qty":30}]}`},
		{name: "path with a key from a variable creates missing keys", defs: []string{mainFn(`[
			{"type": "var", "name": "counts", "value": "{}"},
			{"type": "foreach", "items": "split('a b a c a', ' ')", "as": "word", "steps": [
				{"type": "set", "name": "counts", "path": "[word]", "value": "(counts[word] ?? 0) + 1"}]}]`, "counts")},
			want: `{"a":3,"b":1,"c":1}`},
		{name: "path with expressions, quotes and nested brackets", defs: []string{mainFn(`[
			{"type": "var", "name": "m", "value": "{rows: [[0, 0], [0, 0]]}"},
			{"type": "var", "name": "ix", "value": "[1, 0]"},
			{"type": "set", "name": "m", "path": "rows[ix[0]][ix[1] + 1]", "value": "7"},
			{"type": "set", "name": "m", "path": "['a]b'].c", "value": "1"},
			{"type": "set", "name": "m", "path": "rows[-1][0]", "value": "5"}]`, "m")},
			want: `{"a]b":{"c":1},"rows":[[0,0],[5,7]]}`},
		{name: "path index from an expression past the end", defs: []string{mainFn(`[
			{"type": "var", "name": "o", "value": "{a: [1]}"},
			{"type": "var", "name": "i", "value": "3"},
			{"type": "set", "name": "o", "path": "a[i - 1]", "value": "1"}]`, "o")},
			wantErr: "main: stack[2].path: cannot set o.a[2]: index 2 is past the end of a list of 1 (execution exec-1)"},
		{name: "path key that is no name", defs: []string{mainFn(`[
			{"type": "var", "name": "o", "value": "{l: []}"},
			{"type": "var", "name": "k", "value": "'a b'"},
			{"type": "set", "name": "o", "path": "[k].l[0]", "value": "1"}]`, "o")},
			wantErr: `main: stack[2].path: cannot set o["a b"].l[0]: [0] needs a list, found null (execution exec-1)`},
		{name: "path index before the start", defs: []string{mainFn(`[
			{"type": "var", "name": "o", "value": "[1, 2]"},
			{"type": "set", "name": "o", "path": "[-3]", "value": "1"}]`, "o")},
			wantErr: "main: stack[1].path: cannot set o[-3]: index -3 is before the start of a list of 2 (execution exec-1)"},
		{name: "path bracket that is neither index nor key", defs: []string{mainFn(`[
			{"type": "var", "name": "o", "value": "[1, 2]"},
			{"type": "set", "name": "o", "path": "[true]", "value": "1"}]`, "o")},
			wantErr: "main: stack[1].path: [true] gave a bool; a path takes a whole number (an index into a list) or text (a key of an object) in brackets (execution exec-1)"},
		{name: "append with quoted keys that are operators (issue 15)", defs: []string{mainFn(`[
			{"type": "var", "name": "l", "value": "[]"},
			{"type": "for", "count": "2", "as": "i", "steps": [
				{"type": "set", "name": "l", "value": "append(l, {'contains': i, 'in': [i], 'matches': 'x'}, i * 2)"}]}]`, "l")},
			want: `[{"contains":0,"in":[0],"matches":"x"},0,{"contains":1,"in":[1],"matches":"x"},2]`},
		{name: "append item failing names the whole expression", defs: []string{mainFn(`[
			{"type": "var", "name": "l", "value": "[]"},
			{"type": "set", "name": "l", "value": "append(l, l[3])"}]`, "l")},
			wantErr: "main: stack[1].value: index out of range: 3 (array length is 0) (1:12) in `append(l, l[3])` (execution exec-1)"},
		{name: "outer variable from inside a loop", defs: []string{mainFn(`[
			{"type": "var", "name": "s", "value": "''"},
			{"type": "foreach", "items": "['a', 'b', 'c']", "as": "x", "steps": [
				{"type": "set", "name": "s", "value": "s + x"}]}]`, "s")}, want: `"abc"`},
	})
}

func TestSetCompileErrors(t *testing.T) {
	wantDiagnostics(t, []diagCase{
		{name: "unknown name in brackets, placed in the path", stack: `[{"type": "var", "name": "o", "value": "{}"},
			{"type": "set", "name": "o", "path": "items[idx].qty", "value": "1"}]`,
			want: "error: main: stack[1].path: unknown name idx (1:7)"},
		{name: "unclosed bracket", stack: `[{"type": "var", "name": "o", "value": "{}"},
			{"type": "set", "name": "o", "path": "items[0.qty", "value": "1"}]`,
			want: `error: main: stack[1].path: path "items[0.qty": the [ at 6 has no ]`},
		{name: "stray bracket", stack: `[{"type": "var", "name": "o", "value": "{}"},
			{"type": "set", "name": "o", "path": "items]", "value": "1"}]`,
			want: `error: main: stack[1].path: path "items]": the ] at 6 has no [`},
		{name: "empty brackets", stack: `[{"type": "var", "name": "o", "value": "{}"},
			{"type": "set", "name": "o", "path": "items[ ]", "value": "1"}]`,
			want: "error: main: stack[1].path: the expression at 1:7 is empty"},
	})
}
