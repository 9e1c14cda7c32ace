package workspace

import (
	"context"
	"fmt"
	"strings"

	"github.com/funcstack/funcstack/engine"
)

// Refused is Prepare's verdict that publishing would break the published
// workspace; Diagnostics says how (its errors), and nothing was changed.
type Refused struct {
	// Definitions names the definitions being published.
	Definitions []string
	Diagnostics engine.Diagnostics
}

func (e *Refused) Error() string {
	return "publishing " + strings.Join(e.Definitions, ", ") + " would break the published workspace; nothing was published"
}

// TableError is a table change Prepare could not apply; nothing was
// changed. When it wraps a *store.DestructiveError (errors.As), the change
// would lose data and publishing with force applies it.
type TableError struct {
	Err error
}

func (e *TableError) Error() string { return "the table change cannot be applied: " + e.Err.Error() }

func (e *TableError) Unwrap() error { return e.Err }

// CheckError is a failure to read the published workspace while checking
// (no verdict on the definitions); nothing was changed.
type CheckError struct {
	Err error
}

func (e *CheckError) Error() string { return "checking the published workspace: " + e.Err.Error() }

func (e *CheckError) Unwrap() error { return e.Err }

// Prepare readies defs to be published together: it checks them against
// the published workspace (Check) and makes their tables match (the
// store's SyncTables; destructive changes only with force). The error is
// a *Refused (a *NeedsDependencies when publishing the drafts they use
// with them would pass), a *TableError or a *CheckError, and then nothing
// changed.
// The diagnostics are the warnings of the check. Publishing the versions
// is the caller's next step (Publish does both for a stored version).
func (w *Workspace) Prepare(ctx context.Context, defs []*engine.Definition, force bool) (engine.Diagnostics, error) {
	diags, err := w.Check(ctx, defs)
	if err != nil {
		return nil, &CheckError{Err: err}
	}
	if diags.HasErrors() {
		names := make([]string, len(defs))
		for i, d := range defs {
			names[i] = d.Name
		}
		deps, withDiags, err := w.Dependencies(ctx, defs)
		if err != nil {
			return nil, &CheckError{Err: err}
		}
		if len(deps) > 0 && !withDiags.HasErrors() {
			return nil, &NeedsDependencies{Definition: strings.Join(names, ", "), Dependencies: deps}
		}
		return nil, &Refused{Definitions: names, Diagnostics: diags}
	}
	if err := w.st.SyncTables(ctx, defs, force); err != nil {
		return nil, &TableError{Err: err}
	}
	return diags, nil
}

// Published is what Publish did.
type Published struct {
	// Version is the version published (or refused).
	Version int
	// Warnings are the check's warnings, when it was published.
	Warnings engine.Diagnostics
	// Dependencies were published with it (PublishWith).
	Dependencies []Dependency
}

// Publish publishes version (0: the newest) of the stored definition
// name: PublishWith without its dependencies. Errors of reading or
// publishing the version are the store's (store.ErrNotFound for an unknown
// name or version); the rest are Prepare's, or a *NeedsDependencies.
// Version is set once the version is read.
func (w *Workspace) Publish(ctx context.Context, name string, version int, force bool) (Published, error) {
	return w.PublishWith(ctx, name, version, force, false)
}

// Saved is what Save did with one definition.
type Saved struct {
	Name    string
	Version int
	// Existed tells whether a definition of that name was stored before.
	Existed bool
	// Changed tells whether Version is new (else the content was that of
	// the newest version already).
	Changed bool
	// Published tells whether Save published Version (it was not the
	// published one yet).
	Published bool
}

// SaveError is Save failing on one definition: saving it, or publishing
// the saved version (Publishing).
type SaveError struct {
	Definition *engine.Definition
	Publishing bool
	Err        error
}

func (e *SaveError) Error() string {
	what := "saving"
	if e.Publishing {
		what = "publishing"
	}
	return fmt.Sprintf("%s definition %s: %v", what, e.Definition.Name, e.Err)
}

func (e *SaveError) Unwrap() error { return e.Err }

// Save stores each of defs as the newest version of its name (a new
// version only when the content changed) and, with publish, publishes
// each saved version that is not the published one yet. It checks
// nothing: check with NewProblems and DraftProblems, and Prepare before
// publishing. On a *SaveError the definitions before it are saved.
func (w *Workspace) Save(ctx context.Context, defs []*engine.Definition, publish bool) ([]Saved, error) {
	vs, err := w.st.Versions(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Saved, 0, len(defs))
	for _, d := range defs {
		v, changed, err := w.st.SaveDefinition(ctx, d)
		if err != nil {
			return out, &SaveError{Definition: d, Err: err}
		}
		was, existed := vs[d.Name]
		s := Saved{Name: d.Name, Version: v, Existed: existed, Changed: changed}
		if publish && was[1] != v {
			if err := w.st.Publish(ctx, d.Name, v); err != nil {
				return out, &SaveError{Definition: d, Publishing: true, Err: err}
			}
			s.Published = true
		}
		out = append(out, s)
	}
	return out, nil
}
