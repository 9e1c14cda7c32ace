package workspace_test

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/funcstack/funcstack/engine/enginetest"
	"github.com/funcstack/funcstack/engine/store"
	"github.com/funcstack/funcstack/engine/workspace"
)

const (
	notesV1 = `{"kind": "table", "name": "notes", "fields": [{"name": "label", "type": "text"}]}`
	notesV2 = `{"kind": "table", "name": "notes", "fields": [{"name": "n", "type": "int"}]}`
	greetV1 = `{"kind": "function", "name": "greet", "input": [{"name": "who", "type": "text"}], "stack": [
		{"type": "db.query", "table": "notes", "as": "rows"}], "response": "'Hello, ' + input.who"}`
	greetV2 = `{"kind": "function", "name": "greet", "input": [{"name": "who", "type": "text"}], "stack": [
		{"type": "db.query", "table": "notes", "where": "notes.n > 1", "as": "rows"}], "response": "'Hello, ' + input.who"}`
	apiHello = `{"kind": "endpoint", "name": "api_hello", "method": "GET", "path": "/api/hello/:who",
		"input": [{"name": "who", "type": "text"}],
		"stack": [{"type": "call", "function": "greet", "input": {"who": "input.who"}, "as": "text"}], "response": "text"}`
)

// TestPublishWithDependencies: an endpoint calling a function that was
// never published is refused in words naming the drafts (not "unknown
// function"); with its dependencies it is published with them at once;
// a dependency whose table change is refused leaves everything as it was.
func TestPublishWithDependencies(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			st := open(t, b.open(t))
			w := workspace.New(st, workspace.Options{})
			if _, err := w.Save(ctx, enginetest.Parse(t, notesV1, greetV1, apiHello), false); err != nil {
				t.Fatal(err)
			}
			notes := workspace.Dependency{Name: "notes", Kind: "table", Version: 1, UsedBy: "greet",
				Reason: "greet uses the table notes, which has never been published"}
			greet := workspace.Dependency{Name: "greet", Kind: "function", Version: 1, UsedBy: "api_hello",
				Reason: "api_hello calls greet, which has never been published"}

			pub, err := w.Publish(ctx, "api_hello", 0, false)
			nd, ok := errors.AsType[*workspace.NeedsDependencies](err)
			if !ok {
				t.Fatalf("publishing alone: %+v %v, want a *workspace.NeedsDependencies", pub, err)
			}
			if want := []workspace.Dependency{greet, notes}; !reflect.DeepEqual(nd.Dependencies, want) {
				t.Errorf("dependencies:\n%+v\nwant\n%+v", nd.Dependencies, want)
			}
			if got, want := err.Error(), "api_hello cannot be published alone: api_hello calls greet, which has never been published; greet uses the table notes, which has never been published; publish them with api_hello; nothing was published"; got != want {
				t.Errorf("refusal:\n%s\nwant\n%s", got, want)
			}
			if vs := versions(t, st); !reflect.DeepEqual(vs, map[string][2]int{"api_hello": {1, 0}, "greet": {1, 0}, "notes": {1, 0}}) {
				t.Errorf("after the refusal: %v, want nothing published", vs)
			}

			pub, err = w.PublishWith(ctx, "api_hello", 0, false, true)
			if want := (workspace.Published{Version: 1, Dependencies: []workspace.Dependency{greet, notes}}); err != nil || !reflect.DeepEqual(pub, want) {
				t.Fatalf("publishing with dependencies: %+v %v, want %+v", pub, err, want)
			}
			if vs := versions(t, st); !reflect.DeepEqual(vs, map[string][2]int{"api_hello": {1, 1}, "greet": {1, 1}, "notes": {1, 1}}) {
				t.Errorf("after publishing: %v, want all three published", vs)
			}
			if _, _, err := st.Table(ctx, "notes"); err != nil {
				t.Errorf("the table notes was not created: %v", err)
			}

			// greet v2 reads notes.n, which only notes v2 has (dropping
			// label): notes v2 is needed, and its change is destructive.
			if _, err := w.Save(ctx, enginetest.Parse(t, notesV2, greetV2), false); err != nil {
				t.Fatal(err)
			}
			_, err = w.Publish(ctx, "greet", 0, false)
			if got, want := errText(err), "greet cannot be published alone: greet uses the table notes, whose newest version (2) is not published (version 1 is); publish it with greet; nothing was published"; got != want {
				t.Errorf("publishing greet v2 alone:\n%s\nwant\n%s", got, want)
			}
			pub, err = w.PublishWith(ctx, "greet", 0, false, true)
			if _, ok := errors.AsType[*store.DestructiveError](err); !ok || pub.Version != 2 {
				t.Fatalf("publishing greet v2 with notes v2: %+v %v, want a *store.DestructiveError", pub, err)
			}
			if vs := versions(t, st); !reflect.DeepEqual(vs, map[string][2]int{"api_hello": {1, 1}, "greet": {2, 1}, "notes": {2, 1}}) {
				t.Errorf("after the refused table change: %v, want nothing more published", vs)
			}
			if pub, err = w.PublishWith(ctx, "greet", 0, true, true); err != nil || len(pub.Dependencies) != 1 {
				t.Fatalf("forced: %+v %v", pub, err)
			}
			if vs := versions(t, st); !reflect.DeepEqual(vs, map[string][2]int{"api_hello": {1, 1}, "greet": {2, 2}, "notes": {2, 2}}) {
				t.Errorf("after the forced publish: %v", vs)
			}
		})
	}
}

func versions(t *testing.T, st *store.Store) map[string][2]int {
	t.Helper()
	vs, err := st.Versions(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return vs
}

func errText(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}
