package api_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/funcstack/funcstack/api"
)

// far is an exp that does not pass while the tests run.
var far = time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC).Unix()

func sign(t *testing.T, m jwt.SigningMethod, key any, claims jwt.MapClaims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(m, claims).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// handmade builds a token from header and claims JSON, with an HMAC-SHA256
// signature by key whatever the header says.
func handmade(header, claims string, key []byte) string {
	enc := base64.RawURLEncoding.EncodeToString
	head := enc([]byte(header)) + "." + enc([]byte(claims))
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(head))
	return head + "." + enc(mac.Sum(nil))
}

func bearer(tok string) map[string]string { return map[string]string{"Authorization": "Bearer " + tok} }

// TestJWT: endpoints with "auth": "jwt" take only a valid HS256 token of
// the server's secret, and see its claims as auth.
func TestJWT(t *testing.T) {
	key := []byte(jwtSecret)
	good := sign(t, jwt.SigningMethodHS256, key, jwt.MapClaims{"sub": 42, "role": "admin", "exp": far})
	noneTok, err := jwt.NewWithClaims(jwt.SigningMethodNone, jwt.MapClaims{"sub": 42, "exp": far}).SignedString(jwt.UnsafeAllowNoneSignatureType)
	if err != nil {
		t.Fatal(err)
	}
	claims := `{"sub":42,"exp":` + jsonOf(far) + `}`
	challenge := map[string]string{"WWW-Authenticate": `Bearer realm="funcstack", error="invalid_token"`}
	invalid := func(msg string) string {
		b, _ := json.Marshal(msg)
		return `{"error": {"code": "invalid_token", "definition": "t_secret", "message": ` + string(b) + `}}`
	}
	now := time.Now().Unix()
	scenarios := []scenario{
		{name: "valid token", method: "GET", url: "/t/secret", headers: bearer(good), status: 200, header: withID,
			want: `{"sub": 42, "auth": {"sub": 42, "role": "admin", "exp": 4102444800}}`},
		{name: "scheme is case-insensitive", method: "GET", url: "/t/secret", headers: map[string]string{"Authorization": "bearer " + good}, status: 200,
			want: `{"sub": 42, "auth": {"sub": 42, "role": "admin", "exp": 4102444800}}`},
		{name: "expired within the leeway", method: "GET", url: "/t/secret", status: 200,
			headers: bearer(sign(t, jwt.SigningMethodHS256, key, jwt.MapClaims{"sub": "u1", "exp": now - 5})),
			want:    `{"sub": "u1", "auth": {"sub": "u1", "exp": ` + jsonOf(now-5) + `}}`},
		{name: "nbf and iat in the past", method: "GET", url: "/t/secret", status: 200,
			headers: bearer(sign(t, jwt.SigningMethodHS256, key, jwt.MapClaims{"sub": "u1", "exp": far, "nbf": 1000, "iat": 1000})),
			want:    `{"sub": "u1", "auth": {"sub": "u1", "exp": 4102444800, "nbf": 1000, "iat": 1000}}`},

		{name: "missing header", method: "GET", url: "/t/secret", status: 401,
			header: map[string]string{"WWW-Authenticate": `Bearer realm="funcstack"`},
			want: `{"error": {"code": "unauthorized", "definition": "t_secret",
				"message": "this endpoint needs a JWT: send Authorization: Bearer <token>, with a token made by an auth.token step"}}`},
		{name: "not Bearer", method: "GET", url: "/t/secret", headers: map[string]string{"Authorization": "Basic YWRhOnB3"}, status: 401,
			header: map[string]string{"WWW-Authenticate": `Bearer realm="funcstack"`},
			want: `{"error": {"code": "unauthorized", "definition": "t_secret",
				"message": "the Authorization header is not Bearer (it starts with \"Basic\"); send Authorization: Bearer <token>"}}`},
		{name: "Bearer without a token", method: "GET", url: "/t/secret", headers: map[string]string{"Authorization": "Bearer"}, status: 401, header: challenge,
			want: invalid("the token is malformed: Authorization: Bearer carries no token")},
		{name: "malformed", method: "GET", url: "/t/secret", headers: bearer("not-a-jwt"), status: 401, header: challenge,
			want: invalid("the token is malformed: it must be a JWT (header.claims.signature, base64url-encoded JSON)")},
		{name: "malformed JSON", method: "GET", url: "/t/secret", headers: bearer("eyJhbGci.e30.c2ln"), status: 401, header: challenge,
			want: invalid("the token is malformed: it must be a JWT (header.claims.signature, base64url-encoded JSON)")},
		{name: "bad signature", method: "GET", url: "/t/secret", headers: bearer(sign(t, jwt.SigningMethodHS256, []byte(jwtSecret+"x"), jwt.MapClaims{"sub": 42, "exp": far})),
			status: 401, header: challenge, want: invalid("the token has a bad signature: it was not signed with this server's JWT secret")},
		{name: "tampered claims", method: "GET", url: "/t/secret", status: 401, header: challenge,
			headers: bearer(strings.Split(good, ".")[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(`{"sub":1,"exp":4102444800}`)) + "." + strings.Split(good, ".")[2]),
			want:    invalid("the token has a bad signature: it was not signed with this server's JWT secret")},
		{name: "alg none", method: "GET", url: "/t/secret", headers: bearer(noneTok), status: 401, header: challenge,
			want: invalid(`the token uses the wrong algorithm: alg is "none"; only HS256 is accepted`)},
		{name: "alg none, hand-made, HMAC-signed", method: "GET", url: "/t/secret", headers: bearer(handmade(`{"alg":"none"}`, claims, key)), status: 401, header: challenge,
			want: invalid(`the token uses the wrong algorithm: alg is "none"; only HS256 is accepted`)},
		{name: "RS256-labelled, HMAC-signed with the secret", method: "GET", url: "/t/secret", headers: bearer(handmade(`{"alg":"RS256","typ":"JWT"}`, claims, key)),
			status: 401, header: challenge, want: invalid(`the token uses the wrong algorithm: alg is "RS256"; only HS256 is accepted`)},
		{name: "HS512 with the secret", method: "GET", url: "/t/secret", headers: bearer(sign(t, jwt.SigningMethodHS512, key, jwt.MapClaims{"sub": 42, "exp": far})),
			status: 401, header: challenge, want: invalid(`the token uses the wrong algorithm: alg is "HS512"; only HS256 is accepted`)},
		{name: "alg in lower case", method: "GET", url: "/t/secret", headers: bearer(handmade(`{"alg":"hs256"}`, claims, key)),
			status: 401, header: challenge, want: invalid(`the token uses the wrong algorithm: alg is "hs256"; only HS256 is accepted`)},
		{name: "no alg", method: "GET", url: "/t/secret", headers: bearer(handmade(`{"typ":"JWT"}`, claims, key)),
			status: 401, header: challenge, want: invalid(`the token uses the wrong algorithm: its header has no alg text; only HS256 is accepted`)},
		{name: "expired", method: "GET", url: "/t/secret", headers: bearer(sign(t, jwt.SigningMethodHS256, key, jwt.MapClaims{"sub": 42, "exp": 1577836800})),
			status: 401, header: challenge, want: invalid("the token is expired at 2020-01-01T00:00:00Z; get a new one")},
		{name: "expired past the leeway", method: "GET", url: "/t/secret", headers: bearer(sign(t, jwt.SigningMethodHS256, key, jwt.MapClaims{"sub": 42, "exp": now - 60})),
			status: 401, header: challenge, want: invalid("the token is expired at " + time.Unix(now-60, 0).UTC().Format(time.RFC3339) + "; get a new one")},
		{name: "missing exp", method: "GET", url: "/t/secret", headers: bearer(sign(t, jwt.SigningMethodHS256, key, jwt.MapClaims{"sub": 42})),
			status: 401, header: challenge, want: invalid("the token is missing exp: tokens must expire; make them with auth.token")},
		{name: "exp not a number", method: "GET", url: "/t/secret", headers: bearer(sign(t, jwt.SigningMethodHS256, key, jwt.MapClaims{"sub": 42, "exp": "tomorrow"})),
			status: 401, header: challenge, want: invalid("the token's claims are malformed: exp, nbf and iat must be numbers (seconds since 1970)")},
		{name: "not valid yet", method: "GET", url: "/t/secret", headers: bearer(sign(t, jwt.SigningMethodHS256, key, jwt.MapClaims{"sub": 42, "exp": far, "nbf": far - 10})),
			status: 401, header: challenge, want: invalid("the token is not valid yet: nbf is 2099-12-31T23:59:50Z")},
		{name: "issued in the future", method: "GET", url: "/t/secret", headers: bearer(sign(t, jwt.SigningMethodHS256, key, jwt.MapClaims{"sub": 42, "exp": far, "iat": far - 10})),
			status: 401, header: challenge, want: invalid("the token is issued in the future: iat is 2099-12-31T23:59:50Z; check the clocks")},
		{name: "the admin token is not a JWT", method: "GET", url: "/t/secret", admin: true, status: 401, header: challenge,
			want: invalid("the token is malformed: it must be a JWT (header.claims.signature, base64url-encoded JSON)")},
	}
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			st := b.open(t)
			ts := newServer(t, st, api.Config{}, "testdata/ws")
			runScenarios(t, ts.URL, scenarios)
		})
	}
}

func jsonOf(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestSignupLogin walks the example app: signup and login give a token
// made by auth.token, which GET /api/me (auth jwt) accepts.
func TestSignupLogin(t *testing.T) {
	type answer struct {
		User struct {
			ID    any    `json:"id"`
			Email string `json:"email"`
		} `json:"user"`
		Token string `json:"token"`
	}
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			st := b.open(t)
			ts := newServer(t, st, api.Config{}, "../workflows")
			call := func(method, path, tok, body string) (int, []byte) {
				t.Helper()
				req, _ := http.NewRequest(method, ts.URL+path, strings.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				if tok != "" {
					req.Header.Set("Authorization", "Bearer "+tok)
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				got, _ := io.ReadAll(resp.Body)
				return resp.StatusCode, got
			}
			code, got := call("POST", "/api/signup", "", `{"email": "Ada@Example.com", "password": "correct horse"}`)
			var signup answer
			if code != 201 || json.Unmarshal(got, &signup) != nil || signup.Token == "" || signup.User.Email != "ada@example.com" {
				t.Fatalf("signup: %d %s", code, got)
			}
			if code, got := call("POST", "/api/signup", "", `{"email": "ada@example.com", "password": "another one"}`); code != 409 ||
				!strings.Contains(string(got), `"code":"email_taken"`) {
				t.Errorf("second signup: %d %s", code, got)
			}
			if code, got := call("POST", "/api/signup", "", `{"email": "bob@example.com", "password": "short"}`); code != 400 ||
				!strings.Contains(string(got), `"field":"password","code":"min"`) {
				t.Errorf("short password: %d %s", code, got)
			}
			for _, body := range []string{`{"email": "ada@example.com", "password": "wrong horse"}`, `{"email": "eve@example.com", "password": "correct horse"}`} {
				if code, got := call("POST", "/api/login", "", body); code != 401 ||
					!strings.Contains(string(got), `"code":"bad_credentials","message":"wrong email or password"`) {
					t.Errorf("bad login %s: %d %s", body, code, got)
				}
			}
			code, got = call("POST", "/api/login", "", `{"email": "ada@example.com", "password": "correct horse"}`)
			var login answer
			if code != 200 || json.Unmarshal(got, &login) != nil || login.Token == "" || jsonOf(login.User) != jsonOf(signup.User) {
				t.Fatalf("login: %d %s", code, got)
			}
			for name, tok := range map[string]string{"signup": signup.Token, "login": login.Token} {
				code, got := call("GET", "/api/me", tok, "")
				var me map[string]any
				if code != 200 || json.Unmarshal(got, &me) != nil || jsonOf(me["id"]) != jsonOf(signup.User.ID) || me["email"] != "ada@example.com" {
					t.Errorf("me with the %s token: %d %s", name, code, got)
				}
				if strings.Contains(string(got), "password") {
					t.Errorf("me shows the password hash: %s", got)
				}
			}
			if code, got := call("GET", "/api/me", "", ""); code != 401 {
				t.Errorf("me without a token: %d %s", code, got)
			}
		})
	}
}
