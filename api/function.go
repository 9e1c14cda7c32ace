package api

import (
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/funcstack/funcstack/engine"
)

// function runs a function synchronously: POST /function/{name} with the
// input as the body: a JSON object, form fields or multipart parts, or,
// as OpenFaaS does, any other body as input.body (see readBody). Functions without settings.public need the
// admin token; without it, an unknown function is not told apart from a
// private one.
func (s *Server) function(c *gin.Context) {
	name := c.Param("name")
	f := s.cfg.Engine.Function(name)
	if f != nil && f.Kind != engine.KindFunction {
		f = nil // endpoints and tasks are not invoked by name here
	}
	key, ok := s.mayCallFunction(c, f, name, "POST /function/"+name)
	if !ok {
		return
	}
	if f == nil {
		writeError(c, s.unknownFunction(name))
		return
	}
	body, _, berr := readBody(c, s.cfg.MaxBodyBytes, func() inputShape { return shapeOf(f) }, s.cfg.Engine.Config().FilesDir)
	if berr != nil {
		writeError(c, berr)
		return
	}
	if body == nil {
		body = map[string]any{}
	}
	if f.Def.RateLimit != nil && !s.checkRate(c, s.functionLimit(f.Def), key, nil, body) {
		return
	}
	opt := engine.RunOptions{Traceparent: traceparent(c.Request), Trigger: engine.TriggerHTTP}
	res, ok, err := s.run(c, name, body, opt, f.Def.Settings.PromoteAfter.D())
	if err != nil {
		noteError(c, engine.AsError(err), f, body)
	}
	if ok {
		s.respond(c, name, http.StatusOK, res, err)
	}
}

func (s *Server) unknownFunction(name string) *engine.Error {
	var names []string
	if p := s.cfg.Engine.Program(); p != nil {
		if d := p.Definitions[name]; d != nil {
			return &engine.Error{Code: engine.CodeNotFound, Message: fmt.Sprintf(
				"%s is %s %s, not a function; only functions are invoked by POST /function/{name}", name, article(d.Kind), d.Kind)}
		}
		for n, f := range p.Functions {
			if f.Kind == engine.KindFunction {
				names = append(names, n)
			}
		}
	}
	msg := fmt.Sprintf("no function named %q", name)
	if c := engine.Closest(name, names); c != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", c)
	}
	return &engine.Error{Code: engine.CodeNotFound, Message: msg}
}

func article(kind string) string {
	if kind == engine.KindEndpoint {
		return "an"
	}
	return "a"
}
