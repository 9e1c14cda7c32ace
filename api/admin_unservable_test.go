package api_test

import (
	"testing"
)

// An endpoint route that cannot be served is refused with a diagnostic
// that names the endpoint and the field to change, so the builder shows
// it at that field (a diagnostic without a path showed nothing at all).
func TestAdminUnservableRouteNamesTheField(t *testing.T) {
	st := backends[0].open(t)
	publishWorkspace(t, st, "../workflows")
	_, ts := storeServer(t, st, 0)
	for _, tc := range []struct{ name, body, path string }{
		{"reserved", `{"kind": "endpoint", "name": "evil", "method": "GET", "path": "/_/api/x", "stack": [], "response": "1"}`, "path"},
		{"taken", `{"kind": "endpoint", "name": "twin", "method": "GET", "path": "/api/sum-squares/:n", "input": [{"name": "n", "type": "int"}], "stack": [], "response": "1"}`, "path"},
		{"wildcard clash", `{"kind": "endpoint", "name": "clash", "method": "GET", "path": "/api/sum-squares/*m", "input": [{"name": "m", "type": "text"}], "stack": [], "response": "1"}`, "path"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, b := adminCall(t, ts.URL, "POST", "/_/api/definitions?publish=true", tc.body, true)
			if s != 422 {
				t.Fatalf("publish: %d %s; want 422", s, b)
			}
			var name string
			switch tc.name {
			case "reserved":
				name = "evil"
			case "taken":
				name = "twin"
			default:
				name = "clash"
			}
			if d, p := at(t, b, "error.diagnostics.0.definition"), at(t, b, "error.diagnostics.0.path"); d != name || p != tc.path {
				t.Errorf("diagnostic names %v at %v, want %s at %s: %s", d, p, name, tc.path, b)
			}
		})
	}
}
