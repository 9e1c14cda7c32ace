package workspace_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/enginetest"
	"github.com/funcstack/funcstack/engine/store"
	"github.com/funcstack/funcstack/engine/store/storetest"
	"github.com/funcstack/funcstack/engine/workspace"
	_ "github.com/funcstack/funcstack/steps"
)

// backends opens an empty store of each kind.
var backends = []struct {
	name string
	open func(t *testing.T) store.Options
}{
	{"sqlite", func(t *testing.T) store.Options { return store.Options{DataDir: t.TempDir()} }},
	{"postgres", func(t *testing.T) store.Options { return store.Options{DatabaseURL: storetest.PostgresURL(t)} }},
}

func open(t *testing.T, opts store.Options) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

const (
	thingsV1   = `{"kind": "table", "name": "things", "fields": [{"name": "label", "type": "text"}]}`
	thingsV2   = `{"kind": "table", "name": "things", "fields": [{"name": "n", "type": "int"}]}`
	listLabels = `{"kind": "function", "name": "list_things", "stack": [
		{"type": "db.query", "table": "things", "where": "things.label == 'a'", "as": "rows"}], "response": "rows"}`
	listAll = `{"kind": "function", "name": "list_things", "stack": [{"type": "db.query", "table": "things", "as": "rows"}], "response": "rows"}`
)

// TestPublish walks a table through the rules both the admin API and
// funcstack publish apply: a change that breaks a published caller is
// refused with the caller's error, a dropped column only with force, and
// Save publishes only versions not published yet.
func TestPublish(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			st := open(t, b.open(t))
			w := workspace.New(st, workspace.Options{})

			defs := enginetest.Parse(t, thingsV1, listLabels)
			if warnings, err := w.Prepare(ctx, defs, false); err != nil || warnings != nil {
				t.Fatalf("prepare the first import: %v %v", warnings, err)
			}
			saved, err := w.Save(ctx, defs, true)
			if want := []workspace.Saved{
				{Name: "things", Version: 1, Changed: true, Published: true},
				{Name: "list_things", Version: 1, Changed: true, Published: true},
			}; err != nil || !reflect.DeepEqual(saved, want) {
				t.Fatalf("first import: %+v %v, want %+v", saved, err, want)
			}
			// Saving again changes nothing and publishes nothing.
			saved, err = w.Save(ctx, defs, true)
			if want := []workspace.Saved{
				{Name: "things", Version: 1, Existed: true},
				{Name: "list_things", Version: 1, Existed: true},
			}; err != nil || !reflect.DeepEqual(saved, want) {
				t.Fatalf("same import again: %+v %v, want %+v", saved, err, want)
			}

			// A draft of things without label: the published list_things
			// reads it, so it may be saved but not published.
			saved, err = w.Save(ctx, enginetest.Parse(t, thingsV2), false)
			if want := []workspace.Saved{{Name: "things", Version: 2, Existed: true, Changed: true}}; err != nil || !reflect.DeepEqual(saved, want) {
				t.Fatalf("draft: %+v %v, want %+v", saved, err, want)
			}
			pub, err := w.Publish(ctx, "things", 0, false)
			r, ok := errors.AsType[*workspace.Refused](err)
			if !ok || pub.Version != 2 {
				t.Fatalf("publishing the breaking draft: %+v %v, want a *workspace.Refused for version 2", pub, err)
			}
			if got, want := r.Error(), "publishing things would break the published workspace; nothing was published"; got != want {
				t.Errorf("refusal: %q, want %q", got, want)
			}
			if got, want := diagSummary(r.Diagnostics), "error list_things stack[0].where"; got != want {
				t.Errorf("refusal diagnostics: %s, want %s\n%v", got, want, r.Diagnostics)
			}
			if got, want := r.Diagnostics[0].Message, "label"; !strings.Contains(got, want) {
				t.Errorf("refusal: %q does not name the column %q", got, want)
			}

			// Once list_things no longer reads label, only the dropped
			// column stops it, until forced.
			if _, err := w.Prepare(ctx, enginetest.Parse(t, listAll), false); err != nil {
				t.Fatal(err)
			}
			if _, err := w.Save(ctx, enginetest.Parse(t, listAll), true); err != nil {
				t.Fatal(err)
			}
			pub, err = w.Publish(ctx, "things", 2, false)
			te, isTable := errors.AsType[*workspace.TableError](err)
			de, isDestructive := errors.AsType[*store.DestructiveError](err)
			if !isTable || !isDestructive || pub.Version != 2 {
				t.Fatalf("publishing a dropped column: %+v %v, want a *workspace.TableError with a *store.DestructiveError", pub, err)
			}
			if want := "the table change cannot be applied: " + de.Error(); te.Error() != want {
				t.Errorf("table error: %q, want %q", te.Error(), want)
			}
			if got, want := de.Changes, []string{"table things: column label (text) was removed from the definition; dropping it deletes its values"}; !reflect.DeepEqual(got, want) {
				t.Errorf("destructive changes: %q, want %q", got, want)
			}
			if pub, err = w.Publish(ctx, "things", 2, true); err != nil || !reflect.DeepEqual(pub, workspace.Published{Version: 2}) {
				t.Fatalf("forced publish: %+v %v", pub, err)
			}
			vs, err := st.Versions(ctx)
			if want := map[string][2]int{"things": {2, 2}, "list_things": {2, 2}}; err != nil || !reflect.DeepEqual(vs, want) {
				t.Errorf("versions after the forced publish: %v %v, want %v", vs, err, want)
			}

			if _, err := w.Publish(ctx, "nothing", 0, false); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("publishing an unknown name: %v, want store.ErrNotFound", err)
			}
			callers, err := w.Callers(ctx, "things")
			if err != nil || !reflect.DeepEqual(callers, []string{"list_things"}) {
				t.Errorf("callers of things: %q %v, want [list_things]", callers, err)
			}
		})
	}
}

// diagSummary renders each diagnostic as "severity definition path",
// comma-separated, so tests compare what and where without the compiler's
// wording.
func diagSummary(ds engine.Diagnostics) string {
	var out []string
	for _, d := range ds {
		out = append(out, fmt.Sprintf("%s %s %s", d.Severity, d.Definition, d.Path))
	}
	return strings.Join(out, ", ")
}

// TestCheckRoutes: a route the server cannot serve is an error of the
// endpoint being published, also when it clashes with one published
// before, which served.
func TestCheckRoutes(t *testing.T) {
	ctx := context.Background()
	st := open(t, backends[0].open(t))
	// The route rule of a server where /taken is served already.
	routes := func(p *engine.Program) error {
		for _, f := range p.Functions {
			if f.Kind == engine.KindEndpoint && f.Def.Path == "/taken" && f.Name != "first" {
				return &workspace.RouteError{Definition: "first", Path: "path", Message: "endpoints first and " + f.Name + " both serve GET /taken"}
			}
		}
		return nil
	}
	w := workspace.New(st, workspace.Options{Routes: routes})
	first := enginetest.Parse(t, `{"kind": "endpoint", "name": "first", "method": "GET", "path": "/taken", "stack": [], "response": "1"}`)
	if _, err := w.Prepare(ctx, first, false); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Save(ctx, first, true); err != nil {
		t.Fatal(err)
	}
	second := enginetest.Parse(t, `{"kind": "endpoint", "name": "second", "method": "GET", "path": "/taken", "stack": [], "response": "2"}`)
	diags, err := w.Check(ctx, second)
	want := engine.Diagnostics{{Severity: engine.SeverityError, Code: "unservable", Definition: "second", Path: "path",
		Message: "endpoints first and second both serve GET /taken"}}
	if err != nil || !reflect.DeepEqual(diags, want) {
		t.Errorf("check: %+v %v\nwant %+v", diags, err, want)
	}
}

// TestDraftProblems: a draft's own errors stay errors; those it brings to
// other definitions become warnings naming them.
func TestDraftProblems(t *testing.T) {
	base := enginetest.Parse(t, thingsV1, listLabels)
	draft := enginetest.Parse(t, thingsV2)
	diags := workspace.NewProblems(base, draft)
	if got, want := diagSummary(diags), "error list_things stack[0].where"; got != want {
		t.Fatalf("new problems: %s, want %s", got, want)
	}
	got := workspace.DraftProblems(diags, draft...)
	want := diags[0]
	want.Severity = engine.SeverityWarning
	want.Message = "the newest version of list_things will not compile with this change: " + diags[0].Message
	if !reflect.DeepEqual(got, engine.Diagnostics{want}) {
		t.Errorf("draft problems: %+v\nwant %+v", got, want)
	}
	if got := workspace.NewProblems(base, nil, "things"); diagSummary(got) != "error list_things stack[0].table" {
		t.Errorf("removing things: %s", diagSummary(got))
	}
}
