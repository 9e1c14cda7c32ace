package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"
)

// TestServeGuardsOutboundRequests: under serve the http step refuses
// loopback addresses unless --outbound-allow lets them through.
func TestServeGuardsOutboundRequests(t *testing.T) {
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`"inside"`))
	}))
	defer target.Close()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "fetch.json"), []byte(`{"kind": "function", "name": "fetch", "settings": {"public": true},
		"input": [{"name": "url", "type": "text", "required": true}],
		"stack": [{"type": "http", "method": "GET", "url": "input.url", "as": "r"}], "response": "r.body"}`), 0o644)
	body := `{"url": "` + target.URL + `"}`

	// The admin sees why (an anonymous caller gets a generic 502, design §21).
	t.Setenv("FUNCSTACK_ADMIN_TOKEN", "outbound-admin")
	base, _, stop := startServe(t, "--workspace", dir, "--data", t.TempDir())
	code, out := get(t, "POST", base+"/function/fetch", "outbound-admin", body)
	if code == 200 || !strings.Contains(out, "loopback") || !strings.Contains(out, "--outbound-allow") {
		t.Errorf("loopback without an allowlist: %d %s", code, out)
	}
	stop()

	base, _, stop = startServe(t, "--workspace", dir, "--data", t.TempDir(), "--outbound-allow", "127.0.0.1")
	defer stop()
	if code, out := get(t, "POST", base+"/function/fetch", "", body); code != 200 || out != `"inside"` {
		t.Errorf("allowlisted loopback: %d %s", code, out)
	}
}

// TestRunLikeServe: run guards outbound requests as serve does, with the
// same --outbound-allow, and signs auth.token with the same JWT secret:
// FUNCSTACK_JWT_SECRET, else the data folder's (issue 15).
func TestRunLikeServe(t *testing.T) {
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`"inside"`))
	}))
	defer target.Close()
	dir := writeWorkspace(t, map[string]string{
		"fetch.json": `{"kind": "function", "name": "fetch", "input": [{"name": "url", "type": "text", "required": true}],
			"stack": [{"type": "http", "method": "GET", "url": "input.url", "as": "r"}], "response": "r.body"}`,
		"token.json": `{"kind": "function", "name": "token", "stack": [{"type": "auth.token", "claims": "{sub: 7}", "as": "t"}], "response": "t"}`,
	})
	input := `{"url": "` + target.URL + `"}`
	data := t.TempDir()

	code, out, errOut := cli(t, "run", "--workspace", dir, "--data", data, "fetch", "--input", input)
	want := `{"error":{"code":"http_error","message":"GET ` + target.URL + `: dial tcp ` + strings.TrimPrefix(target.URL, "http://") +
		`: outbound address refused: 127.0.0.1 is a loopback address; outbound requests go only to public addresses unless allowed (--outbound-allow 127.0.0.1)","status":502,"definition":"fetch","path":"stack[0]","execution_id":`
	if code != 1 || out != "" || !strings.HasPrefix(errOut, want) {
		t.Errorf("loopback without an allowlist: exit %d, stdout %q, stderr:\n%s\nwant it to start with\n%s", code, out, errOut, want)
	}
	code, out, errOut = cli(t, "run", "--workspace", dir, "--data", data, "--outbound-allow", "127.0.0.1", "fetch", "--input", input)
	if code != 0 || out != "\"inside\"\n" {
		t.Errorf("allowlisted loopback: exit %d, stdout %q, stderr:\n%s", code, out, errOut)
	}

	verify := func(token string, secret []byte) error {
		_, err := jwt.Parse(strings.Trim(strings.TrimSpace(token), `"`), func(*jwt.Token) (any, error) { return secret, nil },
			jwt.WithValidMethods([]string{"HS256"}))
		return err
	}
	t.Setenv("FUNCSTACK_JWT_SECRET", strings.Repeat("s", 32))
	code, out, errOut = cli(t, "run", "--workspace", dir, "--data", data, "token")
	if code != 0 || verify(out, []byte(strings.Repeat("s", 32))) != nil {
		t.Errorf("FUNCSTACK_JWT_SECRET: exit %d, stdout %q, stderr:\n%s", code, out, errOut)
	}
	os.Unsetenv("FUNCSTACK_JWT_SECRET")
	code, out, errOut = cli(t, "run", "--workspace", dir, "--data", data, "token")
	secret, err := os.ReadFile(filepath.Join(data, jwtSecretFile))
	if err != nil || code != 0 || verify(out, bytes.TrimSpace(secret)) != nil {
		t.Errorf("the data folder's secret (%v): exit %d, stdout %q, stderr:\n%s", err, code, out, errOut)
	}
}
