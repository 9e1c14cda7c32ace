package store

import (
	"context"
	"testing"
	"time"

	"github.com/funcstack/funcstack/engine"
)

// TestOriginLiterals: a record's origin written by SQLite's literal path
// (the durable engine's transactions) comes back whole, a NUL in a header
// (which no JSON column can hold) as U+FFFD.
func TestOriginLiterals(t *testing.T) {
	s, err := Open(context.Background(), Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	rec := &engine.ExecutionRecord{ID: engine.NewID(), Function: "f", Status: engine.StatusSucceeded, Mode: engine.ModeSync, CreatedAt: time.Now(),
		Version: 3, Draft: true, Request: &engine.RequestInfo{Method: "PUT", Path: "/api/it's", Status: 200,
			Headers: map[string]string{"x-odd": "a\x00b 'q' \"d\"", "accept": "*/*"}}}
	if err := s.execs.WriteIn(ctx, s.db, rec); err != nil {
		t.Fatal(err)
	}
	got, err := s.execs.Get(ctx, rec.ID)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := AppendJSON(nil, originOf(got))
	want := `{"version":3,"draft":true,"request":{"method":"PUT","path":"/api/it's","status":200,"headers":{"accept":"*/*","x-odd":"a` + "\uFFFD" + `b 'q' \"d\""}}}`
	if string(b) != want {
		t.Errorf("origin\n got %s\nwant %s", b, want)
	}
}
