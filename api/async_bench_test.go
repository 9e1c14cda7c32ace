package api_test

import (
	"context"
	"io"
	"net/http"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// BenchmarkAsyncFunctionEnqueue posts POST /async-function/{name} over a
// real loopback server from 32 concurrent connections while the durable
// queue drains the runs; ns/op is wall time per accepted request (3,000/s
// is 333µs), p99-ms the 99th percentile latency.
func BenchmarkAsyncFunctionEnqueue(b *testing.B) {
	for _, be := range backends {
		b.Run(be.name, func(b *testing.B) {
			ts := durableServer(b, be.open(b), `{"kind": "function", "name": "noop", "input": [{"name": "n", "type": "int"}], "stack": [], "response": "input.n"}`)
			tr := &http.Transport{MaxIdleConnsPerHost: concurrency, MaxConnsPerHost: concurrency}
			client := &http.Client{Transport: tr}
			defer tr.CloseIdleConnections()
			var mu sync.Mutex
			var lat []time.Duration
			b.SetParallelism((concurrency + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				var mine []time.Duration
				for pb.Next() {
					req, _ := http.NewRequest(http.MethodPost, ts.URL+"/async-function/noop", strings.NewReader(`{"n": 1}`))
					req.Header.Set("Authorization", "Bearer "+token)
					req.Header.Set("Content-Type", "application/json")
					t0 := time.Now()
					resp, err := client.Do(req)
					if err != nil {
						b.Error(err)
						return
					}
					// Read to the end: a body closed unread closes its
					// connection, and every request would dial anew.
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					mine = append(mine, time.Since(t0))
					if resp.StatusCode != http.StatusAccepted {
						b.Errorf("status %d", resp.StatusCode)
						return
					}
				}
				mu.Lock()
				lat = append(lat, mine...)
				mu.Unlock()
			})
			b.StopTimer()
			if len(lat) > 0 {
				sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
				b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
			}
		})
	}
}

// BenchmarkAsyncFunctionLatency posts POST /async-function/{name} at 200
// requests a second (b.N of them) and reports, from the execution records,
// the time from enqueue to start (p50) and from enqueue to succeeded
// (p99) of a no-op function.
func BenchmarkAsyncFunctionLatency(b *testing.B) {
	for _, be := range backends {
		b.Run(be.name, func(b *testing.B) {
			st := be.open(b)
			ts := durableServer(b, st, `{"kind": "function", "name": "noop", "stack": [], "response": "1"}`)
			ids := make([]string, b.N)
			var wg sync.WaitGroup
			tick := time.NewTicker(5 * time.Millisecond)
			defer tick.Stop()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				<-tick.C
				wg.Add(1)
				go func(i int) {
					defer wg.Done()
					req, _ := http.NewRequest(http.MethodPost, ts.URL+"/async-function/noop", strings.NewReader(`{}`))
					req.Header.Set("Authorization", "Bearer "+token)
					resp, err := http.DefaultClient.Do(req)
					if err != nil {
						b.Error(err)
						return
					}
					resp.Body.Close()
					ids[i] = resp.Header.Get("X-Call-Id")
				}(i)
			}
			wg.Wait()
			b.StopTimer()
			var toStart, toDone []time.Duration
			deadline := time.Now().Add(30 * time.Second)
			for _, id := range ids {
				for {
					rec, err := st.Executions().Get(context.Background(), id)
					if err == nil && rec.Status == "succeeded" {
						toStart = append(toStart, rec.StartedAt.Sub(rec.CreatedAt))
						toDone = append(toDone, rec.FinishedAt.Sub(rec.CreatedAt))
						break
					}
					if time.Now().After(deadline) {
						b.Fatalf("execution %s did not succeed: %v %v", id, rec, err)
					}
					time.Sleep(5 * time.Millisecond)
				}
			}
			pct := func(d []time.Duration, p int) float64 {
				sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
				return float64(d[min(len(d)-1, len(d)*p/100)].Microseconds()) / 1000
			}
			b.ReportMetric(pct(toStart, 50), "start-p50-ms")
			b.ReportMetric(pct(toDone, 99), "done-p99-ms")
		})
	}
}
