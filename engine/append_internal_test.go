package engine

import (
	"strings"
	"testing"
)

// TestAppendItemsFromCheckedTree checks that the items of
// set l = append(l, ...) compile from the checked tree of the value, so
// that an item printed back to text would not parse ({'in': 1} prints as
// {in: 1}) still takes the fast path.
func TestAppendItemsFromCheckedTree(t *testing.T) {
	var got [][]string
	Register(&StepType{Name: "test_append_items", Category: "test", Description: "records the append items of value",
		Fields: []FieldSpec{{Name: "value", Kind: FieldExpr}},
		Compile: func(c *StepCompiler) RunFunc {
			var srcs []string
			for _, it := range c.AppendItems(c.Expr("value"), NameInput) {
				srcs = append(srcs, it.Source+" @ "+it.Path+" reads "+strings.Join(it.Names(), ","))
			}
			got = append(got, srcs)
			return func(*State) (any, error) { return nil, nil }
		}})
	defer func() {
		registry.Lock()
		delete(registry.types, "test_append_items")
		registry.Unlock()
	}()
	def := `{"kind": "function", "name": "f", "stack": [
		{"type": "test_append_items", "value": "append(input, {'contains': 1, 'in': [env.x]}, auth)"},
		{"type": "test_append_items", "value": "append(auth, 1)"}]}`
	var diags Diagnostics
	d := ParseDefinition("f.json", []byte(def), &diags)
	if _, more := Compile([]*Definition{d}); len(append(diags, more...)) > 0 {
		t.Fatalf("diagnostics: %v", append(diags, more...))
	}
	src := "append(input, {'contains': 1, 'in': [env.x]}, auth)"
	want := [][]string{{src + " @ stack[0].value reads env", src + " @ stack[0].value reads auth"}, nil}
	if len(got) != 2 || strings.Join(got[0], "|") != strings.Join(want[0], "|") || got[1] != nil {
		t.Errorf("items:\n got  %q\n want %q", got, want)
	}
}
