package durable_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/funcstack/funcstack/engine"
	"github.com/funcstack/funcstack/engine/durable"
	"github.com/funcstack/funcstack/engine/durable/durabletest"
	"github.com/funcstack/funcstack/engine/enginetest"
)

// benchWorkers is the worker count of both sides of BenchmarkDurableDrain.
const benchWorkers = 50

// BenchmarkDurableDrain drains b.N durable executions of a no-op function
// already queued, to succeeded with their records written (/funcstack),
// beside River's own drain of b.N no-op jobs with the same worker count in
// the same program (/river, the limit). ns/op is wall time per execution.
func BenchmarkDurableDrain(b *testing.B) {
	for _, be := range backends() {
		b.Run(be.name+"/funcstack", func(b *testing.B) {
			st := be.open(b)
			eng := engine.New(engine.Config{DB: st, Store: st.Executions()})
			defer eng.Close()
			eng.Load(enginetest.Compile(b, `{"kind": "function", "name": "noop", "stack": [], "response": "1"}`))
			r, err := durable.New(context.Background(), st, eng, durable.Options{Workers: benchWorkers, Logf: b.Logf})
			if err != nil {
				b.Fatal(err)
			}
			inputs := make([]json.RawMessage, b.N)
			for i := range inputs {
				inputs[i] = json.RawMessage(`{}`)
			}
			for start := 0; start < b.N; start += 5000 {
				if _, err := r.InsertMany(context.Background(), eng.Function("noop"), inputs[start:min(b.N, start+5000)]); err != nil {
					b.Fatal(err)
				}
			}
			count := func() int {
				var n int
				st.SQL().QueryRow(`SELECT count(*) FROM funcstack_executions WHERE status = 'succeeded'`).Scan(&n)
				return n
			}
			b.ResetTimer()
			if err := r.Start(context.Background()); err != nil {
				b.Fatal(err)
			}
			for count() < b.N {
				time.Sleep(20 * time.Millisecond)
			}
			b.StopTimer()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "executions/s")
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			r.Stop(ctx)
		})
		b.Run(be.name+"/river", func(b *testing.B) {
			st := be.open(b)
			workers := river.NewWorkers()
			river.AddWorker(workers, river.WorkFunc(func(context.Context, *river.Job[noopArgs]) error { return nil }))
			c := durabletest.NewRiver(b, st, &river.Config{Queues: map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: benchWorkers}}, Workers: workers,
				FetchCooldown: 5 * time.Millisecond, FetchPollInterval: 50 * time.Millisecond})
			params := make([]river.InsertManyParams, b.N)
			for i := range params {
				params[i] = river.InsertManyParams{Args: noopArgs{}}
			}
			for start := 0; start < b.N; start += 5000 {
				if _, err := c.InsertManyFast(context.Background(), params[start:min(b.N, start+5000)]); err != nil {
					b.Fatal(err)
				}
			}
			events, cancelSub := c.Subscribe(river.EventKindJobCompleted)
			defer cancelSub()
			b.ResetTimer()
			if err := c.Start(context.Background()); err != nil {
				b.Fatal(err)
			}
			for done := 0; done < b.N; done++ {
				<-events
			}
			b.StopTimer()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "executions/s")
		})
	}
}

type noopArgs struct{}

func (noopArgs) Kind() string { return "bench.noop" }
