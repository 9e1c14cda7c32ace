package engine_test

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/funcstack/funcstack/engine"
)

// TestRunLeavesItsInputUnchanged: a run converts the JSON numbers of its
// json and object inputs in a copy; the caller's input, which its
// execution record may share with the records writer, stays as given.
func TestRunLeavesItsInputUnchanged(t *testing.T) {
	e := load(t, engine.Config{}, `{"kind": "function", "name": "echo",
		"input": [{"name": "doc", "type": "json"}, {"name": "obj", "type": "object"}, {"name": "plain", "type": "json"}],
		"stack": [], "response": "input"}`)
	input := func() map[string]any {
		return map[string]any{
			"doc":   map[string]any{"n": json.Number("7"), "list": []any{json.Number("1.5"), "x"}},
			"obj":   map[string]any{"deep": map[string]any{"n": json.Number("2")}},
			"plain": map[string]any{"s": "no numbers"},
		}
	}
	in := input()
	plain := in["plain"]
	res, err := e.Run(context.Background(), "echo", in, engine.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(in, input()) {
		t.Errorf("input after the run = %#v, want it unchanged", in)
	}
	want := map[string]any{
		"doc":   map[string]any{"n": 7, "list": []any{1.5, "x"}},
		"obj":   map[string]any{"deep": map[string]any{"n": 2}},
		"plain": map[string]any{"s": "no numbers"},
	}
	if !reflect.DeepEqual(res.Output, want) {
		t.Errorf("output = %#v, want %#v", res.Output, want)
	}
	if reflect.ValueOf(res.Output.(map[string]any)["plain"]).UnsafePointer() != reflect.ValueOf(plain).UnsafePointer() {
		t.Errorf("an input without numbers was copied")
	}
}
