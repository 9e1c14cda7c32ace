package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/golang-jwt/jwt/v5"

	"github.com/funcstack/funcstack/engine"
)

// MaxTestTokenLife is the longest a test token minted by the admin API
// lives: it is for trying endpoints from the builder, not for clients.
const MaxTestTokenLife = 24 * time.Hour

// testToken answers POST /_/api/test-token {"claims": {...}, "expires_in":
// "1h"}: a JWT signed with the server's JWT secret (HS256), as an
// auth.token step would make, so that an endpoint with "auth": "jwt" can
// be called from the builder or curl. Admin only, like every /_/api route.
func (s *Server) testToken(c *gin.Context) {
	var body struct {
		Claims    map[string]any `json:"claims"`
		ExpiresIn string         `json:"expires_in"`
	}
	const want = `{"claims": {"sub": 1}, "expires_in": "1h"}`
	if e := s.readInto(c, want, &body); e != nil {
		writeError(c, e)
		return
	}
	if len(s.cfg.JWTSecret) == 0 {
		writeError(c, &engine.Error{Code: codeNoJWTSecret, Status: http.StatusNotImplemented,
			Message: "this server has no JWT secret, so it accepts no JWT; start it with FUNCSTACK_JWT_SECRET (funcstack serve makes one in its data folder)"})
		return
	}
	life := time.Hour
	if body.ExpiresIn != "" {
		d, err := engine.ParseDuration(body.ExpiresIn)
		if err != nil || d.D() <= 0 || d.D() > MaxTestTokenLife {
			writeError(c, badRequest("expires_in: %q is not a duration from 1s to 24h, such as \"1h\"; send %s", body.ExpiresIn, want))
			return
		}
		life = d.D()
	}
	now := time.Now().Truncate(time.Second)
	claims := jwt.MapClaims{}
	for k, v := range body.Claims {
		claims[k] = v
	}
	claims["iat"], claims["exp"] = now.Unix(), now.Add(life).Unix()
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(s.cfg.JWTSecret)
	if err != nil {
		s.internal(c, "signing a test token", err)
		return
	}
	writeJSON(c, http.StatusOK, gin.H{"token": tok, "expires_at": now.Add(life).UTC()})
}

// codeNoJWTSecret: the server has no JWT secret to sign a test token.
const codeNoJWTSecret = "no_jwt_secret"
