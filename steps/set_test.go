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
		{name: "outer variable from inside a loop", defs: []string{mainFn(`[
			{"type": "var", "name": "s", "value": "''"},
			{"type": "foreach", "items": "['a', 'b', 'c']", "as": "x", "steps": [
				{"type": "set", "name": "s", "value": "s + x"}]}]`, "s")}, want: `"abc"`},
	})
}
