package main

import (
	"testing"
	"time"

	"github.com/funcstack/funcstack/engine/store/storetest"
)

// TestServeHotReload runs two serve processes on one PostgreSQL database:
// an endpoint published through one node's admin API is served by that
// node at once and by the other within about a second.
func TestServeHotReload(t *testing.T) {
	t.Setenv("FUNCSTACK_ADMIN_TOKEN", "reload-token")
	t.Setenv("FUNCSTACK_JWT_SECRET", "jwt-secret-for-reload-0123456789abcdef")
	url := storetest.PostgresURL(t)
	a, _, _ := startServe(t, "--database-url", url)
	b, _, _ := startServe(t, "--database-url", url, "--reload-interval", "200ms")
	def := `{"kind": "endpoint", "name": "hello_api", "method": "GET", "path": "/api/hello/:who",
		"input": [{"name": "who", "type": "text"}], "stack": [], "response": "'hello ' + input.who"}`
	if code, body := get(t, "POST", a+"/_/api/definitions?publish=true", "reload-token", def); code != 201 {
		t.Fatalf("publishing on A: %d %s", code, body)
	}
	published := time.Now()
	if code, body := get(t, "GET", a+"/api/hello/ada", "", ""); code != 200 || body != `"hello ada"` {
		t.Errorf("A right after publishing: %d %s", code, body)
	}
	for {
		code, body := get(t, "GET", b+"/api/hello/ada", "", "")
		if code == 200 && body == `"hello ada"` {
			break
		}
		if time.Since(published) > 3*time.Second {
			t.Fatalf("B does not serve the new endpoint after 3s: %d %s", code, body)
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("B served it %s after A published it (--reload-interval 200ms)", time.Since(published).Round(time.Millisecond))
}
