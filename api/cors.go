package api

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/funcstack/funcstack/engine"
)

// CORS (docs/design.md §27): the server's policy (Config.CORS, from
// --cors-origins and the other --cors flags) applies to every endpoint and
// to /function and /async-function; an endpoint's "cors" field replaces
// the parts it sets. A preflight (OPTIONS with Origin and
// Access-Control-Request-Method) is answered 204; an allowed origin gets
// Access-Control-Allow-Origin (and the rest), any other none, which makes
// the browser refuse the call.

// defaultCORSMaxAge is how long browsers keep a preflight's answer when
// the policy does not say.
const defaultCORSMaxAge = 10 * time.Minute

// corsExpose are the response headers scripts of an allowed origin may
// read besides the CORS-safelisted ones.
const corsExpose = "X-Execution-Id, X-Call-Id, Retry-After, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset"

// corsPolicy is a CORS policy made ready to answer with.
type corsPolicy struct {
	anyOrigin bool
	exact     map[string]bool
	patterns  [][2]string // prefix and suffix around the "*"
	methods   []string    // nil: the methods served at the path
	headers   string      // "": echo Access-Control-Request-Headers
	creds     bool
	maxAge    string
}

// newCORS makes the policy of c; nil when it allows no origin.
func newCORS(c engine.CORS) *corsPolicy {
	if len(c.Origins) == 0 {
		return nil
	}
	p := &corsPolicy{exact: map[string]bool{}, methods: c.Methods, creds: c.Credentials != nil && *c.Credentials}
	for _, o := range c.Origins {
		switch {
		case o == "*":
			p.anyOrigin = true
		case strings.Contains(o, "*"):
			pre, suf, _ := strings.Cut(strings.ToLower(o), "*")
			p.patterns = append(p.patterns, [2]string{pre, suf})
		default:
			p.exact[strings.ToLower(o)] = true
		}
	}
	hs := c.Headers
	if hs == nil {
		hs = engine.DefaultCORSHeaders
	}
	if !slices.Contains(hs, "*") {
		p.headers = strings.Join(hs, ", ")
	}
	age := c.MaxAge.D()
	if age == 0 {
		age = defaultCORSMaxAge
	}
	p.maxAge = strconv.Itoa(int(age / time.Second))
	return p
}

// allows reports whether origin may call.
func (p *corsPolicy) allows(origin string) bool {
	if p.anyOrigin {
		return true
	}
	o := strings.ToLower(origin)
	if p.exact[o] {
		return true
	}
	for _, pt := range p.patterns {
		if len(o) > len(pt[0])+len(pt[1]) && strings.HasPrefix(o, pt[0]) && strings.HasSuffix(o, pt[1]) &&
			hostLabels(o[len(pt[0]):len(o)-len(pt[1])]) {
			return true
		}
	}
	return false
}

// hostLabels reports whether s is one or more DNS labels (what a "*" in
// an origin pattern may stand for).
func hostLabels(s string) bool {
	if s[0] == '.' || s[len(s)-1] == '.' || strings.Contains(s, "..") {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

// apply sets the headers of an actual (not preflight) response; it returns
// at once when the request has no Origin.
func (p *corsPolicy) apply(h http.Header, origin string) {
	if p.anyOrigin && !p.creds {
		if origin != "" {
			h.Set("Access-Control-Allow-Origin", "*")
			h.Set("Access-Control-Expose-Headers", corsExpose)
		}
		return
	}
	h.Add("Vary", "Origin")
	if origin == "" || !p.allows(origin) {
		return
	}
	h.Set("Access-Control-Allow-Origin", origin)
	if p.creds {
		h.Set("Access-Control-Allow-Credentials", "true")
	}
	h.Set("Access-Control-Expose-Headers", corsExpose)
}

// preflight answers an OPTIONS request 204: for an allowed origin asking
// for a method that is served (served: the methods at the path) and
// allowed, with the Access-Control-Allow-* headers; otherwise without
// them. p may be nil (no policy: no origin is allowed).
func (p *corsPolicy) preflight(c *gin.Context, served []string) {
	h := c.Writer.Header()
	h.Set("Allow", strings.Join(append(slices.Clone(served), http.MethodOptions), ", "))
	origin := c.GetHeader("Origin")
	want := strings.ToUpper(c.GetHeader("Access-Control-Request-Method"))
	if p != nil {
		h.Add("Vary", "Origin")
		h.Add("Vary", "Access-Control-Request-Method")
		h.Add("Vary", "Access-Control-Request-Headers")
	}
	if p == nil || origin == "" || want == "" || !p.allows(origin) || !slices.Contains(served, want) ||
		(p.methods != nil && !slices.Contains(p.methods, want)) {
		c.AbortWithStatus(http.StatusNoContent)
		return
	}
	if p.anyOrigin && !p.creds {
		h.Set("Access-Control-Allow-Origin", "*")
	} else {
		h.Set("Access-Control-Allow-Origin", origin)
	}
	if p.creds {
		h.Set("Access-Control-Allow-Credentials", "true")
	}
	methods := served
	if p.methods != nil {
		methods = p.methods
	}
	h.Set("Access-Control-Allow-Methods", strings.Join(methods, ", "))
	if p.headers != "" {
		h.Set("Access-Control-Allow-Headers", p.headers)
	} else if rh := c.GetHeader("Access-Control-Request-Headers"); rh != "" {
		h.Set("Access-Control-Allow-Headers", rh)
	}
	h.Set("Access-Control-Max-Age", p.maxAge)
	c.AbortWithStatus(http.StatusNoContent)
}

// endpointCORS is the policy of endpoint d: the server's with d's "cors"
// replacing what it sets; nil when no origin is allowed.
func (s *Server) endpointCORS(d *engine.Definition) *corsPolicy {
	if d.CORS == nil {
		return s.cors
	}
	return newCORS(s.cfg.CORS.Override(d.CORS))
}

// addPreflights answers OPTIONS on every endpoint path: a preflight for a
// method served there gets that endpoint's policy. Two patterns gin can
// route apart for different methods may clash in one OPTIONS tree; such a
// path's preflights are left to the server's policy (corsNoMethod).
func (s *Server) addPreflights(rt *routeTable, p *engine.Program) {
	type pathEndpoints struct {
		methods  []string
		policies map[string]*corsPolicy
	}
	byPath := map[string]*pathEndpoints{}
	var paths []string
	for _, e := range rt.endpoints {
		pe := byPath[e.Path]
		if pe == nil {
			pe = &pathEndpoints{policies: map[string]*corsPolicy{}}
			byPath[e.Path] = pe
			paths = append(paths, e.Path)
		}
		pe.methods = append(pe.methods, e.Method)
		if f := p.Functions[e.Name]; f != nil {
			pe.policies[e.Method] = s.endpointCORS(f.Def)
		}
	}
	for _, path := range paths {
		pe := byPath[path]
		func() {
			defer func() { _ = recover() }() // a clash in the OPTIONS tree: see above
			rt.g.OPTIONS(path, func(c *gin.Context) {
				pe.policies[strings.ToUpper(c.GetHeader("Access-Control-Request-Method"))].preflight(c, pe.methods)
			})
		}()
	}
}

// corsFixed is the server's policy on /function, /async-function and
// /openapi.json: headers on the answer, or the answer to a preflight.
func (s *Server) corsFixed(c *gin.Context) {
	if s.cors == nil {
		return
	}
	s.cors.apply(c.Writer.Header(), c.GetHeader("Origin"))
}

// preflightFixed answers preflights of /function/{name} and
// /async-function/{name} (POST) with the server's policy.
func (s *Server) preflightFixed(c *gin.Context) { s.cors.preflight(c, []string{http.MethodPost}) }

// corsNoMethod answers an OPTIONS request that no endpoint path took (see
// addPreflights) with the server's policy, for the methods gin found at
// the path (its Allow header).
func (s *Server) corsNoMethod(c *gin.Context) {
	if c.Request.Method != http.MethodOptions {
		return
	}
	var served []string
	for _, m := range strings.Split(c.Writer.Header().Get("Allow"), ",") {
		if m = strings.TrimSpace(m); m != "" && m != http.MethodOptions {
			served = append(served, m)
		}
	}
	s.cors.preflight(c, served)
}
