package api

import (
	"context"
	"slices"
	"sync"
	"testing"

	"github.com/funcstack/funcstack/engine/store"
	"github.com/funcstack/funcstack/engine/store/storetest"
)

// TestPgCounterBatches: calls of one bucket that come together on one
// node are counted by batched upserts, and still each gets its own count,
// 1 to N, with N in the shared row; two nodes (two counters on one
// database) count on from each other.
func TestPgCounterBatches(t *testing.T) {
	st, err := store.Open(context.Background(), store.Options{DatabaseURL: storetest.PostgresURL(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	a, b := &pgCounter{db: st.SQL(), log: t.Logf}, &pgCounter{db: st.SQL(), log: t.Logf}
	const clients, each = 40, 25
	var (
		mu  sync.Mutex
		got []int64
		wg  sync.WaitGroup
	)
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := a
			if i%2 == 1 {
				c = b
			}
			for range each {
				n, err := c.hit(context.Background(), "hot|ip:127.0.0.1", 1000, 60)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				got = append(got, n)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	slices.Sort(got)
	for i, n := range got {
		if n != int64(i+1) {
			t.Fatalf("counts %v…: the %dth is %d", got[:min(len(got), 20)], i+1, n)
		}
	}
	var row int64
	if err := st.SQL().QueryRow(`SELECT hits FROM funcstack_rate_counters WHERE bucket = 'hot|ip:127.0.0.1' AND window_start = 1000`).Scan(&row); err != nil || row != clients*each {
		t.Fatalf("the shared row holds %d (%v), want %d", row, err, clients*each)
	}
	if len(a.queues) != 0 || len(b.queues) != 0 {
		t.Errorf("queues left: %d, %d", len(a.queues), len(b.queues))
	}
}
