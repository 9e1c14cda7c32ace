//go:build scale

package main

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/funcstack/funcstack/engine/store"
	"github.com/funcstack/funcstack/engine/store/storetest"
)

// TestScaleOut runs three serve processes on one PostgreSQL database,
// submits FUNCSTACK_SCALE_N durable executions (default 5,000) spread over
// them, kills one with SIGKILL mid-way, and checks that all end succeeded
// once, and that a task scheduled every second ran once per tick, not once
// per node. Run it with make scale (go test -tags scale).
func TestScaleOut(t *testing.T) {
	n := 5000
	if v, err := strconv.Atoi(os.Getenv("FUNCSTACK_SCALE_N")); err == nil && v > 0 {
		n = v
	}
	dir := t.TempDir()
	wsDir := filepath.Join(dir, "ws")
	os.MkdirAll(wsDir, 0o755)
	os.WriteFile(filepath.Join(wsDir, "work.json"), []byte(crashWorkspace), 0o644)
	os.WriteFile(filepath.Join(wsDir, "tick.json"), []byte(`{"kind": "task", "name": "tick", "schedule": {"every": "1s"}, "stack": [], "response": "'tock'"}`), 0o644)
	url := storetest.PostgresURL(t)
	var procs []*proc
	var bases []string
	for i := 1; i <= 3; i++ {
		p := startProc(t, "--workspace", wsDir, "--addr", freeAddr(t), "--node-id", "scale_node_"+strconv.Itoa(i),
			"--durable-workers", "20", "--rescue-after", "2s", "--database-url", url)
		procs = append(procs, p)
		bases = append(bases, p.base)
	}
	st, err := store.Open(context.Background(), store.Options{DatabaseURL: url})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	start := time.Now()
	submit(t, bases, n)
	t.Logf("submitted %d over 3 nodes in %s", n, time.Since(start).Round(time.Millisecond))
	waitFor(t, 5*time.Minute, func() bool { return statuses(t, st)["succeeded"] >= n/3 })
	procs[1].kill()
	t.Logf("killed node 2 with SIGKILL at %v", statuses(t, st))
	waitFor(t, 5*time.Minute, func() bool { return statuses(t, st)["succeeded"] == n })
	elapsed := time.Since(start)
	final := statuses(t, st)
	if len(final) != 1 || final["succeeded"] != n {
		t.Fatalf("final: %v, want all %d succeeded", final, n)
	}
	var ticks, seconds int
	var first, last time.Time
	st.SQL().QueryRow(`SELECT count(*), count(DISTINCT date_trunc('second', created_at)), min(created_at), max(created_at) FROM funcstack_executions WHERE "function" = 'tick'`).
		Scan(&ticks, &seconds, &first, &last)
	span := last.Sub(first).Seconds()
	t.Logf("all %d succeeded in %s (%.0f/s); task tick ran %d times over %.1fs in %d distinct seconds", n, elapsed.Round(time.Millisecond), float64(n)/elapsed.Seconds(), ticks, span, seconds)
	if ticks < 2 || float64(ticks) > span+2 {
		t.Errorf("a task every 1s on 3 nodes ran %d times over %.1fs: want once per tick", ticks, span)
	}
	for i, p := range procs {
		if i != 1 {
			if code := p.stop(t); code != 0 {
				t.Errorf("node %d exit %d", i+1, code)
			}
		}
	}
}
