package api_test

import (
	"testing"
	"time"
)

const signInEndpoint = `{"kind": "endpoint", "name": "t_sign_in", "method": "POST", "path": "/t/sign-in",
	"output": [{"name": "token", "type": "text", "sensitive": true}, {"name": "user", "type": "text"},
		{"name": "cards", "type": "object", "list": true, "fields": [{"name": "number", "type": "text", "sensitive": true}, {"name": "brand", "type": "text"}]}],
	"stack": [{"type": "var", "name": "t", "value": "'tok-' + 'abcdef'"}, {"type": "log", "value": "'made ' + t"}],
	"response": "{token: t, user: 'ada', cards: [{number: '4242424242424242', brand: 'visa'}]}"}`

// TestSensitiveOutputsRedacted: an endpoint answers its sensitive output
// fields to the client, and its execution record holds [redacted] in
// their place, in the output and wherever else the texts appear (a log),
// on both backends.
func TestSensitiveOutputsRedacted(t *testing.T) {
	onBackends(t, func(t *testing.T, base string) {
		if s, body := adminCall(t, base, "POST", "/_/api/definitions?publish=true", signInEndpoint, true); s != 201 {
			t.Fatalf("%d %s", s, body)
		}
		resp, body := send(t, "POST", base+"/t/sign-in", nil, "")
		if g, w := string(body), `{"cards":[{"brand":"visa","number":"4242424242424242"}],"token":"tok-abcdef","user":"ada"}`; resp.StatusCode != 200 || g != w {
			t.Fatalf("the answer: %d %s", resp.StatusCode, g)
		}
		id := resp.Header.Get("X-Execution-Id")
		waitFor(t, "the record", 5*time.Second, func() bool {
			s, _ := adminCall(t, base, "GET", "/_/api/executions/"+id, "", true)
			return s == 200
		})
		_, rec := adminCall(t, base, "GET", "/_/api/executions/"+id, "", true)
		if g, w := mustJSON(at(t, rec, "output")), `{"cards":[{"brand":"visa","number":"[redacted]"}],"token":"[redacted]","user":"ada"}`; g != w {
			t.Errorf("the record's output\n got %s\nwant %s", g, w)
		}
		if g := mustJSON(at(t, rec, "logs.0.value")); g != `"made [redacted]"` {
			t.Errorf("the record's log: %s", g)
		}
	})
}
