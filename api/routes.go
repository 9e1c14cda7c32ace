package api

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync"

	"github.com/gin-gonic/gin"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/workspace"
)

// The generated endpoints' routes: they live in a gin engine of their own
// (a routeTable), built from the loaded program and swapped whole on
// reload; the main engine hands them what its fixed routes do not take.

// Endpoint is one generated route.
type Endpoint struct {
	Method, Path, Name string
}

// reserved are the first path segments funcstack keeps for itself; an
// endpoint may not use them.
var reserved = []string{"_", "function", "async-function", "healthz", "metrics", "openapi.json", "docs"}

// routeTable is the gin engine serving the generated endpoints of one
// program. It is immutable once built; a reload builds a new one.
type routeTable struct {
	g         *gin.Engine
	endpoints []Endpoint
}

// newRouteEngine makes the gin engine holding generated endpoints, with
// the same settings and error answers as the main one.
func newRouteEngine(s *Server) *gin.Engine {
	g := gin.New()
	g.HandleMethodNotAllowed = true
	g.RedirectTrailingSlash = false
	g.RedirectFixedPath = false
	g.ContextWithFallback = true
	_ = g.SetTrustedProxies(s.cfg.TrustedProxies) // checked by New
	g.Use(markRoute, gin.CustomRecoveryWithWriter(nil, s.recovered))
	g.NoRoute(func(c *gin.Context) {
		writeError(c, &engine.Error{Code: engine.CodeNotFound, Message: fmt.Sprintf(
			"no route %s %s; generated endpoints are listed when funcstack serve starts", c.Request.Method, c.Request.URL.Path)})
	})
	g.NoMethod(s.corsNoMethod, noMethod)
	return g
}

func noMethod(c *gin.Context) {
	writeError(c, &engine.Error{Code: "method_not_allowed", Status: http.StatusMethodNotAllowed, Message: fmt.Sprintf(
		"%s is not allowed on %s; allowed: %s", c.Request.Method, c.Request.URL.Path, c.Writer.Header().Get("Allow"))})
}

// serveEndpoints hands a request no fixed route took to the current
// generated endpoints.
func (s *Server) serveEndpoints(c *gin.Context) {
	s.routes.Load().g.ServeHTTP(c.Writer, c.Request)
}

// tracked wraps the ResponseWriter of every request (Server.ServeHTTP).
// Handlers of both gin engines find it by unwrapping c.Writer and leave in
// it what the access log and the metrics need, so that a request needs no
// context values or key maps for them.
type tracked struct {
	http.ResponseWriter
	// route is the pattern that served the request when the main
	// engine's c.FullPath() does not know it: a generated endpoint's
	// path, or the builder UI's prefix.
	route string
	// err is the 5xx error the request ended with, and sensitive the
	// input values to blank out of it (see noteError).
	err       *engine.Error
	sensitive []string
}

func (t *tracked) Unwrap() http.ResponseWriter { return t.ResponseWriter }

// Flush and Hijack keep what the server's writer can do.
func (t *tracked) Flush() { _ = http.NewResponseController(t.ResponseWriter).Flush() }

func (t *tracked) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return http.NewResponseController(t.ResponseWriter).Hijack()
}

var trackedPool = sync.Pool{New: func() any { return new(tracked) }}

// trackedOf finds the request's tracked writer under c.Writer, or nil.
func trackedOf(c *gin.Context) *tracked {
	var w http.ResponseWriter = c.Writer
	for {
		if t, ok := w.(*tracked); ok {
			return t
		}
		u, ok := w.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			return nil
		}
		w = u.Unwrap()
	}
}

// markRoute (in the endpoints' engine) records the matched route pattern
// for routeOf.
func markRoute(c *gin.Context) {
	if t := trackedOf(c); t != nil {
		t.route = c.FullPath()
	}
}

// routeOf is the route pattern that served c's request: a fixed route
// (/function/:name), a generated endpoint's path (/api/orders/:id), or ""
// when none matched. Use it instead of c.FullPath() in middleware of the
// main engine (logs, metrics): generated endpoints live in an engine of
// their own.
func routeOf(c *gin.Context) string {
	if p := c.FullPath(); p != "" {
		return p
	}
	if t := trackedOf(c); t != nil {
		return t.route
	}
	return ""
}

// Endpoints lists the generated routes, sorted by path then method.
func (s *Server) Endpoints() []Endpoint { return append([]Endpoint(nil), s.routes.Load().endpoints...) }

// buildRoutes makes the gin engine serving p's endpoints; an endpoint
// that cannot be served is a *workspace.RouteError.
func (s *Server) buildRoutes(p *engine.Program) (*routeTable, error) {
	rt, err := routesFor(newRouteEngine(s), p, len(s.cfg.JWTSecret) > 0, s.endpoint)
	if err == nil {
		s.addPreflights(rt, p) // api/cors.go
	}
	return rt, err
}

// CheckRoutes reports whether the endpoints of p can be served as
// funcstack serve (which always has a JWT secret) serves them; an
// endpoint that cannot be is a *workspace.RouteError. It is the
// workspace.Options.Routes of tools that publish without a server
// (funcstack publish).
func CheckRoutes(p *engine.Program) error {
	gin.SetMode(gin.ReleaseMode)
	_, err := routesFor(gin.New(), p, true, func(*engine.Function) gin.HandlerFunc { return func(*gin.Context) {} })
	return err
}

// routesFor adds p's endpoints to g, each served by the handler handle
// makes; jwt tells whether a JWT secret checks "auth": "jwt" endpoints.
func routesFor(g *gin.Engine, p *engine.Program, jwt bool, handle func(*engine.Function) gin.HandlerFunc) (rt *routeTable, err error) {
	rt = &routeTable{g: g}
	var fns []*engine.Function
	for _, f := range p.Functions {
		if f.Kind == engine.KindEndpoint {
			fns = append(fns, f)
		}
	}
	sort.Slice(fns, func(i, j int) bool {
		a, b := fns[i].Def, fns[j].Def
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		if a.Method != b.Method {
			return a.Method < b.Method
		}
		return a.Name < b.Name
	})
	var current *engine.Function
	names := paramNames{}
	defer func() {
		// gin panics on a malformed or conflicting route.
		if r := recover(); r != nil {
			rt, err = nil, &workspace.RouteError{Definition: current.Name, Path: "path",
				Message: fmt.Sprintf("endpoint %s: %s %s cannot be served: %v", current.Name, current.Def.Method, current.Def.Path, r)}
		}
	}()
	for _, f := range fns {
		current = f
		d := f.Def
		first, _, _ := strings.Cut(strings.TrimPrefix(d.Path, "/"), "/")
		for _, r := range reserved {
			if first == r {
				return nil, &workspace.RouteError{Definition: f.Name, Path: "path",
					Message: fmt.Sprintf("endpoint %s: path %s: /%s is reserved for funcstack; move the endpoint, e.g. under /api", f.Name, d.Path, r)}
			}
		}
		if d.Accepts(engine.AuthJWT) && !jwt {
			return nil, &workspace.RouteError{Definition: f.Name, Path: "auth",
				Message: fmt.Sprintf("endpoint %s: \"auth\": \"jwt\" needs a JWT secret to check tokens with; set FUNCSTACK_JWT_SECRET (api.Config.JWTSecret)", f.Name)}
		}
		if n := len(rt.endpoints); n > 0 && rt.endpoints[n-1].Method == d.Method && rt.endpoints[n-1].Path == d.Path {
			return nil, &workspace.RouteError{Definition: f.Name, Path: "path",
				Message: fmt.Sprintf("endpoints %s and %s both serve %s %s; give one of them another method or path", rt.endpoints[n-1].Name, f.Name, d.Method, d.Path)}
		}
		path, rename := names.canonical(d.Path)
		h := handle(f)
		if rename != nil {
			h = renamed(h, rename, d.Path)
		}
		rt.g.Handle(d.Method, path, h)
		rt.endpoints = append(rt.endpoints, Endpoint{Method: d.Method, Path: d.Path, Name: f.Name})
	}
	return rt, nil
}

// paramNames lets endpoints name the path parameter at one place of
// their paths differently (/api/items/:slug and /api/items/:id/x), which
// gin's router refuses: every route is registered with the name the
// first route gave each place (its canonical path), and a handler whose
// names differ gets its own back (renamed).
type paramNames map[string]string // the canonical path up to a parameter → its name

// canonical returns path with each parameter named as the routes added
// before name it, and the path's own names in order when one differs
// (nil when none does).
func (n paramNames) canonical(path string) (string, []string) {
	segs := strings.Split(path, "/")
	var own []string
	differs := false
	for i, seg := range segs {
		if len(seg) < 2 || seg[0] != ':' {
			continue
		}
		own = append(own, seg[1:])
		at := strings.Join(segs[:i], "/") + "/:"
		canon, seen := n[at]
		if !seen {
			n[at] = seg[1:]
			continue
		}
		if canon != seg[1:] {
			differs = true
			segs[i] = ":" + canon
		}
	}
	if !differs {
		return path, nil
	}
	return strings.Join(segs, "/"), own
}

// renamed gives h's request the endpoint's own parameter names (gin's
// Params are in path order) and its own path as its route (metrics, logs).
func renamed(h gin.HandlerFunc, own []string, path string) gin.HandlerFunc {
	return func(c *gin.Context) {
		for i := range c.Params {
			if i < len(own) {
				c.Params[i].Key = own[i]
			}
		}
		if t := trackedOf(c); t != nil {
			t.route = path
		}
		h(c)
	}
}
