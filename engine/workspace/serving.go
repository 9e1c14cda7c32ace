package workspace

import (
	"context"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/store"
)

// RouteError is an endpoint route that cannot be served, as a route
// checker (Options.Routes) reports it: the endpoint, the field of it to
// change (path or auth) and what is wrong.
type RouteError struct {
	Definition, Path, Message string
}

func (e *RouteError) Error() string { return e.Message }

// CompilePublished compiles the published definitions of st. A definition
// that does not compile with the others (possible only when they were
// published around the publish checks, or by two nodes at once) is left
// out, with every definition that then fails in turn; their errors come
// back as the diagnostics, and the program serves the rest.
func CompilePublished(ctx context.Context, st *store.Store) (*engine.Program, engine.Diagnostics, error) {
	defs, err := st.ListPublished(ctx)
	if err != nil {
		return nil, nil, err
	}
	return CompileServing(defs)
}

// CompileServing compiles defs, dropping definitions with errors until
// the rest compile; the diagnostics are the errors of those dropped.
func CompileServing(defs []*engine.Definition) (*engine.Program, engine.Diagnostics, error) {
	var dropped engine.Diagnostics
	for range len(defs) + 1 {
		p, diags := engine.Compile(defs)
		errs := diags.Errors()
		if len(errs) == 0 {
			return p, dropped, nil
		}
		dropped = append(dropped, errs...)
		bad := map[string]bool{}
		for _, d := range errs {
			bad[d.Definition] = true
		}
		kept := defs[:0:0]
		for _, d := range defs {
			if !bad[d.Name] {
				kept = append(kept, d)
			}
		}
		if len(kept) == len(defs) { // errors naming no definition
			return nil, dropped, dropped.Err()
		}
		defs = kept
	}
	return nil, dropped, dropped.Err()
}
