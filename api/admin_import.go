package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"

	"github.com/gin-gonic/gin"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/store"
	"github.com/funcstack/funcstack/engine/workspace"
)

// The workspace as a whole: POST /validate, GET /export, POST /import.

// definitionList is a body holding definitions: {"definitions": [...]}.
type definitionList struct {
	Definitions []json.RawMessage `json:"definitions"`
	Publish     *bool             `json:"publish"`
	Force       bool              `json:"force"`
	// TestInputs are named test inputs by definition, as GET /export
	// gives them: kept for the definitions imported.
	TestInputs map[string][]store.TestInput `json:"test_inputs"`
}

// parseList parses every definition of a list; the diagnostics name each
// by its place (definitions[i]) when it has no name yet.
func parseList(raws []json.RawMessage) ([]*engine.Definition, engine.Diagnostics) {
	var defs []*engine.Definition
	var diags engine.Diagnostics
	seen := map[string]int{}
	for i, raw := range raws {
		where := fmt.Sprintf("definitions[%d]", i)
		d, ds := parseDefinition(raw, where)
		diags = append(diags, ds...)
		if d == nil {
			continue
		}
		if j, dup := seen[d.Name]; dup {
			diags = append(diags, engine.Diagnostic{Severity: engine.SeverityError, Code: "duplicate", File: where, Definition: d.Name, Path: "name",
				Message: fmt.Sprintf("definitions[%d] has the same name; names are unique", j)})
			continue
		}
		seen[d.Name] = i
		defs = append(defs, d)
	}
	return defs, diags
}

func (s *Server) validate(c *gin.Context) {
	st := s.storeOf(c)
	if st == nil {
		return
	}
	data, rerr := s.readRaw(c, definitionWanted+` or {"definitions": [...]}`)
	if rerr != nil {
		writeError(c, rerr)
		return
	}
	var list definitionList
	var head struct {
		Kind        any `json:"kind"`
		Definitions any `json:"definitions"`
	}
	_ = json.Unmarshal(data, &head)
	var defs []*engine.Definition
	var diags engine.Diagnostics
	if head.Definitions != nil && head.Kind == nil {
		if err := json.Unmarshal(data, &list); err != nil {
			writeError(c, badRequest(`"definitions" must be a list of definition objects: %v`, err))
			return
		}
		defs, diags = parseList(list.Definitions)
	} else {
		var d *engine.Definition
		d, diags = parseDefinition(data, "")
		if d != nil {
			defs = append(defs, d)
		}
	}
	base, err := s.ws.Newest(c.Request.Context())
	if err != nil {
		s.internal(c, "validating", err)
		return
	}
	if len(defs) > 0 {
		diags = append(diags, workspace.NewProblemsContext(c.Request.Context(), base, defs)...)
	}
	sort.SliceStable(diags, func(i, j int) bool { return diags[i].Definition < diags[j].Definition })
	writeJSON(c, http.StatusOK, gin.H{"ok": !diags.HasErrors(), "diagnostics": nonNil(diags)})
}

func (s *Server) export(c *gin.Context) {
	if s.storeOf(c) == nil {
		return
	}
	// What is served by default; ?drafts=true for the newest versions,
	// drafts included (docs/design.md §21).
	newest := s.ws.Published
	switch c.Query("drafts") {
	case "", "false":
	case "true":
		newest = s.ws.Newest
	default:
		writeError(c, badRequest(`drafts must be true or false, not %q`, c.Query("drafts")))
		return
	}
	defs, err := newest(c.Request.Context())
	if err != nil {
		s.internal(c, "exporting", err)
		return
	}
	out := make([]json.RawMessage, len(defs))
	for i, d := range defs {
		out[i] = d.Raw
	}
	tests, err := s.cfg.Store.AllTestInputs(c.Request.Context())
	if err != nil {
		s.internal(c, "exporting", err)
		return
	}
	answer := gin.H{"definitions": out}
	if len(tests) > 0 {
		answer["test_inputs"] = tests
	}
	writeJSON(c, http.StatusOK, answer)
}

func (s *Server) importDefinitions(c *gin.Context) {
	st := s.storeOf(c)
	if st == nil {
		return
	}
	ctx := c.Request.Context()
	var body definitionList
	if e := s.readInto(c, `{"definitions": [...], "publish": true, "force": false}`, &body); e != nil {
		writeError(c, e)
		return
	}
	publish := body.Publish == nil || *body.Publish
	defs, diags := parseList(body.Definitions)
	if diags.HasErrors() {
		writeInvalid(c, "the import is not valid; nothing was saved", diags)
		return
	}
	base, err := s.ws.Newest(ctx)
	if err != nil {
		s.internal(c, "importing", err)
		return
	}
	if diags = append(diags, workspace.DraftProblems(workspace.NewProblemsContext(ctx, base, defs), defs...)...); diags.HasErrors() {
		writeInvalid(c, "the import is not valid; nothing was saved", diags)
		return
	}
	if publish && !s.preparePublish(c, defs, body.Force) {
		return
	}
	saved, err := s.ws.Save(ctx, defs, publish)
	if se, ok := errors.AsType[*workspace.SaveError](err); ok {
		if se.Publishing {
			s.storeError(c, se.Definition.Name, se.Err)
		} else {
			s.internal(c, "importing "+se.Definition.Name, se.Err)
		}
		return
	}
	if err != nil {
		s.internal(c, "importing", err)
		return
	}
	created, updated, unchanged := []string{}, []string{}, []string{}
	for _, sv := range saved {
		switch {
		case !sv.Existed:
			created = append(created, sv.Name)
		case sv.Changed:
			updated = append(updated, sv.Name)
		default:
			unchanged = append(unchanged, sv.Name)
		}
	}
	if publish {
		s.reloadAfter(ctx)
	}
	imported := map[string]bool{}
	for _, d := range defs {
		imported[d.Name] = true
	}
	for def, tests := range body.TestInputs {
		if !imported[def] {
			continue
		}
		for _, t := range tests {
			if _, err := st.SetTestInput(ctx, def, t.Name, t.Input); err != nil {
				s.internal(c, "importing the test inputs of "+def, err)
				return
			}
		}
	}
	writeJSON(c, http.StatusOK, gin.H{"created": created, "updated": updated, "unchanged": unchanged})
}
