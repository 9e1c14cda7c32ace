package api_test

import (
	"context"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
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

// harness opens /docs in a window of its own origin, fills in the Try-it
// form of api_sum_squares, sends it, and copies what the page shows into
// its own DOM for --dump-dom to print.
const harness = `<!doctype html><html><body><pre id="result">waiting</pre><script>
const w = window.open("/docs#op-api_sum_squares", "docs");
const result = document.getElementById("result");
let tries = 0;
const timer = setInterval(() => {
  tries++;
  const d = w.document;
  const op = d && d.querySelector('[data-op="api_sum_squares"]');
  if (!op) { if (tries > 200) { result.textContent = "no operation rendered"; clearInterval(timer); } return; }
  const out = op.querySelector("pre.out");
  if (out.hidden) {
    op.querySelector('input[name="n"]').value = "20";
    op.querySelector("button").click();
    out.hidden = false;
    return;
  }
  if (/^\d{3} /.test(out.textContent)) { result.textContent = out.textContent; clearInterval(timer); }
}, 20);
</script></body></html>`

// TestDocsTryIt: the Try-it form of /docs sends the request and shows
// the answer, in a real headless Chromium.
func TestDocsTryIt(t *testing.T) {
	bin := chromium(t)
	st := backends[0].open(t)
	ts := newServer(t, st, api.Config{}, "../workflows")
	mux := http.NewServeMux()
	target, _ := url.Parse(ts.URL)
	mux.Handle("/", httputil.NewSingleHostReverseProxy(target))
	mux.HandleFunc("/harness", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, harness)
	})
	hs := httptest.NewServer(mux)
	defer hs.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-popup-blocking",
		"--no-first-run", "--user-data-dir="+t.TempDir(), "--virtual-time-budget=15000", "--dump-dom", hs.URL+"/harness")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium: %v\n%s", err, out)
	}
	m := regexp.MustCompile(`(?s)<pre id="result">(.*?)</pre>`).FindStringSubmatch(string(out))
	if m == nil {
		t.Fatalf("no result in\n%s", out)
	}
	got := html.UnescapeString(m[1])
	if !regexp.MustCompile(`^200 OK · \d+ ms · execution [0-9a-f-]{36}\n\n\{\n  "label": "big",\n  "total": 2870\n\}$`).MatchString(got) {
		t.Errorf("the Try-it answer shown:\n%s", got)
	}
}
