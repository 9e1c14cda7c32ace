package engine_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/enginetest"
)

// TestBackgroundRunFailuresAreLogged: an async run or a promoted run that
// fails, which nobody waits on, writes a "run failed" line with its
// execution ID, function, attempt and node; a sync run's failure is its
// caller's to report.
func TestBackgroundRunFailuresAreLogged(t *testing.T) {
	var buf enginetest.SyncBuffer
	e := load(t, engine.Config{Logger: slog.New(slog.NewJSONHandler(&buf, nil))},
		`{"kind": "function", "name": "boom", "stack": [{"type": "sleep", "ms": "50"}, {"type": "throw", "message": "out of stock", "code": "stock"}]}`)
	e.SetNode("n1/abc")
	ctx := context.Background()
	id, err := e.StartAsync(ctx, "boom", nil, engine.AsyncOptions{})
	if err != nil {
		t.Fatal(err)
	}
	res, promoted, _ := e.RunPromotable(ctx, "boom", nil, engine.RunOptions{}, 5*time.Millisecond)
	if !promoted {
		t.Fatal("the run was not promoted")
	}
	_, _ = e.Run(ctx, "boom", nil, engine.RunOptions{})
	want := map[string]map[string]any{}
	for id, mode := range map[string]string{id: "async", res.ExecutionID: "promoted"} {
		want[id] = map[string]any{"level": "ERROR", "msg": "run failed", "execution_id": id, "function": "boom", "attempt": 1.0,
			"node": "n1/abc", "mode": mode, "status": "failed", "code": "stock", "error": "out of stock"}
	}
	got := map[string]map[string]any{}
	deadline := time.Now().Add(10 * time.Second)
	for len(got) < 2 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
		got = map[string]map[string]any{}
		for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
			var m map[string]any
			if json.Unmarshal([]byte(l), &m) == nil {
				delete(m, "time")
				got[m["execution_id"].(string)] = m
			}
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("log lines\n got %v\nwant %v", got, want)
	}
}
