package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/store"
	"github.com/funcstack/funcstack/engine/store/storetest"
)

// BenchmarkSave measures execution record writes from many goroutines:
// batched (the default) against one INSERT per record (SyncWrites).
//
//	go test -run '^$' -bench BenchmarkSave -benchtime 20000x ./engine/store/
func BenchmarkSave(b *testing.B) {
	for _, backend := range []string{"sqlite", "postgres"} {
		for _, mode := range []string{"batched", "single"} {
			b.Run(backend+"/"+mode, func(b *testing.B) {
				opt := store.Options{SyncWrites: mode == "single"}
				if backend == "postgres" {
					opt.DatabaseURL = storetest.PostgresURL(b)
				} else {
					opt.DataDir = b.TempDir()
				}
				s, err := store.Open(context.Background(), opt)
				if err != nil {
					b.Fatal(err)
				}
				defer s.Close()
				es := s.ExecutionRecords()
				ctx := context.Background()
				b.SetParallelism(4)
				b.ReportAllocs()
				b.ResetTimer()
				start := time.Now()
				b.RunParallel(func(pb *testing.PB) {
					rec := engine.ExecutionRecord{Function: "sum_squares", Mode: engine.ModeSync, Status: engine.StatusSucceeded,
						Input: map[string]any{"n": 20}, Output: map[string]any{"total": 2870, "label": "big"}, Attempts: 1}
					for pb.Next() {
						rec.ID = engine.NewID()
						rec.CreatedAt = time.Now()
						rec.StartedAt, rec.FinishedAt = rec.CreatedAt, rec.CreatedAt
						if err := es.Save(ctx, &rec); err != nil {
							b.Error(err)
							return
						}
					}
				})
				if err := es.Flush(ctx); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "records/s")
			})
		}
	}
}
