package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/store"
	"github.com/funcstack/funcstack/engine/workspace"
)

// One definition at a time: list, read, create and update (publishing
// with ?publish=true), delete, rename and publish; with the helpers the
// other admin files share (store errors, reloading after a write).

const definitionWanted = `a definition as JSON, e.g. {"kind": "function", "name": "hello", "stack": [], "response": "'hi'"}`

// parseDefinition decodes a definition sent to the admin API; nil with
// the diagnostics when it is not one.
func parseDefinition(data []byte, where string) (*engine.Definition, engine.Diagnostics) {
	var diags engine.Diagnostics
	d := engine.ParseDefinition(where, data, &diags)
	if d == nil || diags.HasErrors() {
		return nil, diags
	}
	return d, diags
}

// unknownDefinition is the 404 of a name with no definition, suggesting
// the closest one.
func (s *Server) unknownDefinition(ctx context.Context, name string) *engine.Error {
	msg := fmt.Sprintf("no definition named %q", name)
	if infos, err := s.cfg.Store.Definitions(ctx); err == nil {
		names := make([]string, len(infos))
		for i, in := range infos {
			names[i] = in.Name
		}
		if c := engine.Closest(name, names); c != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", c)
		} else {
			msg += "; see GET /_/api/definitions"
		}
	}
	return &engine.Error{Code: engine.CodeNotFound, Definition: name, Message: msg}
}

// storeError answers for an error of the store about definition name.
func (s *Server) storeError(c *gin.Context, name string, err error) {
	ctx := c.Request.Context()
	switch {
	case errors.Is(err, store.ErrNotFound):
		vs, verr := s.cfg.Store.Versions(ctx)
		if _, ok := vs[name]; verr == nil && !ok {
			writeError(c, s.unknownDefinition(ctx, name))
			return
		}
		writeError(c, &engine.Error{Code: engine.CodeNotFound, Definition: name, Message: err.Error()})
	case errors.Is(err, store.ErrExists):
		writeError(c, conflict("%v", err))
	default:
		s.internal(c, "definition "+name, err)
	}
}

// exists reports whether a definition called name is stored.
func (s *Server) exists(ctx context.Context, name string) (bool, error) {
	vs, err := s.cfg.Store.Versions(ctx)
	if err != nil {
		return false, err
	}
	_, ok := vs[name]
	return ok, nil
}

// reloadAfter reloads after a write made here, so that it serves at once;
// a failure is logged (the write is done; Watch tries again).
func (s *Server) reloadAfter(ctx context.Context) {
	ctx = context.WithoutCancel(ctx)
	if err := s.Reload(ctx); err != nil {
		s.logf("funcstack api: %v", err)
	}
	s.notifyChange(ctx)
}

type definitionItem struct {
	Name      string    `json:"name"`
	Kind      string    `json:"kind"`
	Latest    int       `json:"latest"`
	Published int       `json:"published"`
	Draft     bool      `json:"draft"`
	UpdatedAt time.Time `json:"updated_at"`
	Method    string    `json:"method,omitempty"`
	Path      string    `json:"path,omitempty"`
}

func (s *Server) listDefinitions(c *gin.Context) {
	st := s.storeOf(c)
	if st == nil {
		return
	}
	ctx := c.Request.Context()
	infos, err := st.Definitions(ctx)
	if err != nil {
		s.internal(c, "listing definitions", err)
		return
	}
	defs, err := s.ws.Newest(ctx)
	if err != nil {
		s.internal(c, "listing definitions", err)
		return
	}
	byName := map[string]*engine.Definition{}
	for _, d := range defs {
		byName[d.Name] = d
	}
	items := make([]definitionItem, 0, len(infos))
	for _, in := range infos {
		it := definitionItem{Name: in.Name, Kind: in.Kind, Latest: in.Latest, Published: in.Published,
			Draft: in.Latest > in.Published, UpdatedAt: in.UpdatedAt}
		if d := byName[in.Name]; d != nil {
			it.Method, it.Path = d.Method, d.Path
		}
		items = append(items, it)
	}
	sort.SliceStable(items, func(i, j int) bool {
		if items[i].Kind != items[j].Kind {
			return items[i].Kind < items[j].Kind
		}
		return items[i].Name < items[j].Name
	})
	writeJSON(c, http.StatusOK, gin.H{"items": items})
}

func (s *Server) getDefinition(c *gin.Context) {
	st, name, version, ok := s.versionRequest(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	d, v, err := st.GetVersion(ctx, name, version)
	if err != nil && v == nil {
		s.storeError(c, name, err)
		return
	}
	vs, verr := st.Versions(ctx)
	if verr != nil {
		s.internal(c, "reading definition "+name, verr)
		return
	}
	diags := engine.Diagnostics{}
	if d != nil {
		base, err := s.ws.Newest(ctx)
		if err != nil {
			s.internal(c, "checking definition "+name, err)
			return
		}
		diags = nonNil(workspace.NewProblemsContext(ctx, base, []*engine.Definition{d}))
	} else if err != nil {
		diags = append(diags, engine.Diagnostic{Severity: engine.SeverityError, Code: "unparseable", Definition: name, Message: err.Error()})
	}
	writeJSON(c, http.StatusOK, gin.H{"name": name, "kind": v.Kind, "version": v.Version, "latest": vs[name][0],
		"published": vs[name][1], "content": v.Content, "diagnostics": diags})
}

// saveAnswer is the answer of POST and PUT /definitions.
type saveAnswer struct {
	Name        string             `json:"name"`
	Version     int                `json:"version"`
	Changed     bool               `json:"changed"`
	Published   bool               `json:"published"`
	Diagnostics engine.Diagnostics `json:"diagnostics"`
}

func (s *Server) createDefinition(c *gin.Context) { s.saveDefinition(c, "") }

func (s *Server) updateDefinition(c *gin.Context) { s.saveDefinition(c, c.Param("name")) }

// saveDefinition saves the body as a new version (name "" creates, else
// updates name), publishing it with ?publish=true.
func (s *Server) saveDefinition(c *gin.Context, name string) {
	st := s.storeOf(c)
	if st == nil {
		return
	}
	ctx := c.Request.Context()
	publish, qerr := queryBool(c, "publish")
	if qerr != nil {
		writeError(c, qerr)
		return
	}
	force, qerr := queryBool(c, "force")
	if qerr != nil {
		writeError(c, qerr)
		return
	}
	data, rerr := s.readRaw(c, definitionWanted)
	if rerr != nil {
		writeError(c, rerr)
		return
	}
	d, diags := parseDefinition(data, "")
	if d == nil {
		writeInvalid(c, "the definition is not valid", diags)
		return
	}
	found, err := s.exists(ctx, d.Name)
	if err != nil {
		s.internal(c, "saving definition "+d.Name, err)
		return
	}
	switch {
	case name == "" && found:
		writeError(c, conflict("a definition named %s already exists; change it with PUT /_/api/definitions/%s, or choose another name", d.Name, d.Name))
		return
	case name != "" && d.Name != name:
		writeError(c, badRequest("the definition's name is %q but the URL names %q; rename with POST /_/api/definitions/%s/rename", d.Name, name, name))
		return
	case name != "" && !found:
		writeError(c, s.unknownDefinition(ctx, name))
		return
	}
	base, err := s.ws.Newest(ctx)
	if err != nil {
		s.internal(c, "checking definition "+d.Name, err)
		return
	}
	diags = append(diags, workspace.DraftProblems(workspace.NewProblemsContext(ctx, base, []*engine.Definition{d}), d)...)
	if diags.HasErrors() {
		writeInvalid(c, "definition "+d.Name+" is not valid; nothing was saved", diags)
		return
	}
	if publish && !s.preparePublish(c, []*engine.Definition{d}, force) {
		return
	}
	v, changed, err := st.SaveDefinition(ctx, d)
	if err != nil {
		s.internal(c, "saving definition "+d.Name, err)
		return
	}
	if publish {
		if err := st.Publish(ctx, d.Name, v); err != nil {
			s.storeError(c, d.Name, err)
			return
		}
		s.reloadAfter(ctx)
	}
	st2 := http.StatusOK
	if name == "" {
		st2 = http.StatusCreated
	}
	writeJSON(c, st2, saveAnswer{Name: d.Name, Version: v, Changed: changed, Published: publish, Diagnostics: nonNil(diags.Warnings())})
}

// preparePublish readies defs to be published (workspace.Prepare),
// answering for a refusal; it reports whether to go on.
func (s *Server) preparePublish(c *gin.Context, defs []*engine.Definition, force bool) bool {
	if _, err := s.ws.Prepare(c.Request.Context(), defs, force); err != nil {
		s.publishError(c, "", err)
		return false
	}
	return true
}

// publishError answers for an error of publishing: 422 with the
// diagnostics when it would break the published workspace, 409 for a
// table change (destructive_change unless force), 500 for a failed check,
// else the store's error about definition name.
func (s *Server) publishError(c *gin.Context, name string, err error) {
	if n, ok := errors.AsType[*workspace.NeedsDependencies](err); ok {
		writeAdminError(c, http.StatusConflict, adminErrorBody{Code: codeNeedsDependencies, Definition: n.Definition,
			Message: n.Error(), Dependencies: n.Dependencies})
		return
	}
	if r, ok := errors.AsType[*workspace.Refused](err); ok {
		writeInvalid(c, r.Error(), r.Diagnostics)
		return
	}
	if d, ok := errors.AsType[*store.DestructiveError](err); ok {
		writeError(c, &engine.Error{Code: codeDestructive, Status: http.StatusConflict,
			Message: d.Error() + " (admin API: add ?force=true, or \"force\": true in the body)"})
		return
	}
	if t, ok := errors.AsType[*workspace.TableError](err); ok {
		writeError(c, conflict("%s", t.Error()))
		return
	}
	if ce, ok := errors.AsType[*workspace.CheckError](err); ok {
		s.internal(c, "checking the published workspace", ce.Err)
		return
	}
	s.storeError(c, name, err)
}

func (s *Server) deleteDefinition(c *gin.Context) {
	st := s.storeOf(c)
	if st == nil {
		return
	}
	name, ctx := c.Param("name"), c.Request.Context()
	force, qerr := queryBool(c, "force")
	if qerr != nil {
		writeError(c, qerr)
		return
	}
	if found, err := s.exists(ctx, name); err != nil || !found {
		if err != nil {
			s.internal(c, "deleting definition "+name, err)
		} else {
			writeError(c, s.unknownDefinition(ctx, name))
		}
		return
	}
	if !force {
		callers, err := s.ws.Callers(ctx, name)
		if err != nil {
			s.internal(c, "deleting definition "+name, err)
			return
		}
		if len(callers) > 0 {
			e := conflict("%s is used by %s; change them first, or delete with ?force=true (they then fail to compile and are not served)",
				name, strings.Join(callers, ", "))
			e.Definition = name
			writeError(c, e)
			return
		}
	}
	if err := st.Delete(ctx, name); err != nil {
		s.storeError(c, name, err)
		return
	}
	s.reloadAfter(ctx)
	c.Status(http.StatusNoContent)
}

func (s *Server) renameDefinition(c *gin.Context) {
	st := s.storeOf(c)
	if st == nil {
		return
	}
	name, ctx := c.Param("name"), c.Request.Context()
	var body struct {
		To            string `json:"to"`
		Force         bool   `json:"force"`
		UpdateCallers bool   `json:"update_callers"`
	}
	const want = `{"to": "new_name"}`
	if e := s.readInto(c, want, &body); e != nil {
		writeError(c, e)
		return
	}
	if !engine.NamePattern.MatchString(body.To) {
		writeError(c, badRequest("the new name %q must match [a-z][a-z0-9_]*; send %s", body.To, want))
		return
	}
	d, err := st.Get(ctx, name)
	if err != nil {
		s.storeError(c, name, err)
		return
	}
	if d.Kind == engine.KindTable {
		writeError(c, badRequest("table %s cannot be renamed: its records live in a database table of that name; define a new table and copy the records", name))
		return
	}
	if body.UpdateCallers {
		r, err := s.ws.RenameWithCallers(ctx, name, body.To)
		if b, ok := errors.AsType[*workspace.RenameBlocked](err); ok {
			writeAdminError(c, http.StatusConflict, adminErrorBody{Code: codeConflict, Definition: name, Message: b.Error(), Callers: b.Callers})
			return
		}
		if err != nil {
			s.storeError(c, name, err)
			return
		}
		s.reloadAfter(ctx)
		callers := r.Callers
		if callers == nil {
			callers = []workspace.CallerUpdate{}
		}
		writeJSON(c, http.StatusOK, gin.H{"name": body.To, "version": r.Version, "callers": callers})
		return
	}
	if !body.Force {
		callers, err := s.ws.Callers(ctx, name)
		if err != nil {
			s.internal(c, "renaming definition "+name, err)
			return
		}
		if len(callers) > 0 {
			writeAdminError(c, http.StatusConflict, adminErrorBody{Code: codeHasCallers, Definition: name, Callers: callers,
				Message: fmt.Sprintf("%s is used by %s; renaming it to %s changes %s too (a new version of each, published where it was live)",
					name, strings.Join(callers, ", "), body.To, themOf(len(callers)))})
			return
		}
	}
	v, err := st.Rename(ctx, name, body.To)
	if err != nil {
		s.storeError(c, name, err)
		return
	}
	s.reloadAfter(ctx)
	writeJSON(c, http.StatusOK, gin.H{"name": body.To, "version": v})
}

func (s *Server) publishDefinition(c *gin.Context) {
	st := s.storeOf(c)
	if st == nil {
		return
	}
	name, ctx := c.Param("name"), c.Request.Context()
	var body struct {
		versionArg
		Force            bool   `json:"force"`
		Note             string `json:"note"`
		WithDependencies bool   `json:"with_dependencies"`
	}
	if c.Request.ContentLength != 0 {
		if e := s.readInto(c, `{"version": N, "note": "what changed", "with_dependencies": true}, or nothing for the newest`, &body); e != nil {
			writeError(c, e)
			return
		}
	}
	version, verr := body.number()
	if verr != nil {
		writeError(c, verr)
		return
	}
	body.Note = strings.TrimSpace(body.Note)
	if n := utf8.RuneCountInString(body.Note); n > store.MaxNoteLength {
		writeError(c, badRequest("the note has %d characters; keep it to %d (say what changed; the diff shows the rest)", n, store.MaxNoteLength))
		return
	}
	force, qerr := queryBool(c, "force")
	if qerr != nil {
		writeError(c, qerr)
		return
	}
	pub, err := s.ws.PublishWith(ctx, name, version, force || body.Force, body.WithDependencies)
	if err != nil {
		s.publishError(c, name, err)
		return
	}
	if body.Note != "" {
		if err := st.SetNote(ctx, name, pub.Version, body.Note); err != nil {
			s.reloadAfter(ctx)
			s.internal(c, fmt.Sprintf("published %s version %d, but its note was not saved", name, pub.Version), err)
			return
		}
	}
	s.reloadAfter(ctx)
	answer := gin.H{"name": name, "published": pub.Version}
	if len(pub.Dependencies) > 0 {
		answer["dependencies"] = pub.Dependencies
	}
	writeJSON(c, http.StatusOK, answer)
}

// definitionDependencies answers GET /definitions/{name}/dependencies
// ?version=N: the drafts publishing that version (default the newest)
// needs published with it (workspace.Dependencies), and whether they
// would then publish ("ok") or the diagnostics that still refuse it.
func (s *Server) definitionDependencies(c *gin.Context) {
	st, name, version, ok := s.versionRequest(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	d, _, err := st.GetVersion(ctx, name, version)
	if err != nil {
		s.storeError(c, name, err)
		return
	}
	defs := []*engine.Definition{d}
	deps, diags, err := s.ws.Dependencies(ctx, defs)
	if err != nil {
		s.internal(c, "checking definition "+name, err)
		return
	}
	if deps == nil {
		deps = []workspace.Dependency{}
		if diags, err = s.ws.Check(ctx, defs); err != nil {
			s.internal(c, "checking definition "+name, err)
			return
		}
	}
	writeJSON(c, http.StatusOK, gin.H{"name": name, "version": d.Version, "dependencies": deps,
		"ok": !diags.HasErrors(), "diagnostics": nonNil(diags.Errors())})
}

func themOf(n int) string {
	if n == 1 {
		return "it"
	}
	return "them"
}

// versionRequest reads what a request for one version of a definition
// names: the store, the definition and ?version=N (0: the newest). ok is
// false when it has answered with the error.
func (s *Server) versionRequest(c *gin.Context) (st *store.Store, name string, version int, ok bool) {
	if st = s.storeOf(c); st == nil {
		return nil, "", 0, false
	}
	version, qerr := queryInt(c, "version", 0, 1, 1<<30)
	if qerr != nil {
		writeError(c, qerr)
		return nil, "", 0, false
	}
	return st, c.Param("name"), version, true
}
