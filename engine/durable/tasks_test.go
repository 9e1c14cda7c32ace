package durable_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/durable"
	"github.com/funcstack/funcstack/engine/store"
)

// TestMissedTicksCatchUpOnce: ticks that no node ran (all were down) get
// one run, marked as standing for them, as soon as a node runs, besides
// the tick due then; with catch_up "none" they are dropped. Then each tick
// runs once.
func TestMissedTicksCatchUpOnce(t *testing.T) {
	both(t, func(t *testing.T, b backend) {
		st := b.open(t)
		ctx := context.Background()
		// The last ticks run, ten seconds ago, before every node stopped.
		last := time.Now().UTC().Truncate(time.Second).Add(-10 * time.Second)
		if _, err := st.LastTicks(ctx); err != nil {
			t.Fatal(err)
		}
		for _, task := range []string{"catch_up", "drop"} {
			tx, err := st.SQL().BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			if claimed, _, err := st.ClaimTick(ctx, tx, task, last); err != nil || !claimed {
				t.Fatalf("claiming the first tick of %s: %v %v", task, claimed, err)
			}
			if claimed, prev, err := st.ClaimTick(ctx, tx, task, last); err != nil || claimed || !prev.Equal(last) {
				t.Fatalf("claiming it again: %v %s %v", claimed, prev, err)
			}
			if err := tx.Commit(); err != nil {
				t.Fatal(err)
			}
		}
		began := time.Now()
		start(t, st, durable.Options{},
			`{"kind": "task", "name": "catch_up", "schedule": {"every": "1s"}, "stack": [], "response": "'ran'"}`,
			`{"kind": "task", "name": "drop", "schedule": {"every": "1s", "catch_up": "none"}, "stack": [], "response": "'ran'"}`)
		time.Sleep(2500 * time.Millisecond)
		list := func(fn string) (normal, catchUp []*engine.ExecutionRecord) {
			if err := st.ExecutionRecords().Flush(ctx); err != nil {
				t.Fatal(err)
			}
			recs, err := st.ExecutionRecords().List(ctx, store.ListOptions{Function: fn, Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range recs {
				if len(r.Logs) > 0 && r.Logs[0].Path == "schedule" {
					catchUp = append(catchUp, r)
				} else {
					normal = append(normal, r)
				}
			}
			return normal, catchUp
		}
		_, catchUp := list("catch_up")
		if len(catchUp) != 1 {
			t.Fatalf("catch_up one: %d catch-up runs, want 1", len(catchUp))
		}
		c := catchUp[0]
		v, _ := c.Logs[0].Value.(map[string]any)
		missed, _ := engine.ToInt(v["missed"])
		until, _ := time.Parse(time.RFC3339Nano, fmt.Sprint(v["until"]))
		// The ticks from ten seconds before the node started to the one
		// before the first it ran on time.
		if v["catch_up"] != "one" || v["since"] != last.Format(time.RFC3339Nano) || missed < 9 || until.Before(began.Add(-time.Second)) ||
			until.After(c.CreatedAt) || until.Sub(last) != time.Duration(missed+1)*time.Second || c.Mode != engine.ModeDurable {
			t.Errorf("the catch-up run's entry: %v (missed %d)", v, missed)
		}
		if c.CreatedAt.Sub(began) > 5*time.Second {
			t.Errorf("the catch-up run was queued %s after the node started", c.CreatedAt.Sub(began))
		}
		elapsed := time.Since(began).Seconds()
		for _, fn := range []string{"catch_up", "drop"} {
			normal, catchUp := list(fn)
			if fn == "drop" && len(catchUp) != 0 {
				t.Errorf("catch_up none: %d catch-up runs, want none", len(catchUp))
			}
			if len(normal) < 2 || float64(len(normal)) > elapsed+1.5 {
				t.Errorf("%s: %d runs on time in %.1fs, want one a second", fn, len(normal), elapsed)
			}
			seen := map[int64]bool{}
			for _, r := range normal {
				sec := r.CreatedAt.Unix()
				if seen[sec] {
					t.Errorf("%s ran twice in second %d", fn, sec)
				}
				seen[sec] = true
			}
		}
	})
}

// claimFirst records tick as the last one task ran, as if nodes had run
// it before they all stopped.
func claimFirst(t *testing.T, st *store.Store, task string, tick time.Time) {
	t.Helper()
	ctx := context.Background()
	if _, err := st.LastTicks(ctx); err != nil {
		t.Fatal(err)
	}
	tx, err := st.SQL().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if claimed, _, err := st.ClaimTick(ctx, tx, task, tick); err != nil || !claimed {
		t.Fatalf("claiming the first tick of %s: %v %v", task, claimed, err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}
