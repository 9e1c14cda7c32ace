package api

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/golang-jwt/jwt/v5"

	"github.com/funcstack/funcstack/engine"
)

// MinJWTSecretBytes is the shortest accepted JWT secret: RFC 7518 §3.2
// asks for an HS256 key at least as long as the hash (256 bits).
const MinJWTSecretBytes = 32

// JWTLeeway is the clock skew allowed when checking exp, nbf and iat.
const JWTLeeway = 30 * time.Second

// jwtAlg is the one signing algorithm accepted.
const jwtAlg = "HS256"

// codeInvalidToken is the code of a 401 for a bearer token that was sent
// but is not accepted; codeUnauthorized is for one that was not sent.
const codeInvalidToken = "invalid_token"

// jwtParser checks tokens: HS256 only, exp required, nbf and iat honoured,
// numbers kept exact (json.Number, made ordinary numbers afterwards).
var jwtParser = jwt.NewParser(
	jwt.WithValidMethods([]string{jwtAlg}),
	jwt.WithExpirationRequired(),
	jwt.WithIssuedAt(),
	jwt.WithLeeway(JWTLeeway),
	jwt.WithJSONNumber(),
)

// authJWT checks the request's bearer token against the JWT secret and
// returns its claims, or the 401 to answer with.
func (s *Server) authJWT(r *http.Request, name string) (map[string]any, *engine.Error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return nil, jwtError(codeUnauthorized, name, "this endpoint needs a JWT: send Authorization: Bearer <token>, with a token made by an auth.token step")
	}
	scheme, tok, _ := strings.Cut(h, " ")
	if !strings.EqualFold(scheme, "Bearer") {
		if len(scheme) > 20 {
			scheme = scheme[:20] + "…"
		}
		return nil, jwtError(codeUnauthorized, name, fmt.Sprintf("the Authorization header is not Bearer (it starts with %q); send Authorization: Bearer <token>", scheme))
	}
	tok = strings.TrimSpace(tok)
	if tok == "" {
		return nil, jwtError(codeInvalidToken, name, "the token is malformed: Authorization: Bearer carries no token")
	}
	claims := jwt.MapClaims{}
	t, err := jwtParser.ParseWithClaims(tok, claims, func(t *jwt.Token) (any, error) {
		if t.Method != jwt.SigningMethodHS256 { // WithValidMethods checked it; pinned twice
			return nil, fmt.Errorf("signing method %s is not HS256", t.Method.Alg())
		}
		return s.cfg.JWTSecret, nil
	})
	if err != nil {
		return nil, jwtError(codeInvalidToken, name, tokenProblem(t, claims, err))
	}
	return engine.NormalizeNumbers(map[string]any(claims)).(map[string]any), nil
}

// tokenProblem says what is wrong with a token the parser refused.
func tokenProblem(t *jwt.Token, claims jwt.MapClaims, err error) string {
	if errors.Is(err, jwt.ErrTokenMalformed) {
		return "the token is malformed: it must be a JWT (header.claims.signature, base64url-encoded JSON)"
	}
	if t != nil && t.Header != nil {
		switch alg := t.Header["alg"].(type) {
		case string:
			if alg != jwtAlg {
				return fmt.Sprintf("the token uses the wrong algorithm: alg is %q; only HS256 is accepted", alg)
			}
		default:
			return "the token uses the wrong algorithm: its header has no alg text; only HS256 is accepted"
		}
	}
	switch {
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return "the token has a bad signature: it was not signed with this server's JWT secret"
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return "the token is missing exp: tokens must expire; make them with auth.token"
	case errors.Is(err, jwt.ErrInvalidType):
		return "the token's claims are malformed: exp, nbf and iat must be numbers (seconds since 1970)"
	case errors.Is(err, jwt.ErrTokenExpired):
		return "the token is expired" + at(claims, "exp", " at ") + "; get a new one"
	case errors.Is(err, jwt.ErrTokenNotValidYet):
		return "the token is not valid yet: nbf is" + at(claims, "nbf", " ")
	case errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return "the token is issued in the future: iat is" + at(claims, "iat", " ") + "; check the clocks"
	}
	return "the token is not accepted: " + err.Error()
}

// at renders a NumericDate claim as " <prefix>RFC 3339 time".
func at(claims jwt.MapClaims, name, prefix string) string {
	var d *jwt.NumericDate
	var err error
	switch name {
	case "exp":
		d, err = claims.GetExpirationTime()
	case "nbf":
		d, err = claims.GetNotBefore()
	default:
		d, err = claims.GetIssuedAt()
	}
	if err != nil || d == nil {
		return ""
	}
	return prefix + d.UTC().Format(time.RFC3339)
}

func jwtError(code, name, msg string) *engine.Error {
	return &engine.Error{Code: code, Status: http.StatusUnauthorized, Definition: name, Message: msg}
}

// writeAuthError answers 401 with a WWW-Authenticate challenge (RFC 6750
// §3: error="invalid_token" when a token was sent).
func writeAuthError(c *gin.Context, e *engine.Error) {
	ch := `Bearer realm="funcstack"`
	if e.Code == codeInvalidToken {
		ch += `, error="invalid_token"`
	}
	c.Header("WWW-Authenticate", ch)
	writeError(c, e)
}
