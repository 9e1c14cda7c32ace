package store

import "testing"

// TestHasNUL: only an escaped NUL counts, not the text \u0000 (which once
// sent marshalJSON into endless recursion and the process into a stack
// overflow).
func TestHasNUL(t *testing.T) {
	for in, want := range map[string]bool{
		`"a\u0000b"`:       true,
		`"\\u0000"`:        false,
		`"\\\u0000"`:       true,
		`"\\\\u0000"`:      false,
		`"x\\u0000\u0000"`: true,
		`"plain"`:          false,
	} {
		if got := HasNUL([]byte(in)); got != want {
			t.Errorf("HasNUL(%s) = %v, want %v", in, got, want)
		}
	}
	b, err := marshalJSON(map[string]any{"t": `\u0000`, "n": "a\x00"})
	if err != nil || string(b) != `{"n":"a`+"\uFFFD"+`","t":"\\u0000"}` {
		t.Errorf("marshalJSON: %s %v", b, err)
	}
}
