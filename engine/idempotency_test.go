package engine_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/funcstack/funcstack/engine"
)

// TestInputFingerprint checks that the fingerprint of an idempotency key
// names the call, not the way its JSON was written.
func TestInputFingerprint(t *testing.T) {
	fp := func(fn, raw string) string {
		t.Helper()
		s, err := engine.InputFingerprint(fn, json.RawMessage(raw))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	base := fp("f", `{"n": 1, "tags": ["a", "b"], "o": {"x": 0.5, "y": null}}`)
	for _, same := range []string{
		`{"o":{"y":null,"x":0.5},"tags":["a","b"],"n":1}`,
		`{ "n": 1.0, "tags": ["a","b"], "o": {"x": 5e-1, "y": null} }`,
		`{"n": 10e-1, "tags": ["a", "b"], "o": {"x": 0.50, "y": null}}`,
	} {
		if got := fp("f", same); got != base {
			t.Errorf("%s: fingerprint differs from the same input written otherwise", same)
		}
	}
	for _, other := range []string{
		`{"n": 2, "tags": ["a", "b"], "o": {"x": 0.5, "y": null}}`,
		`{"n": 1, "tags": ["b", "a"], "o": {"x": 0.5, "y": null}}`,
		`{"n": "1", "tags": ["a", "b"], "o": {"x": 0.5, "y": null}}`,
		`{"n": 1, "tags": ["a", "b"], "o": {"x": 0.5}}`,
		`{"n": 1.0000000000000000000001, "tags": ["a", "b"], "o": {"x": 0.5, "y": null}}`,
	} {
		if got := fp("f", other); got == base {
			t.Errorf("%s: same fingerprint as another input", other)
		}
	}
	if fp("g", `{"n": 1, "tags": ["a", "b"], "o": {"x": 0.5, "y": null}}`) == base {
		t.Error("the function name is not part of the fingerprint")
	}
	// Go values (an in-process call) give the fingerprint of their JSON.
	got, err := engine.InputFingerprint("f", map[string]any{"o": map[string]any{"x": 0.5, "y": nil}, "n": 1, "tags": []any{"a", "b"}})
	if err != nil || got != base {
		t.Errorf("map input: %s %v, want %s", got, err, base)
	}
}

// TestIdempotencyKeyReusedInProcess checks the in-process async path: the
// same key and input give the first execution, another input the error
// idempotency_key_reused naming the key, the function and that execution.
func TestIdempotencyKeyReusedInProcess(t *testing.T) {
	e := load(t, engine.Config{}, sleeper)
	ctx := context.Background()
	first, err := e.StartAsync(ctx, "sleeper", map[string]any{"ms": json.Number("1")}, engine.AsyncOptions{IdempotencyKey: "k"})
	if err != nil {
		t.Fatal(err)
	}
	again, err := e.StartAsync(ctx, "sleeper", map[string]any{"ms": json.Number("1.0")}, engine.AsyncOptions{IdempotencyKey: "k"})
	if err != nil || again != first {
		t.Fatalf("the same key and input: %q %v, want %s", again, err, first)
	}
	_, err = e.StartAsync(ctx, "sleeper", map[string]any{"ms": json.Number("2")}, engine.AsyncOptions{IdempotencyKey: "k"})
	ee := engine.AsError(err)
	want := `the idempotency key "k" was first used for function sleeper with a different input, by execution ` + first +
		`; a key stays bound to its first input for 24h. Send a new key for a new run, or send the first input again to get execution ` + first
	if err == nil || ee.Code != engine.CodeIdempotencyKeyReused || ee.HTTPStatus() != 422 || ee.ExecutionID != first || ee.Message != want {
		t.Fatalf("the same key with another input: %+v", ee)
	}
	// The memory store keeps a key for its window only.
	ms := engine.NewMemoryStore(10)
	if got, err := ms.ClaimIdempotencyKey(ctx, "f", "short", "fp1", "id1", 20*time.Millisecond); err != nil || got != "id1" {
		t.Fatalf("claim: %q %v", got, err)
	}
	time.Sleep(40 * time.Millisecond)
	if got, err := ms.ClaimIdempotencyKey(ctx, "f", "short", "fp2", "id2", time.Hour); err != nil || got != "id2" {
		t.Errorf("an expired key with another input: %q %v, want id2", got, err)
	}
}
