package api_test

import (
	"testing"

	"github.com/funcstack/funcstack/api"
	"github.com/funcstack/funcstack/engine"
)

// corsNone are the CORS headers of an answer that allows no origin.
var corsNone = map[string]string{"Access-Control-Allow-Origin": "", "Access-Control-Allow-Methods": "", "Access-Control-Allow-Credentials": ""}

// TestCORS: preflights and answers under the server's policy (an exact
// origin and a pattern) and an endpoint's own, on both backends.
func TestCORS(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			st := b.open(t)
			ts := newServer(t, st, api.Config{CORS: engine.CORS{Origins: []string{"https://app.test", "https://*.example.test"}}}, "testdata/access")
			pre := func(origin, method, hdrs string) map[string]string {
				h := map[string]string{"Origin": origin, "Access-Control-Request-Method": method}
				if hdrs != "" {
					h["Access-Control-Request-Headers"] = hdrs
				}
				return h
			}
			allowed := map[string]string{"Access-Control-Allow-Origin": "https://app.test", "Access-Control-Allow-Methods": "GET, POST",
				"Access-Control-Allow-Headers": "Authorization, Content-Type, X-Api-Key, Idempotency-Key, X-Callback-Url",
				"Access-Control-Max-Age":       "600", "Access-Control-Allow-Credentials": "", "Vary": "Origin", "Allow": "GET, POST, OPTIONS"}
			runScenarios(t, ts.URL, []scenario{
				{name: "preflight from an allowed origin", method: "OPTIONS", url: "/c/open", headers: pre("https://app.test", "POST", "content-type"),
					status: 204, header: allowed},
				{name: "preflight from a pattern's subdomain", method: "OPTIONS", url: "/c/open", headers: pre("https://shop.eu.example.test", "GET", ""),
					status: 204, header: map[string]string{"Access-Control-Allow-Origin": "https://shop.eu.example.test", "Access-Control-Allow-Methods": "GET, POST", "Vary": "Origin"}},
				{name: "preflight: the pattern needs a subdomain", method: "OPTIONS", url: "/c/open", headers: pre("https://example.test", "GET", ""),
					status: 204, header: corsNone},
				{name: "preflight: the pattern keeps its scheme", method: "OPTIONS", url: "/c/open", headers: pre("http://shop.example.test", "GET", ""),
					status: 204, header: corsNone},
				{name: "preflight from another origin is denied", method: "OPTIONS", url: "/c/open", headers: pre("https://evil.test", "POST", ""),
					status: 204, header: map[string]string{"Access-Control-Allow-Origin": "", "Access-Control-Allow-Methods": "", "Vary": "Origin"}},
				{name: "preflight for a method not served is denied", method: "OPTIONS", url: "/c/open", headers: pre("https://app.test", "DELETE", ""),
					status: 204, header: map[string]string{"Access-Control-Allow-Origin": "", "Allow": "GET, POST, OPTIONS"}},
				{name: "OPTIONS without Origin lists the methods", method: "OPTIONS", url: "/c/open", status: 204,
					header: map[string]string{"Allow": "GET, POST, OPTIONS", "Access-Control-Allow-Origin": ""}},
				{name: "call from an allowed origin", method: "GET", url: "/c/open", headers: map[string]string{"Origin": "https://app.test"},
					status: 200, want: `{"ok": true}`, header: map[string]string{"Access-Control-Allow-Origin": "https://app.test", "Vary": "Origin",
						"Access-Control-Expose-Headers": "X-Execution-Id, X-Call-Id, Retry-After, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset"}},
				{name: "call from another origin: no Access-Control-Allow-Origin", method: "GET", url: "/c/open", headers: map[string]string{"Origin": "https://evil.test"},
					status: 200, want: `{"ok": true}`, header: map[string]string{"Access-Control-Allow-Origin": "", "Vary": "Origin"}},
				{name: "endpoint's own policy: its origin, any header, credentials, max-age", method: "OPTIONS", url: "/c/own/5",
					headers: pre("https://partner.test", "PUT", "X-Trace, Content-Type"), status: 204,
					header: map[string]string{"Access-Control-Allow-Origin": "https://partner.test", "Access-Control-Allow-Credentials": "true",
						"Access-Control-Allow-Methods": "PUT", "Access-Control-Allow-Headers": "X-Trace, Content-Type", "Access-Control-Max-Age": "3600"}},
				{name: "endpoint's own policy replaces the server's origins", method: "OPTIONS", url: "/c/own/5", headers: pre("https://app.test", "PUT", ""),
					status: 204, header: corsNone},
				{name: "endpoint's own policy on the call", method: "PUT", url: "/c/own/5", headers: map[string]string{"Origin": "https://partner.test"},
					status: 200, want: `{"id": "5"}`, header: map[string]string{"Access-Control-Allow-Origin": "https://partner.test", "Access-Control-Allow-Credentials": "true"}},
				{name: "endpoint with origins [] allows none", method: "GET", url: "/c/none", headers: map[string]string{"Origin": "https://app.test"},
					status: 200, want: `{"ok": true}`, header: corsNone},
				{name: "preflight of /function/{name}", method: "OPTIONS", url: "/function/public_fn", headers: pre("https://app.test", "POST", ""),
					status: 204, header: map[string]string{"Access-Control-Allow-Origin": "https://app.test", "Access-Control-Allow-Methods": "POST"}},
				{name: "call of /function/{name}", method: "POST", url: "/function/public_fn", headers: map[string]string{"Origin": "https://app.test"},
					body: `{}`, status: 200, want: `{"ok": true}`, header: map[string]string{"Access-Control-Allow-Origin": "https://app.test"}},
				{name: "a 401 from another origin carries no Access-Control-Allow-Origin", method: "POST", url: "/function/nope", headers: map[string]string{"Origin": "https://evil.test"},
					body: `{}`, status: 401, header: corsNone,
					want: `{"error": {"code": "unauthorized", "message": "POST /function/nope needs the admin token: send Authorization: Bearer <token> (FUNCSTACK_ADMIN_TOKEN, or the token funcstack serve printed or saved)"}}`},
			})
		})
	}
}

// TestCORSOff: without a policy a preflight is answered 204 without
// Access-Control-Allow-Origin (it used to be 405); "*" without credentials
// answers "*".
func TestCORSOff(t *testing.T) {
	st := backends[0].open(t)
	off := newServer(t, st, api.Config{}, "testdata/access")
	runScenarios(t, off.URL, []scenario{
		{name: "preflight, no policy", method: "OPTIONS", url: "/c/open", headers: map[string]string{"Origin": "https://app.test", "Access-Control-Request-Method": "GET"},
			status: 204, header: map[string]string{"Access-Control-Allow-Origin": "", "Vary": "", "Allow": "GET, POST, OPTIONS"}},
		{name: "call, no policy", method: "GET", url: "/c/open", headers: map[string]string{"Origin": "https://app.test"},
			status: 200, want: `{"ok": true}`, header: map[string]string{"Access-Control-Allow-Origin": "", "Vary": ""}},
	})
	st2 := backends[0].open(t)
	any := newServer(t, st2, api.Config{CORS: engine.CORS{Origins: []string{"*"}}}, "testdata/access")
	runScenarios(t, any.URL, []scenario{
		{name: "preflight, any origin", method: "OPTIONS", url: "/c/open", headers: map[string]string{"Origin": "https://app.test", "Access-Control-Request-Method": "GET"},
			status: 204, header: map[string]string{"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "GET, POST"}},
		{name: "call, any origin", method: "GET", url: "/c/open", headers: map[string]string{"Origin": "https://app.test"},
			status: 200, want: `{"ok": true}`, header: map[string]string{"Access-Control-Allow-Origin": "*", "Vary": ""}},
	})
}

// TestCORSConfigErrors: a bad server policy stops New with what to fix.
func TestCORSConfigErrors(t *testing.T) {
	yes := true
	for _, tc := range []struct {
		cors engine.CORS
		want string
	}{
		{engine.CORS{Origins: []string{"app.test"}}, `api: CORS origins (--cors-origins, FUNCSTACK_CORS_ORIGINS): origin "app.test" is not an origin; write scheme://host[:port] with nothing after it, e.g. "https://app.example.com" or "https://*.example.com"`},
		{engine.CORS{Origins: []string{"*"}, Credentials: &yes}, `api: CORS origin "*" cannot be used with credentials (--cors-credentials): browsers refuse it; list the origins, or use a pattern such as https://*.example.com`},
	} {
		st := backends[0].open(t)
		eng := engine.New(engine.Config{DB: st, Store: st.Executions()})
		eng.Load(program(t, st, "testdata/access"))
		_, err := api.New(api.Config{Engine: eng, AdminToken: token, CORS: tc.cors})
		eng.Close()
		if err == nil || err.Error() != tc.want {
			t.Errorf("New: %v\nwant %s", err, tc.want)
		}
	}
}
