package engine_test

import (
	"encoding/json"
	"testing"
)

// TestTextSlicesAreCharacters: [from:to] slices a text by characters, as
// len counts them; expr sliced bytes ('été'[0:2] was "é", 'été'[1:2]
// half a character). Lists slice as before.
func TestTextSlicesAreCharacters(t *testing.T) {
	in := map[string]any{"rate": "été x", "n": 2, "price": json.Number("1")}
	for _, c := range []struct{ expr, want string }{
		{"'été'[0:2]", `"ét"`},
		{"'été'[1:2]", `"t"`},
		{"['été'[1:], 'été'[:-1], 'été'[-1:], 'été'[:], 'été'[5:9], 'été'[2:1], 'été'[-9:1]]", `["té","ét","é","été","","","é"]`},
		{"'hello'[1:3]", `"el"`},
		{"input.rate[0:3] + '|' + input.rate[input.n:]", `"été|é x"`},
		{"input.rate[input.price:]", `"té x"`},
		{"upper(input.rate[:1]) + input.rate[1:]", `"Été x"`},
		{"input.rate[indexOf(input.rate, 'x'):]", `"x"`},
		{"len(input.rate[1:])", "4"},
		{"[[1, 2, 3][1:], [1, 2, 3][:-1], fromJSON('[1, 2]')[1:]]", "[[2,3],[1,2],[2]]"},
		{"get({}, 'a')[1:]", "error: main: stack[0].value: cannot slice null: [from:to] takes a text or a list (1:13) in `get({}, 'a')[1:]`"},
		{"input.rate[input.rate:]", "error: main: stack[0].value: a slice's bounds are whole numbers, e.g. name[0:3]; got text (1:11) in `input.rate[input.rate:]`"},
	} {
		t.Run(c.expr, func(t *testing.T) {
			if got := runDecimalFn(t, c.expr, in); got != c.want {
				t.Errorf("%s\n got  %s\n want %s", c.expr, got, c.want)
			}
		})
	}
}
