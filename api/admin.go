package api

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/value"
)

func hashToken(t string) [32]byte { return sha256.Sum256([]byte(t)) }

// isAdmin reports whether the request carries the admin token
// (Authorization: Bearer <token>), compared in constant time.
func (s *Server) isAdmin(r *http.Request) bool { return bearerIs(r, s.tokenSum) }

// bearerIs reports whether r carries Authorization: Bearer <token> for
// the token whose hash is sum, compared in constant time.
func bearerIs(r *http.Request, sum [32]byte) bool {
	scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return false
	}
	got := hashToken(strings.TrimSpace(tok))
	return subtle.ConstantTimeCompare(got[:], sum[:]) == 1
}

// requireMetricsToken guards /metrics unless Config.MetricsPublic: it
// needs the metrics token, when one is set, or the admin token.
func (s *Server) requireMetricsToken(c *gin.Context) {
	if s.cfg.MetricsPublic || (s.cfg.MetricsToken != "" && bearerIs(c.Request, s.metricsSum)) || s.isAdmin(c.Request) {
		c.Next()
		return
	}
	c.Header("WWW-Authenticate", `Bearer realm="funcstack metrics"`)
	writeError(c, &engine.Error{Code: codeUnauthorized, Status: http.StatusUnauthorized,
		Message: "/metrics needs a token: send Authorization: Bearer <FUNCSTACK_METRICS_TOKEN, or the admin token> (in Prometheus: the scrape config's authorization.credentials), or serve it open with --metrics-public on a private network"})
}

func unauthorized(c *gin.Context, what string) {
	ch := `Bearer realm="funcstack"`
	msg := what + " needs the admin token: send Authorization: Bearer <token> (FUNCSTACK_ADMIN_TOKEN, or the token funcstack serve printed or saved)"
	if c.Request.Header.Get("Authorization") != "" {
		ch += `, error="invalid_token"` // RFC 6750 §3: a token was sent and is not accepted
		msg = "the Authorization header does not carry the admin token; " + what + " needs Authorization: Bearer <token>"
	}
	c.Header("WWW-Authenticate", ch)
	writeError(c, &engine.Error{Code: codeUnauthorized, Status: http.StatusUnauthorized, Message: msg})
}

func (s *Server) requireAdmin(c *gin.Context) {
	if !s.adminOrKey(c) { // the admin token, or an API key with the admin scope
		return
	}
	c.Next()
}

// adminRoutes adds the admin API routes of ADMIN_API.md (besides /steps
// and GET /executions/{id}, which New adds) to the /_/api group.
func (s *Server) adminRoutes(g *gin.RouterGroup) {
	g.GET("/definitions", s.listDefinitions)
	g.POST("/definitions", s.createDefinition)
	g.GET("/definitions/:name", s.getDefinition)
	g.PUT("/definitions/:name", s.updateDefinition)
	g.DELETE("/definitions/:name", s.deleteDefinition)
	g.POST("/definitions/:name/rename", s.renameDefinition)
	g.POST("/definitions/:name/publish", s.publishDefinition)
	g.GET("/definitions/:name/dependencies", s.definitionDependencies)
	g.GET("/definitions/:name/test-inputs", s.testInputsOf)
	g.PUT("/definitions/:name/test-inputs/:input", s.putTestInput)
	g.DELETE("/definitions/:name/test-inputs/:input", s.deleteTestInput)
	g.GET("/definitions/:name/versions", s.definitionVersions)
	g.GET("/definitions/:name/diff", s.diffDefinition)
	g.POST("/definitions/:name/restore", s.restoreDefinition)
	g.POST("/validate", s.validate)
	g.GET("/export", s.export)
	g.POST("/import", s.importDefinitions)
	g.GET("/status", s.status)
	g.POST("/run", s.runDebug)
	g.GET("/executions", s.listExecutions)
	g.POST("/executions/:id/cancel", s.cancelExecution)
	g.POST("/executions/:id/retry", s.retryExecution)
	g.GET("/functions", s.functions)
	g.POST("/test-token", s.testToken)
	g.GET("/definition-fields", s.definitionFields)
	g.GET("/keys", s.listKeys)
	g.POST("/keys", s.createKey)
	g.DELETE("/keys/:id", s.revokeKey)
	g.GET("/tables", s.listTables)
	g.GET("/tables/:name/records", s.listRecords)
	g.POST("/tables/:name/records", s.addRecord)
	g.PATCH("/tables/:name/records/:id", s.patchRecord)
	g.DELETE("/tables/:name/records/:id", s.deleteRecord)
}

// definitionFields answers GET /_/api/definition-fields: the registered
// definition fields (auth, cors, rate_limit, history…) with their kinds,
// descriptions and JSON Schemas, from which the builder makes their forms.
func (s *Server) definitionFields(c *gin.Context) {
	writeJSON(c, http.StatusOK, engine.DefinitionFields())
}

// status answers GET /_/api/status: what the last reload saw (Status).
func (s *Server) status(c *gin.Context) { writeJSON(c, http.StatusOK, s.Status()) }

func (s *Server) steps(c *gin.Context) { writeJSON(c, http.StatusOK, engine.Catalogue()) }

// types answers GET /_/api/types: the value types (value.Catalogue).
func (s *Server) types(c *gin.Context) { writeJSON(c, http.StatusOK, value.Catalogue()) }

// execution answers GET /_/api/executions/{id} with the execution record.
func (s *Server) execution(c *gin.Context) {
	id := c.Param("id")
	notFound := &engine.Error{Code: engine.CodeNotFound, Message: fmt.Sprintf("no execution %q; it may be older than the retention (7 days) or from another database", id)}
	if _, err := uuid.Parse(id); err != nil {
		writeError(c, notFound)
		return
	}
	rec, err := s.cfg.Engine.Get(c.Request.Context(), id)
	if errors.Is(err, engine.ErrNoExecution) {
		writeError(c, notFound)
		return
	}
	if err != nil {
		s.log.Error("reading an execution record", "execution_id", id, "error", err.Error())
		writeError(c, &engine.Error{Code: engine.CodeInternal, Message: "reading execution " + id + ": " + err.Error()})
		return
	}
	writeJSON(c, http.StatusOK, viewOf(rec, true))
}

// NewToken makes a random admin token (256 bits, URL-safe base64).
func NewToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return base64.RawURLEncoding.EncodeToString(b)
}

// LoadOrCreateToken reads the admin token kept in file, or makes one and
// saves it there (mode 0600) when the file does not exist yet; created
// tells which.
func LoadOrCreateToken(file string) (token string, created bool, err error) {
	return loadOrCreate(file, "admin token", "FUNCSTACK_ADMIN_TOKEN")
}

// LoadOrCreateJWTSecret is LoadOrCreateToken for the JWT secret of
// endpoints with "auth": "jwt" (256 random bits, URL-safe base64, used as
// the HS256 key as it is written).
func LoadOrCreateJWTSecret(file string) (secret string, created bool, err error) {
	return loadOrCreate(file, "JWT secret", "FUNCSTACK_JWT_SECRET")
}

// loadOrCreate reads the secret kept in file, or makes one with NewToken
// and saves it there (mode 0600); what names it in errors, env is the
// variable that sets it instead.
func loadOrCreate(file, what, env string) (token string, created bool, err error) {
	b, err := os.ReadFile(file)
	if err == nil {
		token = strings.TrimSpace(string(b))
		if token == "" {
			return "", false, fmt.Errorf("the %s file %s is empty; delete it to make a new one, or set %s", what, file, env)
		}
		return token, false, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "", false, fmt.Errorf("reading the %s: %v", what, err)
	}
	token = NewToken()
	f, err := os.OpenFile(file, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) { // another process made it first
		return loadOrCreate(file, what, env)
	}
	if err != nil {
		return "", false, fmt.Errorf("saving the %s: %v; set %s instead", what, err, env)
	}
	if _, err := f.WriteString(token + "\n"); err != nil {
		f.Close()
		return "", false, fmt.Errorf("saving the %s in %s: %v", what, file, err)
	}
	if err := f.Close(); err != nil {
		return "", false, fmt.Errorf("saving the %s in %s: %v", what, file, err)
	}
	return token, true, nil
}
