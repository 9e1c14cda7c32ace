package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/funcstack/funcstack/api"
	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/store"
)

// DefaultAddr is where serve listens unless told otherwise.
const DefaultAddr = "127.0.0.1:8080"

// tokenFile is the name of the admin token file in the SQLite data folder.
const tokenFile = "admin_token"

// jwtSecretFile is the name of the JWT secret file in the SQLite data folder.
const jwtSecretFile = "jwt_secret"

func cmdServe(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return serve(ctx, args, stdout, stderr)
}

// serve runs the HTTP server until ctx is done, then shuts down
// gracefully: requests in flight get --shutdown-timeout to finish, then
// the engine's async runs end and the store flushes and closes.
func serve(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("serve", stderr)
	ws := workspaceFlag(fs)
	sf := addStoreFlags(fs)
	addr := fs.String("addr", envString("FUNCSTACK_ADDR", DefaultAddr), "address to listen on, host:port (env FUNCSTACK_ADDR)")
	ef := addEngineFlags(fs)
	df := addDurableFlags(fs)
	jwtFlag := addJWTFlag(fs)
	cf := addCORSFlags(fs)
	logFormat := fs.String("log-format", envString("FUNCSTACK_LOG_FORMAT", "text"), "log lines as text or json, on stderr (env FUNCSTACK_LOG_FORMAT)")
	logLevel := fs.String("log-level", envString("FUNCSTACK_LOG_LEVEL", "info"), "least level logged: debug, info (one line a request), warn or error (env FUNCSTACK_LOG_LEVEL)")
	reloadEvery := fs.Duration("reload-interval", envDuration("FUNCSTACK_RELOAD_INTERVAL", api.DefaultReloadInterval), "how often to check the database for definitions published by another node (env FUNCSTACK_RELOAD_INTERVAL)")
	metricsPublic := fs.Bool("metrics-public", envBool("FUNCSTACK_METRICS_PUBLIC"), "serve /metrics without a token, for a private network; by default it needs the admin token or FUNCSTACK_METRICS_TOKEN (env FUNCSTACK_METRICS_PUBLIC=1)")
	readTimeout := fs.Duration("read-timeout", envDuration("FUNCSTACK_READ_TIMEOUT", 30*time.Second), "how long a client may take to send a request body; a slower one gets 408 and the connection is closed (env FUNCSTACK_READ_TIMEOUT)")
	headerTimeout := fs.Duration("read-header-timeout", envDuration("FUNCSTACK_READ_HEADER_TIMEOUT", 10*time.Second), "how long a client may take to send a request's headers (env FUNCSTACK_READ_HEADER_TIMEOUT)")
	force := addOverwriteFlag(fs)
	uploadRetention := fs.Duration("upload-retention", envDuration("FUNCSTACK_UPLOAD_RETENTION", 24*time.Hour), "how long an uploaded file a stack did not keep with file.keep stays in the data folder (env FUNCSTACK_UPLOAD_RETENTION)")
	otelEndpoint := fs.String("otel-endpoint", os.Getenv("FUNCSTACK_OTEL_ENDPOINT"), "send a span of every execution and step to this OpenTelemetry collector over OTLP/HTTP, e.g. http://127.0.0.1:4318 (env FUNCSTACK_OTEL_ENDPOINT; OTEL_SERVICE_NAME names the service, default funcstack; unset: no tracing)")
	grace := fs.Duration("shutdown-timeout", envDuration("FUNCSTACK_SHUTDOWN_TIMEOUT", 15*time.Second), "how long requests in flight may finish after SIGINT or SIGTERM (env FUNCSTACK_SHUTDOWN_TIMEOUT)")
	if _, ok := parseArgs(fs, args, 0, stderr, "give the folder with --workspace DIR"); !ok {
		return 2
	}
	logger, err := api.NewLogger(stderr, *logFormat, *logLevel)
	if err != nil {
		return fail(stderr, "serve", err)
	}
	cors, err := cf.policy()
	if err != nil {
		return fail(stderr, "serve", err)
	}
	defs, _, ok := loadValid(*ws, stderr)
	if !ok {
		return 1
	}
	st, err := sf.open(ctx)
	if err != nil {
		return fail(stderr, "serve", err)
	}
	defer st.Close()
	sum, err := importWorkspace(ctx, st, defs, false, *force, false)
	if err != nil {
		return fail(stderr, "serve", fmt.Errorf("importing the workspace %s: %v", *ws, err))
	}
	secret, secretNote, err := jwtSecret(st, *sf.data, *jwtFlag)
	if err != nil {
		return fail(stderr, "serve", err)
	}
	cfg := ef.config()
	cfg.DB, cfg.Store = st, st.Executions()
	cfg.Secrets = map[string][]byte{engine.SecretJWT: secret}
	cfg.FilesDir = filepath.Join(*sf.data, "files") // uploads and file.save (docs/design.md §26)
	cfg.UploadRetention = *uploadRetention
	if err := df.apply(&cfg); err != nil {
		return fail(stderr, "serve", err)
	}
	cfg.Logger = logger
	eng := engine.New(cfg)
	defer eng.Close()
	tracer, err := startTracing(ctx, *otelEndpoint, logger)
	if err != nil {
		return fail(stderr, "serve", err)
	}
	if tracer != nil {
		eng.SetTracer(tracer)
		defer stopTracing(tracer, *grace, stderr) // on an early return; a shutdown stops it after the engine
	}
	// What runs is what is published in the database (the workspace just
	// imported, and whatever the admin API or other nodes published).
	p, disabled, err := api.CompilePublished(ctx, st)
	if err != nil {
		return fail(stderr, "serve", err)
	}
	if len(disabled) > 0 {
		printDiagnostics(stderr, disabled)
		fmt.Fprintf(stderr, "funcstack serve: %d published definition(s) do not compile with the others and are not served; fix them in the admin API\n", len(disabled))
	}
	eng.Load(p)

	token, tokenNote, err := adminToken(st, *sf.data)
	if err != nil {
		return fail(stderr, "serve", err)
	}
	// Like the admin token, the metrics token is read from the
	// environment only: a flag would show in ps.
	srv, err := api.New(api.Config{Engine: eng, Store: st, AdminToken: token, Logger: logger, CORS: cors,
		MetricsToken: os.Getenv("FUNCSTACK_METRICS_TOKEN"), MetricsPublic: *metricsPublic, ReadTimeout: *readTimeout})
	if err != nil {
		return fail(stderr, "serve", err)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fail(stderr, "serve", fmt.Errorf("%v; choose another address with --addr or FUNCSTACK_ADDR", err))
	}
	dr, err := df.start(ctx, st, eng, ln.Addr().String(), logger)
	if err != nil {
		ln.Close()
		return fail(stderr, "serve", err)
	}
	defer stopDurable(dr, *grace, stderr)
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: *headerTimeout, IdleTimeout: 2 * time.Minute, ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelError)}

	base := "http://" + ln.Addr().String()
	fmt.Fprintf(stdout, "funcstack: API at %s (workspace %s, data in %s)\n", base, *ws, st.Where())
	fmt.Fprintf(stdout, "funcstack: workspace files: %d new version(s), %d unchanged since the last import\n", sum.New, sum.Unchanged)
	for _, e := range srv.Endpoints() {
		fmt.Fprintf(stdout, "  %-6s %s%s  → %s\n", e.Method, base, e.Path, e.Name)
	}
	fmt.Fprintf(stdout, "  POST   %s/function/{name}  (admin token unless the function is public)\n", base)
	fmt.Fprintf(stdout, "  POST   %s/async-function/{name}  (durable, 202 + X-Call-Id; queues %s)\n", base, strings.Join(dr.Queues(), ", "))
	metricsNote := " (metrics: admin token or FUNCSTACK_METRICS_TOKEN)"
	if *metricsPublic {
		metricsNote = " (metrics open: --metrics-public)"
	}
	fmt.Fprintf(stdout, "  GET    %s/healthz, %s/metrics%s\n", base, base, metricsNote)
	fmt.Fprintf(stdout, "  API docs at %s/docs (OpenAPI 3.1 at %s/openapi.json)\n", base, base)
	fmt.Fprintf(stdout, "  Builder UI at %s/_/ (sign in with the admin token)\n", base)
	if tracer != nil {
		fmt.Fprintf(stdout, "funcstack: tracing to %s as service %s\n", tracer.URL(), tracer.ServiceName())
	}
	fmt.Fprintf(stdout, "funcstack: %s\n", secretNote)
	fmt.Fprintf(stdout, "funcstack: %s\n", tokenNote) // the last line: tests wait for it

	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	wctx, stopWatch := context.WithCancel(ctx)
	defer stopWatch()
	go srv.Watch(wctx, *reloadEvery)
	select {
	case err := <-errc:
		return fail(stderr, "serve", err)
	case <-ctx.Done():
	}
	fmt.Fprintln(stdout, "funcstack: shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), *grace)
	defer cancel()
	code := 0
	if err := hs.Shutdown(sctx); err != nil {
		fmt.Fprintf(stderr, "funcstack serve: requests still running after %s were cut off: %v\n", *grace, err)
		code = 1
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintf(stderr, "funcstack serve: %v\n", err)
		code = 1
	}
	stopDurable(dr, *grace, stderr)
	eng.Close()
	if tracer != nil {
		stopTracing(tracer, *grace, stderr)
	}
	if err := st.Close(); err != nil {
		fmt.Fprintf(stderr, "funcstack serve: closing the database: %v\n", err)
		code = 1
	}
	fmt.Fprintln(stdout, "funcstack: stopped")
	return code
}

// adminToken returns the admin token and a line saying where it is:
// FUNCSTACK_ADMIN_TOKEN, else the token file of the SQLite data folder
// (made on first start), else a new token for this process only.
func adminToken(st *store.Store, dataDir string) (token, note string, err error) {
	if t := os.Getenv("FUNCSTACK_ADMIN_TOKEN"); t != "" {
		return t, "admin token from FUNCSTACK_ADMIN_TOKEN", nil
	}
	if st.Dialect() == store.DialectSQLite {
		file := filepath.Join(dataDir, tokenFile)
		t, created, err := api.LoadOrCreateToken(file)
		if err != nil {
			return "", "", err
		}
		if created {
			return t, fmt.Sprintf("admin token (new, saved in %s): %s", file, t), nil
		}
		return t, "admin token in " + file, nil
	}
	t := api.NewToken()
	return t, "admin token (for this process only; set FUNCSTACK_ADMIN_TOKEN to keep one across restarts and nodes): " + t, nil
}

// addJWTFlag adds --jwt-secret, which serve and run share.
func addJWTFlag(fs *flag.FlagSet) *string {
	return fs.String("jwt-secret", "", "HS256 secret of endpoints with \"auth\": \"jwt\" and of auth.token, at least 32 bytes (env FUNCSTACK_JWT_SECRET, preferred: a flag shows in ps; default: made once and kept in the data folder)")
}

// jwtSecret returns the JWT secret and a line saying where it is (never
// the secret itself): --jwt-secret, else FUNCSTACK_JWT_SECRET, else the
// jwt_secret file of the SQLite data folder (made on first start), else a
// new secret for this process only.
func jwtSecret(st *store.Store, dataDir, flag string) (secret []byte, note string, err error) {
	check := func(s, from string) ([]byte, string, error) {
		if len(s) < api.MinJWTSecretBytes {
			return nil, "", fmt.Errorf("the JWT secret from %s is %d bytes long; HS256 needs at least %d random bytes (e.g. openssl rand -base64 32)", from, len(s), api.MinJWTSecretBytes)
		}
		return []byte(s), "JWT secret from " + from, nil
	}
	if flag != "" {
		return check(flag, "--jwt-secret")
	}
	if s := os.Getenv("FUNCSTACK_JWT_SECRET"); s != "" {
		return check(s, "FUNCSTACK_JWT_SECRET")
	}
	if st.Dialect() == store.DialectSQLite {
		file := filepath.Join(dataDir, jwtSecretFile)
		s, created, err := api.LoadOrCreateJWTSecret(file)
		if err != nil {
			return nil, "", err
		}
		if _, _, err := check(s, file); err != nil {
			return nil, "", err
		}
		if created {
			return []byte(s), "JWT secret (new) saved in " + file, nil
		}
		return []byte(s), "JWT secret in " + file, nil
	}
	return []byte(api.NewToken()), "JWT secret made for this process only: its tokens end with it and other nodes refuse them; set FUNCSTACK_JWT_SECRET", nil
}

// envBool is true when the variable name is set to 1, true or yes.
func envBool(name string) bool {
	switch strings.ToLower(os.Getenv(name)) {
	case "1", "true", "yes":
		return true
	}
	return false
}

func envString(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// envInt64 is envInt for sizes.
func envInt64(name string, def int64) int64 {
	if n, err := strconv.ParseInt(os.Getenv(name), 10, 64); err == nil && n > 0 {
		return n
	}
	return def
}
