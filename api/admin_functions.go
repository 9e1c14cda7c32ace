package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/funcstack/funcstack/engine/exprfn"
)

// functions serves the catalogue of expression functions, the builder's
// completion list: GET /_/api/functions answers an array of {name,
// category, signature, description, example, result}, sorted by category
// then name (result is the example's result as JSON text).
func (s *Server) functions(c *gin.Context) { writeJSON(c, http.StatusOK, exprfn.Catalogue()) }
