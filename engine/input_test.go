package engine_test

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/enginetest"
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

// TestInputHoldsWhatWasSent: a field the caller did not send is absent
// from input (it reads as null); one sent as null is there; a default
// fills a field not sent. So omit(input, …) is what was sent, as a
// PATCH needs.
func TestInputHoldsWhatWasSent(t *testing.T) {
	e := engine.New(engine.Config{})
	t.Cleanup(e.Close)
	e.Load(enginetest.Compile(t, `{"kind": "function", "name": "main", "input": [
		{"name": "id", "type": "int", "required": true}, {"name": "name", "type": "text"},
		{"name": "price", "type": "decimal"}, {"name": "size", "type": "text", "default": "m"},
		{"name": "address", "type": "object", "fields": [{"name": "city", "type": "text"}, {"name": "zip", "type": "text"}]}],
		"stack": [], "response": "{sent: omit(input, ['id']), name: input.name, has_name: 'name' in input, has_price: 'price' in input, city: input.address?.city}"}`))
	for _, c := range []struct{ in, want string }{
		{`{"id": 1}`, `{"city":null,"has_name":false,"has_price":false,"name":null,"sent":{"size":"m"}}`},
		{`{"id": 1, "name": null, "size": "l"}`, `{"city":null,"has_name":true,"has_price":false,"name":null,"sent":{"name":null,"size":"l"}}`},
		{`{"id": 1, "price": "2.50", "address": {"zip": "75001"}}`, `{"city":null,"has_name":false,"has_price":true,"name":null,"sent":{"address":{"zip":"75001"},"price":2.50,"size":"m"}}`},
	} {
		var in map[string]any
		if err := json.Unmarshal([]byte(c.in), &in); err != nil {
			t.Fatal(err)
		}
		res, err := e.Run(context.Background(), "main", in, engine.RunOptions{})
		if err != nil {
			t.Fatalf("%s: %v", c.in, err)
		}
		if got, _ := json.Marshal(res.Output); string(got) != c.want {
			t.Errorf("input %s:\n got  %s\n want %s", c.in, got, c.want)
		}
	}
}
