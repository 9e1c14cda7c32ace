package api

import (
	"bytes"
	"io"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/funcstack/funcstack/ui"
)

// uiPrefix is where the builder UI is served; /_/api stays the admin API.
const uiPrefix = "/_/"

// serveUI is middleware serving the embedded builder UI (package ui) for
// GET and HEAD under /_/ except /_/api: a file that exists is served as
// it is (hashed files in assets/ are cached for a year, everything else
// is revalidated), any other path gets index.html so the single-page
// app can route it. /_ redirects to /_/. Other requests pass on.
func serveUI(files fs.FS) gin.HandlerFunc {
	index, _ := fs.ReadFile(files, "index.html")
	started := time.Now()
	return func(c *gin.Context) {
		p := c.Request.URL.Path
		if c.Request.Method != http.MethodGet && c.Request.Method != http.MethodHead {
			return
		}
		if p == "/_" {
			c.Redirect(http.StatusMovedPermanently, uiPrefix)
			c.Abort()
			return
		}
		if !strings.HasPrefix(p, uiPrefix) || p == "/_/api" || strings.HasPrefix(p, "/_/api/") {
			return
		}
		c.Abort()
		if t := trackedOf(c); t != nil {
			t.route = uiPrefix // one route in logs and metrics for all of the UI
		}
		name := strings.TrimPrefix(path.Clean(p), "/_")
		name = strings.TrimPrefix(name, "/")
		h := c.Writer.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		if name != "" && name != "index.html" {
			if b, err := fs.ReadFile(files, name); err == nil {
				if strings.HasPrefix(name, "assets/") {
					h.Set("Cache-Control", "public, max-age=31536000, immutable")
				} else {
					h.Set("Cache-Control", "no-cache")
				}
				http.ServeContent(c.Writer, c.Request, name, started, bytes.NewReader(b))
				return
			}
			if strings.HasPrefix(name, "assets/") { // a stale hashed file: no HTML in its place
				c.Status(http.StatusNotFound)
				return
			}
		}
		if index == nil {
			h.Set("Content-Type", "text/plain; charset=utf-8")
			c.Status(http.StatusNotFound)
			_, _ = io.WriteString(c.Writer, "the builder UI is not built into this binary; run make ui, then go build\n")
			return
		}
		h.Set("Cache-Control", "no-cache")
		h.Set("Content-Security-Policy", "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'")
		h.Set("X-Frame-Options", "DENY")
		http.ServeContent(c.Writer, c.Request, "index.html", started, bytes.NewReader(index))
	}
}

// uiFiles is the embedded UI (ui/dist).
var uiFiles = ui.Dist()
