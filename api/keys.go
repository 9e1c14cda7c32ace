package api

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/store"
)

// API keys (docs/design.md §27.2): sent as X-Api-Key: fsk_… or
// Authorization: Bearer fsk_…; checked against the store through a cache
// of a few seconds (a revocation on this node counts at once, on others
// within keyCacheTTL); the last-used time is written at most once per
// keyTouchEvery per key, off the request's path.

// Scopes of an API key.
const (
	ScopeAdmin          = "admin"           // everything the admin token may do
	ScopeExecutionsRead = "executions:read" // read the async runs it started
	ScopeCallPrefix     = "call:"           // call:NAME, call:*: call that function or endpoint
)

const (
	keyCacheTTL   = 5 * time.Second
	keyTouchEvery = time.Minute
	codeForbidden = "forbidden"
)

// cachedKey is a key read from the store, or its absence (key nil).
type cachedKey struct {
	key     *store.APIKey
	read    time.Time
	touched *atomic.Int64 // unix nanoseconds of the last last-used write; shared by re-reads
}

// keyCache holds keys by ID.
type keyCache struct {
	m sync.Map // id → *cachedKey
	n atomic.Int64
}

// presentedKey is the API key the request carries, or "".
func presentedKey(r *http.Request) string {
	if k := r.Header.Get("X-Api-Key"); k != "" {
		return strings.TrimSpace(k)
	}
	scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if ok && strings.EqualFold(scheme, "Bearer") && strings.HasPrefix(strings.TrimSpace(tok), store.APIKeyPrefix) {
		return strings.TrimSpace(tok)
	}
	return ""
}

// checkKey finds and checks the API key text: the key, or the 401 to
// answer with (what names the thing called).
func (s *Server) checkKey(ctx context.Context, text, what string) (*store.APIKey, *engine.Error) {
	bad := func(msg string) (*store.APIKey, *engine.Error) {
		return nil, &engine.Error{Code: codeInvalidToken, Status: http.StatusUnauthorized, Message: msg}
	}
	if s.cfg.Store == nil {
		return bad("API keys need a database; this server has none")
	}
	id, sum, ok := store.SplitAPIKey(text)
	if !ok {
		return bad("the API key is malformed: keys look like fsk_<12 hex digits>_<secret>, as funcstack keys create printed it")
	}
	now := time.Now()
	var ck *cachedKey
	if v, ok := s.keys.m.Load(id); ok && now.Sub(v.(*cachedKey).read) < keyCacheTTL {
		ck = v.(*cachedKey)
	} else {
		k, err := s.cfg.Store.APIKey(ctx, id)
		if err != nil && !errors.Is(err, store.ErrNoAPIKey) {
			s.log.Error("reading an API key", "key_id", id, "error", err.Error())
			return nil, &engine.Error{Code: engine.CodeInternal, Message: "the API key cannot be checked now; try again"}
		}
		touched := new(atomic.Int64)
		if v != nil {
			touched = v.(*cachedKey).touched
		}
		ck = &cachedKey{key: k, read: now, touched: touched}
		if s.keys.n.Add(1) > 10000 { // bound the cache: unknown IDs fill it too
			s.keys.m.Clear()
			s.keys.n.Store(0)
		}
		s.keys.m.Store(id, ck)
	}
	k := ck.key
	if k == nil || subtle.ConstantTimeCompare(k.Hash[:], sum[:]) != 1 {
		return bad("the API key is not known: it was never made here, or it was mistyped")
	}
	if k.RevokedAt != nil {
		return bad(fmt.Sprintf("the API key %s (%s) was revoked at %s; make a new one", k.Name, k.ID, k.RevokedAt.Format(time.RFC3339)))
	}
	if k.ExpiresAt != nil && !now.Before(*k.ExpiresAt) {
		return bad(fmt.Sprintf("the API key %s (%s) expired at %s; make a new one", k.Name, k.ID, k.ExpiresAt.Format(time.RFC3339)))
	}
	if last := ck.touched.Load(); now.UnixNano()-last >= int64(keyTouchEvery) && ck.touched.CompareAndSwap(last, now.UnixNano()) {
		go func() {
			tctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := s.cfg.Store.TouchAPIKey(tctx, k.ID, now); err != nil {
				s.log.Warn("noting an API key's last use", "key_id", k.ID, "error", err.Error())
			}
		}()
	}
	return k, nil
}

// forgetKey drops key id from the cache (after a revocation).
func (s *Server) forgetKey(id string) { s.keys.m.Delete(id) }

// keyMay reports whether k's scopes let it call name.
func keyMay(k *store.APIKey, name string) bool {
	for _, sc := range k.Scopes {
		if sc == ScopeAdmin || sc == ScopeCallPrefix+"*" || sc == ScopeCallPrefix+name {
			return true
		}
	}
	return false
}

func hasScope(k *store.APIKey, scope string) bool {
	for _, sc := range k.Scopes {
		if sc == scope || sc == ScopeAdmin {
			return true
		}
	}
	return false
}

func forbidden(k *store.APIKey, what, name string) *engine.Error {
	return &engine.Error{Code: codeForbidden, Status: http.StatusForbidden, Message: fmt.Sprintf(
		"the API key %s (%s) may not call %s; give it the scope %s%s (or make a key that has it)", k.Name, k.ID, what, ScopeCallPrefix, name)}
}

// keyAuth is what a stack run by an API key sees as auth.
func keyAuth(k *store.APIKey) map[string]any {
	scopes := make([]any, len(k.Scopes))
	for i, sc := range k.Scopes {
		scopes[i] = sc
	}
	return map[string]any{"type": engine.AuthAPIKey, "key_id": k.ID, "key_name": k.Name, "scopes": scopes}
}

// authenticate checks the credentials endpoint d asks for ("auth") and
// returns what its stack sees as auth and the API key used (if one was),
// or the error to answer with.
func (s *Server) authenticate(r *http.Request, d *engine.Definition) (map[string]any, *store.APIKey, *engine.Error) {
	if d.Accepts(engine.AuthAPIKey) {
		if text := presentedKey(r); text != "" {
			k, err := s.checkKey(r.Context(), text, "endpoint "+d.Name)
			if err != nil {
				err.Definition = d.Name
				return nil, nil, err
			}
			if !keyMay(k, d.Name) {
				e := forbidden(k, "endpoint "+d.Name, d.Name)
				e.Definition = d.Name
				return nil, nil, e
			}
			return keyAuth(k), k, nil
		}
		if !d.Accepts(engine.AuthJWT) {
			return nil, nil, jwtError(codeUnauthorized, d.Name, "this endpoint needs an API key: send X-Api-Key: fsk_… (or Authorization: Bearer fsk_…), made with funcstack keys create or the builder's API keys page")
		}
		if r.Header.Get("Authorization") == "" {
			return nil, nil, jwtError(codeUnauthorized, d.Name, "this endpoint needs a JWT or an API key: send Authorization: Bearer <token>, or X-Api-Key: fsk_…")
		}
	}
	claims, err := s.authJWT(r, d.Name)
	return claims, nil, err
}

// callerKey checks the API key of a request to /function or
// /async-function: nil when none was sent (or the function is public and
// none was sent); ok is false when the answer was written (a bad key, or
// one not allowed to call name).
func (s *Server) callerKey(c *gin.Context, name string) (k *store.APIKey, ok bool) {
	text := presentedKey(c.Request)
	if text == "" {
		return nil, true
	}
	k, err := s.checkKey(c.Request.Context(), text, "function "+name)
	if err != nil {
		writeAuthError(c, err)
		return nil, false
	}
	return k, true
}

// mayCallFunction answers for /function and /async-function: the admin
// token, a key allowed to call name, or a public function. It writes the
// 401 or 403 itself and returns the key used, if any.
func (s *Server) mayCallFunction(c *gin.Context, f *engine.Function, name, what string) (*store.APIKey, bool) {
	k, ok := s.callerKey(c, name)
	if !ok {
		return nil, false
	}
	switch {
	case k != nil && f != nil && keyMay(k, name):
	case k != nil && hasScope(k, ScopeAdmin):
	case f != nil && f.Def.Settings.Public:
	case k == nil && s.isAdmin(c.Request):
	case k != nil:
		writeError(c, forbidden(k, "function "+name, name))
		return nil, false
	default:
		unauthorized(c, what)
		return nil, false
	}
	return k, true
}

// adminOrKey lets the admin token, or an API key with the admin scope,
// through.
func (s *Server) adminOrKey(c *gin.Context) bool {
	if s.isAdmin(c.Request) {
		return true
	}
	if text := presentedKey(c.Request); text != "" {
		k, err := s.checkKey(c.Request.Context(), text, "the admin API")
		if err != nil {
			writeAuthError(c, err)
			return false
		}
		if !hasScope(k, ScopeAdmin) {
			writeError(c, &engine.Error{Code: codeForbidden, Status: http.StatusForbidden, Message: fmt.Sprintf(
				"the API key %s (%s) may not use the admin API; only keys with the scope admin may", k.Name, k.ID)})
			return false
		}
		return true
	}
	unauthorized(c, "the admin API")
	return false
}

// executionReader guards GET /_/api/executions/{id}: the admin token, an
// admin key, or the key with executions:read that started the run.
func (s *Server) executionReader(c *gin.Context) {
	if s.isAdmin(c.Request) {
		c.Next()
		return
	}
	text := presentedKey(c.Request)
	if text == "" {
		unauthorized(c, "the admin API")
		return
	}
	k, err := s.checkKey(c.Request.Context(), text, "reading an execution")
	if err != nil {
		writeAuthError(c, err)
		return
	}
	if k.Scopes != nil && hasScope(k, ScopeAdmin) {
		c.Next()
		return
	}
	id := c.Param("id")
	owner, oerr := s.cfg.Store.ExecutionOwner(c.Request.Context(), id)
	if oerr != nil {
		s.log.Error("reading the owner of an execution", "execution_id", id, "error", oerr.Error())
		writeError(c, &engine.Error{Code: engine.CodeInternal, Message: "reading execution " + id + " failed; try again"})
		return
	}
	if owner != k.ID || !hasScope(k, ScopeExecutionsRead) {
		msg := fmt.Sprintf("the API key %s (%s) may not read execution %s: a key reads only the async runs it started, with the scope %s", k.Name, k.ID, id, ScopeExecutionsRead)
		writeError(c, &engine.Error{Code: codeForbidden, Status: http.StatusForbidden, Message: msg})
		return
	}
	c.Next()
}

// keyRequest is the body of POST /_/api/keys.
type keyRequest struct {
	Name   string   `json:"name"`
	Scopes []string `json:"scopes"`
	// ExpiresIn ("30d", "12h") or ExpiresAt (RFC 3339): when it stops
	// working; neither: never.
	ExpiresIn string     `json:"expires_in"`
	ExpiresAt *time.Time `json:"expires_at"`
}

// CheckKeyRequest checks a new key's name, scopes and expiry, and returns
// when it expires (nil: never).
func CheckKeyRequest(name string, scopes []string, expiresIn string, expiresAt *time.Time) (*time.Time, error) {
	if strings.TrimSpace(name) == "" || len(name) > 200 {
		return nil, fmt.Errorf("name: give the key a name of 1 to 200 characters saying who or what uses it, e.g. \"billing-service\"")
	}
	if len(scopes) == 0 {
		return nil, fmt.Errorf("scopes: give the key at least one scope: call:NAME (call that function or endpoint), call:*, %s (read the async runs it started) or %s", ScopeExecutionsRead, ScopeAdmin)
	}
	for i, sc := range scopes {
		n, isCall := strings.CutPrefix(sc, ScopeCallPrefix)
		if sc == ScopeAdmin || sc == ScopeExecutionsRead || (isCall && (n == "*" || engine.NamePattern.MatchString(n))) {
			continue
		}
		return nil, fmt.Errorf("scopes[%d]: %q is not a scope; use call:NAME (a function or endpoint name), call:*, %s or %s", i, sc, ScopeExecutionsRead, ScopeAdmin)
	}
	switch {
	case expiresIn != "" && expiresAt != nil:
		return nil, fmt.Errorf("expires_in and expires_at are both given; give one")
	case expiresIn != "":
		d, err := engine.ParseDuration(expiresIn)
		if err != nil || d.D() <= 0 {
			return nil, fmt.Errorf("expires_in: %q is not a duration such as \"30d\" or \"12h\"", expiresIn)
		}
		t := time.Now().Add(d.D())
		return &t, nil
	case expiresAt != nil && !expiresAt.After(time.Now()):
		return nil, fmt.Errorf("expires_at %s is in the past", expiresAt.Format(time.RFC3339))
	}
	return expiresAt, nil
}

// keyView is a key as the admin API shows it.
func keyView(k *store.APIKey) gin.H {
	h := gin.H{"id": k.ID, "name": k.Name, "prefix": k.Prefix(), "scopes": k.Scopes, "created_at": k.CreatedAt,
		"expires_at": k.ExpiresAt, "last_used_at": k.LastUsedAt, "revoked_at": k.RevokedAt}
	return h
}

// createKey answers POST /_/api/keys: 201 with the key's text, shown once.
func (s *Server) createKey(c *gin.Context) {
	st := s.storeOf(c)
	if st == nil {
		return
	}
	var req keyRequest
	if e := s.readInto(c, `{"name": "billing-service", "scopes": ["call:place_order", "executions:read"], "expires_in": "90d"}`, &req); e != nil {
		writeError(c, e)
		return
	}
	exp, err := CheckKeyRequest(req.Name, req.Scopes, req.ExpiresIn, req.ExpiresAt)
	if err != nil {
		writeError(c, &engine.Error{Code: engine.CodeInvalidInput, Message: err.Error()})
		return
	}
	k, text, err := st.CreateAPIKey(c.Request.Context(), req.Name, req.Scopes, exp)
	if err != nil {
		s.internal(c, "creating the API key", err)
		return
	}
	v := keyView(k)
	v["key"] = text
	v["note"] = "the key is shown only now: keep it; funcstack keeps only its hash"
	writeJSON(c, http.StatusCreated, v)
}

// listKeys answers GET /_/api/keys.
func (s *Server) listKeys(c *gin.Context) {
	st := s.storeOf(c)
	if st == nil {
		return
	}
	ks, err := st.APIKeys(c.Request.Context())
	if err != nil {
		s.internal(c, "listing the API keys", err)
		return
	}
	out := make([]gin.H, len(ks))
	for i, k := range ks {
		out[i] = keyView(k)
	}
	writeJSON(c, http.StatusOK, gin.H{"keys": out})
}

// revokeKey answers DELETE /_/api/keys/{id}: the key, revoked.
func (s *Server) revokeKey(c *gin.Context) {
	st := s.storeOf(c)
	if st == nil {
		return
	}
	id := c.Param("id")
	k, err := st.RevokeAPIKey(c.Request.Context(), id)
	if errors.Is(err, store.ErrNoAPIKey) {
		writeError(c, &engine.Error{Code: engine.CodeNotFound, Message: fmt.Sprintf("no API key %q; GET /_/api/keys lists them", id)})
		return
	}
	if err != nil {
		s.internal(c, "revoking the API key", err)
		return
	}
	s.forgetKey(id)
	writeJSON(c, http.StatusOK, keyView(k))
}
