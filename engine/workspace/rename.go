package workspace

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/store"
)

// RenameRefs returns d with every reference to the definition from made to
// name to instead: the function fields of its steps (nested ones too, by
// the step catalogue), its middleware list and its tables' trigger
// functions. changed is false (and d returned) when it names from nowhere.
func RenameRefs(d *engine.Definition, from, to string) (out *engine.Definition, changed bool, err error) {
	raw := []byte(d.Raw)
	if len(raw) == 0 {
		if raw, err = json.Marshal(d); err != nil {
			return nil, false, err
		}
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, false, fmt.Errorf("definition %s: %v", d.Name, err)
	}
	swap := func(v any) any {
		if s, ok := v.(string); ok && s == from {
			changed = true
			return to
		}
		return v
	}
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if typ, ok := x["type"].(string); ok {
				if st := engine.LookupStep(typ); st != nil {
					for _, f := range st.Fields {
						if f.Kind == engine.FieldFunction {
							if v, ok := x[f.Name]; ok {
								x[f.Name] = swap(v)
							}
						}
					}
				}
			}
			for _, e := range x {
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(m["stack"])
	if mws, ok := m["middleware"].([]any); ok {
		for i := range mws {
			mws[i] = swap(mws[i])
		}
	}
	if trs, ok := m["triggers"].([]any); ok {
		for _, t := range trs {
			if o, ok := t.(map[string]any); ok {
				if f, ok := o["function"]; ok {
					o["function"] = swap(f)
				}
			}
		}
	}
	if !changed {
		return d, false, nil
	}
	b, err := json.Marshal(m)
	if err != nil {
		return nil, false, err
	}
	var diags engine.Diagnostics
	nd := engine.ParseDefinition(d.Name, b, &diags)
	if nd == nil || diags.HasErrors() {
		return nil, false, fmt.Errorf("definition %s with %s renamed to %s does not parse: %v", d.Name, from, to, diags.Err())
	}
	return nd, true, nil
}

// CallerUpdate is one caller changed by RenameWithCallers.
type CallerUpdate struct {
	Name string `json:"name"`
	// Version is the caller's new version, which calls the new name.
	Version int `json:"version"`
	// Published tells whether it was published: the caller's newest
	// version was its published one, so it stays live.
	Published bool `json:"published"`
}

// RenameBlocked is RenameWithCallers refusing: a caller's live version
// uses the old name while it has a newer draft, so no one new version
// can keep both working. Nothing was changed.
type RenameBlocked struct {
	Definition, To string
	// Callers are the callers in that state.
	Callers []string
}

func (e *RenameBlocked) Error() string {
	return fmt.Sprintf("%s cannot be renamed with its callers: %s %s unpublished changes while the live version uses %s; publish %s first (or go back to the live version), then rename",
		e.Definition, strings.Join(e.Callers, ", "), hasHave(len(e.Callers)), e.Definition, them(len(e.Callers)))
}

func hasHave(n int) string {
	if n == 1 {
		return "has"
	}
	return "have"
}

func them(n int) string {
	if n == 1 {
		return "it"
	}
	return "them"
}

// Renamed is what RenameWithCallers did.
type Renamed struct {
	// Version is the renamed definition's newest version.
	Version int
	Callers []CallerUpdate
}

// RenameWithCallers renames the definition from to to and updates each
// definition using it (Callers) in the same transaction: a new version of
// each, its newest with the references renamed (RenameRefs), published
// when its newest version was the published one. A caller whose live
// version uses from while a newer draft waits refuses the whole rename
// (*RenameBlocked). The store's errors are store.ErrNotFound for an
// unknown name and store.ErrExists for a taken one.
func (w *Workspace) RenameWithCallers(ctx context.Context, from, to string) (Renamed, error) {
	callers, err := w.Callers(ctx, from)
	if err != nil {
		return Renamed{}, err
	}
	vs, err := w.st.Versions(ctx)
	if err != nil {
		return Renamed{}, err
	}
	var updates []store.CallerVersion
	var blocked []string
	for _, c := range callers {
		d, err := w.st.Get(ctx, c)
		if err != nil {
			return Renamed{}, err
		}
		nd, changed, err := RenameRefs(d, from, to)
		if err != nil {
			return Renamed{}, err
		}
		v := vs[c]
		live := v[1] != 0 && v[0] == v[1]
		if v[1] != 0 && !live {
			pd, err := w.st.GetPublished(ctx, c)
			if err != nil {
				return Renamed{}, err
			}
			if _, uses, err := RenameRefs(pd, from, to); err != nil {
				return Renamed{}, err
			} else if uses {
				blocked = append(blocked, c)
				continue
			}
		}
		if changed {
			updates = append(updates, store.CallerVersion{Definition: nd, Publish: live})
		}
	}
	if len(blocked) > 0 {
		return Renamed{}, &RenameBlocked{Definition: from, To: to, Callers: blocked}
	}
	latest, versions, err := w.st.RenameWith(ctx, from, to, updates)
	if err != nil {
		return Renamed{}, err
	}
	out := Renamed{Version: latest}
	for i, u := range updates {
		out.Callers = append(out.Callers, CallerUpdate{Name: u.Definition.Name, Version: versions[i], Published: u.Publish})
	}
	return out, nil
}
