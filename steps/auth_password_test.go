package steps_test

import (
	"strings"
	"testing"

	"github.com/funcstack/funcstack/engine"
)

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
		{name: "password not text", defs: []string{fn("main", "", `[{"type": "auth.hash_password", "password": "abs(42)", "as": "h"}]`, "h")},
			wantCode: engine.CodeExpression,
			wantErr:  "main: stack[0].password: `abs(42)` gave an int, expected the password as text (execution exec-1)"},
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

func TestAuthPasswordCompileErrors(t *testing.T) {
	wantCompileErrors(t, []compileCase{
		{`[{"type": "auth.hash_password", "as": "h"}]`, "password"},
		{`[{"type": "auth.check_password", "password": "'x'", "as": "ok"}]`, "hash"},
	})
}
