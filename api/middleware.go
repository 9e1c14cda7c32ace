package api

import (
	"context"
	"fmt"
	"maps"
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
//     input.response (the endpoint's response, or the body of its
//     respond step), input.status (its HTTP status) and input.headers
//     (the headers a respond step set, else {}). Its response replaces the
//     endpoint's body, written as JSON with the same status and headers;
//     an answer of its own respond step replaces status, headers and body.
//     A throw answers with that error instead.
//
// Every middleware run is an execution of its own, recorded under the
// middleware's name.

// codeMiddleware is the code of a middleware that answers what it may not.
const codeMiddleware = "invalid_middleware_response"

// runBefore runs the before-middleware among names and returns input with
// their responses merged in. The merge makes a new map: input went into
// each middleware's execution record, which is written after the request,
// and must not change under it.
func (s *Server) runBefore(ctx context.Context, endpoint string, names []string, input map[string]any, opt engine.RunOptions) (map[string]any, error) {
	for _, name := range names {
		if f := s.middleware(name, opt); f == nil || f.Def.Stage == engine.StageAfter {
			continue
		}
		res, err := s.cfg.Engine.Run(ctx, name, input, opt)
		if err != nil {
			return nil, err
		}
		switch out := res.Output.(type) {
		case nil:
		case map[string]any:
			merged := make(map[string]any, len(input)+len(out))
			maps.Copy(merged, input)
			maps.Copy(merged, out)
			input = merged
		default:
			return nil, &engine.Error{Code: codeMiddleware, Status: http.StatusInternalServerError, Definition: name, Path: "response",
				ExecutionID: res.ExecutionID, Message: fmt.Sprintf(
					"before-middleware %s (of endpoint %s) answered %s; it must answer an object, which is merged into the endpoint's input, or nothing",
					name, endpoint, kindOf(out))}
		}
	}
	return input, nil
}

// runAfter runs the after-middleware among names on the endpoint's
// response res (status st); res.Output becomes the last one's response.
func (s *Server) runAfter(ctx context.Context, names []string, res *engine.Result, st int, opt engine.RunOptions) error {
	for _, name := range names {
		if f := s.middleware(name, opt); f == nil || f.Def.Stage != engine.StageAfter {
			continue
		}
		in := map[string]any{"response": res.Output, "status": st, "headers": map[string]any{}}
		resp, isResp := res.Output.(*engine.Response)
		if isResp {
			hs := make(map[string]any, len(resp.Headers))
			for k, v := range resp.Headers {
				hs[k] = v
			}
			in["response"], in["status"], in["headers"] = resp.Body, resp.Status, hs
			if resp.File != nil {
				in["response"] = resp.File // the file value: its bytes are streamed
			}
		}
		r, err := s.cfg.Engine.Run(ctx, name, in, opt)
		if err != nil {
			return err
		}
		if _, own := r.Output.(*engine.Response); isResp && !own {
			// the body changes; the status and headers stay, and the body is JSON
			r.Output = &engine.Response{Status: resp.Status, Headers: resp.Headers, Body: r.Output, ContentType: jsonType}
		}
		res.Output = r.Output
	}
	return nil
}

// jsonType is the Content-Type of JSON answers.
const jsonType = "application/json; charset=utf-8"

// middleware is the compiled middleware called name in the program the
// run uses (opt.Program: run & debug of drafts), else the loaded one.
func (s *Server) middleware(name string, opt engine.RunOptions) *engine.Function {
	if opt.Program != nil {
		return opt.Program.Functions[name]
	}
	return s.cfg.Engine.Function(name)
}
