package api_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/funcstack/funcstack/api"
	"github.com/funcstack/funcstack/api/docs"
)

// chromium finds a headless-capable Chromium; without one the test skips,
// except under CI, where it fails.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "headless_shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("no Chromium on PATH (chromium, chromium-browser, google-chrome); install it (apt-get install chromium)")
	}
	t.Skip("no Chromium on PATH; install chromium to run the /docs browser test")
	return ""
}

// TestDocsPage: /docs, rendered by a real headless Chromium under its own
// Content-Security-Policy, lists every endpoint of /openapi.json.
func TestDocsPage(t *testing.T) {
	bin := chromium(t)
	ts := newServer(t, backends[0].open(t), api.Config{}, "../workflows", "testdata/ws")
	status, h, page := call(t, "GET", ts.URL+"/docs", "", false)
	if status != 200 || h.Get("Content-Type") != "text/html; charset=utf-8" || h.Get("Content-Security-Policy") != docs.CSP {
		t.Fatalf("/docs: %d %q %q", status, h.Get("Content-Type"), h.Get("Content-Security-Policy"))
	}
	if strings.Contains(string(page), "://") && regexp.MustCompile(`(src|href)="https?://`).Match(page) {
		t.Error("/docs loads something from another origin")
	}
	_, doc := openapiValidator(t, ts.URL)
	want := 0
	for _, item := range doc["paths"].(map[string]any) {
		want += len(item.(map[string]any))
	}

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
		"--no-first-run", "--user-data-dir="+t.TempDir(), "--virtual-time-budget=10000", "--dump-dom", ts.URL+"/docs#op-api_sum_squares")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium: %v\n%s", err, out)
	}
	dom := string(out)
	checks := []string{
		fmt.Sprintf(`data-count="%d"`, want),
		`<span class="path">/api/sum-squares/{n}</span>`,
		`<section id="errors"><h2>Errors</h2>`,
		`<span class="lock" title="needs a bearer token">jwt</span>`,
		`<code>password</code><span class="req">required</span>`,
		`sensitive`,
		`<title>funcstack API · docs</title>`,
	}
	if !regexp.MustCompile(`<details class="op" id="op-api_sum_squares"[^>]* open="">`).MatchString(dom) {
		t.Error("the #op-api_sum_squares link does not open its endpoint")
	}
	for _, c := range checks {
		if !strings.Contains(dom, c) {
			t.Errorf("the rendered page lacks %s", c)
		}
	}
	if t.Failed() {
		t.Logf("DOM:\n%s", dom)
	}
}
