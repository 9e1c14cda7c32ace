package main

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/funcstack/funcstack/engine"
)

// corsFlags are serve's CORS flags: the server's cross-origin policy,
// which an endpoint's "cors" field may override in part.
type corsFlags struct {
	origins, methods, headers, maxAge *string
	credentials                       *bool
}

func addCORSFlags(fs *flag.FlagSet) *corsFlags {
	creds, _ := strconv.ParseBool(os.Getenv("FUNCSTACK_CORS_CREDENTIALS"))
	return &corsFlags{
		origins:     fs.String("cors-origins", os.Getenv("FUNCSTACK_CORS_ORIGINS"), "browser origins allowed to call endpoints and functions, comma-separated: https://app.example.com, https://*.example.com or * (env FUNCSTACK_CORS_ORIGINS; default none)"),
		methods:     fs.String("cors-methods", os.Getenv("FUNCSTACK_CORS_METHODS"), "methods a CORS preflight may ask for, comma-separated (env FUNCSTACK_CORS_METHODS; default: those served at the path)"),
		headers:     fs.String("cors-headers", os.Getenv("FUNCSTACK_CORS_HEADERS"), "request headers cross-origin calls may send, comma-separated, or * (env FUNCSTACK_CORS_HEADERS; default Authorization, Content-Type, X-Api-Key, Idempotency-Key, X-Callback-Url)"),
		maxAge:      fs.String("cors-max-age", os.Getenv("FUNCSTACK_CORS_MAX_AGE"), "how long browsers may keep a preflight's answer, e.g. 1h (env FUNCSTACK_CORS_MAX_AGE; default 10m)"),
		credentials: fs.Bool("cors-credentials", creds, "let cross-origin calls send cookies and Authorization (env FUNCSTACK_CORS_CREDENTIALS)"),
	}
}

// policy is the CORS policy the flags give.
func (f *corsFlags) policy() (engine.CORS, error) {
	var c engine.CORS
	c.Origins = splitList(*f.origins)
	for _, o := range c.Origins {
		if err := engine.CheckOrigin(o); err != nil {
			return c, fmt.Errorf("--cors-origins: %v", err)
		}
	}
	for _, m := range splitList(*f.methods) {
		c.Methods = append(c.Methods, strings.ToUpper(m))
	}
	c.Headers = splitList(*f.headers)
	if *f.maxAge != "" {
		d, err := engine.ParseDuration(*f.maxAge)
		if err != nil {
			return c, fmt.Errorf("--cors-max-age: %v", err)
		}
		c.MaxAge = d
	}
	if *f.credentials {
		c.Credentials = f.credentials
	}
	return c, nil
}

// splitList splits a comma-separated flag value, dropping blanks.
func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
