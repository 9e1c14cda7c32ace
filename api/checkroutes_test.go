package api_test

import (
	"reflect"
	"testing"

	"github.com/funcstack/funcstack/api"
	"github.com/funcstack/funcstack/engine/enginetest"
	"github.com/funcstack/funcstack/engine/workspace"
)

// TestCheckRoutes: the route rule of funcstack publish accepts what serve
// serves (with "auth": "jwt", since serve always has a JWT secret) and
// names the endpoint and field of a route it cannot serve.
func TestCheckRoutes(t *testing.T) {
	for _, tc := range []struct {
		name string
		defs []string
		want error
	}{
		{"jwt endpoint", []string{`{"kind": "endpoint", "name": "me", "method": "GET", "path": "/api/me", "auth": "jwt", "stack": []}`}, nil},
		{"reserved", []string{`{"kind": "endpoint", "name": "e", "method": "GET", "path": "/healthz", "stack": []}`},
			&workspace.RouteError{Definition: "e", Path: "path", Message: "endpoint e: path /healthz: /healthz is reserved for funcstack; move the endpoint, e.g. under /api"}},
		{"params named differently under one prefix are served", []string{
			`{"kind": "endpoint", "name": "a", "method": "GET", "path": "/x/:id", "stack": []}`,
			`{"kind": "endpoint", "name": "b", "method": "GET", "path": "/x/:sku/y", "stack": []}`},
			nil},
		{"a catch-all where a parameter is", []string{
			`{"kind": "endpoint", "name": "a", "method": "GET", "path": "/x/*rest", "stack": []}`,
			`{"kind": "endpoint", "name": "b", "method": "GET", "path": "/x/:sku/y", "stack": []}`},
			&workspace.RouteError{Definition: "b", Path: "path", Message: "endpoint b: GET /x/:sku/y cannot be served: '/:sku/y' in new path '/x/:sku/y' conflicts with existing wildcard '/*rest' in existing prefix '/x/*rest'"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := api.CheckRoutes(enginetest.Compile(t, tc.defs...))
			if !reflect.DeepEqual(err, tc.want) {
				t.Errorf("CheckRoutes: %#v\nwant %#v", err, tc.want)
			}
		})
	}
}
