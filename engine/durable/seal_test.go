package durable_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/durable"
)

var sealDefs = []string{
	`{"kind": "table", "name": "charges", "fields": [{"name": "ok", "type": "bool"}]}`,
	`{"kind": "function", "name": "charge", "input": [{"name": "card", "type": "text", "sensitive": true}, {"name": "amount", "type": "int"}],
		"stack": [], "response": "input.card == '4111111111111111' && input.amount == 12"}`,
	`{"kind": "function", "name": "charge_flaky", "settings": {"retries": {"max_attempts": 2, "backoff": "100ms"}},
		"input": [{"name": "payer", "type": "object", "fields": [{"name": "card", "type": "text", "sensitive": true}]}],
		"stack": [{"type": "db.add", "table": "charges", "data": {"ok": "input.payer.card == '4111111111111111'"}},
			{"type": "throw", "message": "gateway down", "code": "gateway_down"}]}`,
}

// Inputs marked sensitive never sit in River's job arguments in plain
// text; the run, and its retry, still see them.
func TestSensitiveInputsAreSealedInTheJob(t *testing.T) {
	both(t, func(t *testing.T, b backend) {
		st := b.open(t)
		opt := durable.Options{}
		if b.name == "sqlite" {
			opt.SecretKey = strings.Repeat("k", durable.MinSecretKey) // FUNCSTACK_SECRET_KEY
		}
		n := withTables(t, st, opt, append(sealDefs, double)...)
		const card = "4111111111111111"
		ok := enqueue(t, n, "charge", map[string]any{"card": card, "amount": json.Number("12")}, engine.DurableOptions{})
		flaky := enqueue(t, n, "charge_flaky", map[string]any{"payer": map[string]any{"card": card}}, engine.DurableOptions{})
		plain := enqueue(t, n, "double", map[string]any{"n": json.Number("4111")}, engine.DurableOptions{})

		if rec := wait(t, n, ok, 10*time.Second); rec.Status != engine.StatusSucceeded || rec.Output != true {
			t.Errorf("charge: status %s output %v error %v: the run must see the real card", rec.Status, rec.Output, rec.Error)
		}
		if rec := wait(t, n, flaky, 10*time.Second); rec.Status != engine.StatusFailed || rec.Attempts != 2 {
			t.Errorf("charge_flaky: status %s attempts %d: want failed after 2 attempts", rec.Status, rec.Attempts)
		}
		if got := rows(t, st, `SELECT CAST(ok AS TEXT), '', '' FROM charges`); len(got) != 2 || strings.Contains(strings.Join(got, ","), "f") || strings.Contains(strings.Join(got, ","), "0") {
			t.Errorf("charges %q: both attempts must see the real card", got)
		}
		wait(t, n, plain, 10*time.Second)
		q := `SELECT CAST(args AS TEXT), kind, '' FROM river_job`
		if b.name == "sqlite" {
			q = `SELECT json(args), kind, '' FROM river_job` // River keeps JSONB there
		}
		args := rows(t, st, q)
		if len(args) != 3 {
			t.Fatalf("river_job: %d jobs, want 3: %q", len(args), args)
		}
		for _, a := range args {
			if strings.Contains(a, card) || strings.Contains(a, "4111") != strings.Contains(a, `"double"`) {
				t.Errorf("job args %s: the card must not appear in plain text (the input of double is not sensitive)", a)
			}
			if strings.Contains(a, "charge") && !strings.Contains(a, `"sealed"`) {
				t.Errorf("job args %s: want a sealed input", a)
			}
		}
		for _, id := range []string{ok, flaky} {
			rec, _ := n.eng.Get(context.Background(), id)
			if b, _ := json.Marshal(rec.Input); strings.Contains(string(b), card) {
				t.Errorf("record input %s holds the card", b)
			}
		}
	})
}

// Nodes starting together on one database agree on one key.
func TestNodesShareOneKey(t *testing.T) {
	both(t, func(t *testing.T, b backend) {
		st := b.open(t)
		keys := make([][]byte, 4)
		var wg sync.WaitGroup
		for i := range keys {
			wg.Add(1)
			go func() {
				defer wg.Done()
				k, err := st.Key(context.Background(), "test")
				if err != nil {
					t.Error(err)
				}
				keys[i] = k
			}()
		}
		wg.Wait()
		for _, k := range keys[1:] {
			if string(k) != string(keys[0]) || len(k) != 32 {
				t.Fatalf("keys differ: %x", keys)
			}
		}
	})
	_, err := durable.New(context.Background(), backends()[0].open(t), engine.New(engine.Config{}), durable.Options{SecretKey: "short"})
	if err == nil || !strings.Contains(err.Error(), "FUNCSTACK_SECRET_KEY") {
		t.Errorf("a short secret key: %v", err)
	}
}
