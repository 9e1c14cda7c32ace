package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/funcstack/funcstack/engine/enginetest"
	"github.com/funcstack/funcstack/engine/store/storetest"
)

var (
	apiLine   = regexp.MustCompile(`funcstack: API at (http://127\.0\.0\.1:\d+) `)
	tokenLine = regexp.MustCompile(`funcstack: admin token \(new, saved in (.+)\): (\S+)\n`)
)

// startServe runs the serve command in-process on a free loopback port
// and returns its base URL, its output and a stop function that cancels
// it and returns its exit code.
func startServe(t *testing.T, args ...string) (base string, out *enginetest.SyncBuffer, stop func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out, errOut := &enginetest.SyncBuffer{}, &enginetest.SyncBuffer{}
	done := make(chan int, 1)
	go func() {
		done <- serve(ctx, append([]string{"--workspace", ws, "--addr", "127.0.0.1:0"}, args...), out, errOut)
	}()
	deadline := time.After(20 * time.Second)
	for {
		if m := apiLine.FindStringSubmatch(out.String()); m != nil && strings.Contains(out.String(), "admin token") {
			base = m[1]
			break
		}
		select {
		case code := <-done:
			cancel()
			t.Fatalf("serve ended with %d before serving:\n%s%s", code, out, errOut)
		case <-deadline:
			cancel()
			t.Fatalf("serve did not start in 20s:\n%s%s", out, errOut)
		case <-time.After(10 * time.Millisecond):
		}
	}
	stopped := false
	stop = func() int {
		stopped = true
		cancel()
		select {
		case code := <-done:
			if code != 0 {
				t.Errorf("stderr:\n%s", errOut)
			}
			return code
		case <-time.After(20 * time.Second):
			t.Fatal("serve did not shut down within 20s of its context ending")
			return -1
		}
	}
	t.Cleanup(func() {
		if !stopped {
			stop()
		}
	})
	return base, out, stop
}

func get(t *testing.T, method, url, token, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, strings.TrimSpace(string(b))
}

// TestServe starts the serve command as the binary would, serves the
// example workspace, and shuts it down by cancelling its context.
func TestServe(t *testing.T) {
	t.Setenv("FUNCSTACK_JWT_SECRET", "")
	signups := 0
	check := func(t *testing.T, base, token string) {
		t.Helper()
		if code, body := get(t, "GET", base+"/healthz", "", ""); code != 200 || body != `{"status":"ok"}` {
			t.Errorf("healthz: %d %s", code, body)
		}
		if code, body := get(t, "GET", base+"/api/sum-squares/20", "", ""); code != 200 || body != `{"label":"big","total":2870}` {
			t.Errorf("endpoint: %d %s", code, body)
		}
		if code, body := get(t, "POST", base+"/function/sum_squares", token, `{"n": 3}`); code != 200 || body != `{"label":"small","total":14}` {
			t.Errorf("function with the token: %d %s", code, body)
		}
		if code, _ := get(t, "POST", base+"/function/sum_squares", "", `{"n": 3}`); code != 401 {
			t.Errorf("function without the token: %d", code)
		}
		// auth.token signs with the secret the jwt endpoints check.
		signups++
		code, body := get(t, "POST", base+"/api/signup", "", fmt.Sprintf(`{"email": "u%d@example.com", "password": "correct horse"}`, signups))
		var su struct{ Token string }
		if code != 201 || json.Unmarshal([]byte(body), &su) != nil || su.Token == "" {
			t.Fatalf("signup: %d %s", code, body)
		}
		if code, body := get(t, "GET", base+"/api/me", su.Token, ""); code != 200 || !strings.Contains(body, fmt.Sprintf(`"email":"u%d@example.com"`, signups)) {
			t.Errorf("me: %d %s", code, body)
		}
	}

	t.Run("sqlite", func(t *testing.T) {
		t.Setenv("FUNCSTACK_ADMIN_TOKEN", "")
		data := t.TempDir()
		base, out, stop := startServe(t, "--data", data)
		m := tokenLine.FindStringSubmatch(out.String())
		if m == nil {
			t.Fatalf("no new admin token printed:\n%s", out)
		}
		file, token := m[1], m[2]
		if want := filepath.Join(data, "admin_token"); file != want {
			t.Errorf("token saved in %s, want %s", file, want)
		}
		if b, err := os.ReadFile(file); err != nil || strings.TrimSpace(string(b)) != token {
			t.Errorf("token file: %q %v", b, err)
		}
		secretFile := filepath.Join(data, "jwt_secret")
		if !strings.Contains(out.String(), "funcstack: JWT secret (new) saved in "+secretFile+"\n") {
			t.Errorf("no JWT secret line:\n%s", out)
		}
		secret, err := os.ReadFile(secretFile)
		if fi, serr := os.Stat(secretFile); err != nil || serr != nil || fi.Mode().Perm() != 0o600 || len(strings.TrimSpace(string(secret))) != 43 {
			t.Errorf("JWT secret file: %v %v", err, serr)
		}
		if strings.Contains(out.String(), strings.TrimSpace(string(secret))) {
			t.Error("the JWT secret is printed")
		}
		for _, want := range []string{"GET    " + base + "/api/sum-squares/:n  → api_sum_squares", "POST   " + base + "/function/{name}", "Builder UI at " + base + "/_/"} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("the routes are not listed (%q):\n%s", want, out)
			}
		}
		check(t, base, token)
		if code := stop(); code != 0 {
			t.Fatalf("exit %d\n%s", code, out)
		}
		if !strings.HasSuffix(out.String(), "funcstack: shutting down\nfuncstack: stopped\n") {
			t.Errorf("no shutdown message:\n%s", out)
		}
		if _, err := http.Get(base + "/healthz"); err == nil {
			t.Error("still serving after shutdown")
		}

		// The second start keeps the token.
		base, out, stop = startServe(t, "--data", data)
		if !strings.Contains(out.String(), "funcstack: admin token in "+file+"\n") ||
			!strings.Contains(out.String(), "funcstack: JWT secret in "+filepath.Join(data, "jwt_secret")+"\n") {
			t.Errorf("second start:\n%s", out)
		}
		check(t, base, token)
		stop()
	})

	t.Run("postgres", func(t *testing.T) {
		t.Setenv("FUNCSTACK_ADMIN_TOKEN", "")
		base, out, stop := startServe(t, "--database-url", storetest.PostgresURL(t))
		m := regexp.MustCompile(`admin token \(for this process only; [^)]*\): (\S+)\n`).FindStringSubmatch(out.String())
		if m == nil {
			t.Fatalf("no admin token printed:\n%s", out)
		}
		if !strings.Contains(out.String(), "funcstack: JWT secret made for this process only") {
			t.Errorf("no JWT secret line:\n%s", out)
		}
		check(t, base, m[1])
		if code := stop(); code != 0 {
			t.Fatalf("exit %d", code)
		}
	})

	t.Run("env token", func(t *testing.T) {
		t.Setenv("FUNCSTACK_ADMIN_TOKEN", "from-env")
		t.Setenv("FUNCSTACK_JWT_SECRET", "jwt-secret-from-env-0123456789abcdef")
		data := t.TempDir()
		base, out, stop := startServe(t, "--data", data)
		if !strings.Contains(out.String(), "funcstack: admin token from FUNCSTACK_ADMIN_TOKEN\n") ||
			!strings.Contains(out.String(), "funcstack: JWT secret from FUNCSTACK_JWT_SECRET\n") {
			t.Errorf("%s", out)
		}
		if _, err := os.Stat(filepath.Join(data, "jwt_secret")); err == nil {
			t.Error("a JWT secret file was made though FUNCSTACK_JWT_SECRET is set")
		}
		check(t, base, "from-env")
		stop()
	})
}

func TestServeErrors(t *testing.T) {
	if code, _, errOut := cli(t, "serve", "--workspace", ws, "extra"); code != 2 || !strings.Contains(errOut, `unexpected argument "extra"`) {
		t.Errorf("extra argument: exit %d %s", code, errOut)
	}
	bad := writeWorkspace(t, map[string]string{"a.json": `{"kind": "endpoint", "name": "a", "method": "GET", "path": "/healthz", "stack": []}`})
	code, _, errOut := cli(t, "serve", "--workspace", bad, "--data", t.TempDir(), "--addr", "127.0.0.1:0")
	if code != 1 || !strings.Contains(errOut, "endpoint a: path /healthz: /healthz is reserved for funcstack") {
		t.Errorf("reserved path: exit %d %s", code, errOut)
	}
	// A JWT secret too short for HS256.
	t.Setenv("FUNCSTACK_JWT_SECRET", "")
	code, _, errOut = cli(t, "serve", "--workspace", ws, "--data", t.TempDir(), "--addr", "127.0.0.1:0", "--jwt-secret", "secret")
	if code != 1 || !strings.Contains(errOut, "the JWT secret from --jwt-secret is 6 bytes long; HS256 needs at least 32 random bytes") {
		t.Errorf("short JWT secret: exit %d %s", code, errOut)
	}
	// The address is taken.
	base, _, _ := startServe(t, "--data", t.TempDir())
	addr := strings.TrimPrefix(base, "http://")
	code, _, errOut = cli(t, "serve", "--workspace", ws, "--data", t.TempDir(), "--addr", addr)
	if code != 1 || !strings.Contains(errOut, "address already in use; choose another address with --addr or FUNCSTACK_ADDR") {
		t.Errorf("address in use: exit %d %s", code, errOut)
	}
}
