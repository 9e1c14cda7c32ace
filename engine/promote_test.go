package engine_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/funcstack/funcstack/engine"
)

// TestRunPromotable: a run that ends within promote_after is answered as
// Run answers it; one that does not is promoted, outlives its caller's
// context and the sync timeout, reads "running" until it ends, and is
// awaitable; an unknown name is an error, not a promotion.
func TestRunPromotable(t *testing.T) {
	e := load(t, engine.Config{Limits: engine.Limits{SyncTimeout: 100 * time.Millisecond}}, sleeper)
	ctx := context.Background()

	res, promoted, err := e.RunPromotable(ctx, "sleeper", map[string]any{"ms": 1}, engine.RunOptions{}, 200*time.Millisecond)
	if err != nil || promoted || res.Output != 1 {
		t.Fatalf("fast run: %+v %v %v", res, promoted, err)
	}

	cctx, cancel := context.WithCancel(ctx)
	start := time.Now()
	res, promoted, err = e.RunPromotable(cctx, "sleeper", map[string]any{"ms": 300}, engine.RunOptions{}, 30*time.Millisecond)
	cancel() // the caller goes away
	if err != nil || !promoted || res.ExecutionID == "" || res.Output != nil {
		t.Fatalf("slow run: %+v %v %v", res, promoted, err)
	}
	if d := time.Since(start); d > 150*time.Millisecond {
		t.Errorf("promoted after %s, not 30ms", d)
	}
	rec, err := e.Get(ctx, res.ExecutionID)
	if err != nil || rec.Status != engine.StatusRunning || rec.Mode != engine.ModeSync || rec.Function != "sleeper" {
		t.Fatalf("record while running: %+v %v", rec, err)
	}
	out, err := e.Await(ctx, []string{res.ExecutionID}, 5*time.Second)
	if err != nil || out[0].Status != engine.StatusSucceeded || out[0].Output != 300 {
		t.Fatalf("awaited: %+v %v", out, err)
	}
	if rec, _ := e.Get(ctx, res.ExecutionID); rec.Status != engine.StatusSucceeded || rec.FinishedAt.Sub(rec.StartedAt) < 300*time.Millisecond {
		t.Errorf("final record: %+v", rec)
	}

	if _, promoted, err := e.RunPromotable(ctx, "sleepr", nil, engine.RunOptions{}, time.Millisecond); promoted || err == nil {
		t.Errorf("unknown name: promoted %v, err %v", promoted, err)
	}
}

// TestRunPromotableRace: runs ending right at promote_after are either
// answered or promoted, and a promoted one's record always ends final
// (the "running" record never lands after the final one).
func TestRunPromotableRace(t *testing.T) {
	e := load(t, engine.Config{}, sleeper)
	ctx := context.Background()
	var ids []string
	for i := 0; i < 40; i++ {
		res, promoted, err := e.RunPromotable(ctx, "sleeper", map[string]any{"ms": 2}, engine.RunOptions{}, 2*time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		if promoted {
			ids = append(ids, res.ExecutionID)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for _, id := range ids {
		for {
			rec, err := e.Get(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if rec.Status == engine.StatusSucceeded {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s stays %s", id, rec.Status)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
}

// TestCancelPromotedRun: a promoted run is cancelled by its ID where it
// runs: it stops at once and its record says cancelled.
func TestCancelPromotedRun(t *testing.T) {
	e := load(t, engine.Config{}, sleeper)
	ctx := context.Background()
	res, promoted, err := e.RunPromotable(ctx, "sleeper", map[string]any{"ms": 5000}, engine.RunOptions{}, 20*time.Millisecond)
	if err != nil || !promoted {
		t.Fatalf("not promoted: %+v %v", res, err)
	}
	began := time.Now()
	if !e.Cancel(res.ExecutionID) {
		t.Fatal("cancel of a promoted run: not found")
	}
	out, err := e.Await(ctx, []string{res.ExecutionID}, 5*time.Second)
	want := `{"code":"cancelled","message":"run cancelled: the execution was cancelled","definition":"sleeper","path":"stack[0]","execution_id":"` + res.ExecutionID + `"}`
	if got, _ := json.Marshal(out[0].Error); err != nil || out[0].Status != engine.StatusCancelled || string(got) != want {
		t.Fatalf("awaited: %+v %v", out, err)
	}
	if d := time.Since(began); d > time.Second {
		t.Errorf("stopped %s after the cancel", d)
	}
	time.Sleep(10 * time.Millisecond)
	if e.Cancel(res.ExecutionID) {
		t.Errorf("a second cancel of an ended run said it cancelled it")
	}
}
