package api

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/gin-gonic/gin"

	"github.com/funcstack/funcstack/ui"
)

func TestServeUI(t *testing.T) {
	gin.SetMode(gin.ReleaseMode)
	files := fstest.MapFS{
		"index.html":          {Data: []byte("<!doctype html><title>funcstack</title>")},
		"assets/index-abc.js": {Data: []byte("console.log(1)")},
		"favicon.svg":         {Data: []byte("<svg/>")},
	}
	g := gin.New()
	g.Use(serveUI(files))
	g.GET("/_/api/steps", func(c *gin.Context) { c.String(200, "api") })
	g.NoRoute(func(c *gin.Context) { c.String(404, "no route") })

	for _, tc := range []struct {
		method, path string
		status       int
		body, cache  string
		ctype        string
	}{
		{"GET", "/_/", 200, "<title>funcstack</title>", "no-cache", "text/html"},
		{"GET", "/_/index.html", 200, "<title>funcstack</title>", "no-cache", "text/html"},
		{"GET", "/_/def/sum_squares", 200, "<title>funcstack</title>", "no-cache", "text/html"}, // SPA fallback
		{"GET", "/_/assets/index-abc.js", 200, "console.log(1)", "public, max-age=31536000, immutable", "javascript"},
		{"GET", "/_/assets/gone-123.js", 404, "", "", ""}, // a stale hashed file is not answered with HTML
		{"GET", "/_/favicon.svg", 200, "<svg/>", "no-cache", "image/svg"},
		{"HEAD", "/_/", 200, "", "no-cache", "text/html"},
		{"GET", "/_/../../etc/passwd", 200, "<title>funcstack</title>", "no-cache", "text/html"}, // cleaned, never outside the files
		{"GET", "/_/api/steps", 200, "api", "", ""},                                              // the admin API is not the UI's
		{"GET", "/_/api/nothing", 404, "no route", "", ""},                                       // nor are its unknown routes
		{"POST", "/_/def/x", 404, "no route", "", ""},                                            // only GET and HEAD
		{"GET", "/elsewhere", 404, "no route", "", ""},
	} {
		req := httptest.NewRequest(tc.method, tc.path, nil)
		w := httptest.NewRecorder()
		g.ServeHTTP(w, req)
		b, _ := io.ReadAll(w.Body)
		if w.Code != tc.status || !strings.Contains(string(b), tc.body) {
			t.Errorf("%s %s: %d %q, want %d with %q", tc.method, tc.path, w.Code, b, tc.status, tc.body)
		}
		if got := w.Header().Get("Cache-Control"); got != tc.cache {
			t.Errorf("%s %s: Cache-Control %q, want %q", tc.method, tc.path, got, tc.cache)
		}
		if got := w.Header().Get("Content-Type"); !strings.Contains(got, tc.ctype) {
			t.Errorf("%s %s: Content-Type %q, want %q", tc.method, tc.path, got, tc.ctype)
		}
	}

	req := httptest.NewRequest("GET", "/_", nil)
	w := httptest.NewRecorder()
	g.ServeHTTP(w, req)
	if w.Code != http.StatusMovedPermanently || w.Header().Get("Location") != "/_/" {
		t.Errorf("GET /_: %d to %q, want 301 to /_/", w.Code, w.Header().Get("Location"))
	}
}

// The committed build is what go install ships: it must be there and
// load its script from the hashed assets under /_/.
func TestEmbeddedUIBuilt(t *testing.T) {
	b, err := io.ReadAll(must(ui.Dist().Open("index.html")))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `src="/_/assets/`) {
		t.Fatalf("ui/dist/index.html does not load /_/assets/…; run make ui:\n%s", b)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
