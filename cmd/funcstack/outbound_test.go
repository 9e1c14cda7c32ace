package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
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

	base, _, stop := startServe(t, "--workspace", dir, "--data", t.TempDir())
	code, out := get(t, "POST", base+"/function/fetch", "", body)
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
