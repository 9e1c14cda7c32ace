package api

import (
	"net/http"

	"github.com/funcstack/funcstack/engine"
)

// authenticate checks the credentials endpoint d asks for ("auth") and
// returns what its stack sees as auth, or the 401 to answer with.
func (s *Server) authenticate(r *http.Request, d *engine.Definition) (map[string]any, *engine.Error) {
	if d.Accepts(engine.AuthJWT) {
		return s.authJWT(r, d.Name)
	}
	return nil, jwtError(codeUnauthorized, d.Name, "this endpoint needs an API key, and API keys are not available in this version")
}
