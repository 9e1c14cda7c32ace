package workspace

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/store"
)

// Dependency is a definition that must be published with another: the
// other one uses it, and it has never been published, or the published
// workspace refuses the other without its newest version.
type Dependency struct {
	Name string `json:"name"`
	Kind string `json:"kind"`
	// Version is its newest version, the one published with the other.
	Version int `json:"version"`
	// Published is its published version (0: never published).
	Published int `json:"published"`
	// UsedBy names the definition that uses it (the one being published,
	// or another dependency).
	UsedBy string `json:"used_by"`
	// Reason says so in a user's words: "place_order calls
	// send_confirmation, which has never been published".
	Reason string `json:"reason"`
}

// verb says how a definition of kind from uses one of kind to.
func verb(to string) string {
	switch to {
	case engine.KindTable:
		return "uses the table"
	case engine.KindMiddleware:
		return "runs the middleware"
	case engine.KindFunction:
		return "calls"
	}
	return "uses"
}

func (d *Dependency) explain() {
	if d.Published == 0 {
		d.Reason = fmt.Sprintf("%s %s %s, which has never been published", d.UsedBy, verb(d.Kind), d.Name)
		return
	}
	d.Reason = fmt.Sprintf("%s %s %s, whose newest version (%d) is not published (version %d is)", d.UsedBy, verb(d.Kind), d.Name, d.Version, d.Published)
}

// NeedsDependencies is publishing refused because the definitions use
// drafts: Dependencies says which, and publishing with them (Publish's
// withDependencies) would pass the check. Nothing was changed.
type NeedsDependencies struct {
	Definition   string
	Dependencies []Dependency
}

func (e *NeedsDependencies) Error() string {
	reasons := make([]string, len(e.Dependencies))
	names := make([]string, len(e.Dependencies))
	for i, d := range e.Dependencies {
		reasons[i], names[i] = d.Reason, d.Name
	}
	them := "it"
	if len(names) > 1 {
		them = "them"
	}
	return fmt.Sprintf("%s cannot be published alone: %s; publish %s with %s; nothing was published",
		e.Definition, strings.Join(reasons, "; "), them, e.Definition)
}

// Dependencies returns the drafts that must be published with defs (the
// versions about to be published) for the published workspace to accept
// them: every definition they use, directly or through another such
// draft, that has never been published, and those with unpublished
// newest versions when defs do not pass the check without them. It
// returns them in the order found (breadth first), and with them the
// check of defs and the dependencies together (nil when there are none).
func (w *Workspace) Dependencies(ctx context.Context, defs []*engine.Definition) ([]Dependency, engine.Diagnostics, error) {
	newest, err := w.Newest(ctx)
	if err != nil {
		return nil, nil, err
	}
	vs, err := w.st.Versions(ctx)
	if err != nil {
		return nil, nil, err
	}
	byName := map[string]*engine.Definition{}
	for _, d := range newest {
		byName[d.Name] = d
	}
	prog, _ := engine.CompileContext(ctx, Merge(newest, defs))
	seen := map[string]bool{}
	for _, d := range defs {
		seen[d.Name] = true
	}
	var found []Dependency
	queue := make([]string, 0, len(defs))
	for _, d := range defs {
		queue = append(queue, d.Name)
	}
	for len(queue) > 0 {
		from := queue[0]
		queue = queue[1:]
		uses := prog.Uses[from]
		names := make([]string, 0, len(uses))
		for n := range uses {
			names = append(names, n)
		}
		slices.Sort(names)
		for _, n := range names {
			v, stored := vs[n]
			d := byName[n]
			if seen[n] || !stored || d == nil || v[0] == v[1] {
				continue
			}
			seen[n] = true
			dep := Dependency{Name: n, Kind: d.Kind, Version: v[0], Published: v[1], UsedBy: from}
			dep.explain()
			found = append(found, dep)
			queue = append(queue, n)
		}
	}
	if len(found) == 0 {
		return nil, nil, nil
	}
	with := func(keep func(Dependency) bool) ([]Dependency, []*engine.Definition) {
		var deps []Dependency
		all := slices.Clone(defs)
		for _, dep := range found {
			if keep(dep) {
				deps = append(deps, dep)
				all = append(all, byName[dep.Name])
			}
		}
		return deps, all
	}
	// Never published: needed. Changed: needed when the rest fails.
	deps, all := with(func(d Dependency) bool { return d.Published == 0 })
	diags, err := w.Check(ctx, all)
	if err != nil {
		return nil, nil, err
	}
	if diags.HasErrors() && len(deps) < len(found) {
		deps, all = with(func(Dependency) bool { return true })
		if diags, err = w.Check(ctx, all); err != nil {
			return nil, nil, err
		}
	}
	return deps, diags, nil
}

// PublishWith is Publish of version (0: the newest) of the stored
// definition name together with the drafts it needs (Dependencies), when
// withDependencies; all of them are checked together and published in one
// transaction with their tables synced, or nothing is. Without
// withDependencies, a refusal that those drafts would lift is a
// *NeedsDependencies naming them.
func (w *Workspace) PublishWith(ctx context.Context, name string, version int, force, withDependencies bool) (Published, error) {
	d, v, err := w.st.GetVersion(ctx, name, version)
	if err != nil {
		return Published{}, err
	}
	out := Published{Version: v.Version}
	defs := []*engine.Definition{d}
	diags, err := w.Check(ctx, defs)
	if err != nil {
		return out, &CheckError{Err: err}
	}
	if diags.HasErrors() || withDependencies {
		deps, withDiags, err := w.Dependencies(ctx, defs)
		if err != nil {
			return out, &CheckError{Err: err}
		}
		if len(deps) > 0 {
			if !withDependencies && !withDiags.HasErrors() {
				return out, &NeedsDependencies{Definition: name, Dependencies: deps}
			}
			if withDependencies {
				for _, dep := range deps {
					dd, _, err := w.st.GetVersion(ctx, dep.Name, dep.Version)
					if err != nil {
						return out, err
					}
					defs = append(defs, dd)
				}
				out.Dependencies = deps
				diags = withDiags
			}
		}
	}
	if diags.HasErrors() {
		names := make([]string, len(defs))
		for i, d := range defs {
			names[i] = d.Name
		}
		return out, &Refused{Definitions: names, Diagnostics: diags}
	}
	versions := make([]store.NamedVersion, len(defs))
	for i, d := range defs {
		versions[i] = store.NamedVersion{Name: d.Name, Version: d.Version}
	}
	versions[0].Version = v.Version
	if err := w.st.SyncAndPublish(ctx, defs, force, versions); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return out, err
		}
		return out, &TableError{Err: err}
	}
	out.Warnings = diags
	return out, nil
}
