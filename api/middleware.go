package api

import (
	"context"
	"fmt"
	"net/http"

	"github.com/funcstack/funcstack/engine"
)

// Middleware (kind "middleware") runs around the endpoints that name it in
// their "middleware" list, in the order listed:
//
//   - A "before" middleware (the default stage) runs before the endpoint
//     with the endpoint's raw input (path, query and body merged), checked
//     against its own input fields, and with the same auth and request. A
//     throw or failed precondition answers the request with that error
//     (and its status); the endpoint does not run. A response that is an
//     object is merged into the endpoint's input, its keys winning; no
//     response (null) changes nothing.
//   - An "after" middleware runs when the endpoint has succeeded, with
//     input.response (the endpoint's response) and input.status (its HTTP
//     status); its response replaces the endpoint's. A throw answers with
//     that error instead.
//
// Every middleware run is an execution of its own, recorded under the
// middleware's name.

// codeMiddleware is the code of a middleware that answers what it may not.
const codeMiddleware = "invalid_middleware_response"

// runBefore runs the before-middleware among names, merging their
// responses into input. When one fails, it returns that run's result too.
func (s *Server) runBefore(ctx context.Context, endpoint string, names []string, input map[string]any, opt engine.RunOptions) (*engine.Result, error) {
	for _, name := range names {
		if f := s.middlewareFn(name, opt); f == nil || f.Def.Stage == engine.StageAfter {
			continue
		}
		res, err := s.cfg.Engine.Run(ctx, name, input, opt)
		if err != nil {
			return res, err
		}
		switch out := res.Output.(type) {
		case nil:
		case map[string]any:
			for k, v := range out {
				input[k] = v
			}
		default:
			res.Error = &engine.Error{Code: codeMiddleware, Status: http.StatusInternalServerError, Definition: name, Path: "response",
				ExecutionID: res.ExecutionID, Message: fmt.Sprintf(
					"before-middleware %s (of endpoint %s) answered %s; it must answer an object, which is merged into the endpoint's input, or nothing",
					name, endpoint, kindOf(out))}
			return res, res.Error
		}
	}
	return nil, nil
}

// runAfter runs the after-middleware among names on the endpoint's
// response res (status st); res.Output becomes the last one's response.
// When one fails, it returns that run's result too.
func (s *Server) runAfter(ctx context.Context, names []string, res *engine.Result, st int, opt engine.RunOptions) (*engine.Result, error) {
	for _, name := range names {
		if f := s.middlewareFn(name, opt); f == nil || f.Def.Stage != engine.StageAfter {
			continue
		}
		r, err := s.cfg.Engine.Run(ctx, name, map[string]any{"response": res.Output, "status": st}, opt)
		if err != nil {
			return r, err
		}
		res.Output = r.Output
	}
	return nil, nil
}

// middlewareFn is the middleware called name in the program the run uses.
func (s *Server) middlewareFn(name string, opt engine.RunOptions) *engine.Function {
	if opt.Program != nil {
		return opt.Program.Functions[name]
	}
	return s.cfg.Engine.Function(name)
}

// runThrough runs endpoint d with its middleware as a request would (for
// the admin API's run & debug): the before-middleware, the endpoint, the
// after-middleware. The result of a middleware that fails stands for the
// whole.
func (s *Server) runThrough(ctx context.Context, d *engine.Definition, input map[string]any, opt engine.RunOptions) (*engine.Result, error) {
	if res, err := s.runBefore(ctx, d.Name, d.Middleware, input, opt); err != nil {
		return res, err
	}
	res, err := s.cfg.Engine.Run(ctx, d.Name, input, opt)
	if err != nil || len(d.Middleware) == 0 {
		return res, err
	}
	st := d.Status
	if st == 0 {
		st = http.StatusOK
	}
	if r, err := s.runAfter(ctx, d.Middleware, res, st, opt); err != nil {
		return r, err
	}
	return res, nil
}
