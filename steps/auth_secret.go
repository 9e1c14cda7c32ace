package steps

import "github.com/funcstack/funcstack/engine"

// jwtSecret returns the engine's JWT key (engine.Config.Secrets, the one
// funcstack serve also checks endpoint tokens with), or an error saying how
// to set it.
func jwtSecret(s *engine.State, path string) ([]byte, error) {
	if key := s.Secret(engine.SecretJWT); len(key) > 0 {
		return key, nil
	}
	return nil, &engine.Error{Code: engine.CodeInternal, Path: path, Message: "auth.token has no JWT secret to sign with; " +
		"funcstack serve sets it from --jwt-secret or FUNCSTACK_JWT_SECRET (or the jwt_secret file of the data folder)"}
}
