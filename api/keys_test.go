package api_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/funcstack/funcstack/api"
	"github.com/funcstack/funcstack/engine/durable"
	"github.com/funcstack/funcstack/engine/durable/durabletest"
	"github.com/funcstack/funcstack/engine/store"
)

var keyDefs = []string{
	`{"kind": "endpoint", "name": "k_only", "method": "GET", "path": "/k/only", "auth": "api_key", "response": "auth"}`,
	`{"kind": "endpoint", "name": "k_either", "method": "GET", "path": "/k/either", "auth": ["jwt", "api_key"], "response": "auth.key_name ?? auth.sub"}`,
	`{"kind": "function", "name": "k_job", "input": [{"name": "n", "type": "int"}], "response": "input.n * 2"}`,
}

// newKey makes an API key through the admin API and returns its text and ID.
func newKey(t *testing.T, base, body string) (string, string) {
	t.Helper()
	resp, b := send(t, "POST", base+"/_/api/keys", map[string]string{"Authorization": "Bearer " + token, "Content-Type": "application/json"}, body)
	var out struct{ Key, ID string }
	if resp.StatusCode != 201 || json.Unmarshal(b, &out) != nil || out.Key == "" {
		t.Fatalf("creating a key: %d %s", resp.StatusCode, b)
	}
	return out.Key, out.ID
}

// TestAPIKeys: scopes allowed and denied, revoked and expired keys, and
// the status URL of an async run read by the key that started it, on
// both backends.
func TestAPIKeys(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			st := b.open(t)
			eng, _ := durabletest.Start(t, st, durable.Options{}, keyDefs...)
			srv, err := api.New(api.Config{Engine: eng, Store: st, AdminToken: token, JWTSecret: []byte(jwtSecret),
				Logger: slog.New(slog.NewTextHandler(testLog{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))})
			if err != nil {
				t.Fatal(err)
			}
			ts := httptest.NewServer(srv)
			t.Cleanup(ts.Close)
			only, onlyID := newKey(t, ts.URL, `{"name": "only-client", "scopes": ["call:k_only"]}`)
			jobs, jobsID := newKey(t, ts.URL, `{"name": "jobs", "scopes": ["call:k_job", "call:k_either", "executions:read"], "expires_in": "30d"}`)
			other, otherID := newKey(t, ts.URL, `{"name": "other", "scopes": ["call:k_job", "executions:read"]}`)
			admin, adminID := newKey(t, ts.URL, `{"name": "ops", "scopes": ["admin"]}`)
			past := time.Now().Add(-time.Hour)
			var expiredKey *store.APIKey
			var text string
			expiredKey, text, err = st.CreateAPIKey(context.Background(), "old", []string{"call:k_only"}, &past)
			if err != nil {
				t.Fatal(err)
			}
			expired := text
			x := func(k string) map[string]string { return map[string]string{"X-Api-Key": k} }
			bearer := func(k string) map[string]string { return map[string]string{"Authorization": "Bearer " + k} }
			runScenarios(t, ts.URL, []scenario{
				{name: "no key", method: "GET", url: "/k/only", status: 401, header: map[string]string{"WWW-Authenticate": `Bearer realm="funcstack"`},
					want: `{"error": {"code": "unauthorized", "definition": "k_only", "message": "this endpoint needs an API key: send X-Api-Key: fsk_… (or Authorization: Bearer fsk_…), made with funcstack keys create or the builder's API keys page"}}`},
				{name: "X-Api-Key with the scope", method: "GET", url: "/k/only", headers: x(only), status: 200,
					want: `{"type": "api_key", "key_id": "` + onlyID + `", "key_name": "only-client", "scopes": ["call:k_only"]}`},
				{name: "Bearer with the scope", method: "GET", url: "/k/only", headers: bearer(only), status: 200,
					want: `{"type": "api_key", "key_id": "` + onlyID + `", "key_name": "only-client", "scopes": ["call:k_only"]}`},
				{name: "a key without the scope", method: "GET", url: "/k/only", headers: x(jobs), status: 403,
					want: `{"error": {"code": "forbidden", "definition": "k_only", "message": "the API key jobs (` + jobsID + `) may not call endpoint k_only; give it the scope call:k_only (or make a key that has it)"}}`},
				{name: "an admin key may call anything", method: "GET", url: "/k/only", headers: x(admin), status: 200,
					want: `{"type": "api_key", "key_id": "` + adminID + `", "key_name": "ops", "scopes": ["admin"]}`},
				{name: "a mistyped key", method: "GET", url: "/k/only", headers: x(only + "x"), status: 401,
					header: map[string]string{"WWW-Authenticate": `Bearer realm="funcstack", error="invalid_token"`},
					want:   `{"error": {"code": "invalid_token", "definition": "k_only", "message": "the API key is not known: it was never made here, or it was mistyped"}}`},
				{name: "not a key", method: "GET", url: "/k/only", headers: x("fsk_abc"), status: 401,
					want: `{"error": {"code": "invalid_token", "definition": "k_only", "message": "the API key is malformed: keys look like fsk_<12 hex digits>_<secret>, as funcstack keys create printed it"}}`},
				{name: "an expired key", method: "GET", url: "/k/only", headers: x(expired), status: 401,
					want: `{"error": {"code": "invalid_token", "definition": "k_only", "message": "the API key old (` + expiredKey.ID + `) expired at ` + expiredKey.ExpiresAt.Format(time.RFC3339) + `; make a new one"}}`},
				{name: "jwt or key: the key", method: "GET", url: "/k/either", headers: x(jobs), status: 200, want: `"jobs"`},
				{name: "jwt or key: neither", method: "GET", url: "/k/either", status: 401,
					want: `{"error": {"code": "unauthorized", "definition": "k_either", "message": "this endpoint needs a JWT or an API key: send Authorization: Bearer <token>, or X-Api-Key: fsk_…"}}`},
				{name: "a key calls a private function", method: "POST", url: "/function/k_job", headers: x(jobs), body: `{"n": 4}`, status: 200, want: `8`},
				{name: "a key without the function's scope", method: "POST", url: "/function/k_job", headers: x(only), body: `{"n": 4}`, status: 403,
					want: `{"error": {"code": "forbidden", "message": "the API key only-client (` + onlyID + `) may not call function k_job; give it the scope call:k_job (or make a key that has it)"}}`},
				{name: "a key is not the admin API", method: "GET", url: "/_/api/keys", headers: x(jobs), status: 403,
					want: `{"error": {"code": "forbidden", "message": "the API key jobs (` + jobsID + `) may not use the admin API; only keys with the scope admin may"}}`},
				{name: "an admin key is", method: "GET", url: "/_/api/status", headers: x(admin), status: 200, want: `{"published": null}`},
			})

			// The status URL of an async run: its key reads it, others do not.
			resp, out := post(t, ts.URL+"/async-function/k_job", false, x(jobs), `{"n": 21}`)
			if resp.StatusCode != 202 {
				t.Fatalf("async by key: %d %v", resp.StatusCode, out)
			}
			statusURL := out["status_url"].(string)
			id := out["id"].(string)
			waitFor(t, "the async run to succeed", 20*time.Second, func() bool {
				r, b := send(t, "GET", ts.URL+statusURL, x(jobs), "")
				var rec struct{ Status string }
				_ = json.Unmarshal(b, &rec)
				return r.StatusCode == 200 && rec.Status == "succeeded"
			})
			runScenarios(t, ts.URL, []scenario{
				{name: "status URL without a key", method: "GET", url: statusURL, status: 401,
					want: `{"error": {"code": "unauthorized", "message": "the admin API needs the admin token: send Authorization: Bearer <token> (FUNCSTACK_ADMIN_TOKEN, or the token funcstack serve printed or saved)"}}`},
				{name: "status URL with another key", method: "GET", url: statusURL, headers: x(other), status: 403,
					want: `{"error": {"code": "forbidden", "message": "the API key other (` + otherID + `) may not read execution ` + id + `: a key reads only the async runs it started, with the scope executions:read"}}`},
			})
			if r, b := send(t, "GET", ts.URL+statusURL, bearer(token), ""); r.StatusCode != 200 {
				t.Errorf("status URL with the admin token: %d %s", r.StatusCode, b)
			}

			// Revoked: refused at once on this node; listed as revoked.
			resp, b := send(t, "DELETE", ts.URL+"/_/api/keys/"+onlyID, bearer(token), "")
			var rk struct {
				RevokedAt *time.Time `json:"revoked_at"`
			}
			if resp.StatusCode != 200 || json.Unmarshal(b, &rk) != nil || rk.RevokedAt == nil {
				t.Fatalf("revoke: %d %s", resp.StatusCode, b)
			}
			runScenarios(t, ts.URL, []scenario{
				{name: "a revoked key", method: "GET", url: "/k/only", headers: x(only), status: 401,
					want: `{"error": {"code": "invalid_token", "definition": "k_only", "message": "the API key only-client (` + onlyID + `) was revoked at ` + rk.RevokedAt.UTC().Format(time.RFC3339) + `; make a new one"}}`},
				{name: "revoking an unknown key", method: "DELETE", url: "/_/api/keys/nope", admin: true, status: 404,
					want: `{"error": {"code": "not_found", "message": "no API key \"nope\"; GET /_/api/keys lists them"}}`},
				{name: "a key needs a scope", method: "POST", url: "/_/api/keys", admin: true, body: `{"name": "x", "scopes": ["call:Bad Name"]}`, status: 400,
					want: `{"error": {"code": "invalid_input", "message": "scopes[0]: \"call:Bad Name\" is not a scope; use call:NAME (a function or endpoint name), call:*, executions:read or admin"}}`},
			})
			// The list shows no secrets, and the last use of the keys used.
			ks, err := st.APIKeys(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			_, b = send(t, "GET", ts.URL+"/_/api/keys", bearer(token), "")
			if string(b) == "" || json.Valid(b) == false {
				t.Fatalf("list: %s", b)
			}
			for _, secret := range []string{only, jobs, other, admin} {
				if contains(string(b), secret[len(store.APIKeyPrefix)+13:]) {
					t.Errorf("the key list shows a secret: %s", b)
				}
			}
			if len(ks) != 5 {
				t.Errorf("%d keys, want 5", len(ks))
			}
			waitFor(t, "the last use of key jobs to be noted", 10*time.Second, func() bool {
				k, err := st.APIKey(context.Background(), jobsID)
				return err == nil && k.LastUsedAt != nil
			})
		})
	}
}

func contains(s, sub string) bool {
	return len(sub) > 0 && len(s) >= len(sub) && (s == sub || indexOf(s, sub) >= 0)
}

func indexOf(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}
