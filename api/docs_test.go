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
	"slices"
	"strings"
	"sync"
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

// served records the requests a browser makes of a server and their
// status: a proxy in front of target.
type served struct {
	mu   sync.Mutex
	seen []string // "GET /docs 200"
}

func (s *served) proxy(t *testing.T, target string) *httptest.Server {
	u, _ := url.Parse(target)
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.ModifyResponse = func(r *http.Response) error {
		s.mu.Lock()
		s.seen = append(s.seen, fmt.Sprintf("%s %s %d", r.Request.Method, r.Request.URL.Path, r.StatusCode))
		s.mu.Unlock()
		return nil
	}
	ps := httptest.NewServer(rp)
	t.Cleanup(ps.Close)
	return ps
}

// failed is the requests answered with a 4xx or 5xx status.
func (s *served) failed() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, r := range s.seen {
		if f := strings.Fields(r); f[len(f)-1] >= "400" {
			out = append(out, r)
		}
	}
	return out
}

// consoleRE is a console message Chromium logs with --enable-logging=stderr
// (it does not say the level).
var consoleRE = regexp.MustCompile(`:CONSOLE(?::\d+)?\] "(.*)", source: (.*)`)

// consoleMessages is the page's console messages in Chromium's log,
// except Chromium's own [DOM] advisories (DevTools shows them at the
// verbose level, hidden by default; e.g. a password field outside a form).
func consoleMessages(log []byte) []string {
	var out []string
	for _, m := range consoleRE.FindAllStringSubmatch(string(log), -1) {
		if !strings.HasPrefix(m[1], "[DOM] ") {
			out = append(out, m[1]+" ("+m[2]+")")
		}
	}
	return out
}

// TestDocsPage: /docs, rendered by a real headless Chromium under its own
// Content-Security-Policy, lists every endpoint of /openapi.json, with no
// console message (no script error, no CSP violation) and no failed
// request (no /favicon.ico 404).
func TestDocsPage(t *testing.T) {
	bin := chromium(t)
	srv := newServer(t, backends[0].open(t), api.Config{}, "../workflows", "testdata/ws")
	var rec served
	ts := rec.proxy(t, srv.URL)
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
		"--no-first-run", "--user-data-dir="+t.TempDir(), "--enable-logging=stderr", "--v=0",
		"--virtual-time-budget=10000", "--dump-dom", ts.URL+"/docs#op-api_sum_squares")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium: %v\n%s\n%s", err, out, stderr.String())
	}
	if msgs := consoleMessages([]byte(stderr.String())); len(msgs) > 0 {
		t.Errorf("/docs wrote to the browser console:\n%s", strings.Join(msgs, "\n"))
	}
	if f := rec.failed(); len(f) > 0 {
		t.Errorf("/docs made requests that failed: %v (all: %v)", f, rec.seen)
	}
	if !slices.Contains(rec.seen, "GET /openapi.json 200") {
		t.Errorf("the page did not fetch /openapi.json: %v", rec.seen)
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
