package api

import (
	"fmt"
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/store"
)

// maxIdempotencyKey bounds the Idempotency-Key header.
const maxIdempotencyKey = 200

// asyncFunction queues a durable run: POST /async-function/{name} with the
// input as the body (as for /function) answers 202 Accepted with X-Call-Id and
// {"id", "status_url"} (OpenFaaS-compatible). X-Callback-Url
// asks for the result to be POSTed there; Idempotency-Key gives the same
// execution for the same key within the idempotency window. The admin
// token is needed unless the function is public, as for /function.
func (s *Server) asyncFunction(c *gin.Context) {
	name := c.Param("name")
	f := s.cfg.Engine.Function(name)
	if f != nil && f.Kind != engine.KindFunction {
		f = nil
	}
	key, ok := s.mayCallFunction(c, f, name, "POST /async-function/"+name)
	if !ok {
		return
	}
	if f == nil {
		writeError(c, s.unknownFunction(name))
		return
	}
	opt := engine.DurableOptions{IdempotencyKey: c.GetHeader("Idempotency-Key"), CallbackURL: c.GetHeader("X-Callback-Url"),
		Traceparent: traceparent(c.Request)}
	if len(opt.IdempotencyKey) > maxIdempotencyKey {
		writeError(c, &engine.Error{Code: engine.CodeInvalidInput, Message: fmt.Sprintf("the Idempotency-Key header is %d bytes long; keep it under %d", len(opt.IdempotencyKey), maxIdempotencyKey)})
		return
	}
	if opt.CallbackURL != "" {
		u, err := url.Parse(opt.CallbackURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			writeError(c, &engine.Error{Code: engine.CodeInvalidInput, Message: fmt.Sprintf("the X-Callback-Url header %q is not an absolute http or https URL", opt.CallbackURL)})
			return
		}
	}
	body, _, berr := readBody(c, s.cfg.MaxBodyBytes, func() inputShape { return shapeOf(f) }, s.cfg.Engine.Config().FilesDir)
	if berr != nil {
		writeError(c, berr)
		return
	}
	if f.Def.RateLimit != nil && !s.checkRate(c, s.functionLimit(f.Def), key, nil, body) {
		return
	}
	id, err := s.cfg.Engine.EnqueueDurable(c.Request.Context(), name, body, opt)
	if err != nil {
		e := engine.AsError(err)
		if e.Code == engine.CodeInternal || e.HTTPStatus() >= 500 {
			s.logf("funcstack api: queueing %s: %v", name, err)
		}
		writeError(c, e)
		return
	}
	if key != nil {
		// The key may read the run's status URL (api/keys.go).
		if err := s.cfg.Store.OwnExecution(c.Request.Context(), id, key.ID); err != nil {
			s.logf("funcstack api: %v", err)
		}
	}
	c.Header("X-Call-Id", id)
	// An ID and a path: encoded without reflection, on the hot path of
	// every enqueue.
	answer, _ := store.AppendJSON(make([]byte, 0, 128), map[string]any{"id": id, "status_url": "/_/api/executions/" + id})
	c.Data(http.StatusAccepted, "application/json; charset=utf-8", answer)
}
