package api_test

import "testing"

// TestAdminRunMiddleware: run & debug of an endpoint runs its middleware
// as a request does: a before-middleware rejects or adds to the input, an
// after-middleware reshapes the answer.
func TestAdminRunMiddleware(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			st := b.open(t)
			publishWorkspace(t, st, "../workflows", "testdata/ws")
			_, ts := storeServer(t, st, 0)
			runAdmin(t, ts.URL, []adminCase{
				{name: "before-middleware rejects", method: "POST", url: "/_/api/run", body: `{"name": "t_guarded", "input": {"user": "eve"}}`, status: 200,
					want: map[string]any{"status": "failed", "http.status": 403, "error.code": "precondition_failed", "error.definition": "t_guard"}},
				{name: "middleware adds to the input, after-middleware wraps", method: "POST", url: "/_/api/run", body: `{"name": "t_doubled", "input": {"n": "5"}}`,
					status: 200, want: map[string]any{"status": "succeeded", "http.status": 201, "output": map[string]any{"data": 10, "status": 201}}},
				{name: "middleware throws", method: "POST", url: "/_/api/run", body: `{"name": "t_doubled", "input": {"n": 7}}`, status: 200,
					want: map[string]any{"status": "failed", "http.status": 422, "error.code": "unlucky", "error.definition": "t_limit"}},
			})
		})
	}
}
