package api

import (
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

// The history of one definition: GET /definitions/{name}/versions and
// /diff (diff.go compares two versions), POST /definitions/{name}/restore.

type versionItem struct {
	Version     int        `json:"version"`
	Hash        string     `json:"hash"`
	CreatedAt   time.Time  `json:"created_at"`
	Published   bool       `json:"published"`
	PublishedAt *time.Time `json:"published_at,omitempty"`
	Note        string     `json:"note,omitempty"`
}

func (s *Server) definitionVersions(c *gin.Context) {
	st := s.storeOf(c)
	if st == nil {
		return
	}
	name := c.Param("name")
	h, err := st.History(c.Request.Context(), name)
	if err != nil {
		s.storeError(c, name, err)
		return
	}
	items := make([]versionItem, len(h))
	for i, v := range h {
		items[i] = versionItem{Version: v.Version, Hash: v.Hash, CreatedAt: v.CreatedAt, Published: v.Published, PublishedAt: v.PublishedAt, Note: v.Note}
		if v.PublishedAt != nil {
			t := v.PublishedAt.UTC()
			items[i].PublishedAt = &t
		}
	}
	writeJSON(c, http.StatusOK, gin.H{"items": items})
}

func (s *Server) diffDefinition(c *gin.Context) {
	st := s.storeOf(c)
	if st == nil {
		return
	}
	name, ctx := c.Param("name"), c.Request.Context()
	vs, err := st.Versions(ctx)
	if err != nil {
		s.internal(c, "reading definition "+name, err)
		return
	}
	lv, ok := vs[name]
	if !ok {
		writeError(c, s.unknownDefinition(ctx, name))
		return
	}
	to, qerr := queryInt(c, "to", lv[0], 1, lv[0])
	if qerr != nil {
		writeError(c, qerr)
		return
	}
	def := max(to-1, 1)
	if lv[1] > 0 && lv[1] != to {
		def = lv[1]
	}
	from, qerr := queryInt(c, "from", def, 1, lv[0])
	if qerr != nil {
		writeError(c, qerr)
		return
	}
	_, a, err := st.GetVersion(ctx, name, from)
	if a == nil {
		s.storeError(c, name, err)
		return
	}
	_, b, err := st.GetVersion(ctx, name, to)
	if b == nil {
		s.storeError(c, name, err)
		return
	}
	changes, unified, derr := diffJSON(a.Content, b.Content, fmt.Sprintf("v%d", from), fmt.Sprintf("v%d", to))
	if derr != nil {
		s.internal(c, "comparing versions of "+name, derr)
		return
	}
	writeJSON(c, http.StatusOK, gin.H{"from": from, "to": to, "changes": changes, "unified": unified})
}

func (s *Server) restoreDefinition(c *gin.Context) {
	st := s.storeOf(c)
	if st == nil {
		return
	}
	name := c.Param("name")
	var body versionArg
	if e := s.readInto(c, `{"version": N}`, &body); e != nil {
		writeError(c, e)
		return
	}
	version, verr := body.number()
	if verr == nil && version == 0 {
		verr = badRequest(`say which version to restore: {"version": N}`)
	}
	if verr != nil {
		writeError(c, verr)
		return
	}
	v, err := st.Restore(c.Request.Context(), name, version)
	if err != nil {
		s.storeError(c, name, err)
		return
	}
	writeJSON(c, http.StatusOK, gin.H{"name": name, "version": v})
}
