package workspace_test

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/funcstack/funcstack/engine/enginetest"
	"github.com/funcstack/funcstack/engine/workspace"
)

// TestRenameWithCallers: renaming a called function gives each caller one
// new version calling the new name, published where the caller was live,
// so the endpoint keeps answering; a caller whose live version uses the
// old name under a newer draft refuses the rename, changing nothing.
func TestRenameWithCallers(t *testing.T) {
	const (
		greet = `{"kind": "function", "name": "greet", "input": [{"name": "who", "type": "text"}], "response": "'Hello, ' + input.who"}`
		hello = `{"kind": "endpoint", "name": "api_hello", "method": "GET", "path": "/api/hello/:who", "input": [{"name": "who", "type": "text"}],
			"stack": [{"type": "if", "cond": "true", "then": [{"type": "call", "function": "greet", "input": {"who": "input.who"}, "as": "text"}]}], "response": "text"}`
		twice = `{"kind": "function", "name": "greet_twice", "stack": [{"type": "call", "function": "greet", "input": {"who": "'a'"}, "as": "a"}], "response": "a + a"}`
	)
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			st := open(t, b.open(t))
			w := workspace.New(st, workspace.Options{})
			if _, err := w.Save(ctx, enginetest.Parse(t, greet, hello), true); err != nil {
				t.Fatal(err)
			}
			if _, err := w.Save(ctx, enginetest.Parse(t, twice), false); err != nil {
				t.Fatal(err)
			}
			r, err := w.RenameWithCallers(ctx, "greet", "say_hello")
			want := workspace.Renamed{Version: 1, Callers: []workspace.CallerUpdate{
				{Name: "api_hello", Version: 2, Published: true}, {Name: "greet_twice", Version: 2}}}
			if err != nil || !reflect.DeepEqual(r, want) {
				t.Fatalf("rename: %+v %v, want %+v", r, err, want)
			}
			if vs := versions(t, st); !reflect.DeepEqual(vs, map[string][2]int{"say_hello": {1, 1}, "api_hello": {2, 2}, "greet_twice": {2, 0}}) {
				t.Errorf("versions: %v", vs)
			}
			d, err := st.Get(ctx, "api_hello")
			if err != nil {
				t.Fatal(err)
			}
			if got, want := d.Raw, `{"input":[{"name":"who","type":"text"}],"kind":"endpoint","method":"GET","name":"api_hello","path":"/api/hello/:who","response":"text","stack":[{"cond":"true","then":[{"as":"text","function":"say_hello","input":{"who":"input.who"},"type":"call"}],"type":"if"}]}`; string(got) != want {
				t.Errorf("api_hello v2:\n%s\nwant\n%s", got, want)
			}
			if diags, err := w.Check(ctx, nil); err != nil || diags.HasErrors() {
				t.Errorf("the published workspace after the rename: %v %v", diags, err)
			}

			// api_hello gets a draft; its live version calls say_hello.
			if _, err := w.Save(ctx, enginetest.Parse(t, `{"kind": "endpoint", "name": "api_hello", "method": "GET", "path": "/api/hello/:who", "input": [{"name": "who", "type": "text"}],
				"stack": [{"type": "call", "function": "say_hello", "input": {"who": "input.who + '!'"}, "as": "text"}], "response": "text"}`), false); err != nil {
				t.Fatal(err)
			}
			_, err = w.RenameWithCallers(ctx, "say_hello", "greet")
			if _, ok := errors.AsType[*workspace.RenameBlocked](err); !ok {
				t.Fatalf("rename with a caller's draft: %v, want a *workspace.RenameBlocked", err)
			}
			if got, want := err.Error(), "say_hello cannot be renamed with its callers: api_hello has unpublished changes while the live version uses say_hello; publish it first (or go back to the live version), then rename"; got != want {
				t.Errorf("refusal:\n%s\nwant\n%s", got, want)
			}
			if vs := versions(t, st); !reflect.DeepEqual(vs, map[string][2]int{"say_hello": {1, 1}, "api_hello": {3, 2}, "greet_twice": {2, 0}}) {
				t.Errorf("versions after the refusal: %v", vs)
			}
		})
	}
}
