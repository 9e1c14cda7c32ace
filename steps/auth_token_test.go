package steps_test

import (
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/funcstack/funcstack/engine"
)

const testJWTSecret = "steps-test-secret-0123456789abcdef"

func TestAuthToken(t *testing.T) {
	withKey := engine.Config{Secrets: map[string][]byte{engine.SecretJWT: []byte(testJWTSecret)}}
	main := mainFn(`[
		{"type": "var", "name": "user", "value": "{id: 7, role: 'admin'}"},
		{"type": "auth.token", "claims": "{sub: user.id, role: user.role, exp: 1}", "ttl": "15m", "as": "token"}
	]`, "token")
	res := runCase(t, stepCase{name: "token", defs: []string{main}, cfg: withKey, want: anyOutput})
	tok, _ := res.Output.(string)
	claims := jwt.MapClaims{}
	parsed, err := jwt.NewParser(jwt.WithValidMethods([]string{"HS256"}), jwt.WithExpirationRequired()).
		ParseWithClaims(tok, claims, func(*jwt.Token) (any, error) { return []byte(testJWTSecret), nil })
	if err != nil || !parsed.Valid {
		t.Fatalf("the token does not verify: %v (%q)", err, tok)
	}
	iat, _ := claims.GetIssuedAt()
	exp, _ := claims.GetExpirationTime()
	if claims["sub"] != 7.0 || claims["role"] != "admin" || iat == nil || exp == nil || exp.Sub(iat.Time) != 15*time.Minute ||
		time.Since(iat.Time) > time.Minute {
		t.Errorf("claims %v", claims)
	}
	if parsed.Header["alg"] != "HS256" {
		t.Errorf("header %v", parsed.Header)
	}

	def := mainFn(`[{"type": "auth.token", "claims": "{sub: 1}", "as": "token"}]`, "token")
	res = runCase(t, stepCase{name: "default ttl", defs: []string{def}, cfg: withKey, want: anyOutput})
	claims = jwt.MapClaims{}
	if _, err := jwt.ParseWithClaims(res.Output.(string), claims, func(*jwt.Token) (any, error) { return []byte(testJWTSecret), nil }); err != nil {
		t.Fatal(err)
	}
	if exp, iat := claims["exp"].(float64), claims["iat"].(float64); exp-iat != 3600 {
		t.Errorf("default ttl: exp %v iat %v", exp, iat)
	}

	runCases(t, []stepCase{
		{name: "claims not an object", cfg: withKey, defs: []string{mainFn(`[{"type": "auth.token", "claims": "trim('me')", "as": "token"}]`, "token")},
			wantCode: engine.CodeExpression,
			wantErr:  "main: stack[0].claims: `trim('me')` gave text, expected an object of claims such as {sub: user.id} (execution exec-1)"},
		{name: "claims not JSON", cfg: withKey, defs: []string{mainFn(`[{"type": "auth.token", "claims": "{f: float('NaN')}", "as": "token"}]`, "token")},
			wantCode: engine.CodeExpression,
			wantErr:  "main: stack[0].claims: the claims of `{f: float('NaN')}` cannot be put in a token: json: unsupported value: NaN (execution exec-1)"},
	})

	runCases(t, []stepCase{
		{name: "no secret", defs: []string{def}, wantCode: engine.CodeInternal,
			wantErr: "main: stack[0]: auth.token has no JWT secret to sign with; funcstack serve sets it from --jwt-secret or FUNCSTACK_JWT_SECRET (or the jwt_secret file of the data folder) (execution exec-1)"},
	})
}

func TestAuthTokenCompileErrors(t *testing.T) {
	wantCompileErrors(t, []compileCase{
		{`[{"type": "auth.token", "claims": "{sub: 1}", "ttl": "0s", "as": "t"}]`, "ttl must be longer than 0"},
		{`[{"type": "auth.token", "claims": "{sub: nobody}", "as": "t"}]`, "unknown name nobody"},
		{`[{"type": "auth.token", "claims": "{sub: 1}"}]`, "as"},
	})
}
