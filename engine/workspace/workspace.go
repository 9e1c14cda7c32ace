package workspace

import (
	"context"
	"errors"
	"maps"
	"slices"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/store"
)

// Options configures New.
type Options struct {
	// Routes reports whether a program's endpoint routes can be served;
	// the HTTP router decides, so the api package gives it (the server's
	// own router, or api.CheckRoutes for tools without a server). An error
	// that is a *RouteError names the endpoint and field. Nil: routes are
	// not checked, and publishing may make a workspace the server refuses.
	Routes func(*engine.Program) error
	// Log receives the errors of stored definitions that no longer parse;
	// they are left out of Newest and Published (nil: not reported).
	Log func(error)
}

// Workspace is the definitions of one store with the rules for changing
// them. It is safe for concurrent use; every method reads the store anew.
type Workspace struct {
	st   *store.Store
	opts Options
}

// New returns the workspace of st.
func New(st *store.Store, opts Options) *Workspace {
	return &Workspace{st: st, opts: opts}
}

// Newest returns the newest version of every stored definition. One that
// no longer parses is left out (and logged).
func (w *Workspace) Newest(ctx context.Context) ([]*engine.Definition, error) {
	return w.parsed(w.st.List(ctx))
}

// Published returns the published version of every definition that has
// one. One that no longer parses is left out (and logged).
func (w *Workspace) Published(ctx context.Context) ([]*engine.Definition, error) {
	return w.parsed(w.st.ListPublished(ctx))
}

// parsed passes on a list of the store; an error with a list is about
// definitions that no longer parse, and is logged.
func (w *Workspace) parsed(defs []*engine.Definition, err error) ([]*engine.Definition, error) {
	if err != nil && defs == nil {
		return nil, err
	}
	if err != nil && w.opts.Log != nil {
		w.opts.Log(err)
	}
	return defs, nil
}

// Check returns what publishing replace (and dropping remove) would break
// in the published workspace: the diagnostics of replace, every error
// elsewhere that the change brings (NewProblems) and endpoint routes that
// cannot be served (Options.Routes). The error is for failing to read the
// store, never a verdict.
func (w *Workspace) Check(ctx context.Context, replace []*engine.Definition, remove ...string) (engine.Diagnostics, error) {
	pub, err := w.Published(ctx)
	if err != nil {
		return nil, err
	}
	diags := NewProblems(pub, replace, remove...)
	if diags.HasErrors() {
		return diags, nil
	}
	p, _, err := CompileServing(Merge(pub, replace, remove...))
	if err == nil && w.opts.Routes != nil {
		err = w.opts.Routes(p)
	}
	if err != nil {
		d := engine.Diagnostic{Severity: engine.SeverityError, Code: "unservable", Message: err.Error()}
		if re, ok := errors.AsType[*RouteError](err); ok {
			d.Definition, d.Path = re.Definition, re.Path
			// The published workspace served before: a route clash with an
			// endpoint not being published is the new endpoint's to fix.
			if ends := endpointsIn(replace); !slices.Contains(ends, re.Definition) && len(ends) == 1 {
				d.Definition = ends[0]
			}
		}
		diags = append(diags, d)
	}
	return diags, nil
}

// Callers names the definitions (newest or published versions) that stop
// compiling when name is removed, sorted.
func (w *Workspace) Callers(ctx context.Context, name string) ([]string, error) {
	callers := map[string]bool{}
	for _, list := range []func(context.Context) ([]*engine.Definition, error){w.Newest, w.Published} {
		base, err := list(ctx)
		if err != nil {
			return nil, err
		}
		for _, d := range NewProblems(base, nil, name) {
			if d.Severity == engine.SeverityError && d.Definition != "" {
				callers[d.Definition] = true
			}
		}
	}
	return slices.Sorted(maps.Keys(callers)), nil
}
