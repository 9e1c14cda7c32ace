// Package docs holds the /docs page: a small hand-written renderer of the
// server's OpenAPI document (HTML, CSS and JavaScript in one file, no
// dependencies, nothing fetched from elsewhere), embedded in the binary.
package docs

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"regexp"
)

// Page is the /docs page.
//
//go:embed index.html
var Page []byte

// CSP is the Content-Security-Policy the page is served with: its inline
// script and style are allowed by hash, it may fetch only from its own
// origin, and nothing else. Images may be data: URLs, as its empty icon
// (<link rel="icon" href="data:,">, which keeps browsers from asking for
// /favicon.ico) is.
var CSP = func() string {
	hash := func(tag string) string {
		m := regexp.MustCompile(`(?s)<` + tag + `>(.*?)</` + tag + `>`).FindSubmatch(Page)
		if m == nil {
			return "'none'"
		}
		sum := sha256.Sum256(bytes.ReplaceAll(m[1], []byte("\r\n"), []byte("\n")))
		return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
	}
	return "default-src 'none'; connect-src 'self'; img-src 'self' data:; style-src " + hash("style") +
		"; script-src " + hash("script") + "; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
}()
