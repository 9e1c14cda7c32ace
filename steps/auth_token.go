package steps

import (
	"fmt"
	"maps"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/funcstack/funcstack/engine"
)

// defaultTokenTTL is how long a token made by auth.token is valid unless
// ttl says otherwise.
const defaultTokenTTL = time.Hour

func init() {
	engine.Register(&engine.StepType{
		Name:     "auth.token",
		Title:    "Create auth token",
		Summary:  "auth.token {claims}[ for {ttl}] → {as}",
		Category: "auth",
		Description: "Make a signed JWT (HS256, with the server's JWT secret) carrying claims, for endpoints with \"auth\": \"jwt\", which see the claims as auth. " +
			"iat is set to now and exp to now + ttl, replacing any given in claims. Put the user's id in sub.",
		Fields: []engine.FieldSpec{
			{Name: "claims", Kind: engine.FieldExpr, Expects: engine.ExpectObject, Required: true, Description: "an object of claims, e.g. {sub: user.id, role: user.role}"},
			{Name: "ttl", Kind: engine.FieldDuration, Default: "1h", Description: "how long the token is valid"},
			{Name: "as", Kind: engine.FieldName, Required: true, Description: "the variable receiving the token (text)"},
		},
		Example: []byte(`{"type": "auth.token", "claims": "{sub: user.id}", "ttl": "24h", "as": "token"}`),
		Compile: func(c *engine.StepCompiler) engine.RunFunc {
			claims := c.Expr("claims")
			ttl := defaultTokenTTL
			if c.Has("ttl") {
				ttl = c.Duration("ttl")
				if ttl <= 0 {
					c.Errorf("ttl", "bad_value", "ttl must be longer than 0, e.g. \"1h\"")
				}
			}
			as := c.NewName("as")
			c.Declare(as)
			path := c.Path("")
			if claims == nil {
				return nil
			}
			return func(s *engine.State) (any, error) {
				v, err := s.Eval(claims)
				if err != nil {
					return nil, err
				}
				m, ok := v.(map[string]any)
				if !ok {
					return nil, &engine.Error{Code: engine.CodeExpression, Path: claims.Path, Message: fmt.Sprintf(
						"%s gave %s, expected an object of claims such as {sub: user.id}", quote(claims.Source), kindOf(v))}
				}
				key, err := jwtSecret(s, path)
				if err != nil {
					return nil, err
				}
				now := time.Now()
				mc := make(jwt.MapClaims, len(m)+2)
				maps.Copy(mc, m)
				mc["iat"] = now.Unix()
				mc["exp"] = now.Add(ttl).Unix()
				tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, mc).SignedString(key)
				if err != nil {
					return nil, &engine.Error{Code: engine.CodeExpression, Path: claims.Path, Message: fmt.Sprintf(
						"the claims of %s cannot be put in a token: %v", quote(claims.Source), err), Cause: err}
				}
				s.KeepOut(tok) // usable by the run, never kept in its record
				s.Set(as, tok)
				return tok, nil
			}
		},
	})
}
