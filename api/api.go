package api

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/store"
	"github.com/funcstack/funcstack/engine/workspace"
)

// Config configures New. Engine and AdminToken are required.
type Config struct {
	// Engine runs the stacks; its loaded program gives the endpoints.
	Engine *engine.Engine
	// Store is pinged by /healthz (nil: /healthz checks nothing).
	Store *store.Store
	// AdminToken guards the admin API and non-public functions
	// (Authorization: Bearer <token>).
	AdminToken string
	// JWTSecret is the HS256 secret that tokens sent to endpoints with
	// "auth": "jwt" must be signed with (FUNCSTACK_JWT_SECRET); give the
	// auth.token step the same one. Default: the engine's
	// Secrets[engine.SecretJWT]. Required, at least MinJWTSecretBytes
	// long, when such endpoints exist.
	JWTSecret []byte
	// MaxBodyBytes bounds request bodies (default: the engine's
	// MaxBodyBytes limit, 1 MiB); larger ones get 413.
	MaxBodyBytes int64
	// TrustedProxies are the proxies whose X-Forwarded-For is believed
	// for request.ip (default none: request.ip is the peer's address).
	TrustedProxies []string
	// Logger gets one line per request and server-side problems (panics,
	// internal errors); default slog.Default().
	Logger *slog.Logger
	// Metrics is where /metrics counts requests and executions (default:
	// a registry of the server's own; see NewMetrics).
	Metrics *Metrics
	// MetricsToken, when set, is a bearer token /metrics accepts besides
	// the admin token (FUNCSTACK_METRICS_TOKEN; Prometheus sends it with
	// its scrape config's authorization).
	MetricsToken string
	// CORS is the cross-origin policy of every endpoint (an endpoint's
	// "cors" field replaces the parts it sets), /function and
	// /async-function (--cors-origins and the other --cors flags).
	// No origins: browsers on other origins are refused.
	CORS engine.CORS
	// ReadTimeout bounds the time a client may take to send a request
	// body (default DefaultReadTimeout; serve --read-timeout); a slower
	// one gets 408.
	ReadTimeout time.Duration
	// MetricsPublic opens /metrics to anyone (serve --metrics-public, for
	// a private network); by default it needs a token, as it names every
	// function and route.
	MetricsPublic bool
}

// Server is the HTTP handler. It is safe for concurrent use.
type Server struct {
	cfg      Config
	g        *gin.Engine
	tokenSum [32]byte
	// metricsSum is the hash of Config.MetricsToken (zero: none).
	metricsSum [32]byte
	log        *slog.Logger
	metrics    *Metrics
	// routes holds the generated endpoints; a reload swaps it whole.
	routes atomic.Pointer[routeTable]
	// reload serialises reloads and holds what the last one saw.
	reload reloadState
	adminState
	oapi openAPI
	// ws holds the rules for changing the stored definitions (with
	// Config.Store).
	ws *workspace.Workspace
	// cors is the server's CORS policy (nil: none).
	cors *corsPolicy
	// keys caches API keys read from the store (api/keys.go).
	keys keyCache
	// limits counts calls for rate limits (api/ratelimit.go); fnLimits
	// holds functions' rate limits by definition.
	limits   counter
	fnLimits sync.Map // *engine.Definition → *rateLimit
}

// New builds the server for the program loaded in cfg.Engine. It fails
// when an endpoint's path is reserved, malformed or conflicts with another
// endpoint's. With cfg.Store, Reload (run after every definition change
// made through the admin API, and by Watch when another node changed one)
// loads the store's published definitions and swaps the endpoint routes.
func New(cfg Config) (*Server, error) {
	if cfg.Engine == nil {
		return nil, fmt.Errorf("api: no engine")
	}
	p := cfg.Engine.Program()
	if p == nil {
		return nil, fmt.Errorf("api: the engine has no program loaded")
	}
	if cfg.AdminToken == "" {
		return nil, fmt.Errorf("api: no admin token; set FUNCSTACK_ADMIN_TOKEN or let serve generate one")
	}
	if cfg.JWTSecret == nil && cfg.Engine != nil {
		cfg.JWTSecret = cfg.Engine.Config().Secrets[engine.SecretJWT]
	}
	if n := len(cfg.JWTSecret); n > 0 && n < MinJWTSecretBytes {
		return nil, fmt.Errorf("api: the JWT secret is %d bytes long; HS256 needs at least %d: set a longer FUNCSTACK_JWT_SECRET", n, MinJWTSecretBytes)
	}
	cfg.JWTSecret = bytes.Clone(cfg.JWTSecret)
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = cfg.Engine.Config().Limits.MaxBodyBytes
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.ReadTimeout == 0 {
		cfg.ReadTimeout = DefaultReadTimeout
	}
	if cfg.Metrics == nil {
		cfg.Metrics = NewMetrics(cfg.Engine)
	}
	if cfg.Store != nil {
		cfg.Metrics.watchDurable(cfg.Store)
	}
	for _, o := range cfg.CORS.Origins {
		if err := engine.CheckOrigin(o); err != nil {
			return nil, fmt.Errorf("api: CORS origins (--cors-origins, FUNCSTACK_CORS_ORIGINS): %v", err)
		}
	}
	if cfg.CORS.Credentials != nil && *cfg.CORS.Credentials && slices.Contains(cfg.CORS.Origins, "*") {
		return nil, fmt.Errorf("api: CORS origin \"*\" cannot be used with credentials (--cors-credentials): browsers refuse it; list the origins, or use a pattern such as https://*.example.com")
	}
	gin.SetMode(gin.ReleaseMode)
	g := gin.New()
	g.HandleMethodNotAllowed = true
	g.RedirectTrailingSlash = false
	g.RedirectFixedPath = false
	g.ContextWithFallback = true
	if err := g.SetTrustedProxies(cfg.TrustedProxies); err != nil {
		return nil, fmt.Errorf("api: trusted proxies: %v", err)
	}
	s := &Server{cfg: cfg, g: g, tokenSum: hashToken(cfg.AdminToken), metricsSum: hashToken(cfg.MetricsToken), log: cfg.Logger, metrics: cfg.Metrics, cors: newCORS(cfg.CORS)}
	s.limits = s.newCounter()
	s.ws = workspace.New(cfg.Store, workspace.Options{
		Routes: func(p *engine.Program) error { _, err := s.buildRoutes(p); return err },
		Log:    func(err error) { s.logf("funcstack api: %v", err) },
	})
	g.Use(s.observe, gin.CustomRecoveryWithWriter(nil, s.recovered))
	g.Use(serveUI(uiFiles)) // the builder UI at /_/ (api/ui.go)
	// Generated endpoints live in their own gin engine, swapped on reload.
	g.NoRoute(s.serveEndpoints)
	g.NoMethod(noMethod)

	g.GET("/healthz", s.healthz)
	g.GET("/metrics", s.requireMetricsToken, s.metrics.handler)
	g.GET("/openapi.json", s.corsFixed, s.openapiJSON)
	g.GET("/docs", docsPage)
	g.POST("/function/:name", s.corsFixed, s.function)
	g.POST("/async-function/:name", s.corsFixed, s.asyncFunction)
	g.OPTIONS("/function/:name", s.preflightFixed)
	g.OPTIONS("/async-function/:name", s.preflightFixed)
	// An async run's status URL: also readable by the API key that
	// started it (api/keys.go).
	g.GET("/_/api/executions/:id", s.corsFixed, s.executionReader, s.execution)
	admin := g.Group("/_/api", s.requireAdmin)
	admin.GET("/steps", s.steps)
	admin.GET("/types", s.types)
	s.adminRoutes(admin)

	rt, err := s.buildRoutes(p)
	if err != nil {
		return nil, err
	}
	s.routes.Store(rt)
	return s, nil
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	limitBodyTime(w, r, s.cfg.ReadTimeout)
	cleanPath(r)
	t := trackedPool.Get().(*tracked)
	*t = tracked{ResponseWriter: w}
	s.g.ServeHTTP(t, r)
	*t = tracked{}
	trackedPool.Put(t)
}

func (s *Server) recovered(c *gin.Context, v any) {
	s.log.Error("panic serving a request", "method", c.Request.Method, "route", c.FullPath(), "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
	writeError(c, &engine.Error{Code: engine.CodeInternal, Message: "internal error; see the server log"})
}

func (s *Server) healthz(c *gin.Context) {
	if s.cfg.Store != nil {
		ctx, cancel := context.WithTimeout(c.Request.Context(), 5*time.Second)
		defer cancel()
		if err := s.cfg.Store.SQL().PingContext(ctx); err != nil {
			// Where the database is and the driver's words stay in the
			// log: /healthz is open to anyone who can reach the node.
			s.log.Error("health check: the database does not answer", "database", s.cfg.Store.Where(), "error", err.Error())
			writeError(c, &engine.Error{Code: "unavailable", Status: http.StatusServiceUnavailable,
				Message: "database unreachable; the server log says why"})
			return
		}
	}
	writeJSON(c, http.StatusOK, gin.H{"status": "ok"})
}
