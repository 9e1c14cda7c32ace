package store_test

import (
	"context"
	"slices"
	"strconv"
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

// BenchmarkRecordInsert compares the two ways of writing a batch of new
// execution records through database/sql in a caller's transaction (as
// the durable queue does on SQLite): values as SQL literals, which SQLite
// writes, against values bound as parameters, which PostgreSQL writes.
// Every turn writes the batch both ways, in alternating order, so that
// both see the same load on a shared machine; it reports each way's
// median time a batch and the median of the turns' bound ÷ literal.
// Each batch's transaction is rolled back, so that the table stays empty
// and the figure is the statement alone (a commit costs both the same).
//
//	go test -run '^$' -bench BenchmarkRecordInsert -benchtime 1s -count 5 ./engine/store/
func BenchmarkRecordInsert(b *testing.B) {
	ctx := context.Background()
	for _, backend := range []string{"sqlite", "postgres"} {
		b.Run(backend, func(b *testing.B) {
			opt := store.Options{SyncWrites: true}
			if backend == "postgres" {
				opt.DatabaseURL = storetest.PostgresURL(b)
			} else {
				opt.DataDir = b.TempDir()
			}
			s, err := store.Open(ctx, opt)
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			es := s.ExecutionRecords()
			ways := [2]func(context.Context, engine.Querier, []*engine.ExecutionRecord, time.Time) error{es.WriteLiterals, es.WriteBound}
			for _, n := range []int{1, 16, 500} {
				now := time.Now()
				recs := make([]*engine.ExecutionRecord, n)
				for i := range recs {
					recs[i] = &engine.ExecutionRecord{ID: engine.NewID(), Function: "sum_squares", Mode: engine.ModeDurable,
						Status: engine.StatusSucceeded, Input: map[string]any{"n": 20}, Output: map[string]any{"total": 2870, "label": "big"},
						Attempts: 1, CreatedAt: now, StartedAt: now, FinishedAt: now}
				}
				b.Run(strconv.Itoa(n), func(b *testing.B) {
					var took [2][]float64
					var ratios []float64
					for turn := 0; turn < b.N; turn++ {
						for k := range ways {
							w := (k + turn) % 2
							start := time.Now()
							tx, err := s.SQL().BeginTx(ctx, nil)
							if err != nil {
								b.Fatal(err)
							}
							if err := ways[w](ctx, tx, recs, time.Now()); err != nil {
								b.Fatal(err)
							}
							if err := tx.Rollback(); err != nil {
								b.Fatal(err)
							}
							took[w] = append(took[w], float64(time.Since(start).Nanoseconds()))
						}
						ratios = append(ratios, took[1][turn]/took[0][turn])
					}
					med := func(v []float64) float64 { slices.Sort(v); return v[len(v)/2] }
					b.ReportMetric(med(took[0]), "literal-ns/op")
					b.ReportMetric(med(took[1]), "bound-ns/op")
					b.ReportMetric(med(ratios), "bound/literal")
				})
			}
		})
	}
}
