package steps_test

import (
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/funcstack/funcstack/engine"
	_ "github.com/funcstack/funcstack/steps"
)

const testJWTSecret = "steps-test-secret-0123456789abcdef"

func TestAuthPassword(t *testing.T) {
	pwInput := `[{"name": "password", "type": "text"}, {"name": "other", "type": "text"}, {"name": "hash", "type": "json"}]`
	hashThenCheck := fn("main", pwInput, `[
		{"type": "auth.hash_password", "password": "input.password", "as": "h"},
		{"type": "auth.check_password", "password": "input.password", "hash": "h", "as": "same"},
		{"type": "auth.check_password", "password": "input.other", "hash": "h", "as": "other"}
	]`, "{same: same, other: other, bcrypt: h startsWith '$2a$10$', len: len(h)}")
	check := fn("main", pwInput, `[
		{"type": "auth.check_password", "password": "input.password", "hash": "input.hash", "as": "ok"}
	]`, "ok")
	long := strings.Repeat("x", 72)
	runCases(t, []stepCase{
		{name: "round trip", defs: []string{hashThenCheck}, input: map[string]any{"password": "correct horse", "other": "wrong horse"},
			want: `{"bcrypt":true,"len":60,"other":false,"same":true}`},
		{name: "empty password", defs: []string{hashThenCheck}, input: map[string]any{"password": "", "other": " "},
			want: `{"bcrypt":true,"len":60,"other":false,"same":true}`},
		{name: "72 bytes is the limit; a longer password never matches", defs: []string{hashThenCheck}, input: map[string]any{"password": long, "other": long + "y"},
			want: `{"bcrypt":true,"len":60,"other":false,"same":true}`},
		{name: "too long to hash", defs: []string{hashThenCheck}, input: map[string]any{"password": long + "é", "other": ""},
			wantCode: "password_too_long", wantStatus: 400,
			wantErr: "main: stack[0].password: the password is 74 bytes long; at most 72 bytes can be hashed (execution exec-1)"},
		{name: "password not text", defs: []string{fn("main", "", `[{"type": "auth.hash_password", "password": "42", "as": "h"}]`, "h")},
			wantCode: engine.CodeExpression,
			wantErr:  "main: stack[0].password: `42` gave an int, expected the password as text (execution exec-1)"},
		{name: "malformed hash", defs: []string{check}, input: map[string]any{"password": "pw", "hash": "plain text"},
			wantCode: "invalid_password_hash",
			wantErr:  "main: stack[0].hash: `input.hash` is not a bcrypt hash (crypto/bcrypt: hashedSecret too short to be a bcrypted password); store the result of auth.hash_password (execution exec-1)"},
		{name: "null hash", defs: []string{check}, input: map[string]any{"password": "pw", "hash": nil},
			wantCode: engine.CodeExpression,
			wantErr:  "main: stack[0].hash: `input.hash` gave null, expected the bcrypt hash as text (execution exec-1)"},
		{name: "a known hash", defs: []string{check}, input: map[string]any{"password": "secret",
			"hash": "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"}, want: `false`},
	})
}

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
		{name: "claims not an object", cfg: withKey, defs: []string{mainFn(`[{"type": "auth.token", "claims": "'me'", "as": "token"}]`, "token")},
			wantCode: engine.CodeExpression,
			wantErr:  "main: stack[0].claims: `'me'` gave text, expected an object of claims such as {sub: user.id} (execution exec-1)"},
		{name: "claims not JSON", cfg: withKey, defs: []string{mainFn(`[{"type": "auth.token", "claims": "{f: 1.0 / 0}", "as": "token"}]`, "token")},
			wantCode: engine.CodeExpression,
			wantErr:  "main: stack[0].claims: the claims of `{f: 1.0 / 0}` cannot be put in a token: json: unsupported value: +Inf (execution exec-1)"},
	})

	runCases(t, []stepCase{
		{name: "no secret", defs: []string{def}, wantCode: engine.CodeInternal,
			wantErr: "main: stack[0]: auth.token has no JWT secret to sign with; funcstack serve sets it from --jwt-secret or FUNCSTACK_JWT_SECRET (or the jwt_secret file of the data folder) (execution exec-1)"},
	})
}

func TestAuthCompileErrors(t *testing.T) {
	for _, tc := range []struct{ stack, want string }{
		{`[{"type": "auth.token", "claims": "{sub: 1}", "ttl": "0s", "as": "t"}]`, "ttl must be longer than 0"},
		{`[{"type": "auth.token", "claims": "{sub: nobody}", "as": "t"}]`, "unknown name nobody"},
		{`[{"type": "auth.token", "claims": "{sub: 1}"}]`, "as"},
		{`[{"type": "auth.hash_password", "as": "h"}]`, "password"},
		{`[{"type": "auth.check_password", "password": "'x'", "as": "ok"}]`, "hash"},
	} {
		var diags engine.Diagnostics
		d := engine.ParseDefinition("main.json", []byte(mainFn(tc.stack, "")), &diags)
		if d != nil {
			_, more := engine.Compile([]*engine.Definition{d})
			diags = append(diags, more...)
		}
		if !diags.HasErrors() || !strings.Contains(diags.Err().Error(), tc.want) {
			t.Errorf("%s: %v; want an error about %q", tc.stack, diags.Err(), tc.want)
		}
	}
}
