package workspace

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/store"
)

// FileOptions configures ImportFiles.
type FileOptions struct {
	// Draft saves new versions as drafts instead of publishing them.
	Draft bool
	// Overwrite replaces definitions edited in the admin API since their
	// files were last imported (otherwise ImportFiles refuses them with an
	// *EditedError).
	Overwrite bool
	// Destructive applies table changes that drop or re-type columns.
	Destructive bool
}

// FileImport is what ImportFiles did.
type FileImport struct {
	// Saved are the definitions whose files changed since the last import
	// (or were never imported), in the order given, as saved.
	Saved []Saved
	// Skipped names the definitions whose files are unchanged since the
	// last import: they are left as they are in the store, edits made in
	// the admin API since included.
	Skipped []string
	// Tables counts the table definitions among Saved.
	Tables int
}

// Edit is a definition edited in the admin API after its file was last
// imported, which a changed file would replace.
type Edit struct {
	Name string
	// Version and At are the newest version's number and time.
	Version int
	At      time.Time
	// Imported is the version the last import saved (0: the definition
	// was made in the admin API and never imported from a file).
	Imported int
}

// EditedError refuses a workspace import that would replace admin edits.
type EditedError struct{ Edits []Edit }

func (e *EditedError) Error() string {
	parts := make([]string, len(e.Edits))
	for i, ed := range e.Edits {
		if ed.Imported == 0 {
			parts[i] = fmt.Sprintf("%s (made in the admin API, version %d of %s)", ed.Name, ed.Version, ed.At.Format(time.DateTime+" MST"))
		} else {
			parts[i] = fmt.Sprintf("%s (version %d of %s; the files last gave version %d)", ed.Name, ed.Version, ed.At.Format(time.DateTime+" MST"), ed.Imported)
		}
	}
	return fmt.Sprintf("%d definition(s) whose files changed were also edited in the admin API since the workspace was last imported: %s; "+
		"to keep the admin edits, export them into the workspace (funcstack export --drafts DIR) and merge; to replace them with the files, run again with --force",
		len(e.Edits), strings.Join(parts, ", "))
}

// ImportFiles imports a workspace read from files: only the definitions
// whose files changed since the last import (by the hash of their
// canonical JSON) are saved, their tables synced and, unless Draft,
// published; a file that did not change leaves its definition alone, so
// a restart of `serve --workspace` keeps what was edited in the admin API.
// A changed file whose definition was also edited in the admin API since
// its last import is refused, all or nothing, with an *EditedError unless
// Overwrite. A store that has never recorded an import (made before
// imports were recorded) takes every file as changed and records them.
// Table errors are the store's SyncTables errors; nothing is saved then.
func (w *Workspace) ImportFiles(ctx context.Context, defs []*engine.Definition, opts FileOptions) (FileImport, error) {
	var out FileImport
	last, err := w.st.Imports(ctx)
	if err != nil {
		return out, err
	}
	newest, err := w.st.NewestVersions(ctx)
	if err != nil {
		return out, err
	}
	changed := make([]*engine.Definition, 0, len(defs))
	hashes := make([]string, 0, len(defs))
	var edits []Edit
	for _, d := range defs {
		h, err := store.DefinitionHash(d)
		if err != nil {
			return out, err
		}
		rec, imported := last[d.Name]
		if imported && rec.Hash == h {
			out.Skipped = append(out.Skipped, d.Name)
			continue
		}
		if v, exists := newest[d.Name]; exists && len(last) > 0 && v.Hash != h && (!imported || v.Version != rec.Version) {
			edits = append(edits, Edit{Name: d.Name, Version: v.Version, At: v.CreatedAt, Imported: rec.Version})
		}
		changed = append(changed, d)
		hashes = append(hashes, h)
	}
	if len(edits) > 0 && !opts.Overwrite {
		return out, &EditedError{Edits: edits}
	}
	// Tables first: a refused change then leaves no new versions behind.
	if err := w.st.SyncTables(ctx, changed, opts.Destructive); err != nil {
		return out, err
	}
	saved, err := w.Save(ctx, changed, !opts.Draft)
	records := make([]store.Import, len(saved))
	now := time.Now()
	for i, s := range saved {
		records[i] = store.Import{Name: s.Name, Hash: hashes[i], Version: s.Version, ImportedAt: now}
		if changed[i].Kind == engine.KindTable {
			out.Tables++
		}
	}
	out.Saved = saved
	if rerr := w.st.RecordImports(ctx, records); err == nil {
		err = rerr
	}
	return out, err
}
