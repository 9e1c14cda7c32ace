package api

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/store"
)

// Named test inputs of a definition (store.TestInput): kept beside it on
// the server, shared by everyone using the builder.

// testInputsOf answers GET /definitions/{name}/test-inputs.
func (s *Server) testInputsOf(c *gin.Context) {
	st := s.storeOf(c)
	if st == nil {
		return
	}
	name, ctx := c.Param("name"), c.Request.Context()
	if found, err := s.exists(ctx, name); err != nil || !found {
		if err != nil {
			s.internal(c, "reading the test inputs of "+name, err)
		} else {
			writeError(c, s.unknownDefinition(ctx, name))
		}
		return
	}
	items, err := st.TestInputs(ctx, name)
	if err != nil {
		s.internal(c, "reading the test inputs of "+name, err)
		return
	}
	writeJSON(c, http.StatusOK, gin.H{"items": items})
}

// putTestInput answers PUT /definitions/{name}/test-inputs/{input}: the
// body (a JSON object) becomes that test input.
func (s *Server) putTestInput(c *gin.Context) {
	st := s.storeOf(c)
	if st == nil {
		return
	}
	name, input, ctx := c.Param("name"), c.Param("input"), c.Request.Context()
	if input == "" || len(input) > 100 {
		writeError(c, badRequest("a test input's name has 1 to 100 characters, e.g. \"big order\""))
		return
	}
	if found, err := s.exists(ctx, name); err != nil || !found {
		if err != nil {
			s.internal(c, "saving a test input of "+name, err)
		} else {
			writeError(c, s.unknownDefinition(ctx, name))
		}
		return
	}
	var body map[string]any
	const want = `the input as a JSON object, e.g. {"n": 3}`
	if e := s.readInto(c, want, &body); e != nil {
		writeError(c, e)
		return
	}
	if body == nil {
		writeError(c, badRequest("send %s", want))
		return
	}
	raw, _ := marshal(body)
	if len(raw) > store.MaxTestInputBytes {
		writeError(c, badRequest("the test input has %d bytes of JSON; keep it to %d", len(raw), store.MaxTestInputBytes))
		return
	}
	t, err := st.SetTestInput(ctx, name, input, raw)
	if err != nil {
		s.internal(c, "saving a test input of "+name, err)
		return
	}
	writeJSON(c, http.StatusOK, t)
}

// deleteTestInput answers DELETE /definitions/{name}/test-inputs/{input}.
func (s *Server) deleteTestInput(c *gin.Context) {
	st := s.storeOf(c)
	if st == nil {
		return
	}
	name, input := c.Param("name"), c.Param("input")
	err := st.DeleteTestInput(c.Request.Context(), name, input)
	if errors.Is(err, store.ErrNotFound) {
		writeError(c, &engine.Error{Code: engine.CodeNotFound, Definition: name, Message: err.Error()})
		return
	}
	if err != nil {
		s.internal(c, "deleting a test input of "+name, err)
		return
	}
	c.Status(http.StatusNoContent)
}
