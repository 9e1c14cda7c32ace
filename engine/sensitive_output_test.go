package engine_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/funcstack/funcstack/engine"
)

const signIn = `{"kind": "function", "name": "sign_in",
	"output": [{"name": "token", "type": "text", "sensitive": true}, {"name": "user", "type": "text"},
		{"name": "cards", "type": "object", "list": true, "fields": [{"name": "number", "type": "text", "sensitive": true}, {"name": "brand", "type": "text"}]}],
	"stack": [{"type": "var", "name": "t", "value": "'tok-' + 'abcdef'"}, {"type": "log", "value": "'made ' + t"}],
	"response": "{token: t, user: 'ada', cards: [{number: '4242424242424242', brand: 'visa'}, {number: '5555', brand: 'mc'}]}"}`

// recordJSON is the stored form of a record's output and logs' values.
func recordJSON(t *testing.T, rec *engine.ExecutionRecord) string {
	t.Helper()
	out, _, _, logs := engine.RedactRecordSecrets(rec)
	var vals []any
	for _, l := range logs {
		vals = append(vals, l.Value)
	}
	b, err := json.Marshal(map[string]any{"output": out, "logs": vals})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Sensitive output fields reach the caller but not the record: a sync
// run's, an async run's (await gets them), and a caller's that answers a
// callee's sensitive output.
func TestSensitiveOutputsRedactedInRecords(t *testing.T) {
	st := engine.NewMemoryStore(100)
	e := load(t, engine.Config{Store: st}, signIn,
		`{"kind": "function", "name": "caller", "stack": [{"type": "call", "function": "sign_in", "as": "s"}], "response": "'got ' + s.token + ' for ' + s.user"}`)
	ctx := context.Background()
	answer := `{"cards":[{"brand":"visa","number":"4242424242424242"},{"brand":"mc","number":"5555"}],"token":"tok-abcdef","user":"ada"}`
	res, err := e.Run(ctx, "sign_in", nil, engine.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := json.Marshal(res.Output); string(b) != answer {
		t.Errorf("the answer: %s", b)
	}
	stored := `{"logs":["made [redacted]"],"output":{"cards":[{"brand":"visa","number":"[redacted]"},{"brand":"mc","number":"[redacted]"}],"token":"[redacted]","user":"ada"}}`
	rec, err := st.Get(ctx, res.ExecutionID)
	if err != nil {
		t.Fatal(err)
	}
	if g := recordJSON(t, rec); g != stored {
		t.Errorf("the sync run's record\n got %s\nwant %s", g, stored)
	}

	id, err := e.StartAsync(ctx, "sign_in", nil, engine.AsyncOptions{})
	if err != nil {
		t.Fatal(err)
	}
	out, err := e.Await(ctx, []string{id}, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := json.Marshal(out[0].Output); string(b) != answer {
		t.Errorf("await: %s", b)
	}
	if rec, err = st.Get(ctx, id); err != nil {
		t.Fatal(err)
	}
	if g := recordJSON(t, rec); g != stored {
		t.Errorf("the async run's record\n got %s\nwant %s", g, stored)
	}

	res, err = e.Run(ctx, "caller", nil, engine.RunOptions{})
	if err != nil || res.Output != "got tok-abcdef for ada" {
		t.Fatalf("caller: %v %v", res.Output, err)
	}
	if rec, err = st.Get(ctx, res.ExecutionID); err != nil {
		t.Fatal(err)
	}
	if g := recordJSON(t, rec); g != `{"logs":["made [redacted]"],"output":"got [redacted] for ada"}` {
		t.Errorf("the caller's record: %s", g)
	}
}
