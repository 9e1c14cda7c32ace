package api_test

import (
	"cmp"
	"context"
	"crypto/subtle"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/riverqueue/river"

	"github.com/funcstack/funcstack/engine/durable"
	"github.com/funcstack/funcstack/engine/durable/durabletest"
	"github.com/funcstack/funcstack/engine/store"
)

// BenchmarkAsyncFunctionEnqueue posts POST /async-function/{name} over a
// real loopback server from 32 concurrent connections while the durable
// queue drains the runs, on each backend: /funcstack is funcstack's route
// (a no-op function, its queued and finished execution records), /river
// the same route hand-written in gin on River alone (a job inserted per
// request, a no-op worker, no records; the limit), with the same worker
// count. ns/op is wall time per accepted request (3,000/s is 333µs), p99-ms
// the 99th percentile latency.
func BenchmarkAsyncFunctionEnqueue(b *testing.B) { enqueueSides(b, benchEnqueue) }

// enqueueSides runs load against POST /async-function/noop of funcstack
// and of the hand-written River route, on each backend.
func enqueueSides(b *testing.B, load func(b *testing.B, url string)) {
	for _, be := range backends {
		b.Run(be.name+"/funcstack", func(b *testing.B) {
			ts := durableServer(b, be.open(b), `{"kind": "function", "name": "noop", "input": [{"name": "n", "type": "int"}], "stack": [], "response": "input.n"}`)
			load(b, ts.URL+"/async-function/noop")
		})
		b.Run(be.name+"/river", func(b *testing.B) {
			ts := riverEnqueueServer(b, be.open(b))
			load(b, ts.URL+"/async-function/noop")
		})
	}
}

// benchEnqueue posts b.N requests {"n": 1} to url from 32 concurrent
// connections, each expecting 202, and reports p99-ms and req/s.
func benchEnqueue(b *testing.B, url string) {
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
			t0 := time.Now()
			if err := postEnqueue(client, url); err != nil {
				b.Error(err)
				return
			}
			mine = append(mine, time.Since(t0))
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
}

// postEnqueue posts {"n": 1} to url with the admin token and expects 202.
func postEnqueue(client *http.Client, url string) error {
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(`{"n": 1}`))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	// Read to the end: a body closed unread closes its connection, and
	// every request would dial anew.
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	return nil
}

// enqueueRate is the request rate of BenchmarkAsyncFunctionEnqueueRate.
const enqueueRate = 3000

// BenchmarkAsyncFunctionEnqueueRate is BenchmarkAsyncFunctionEnqueue at a
// fixed rate, 3,000 requests a second (the rate asked for) over 32
// connections, instead of as fast as the server answers: p99-ms is the
// latency a client sees at that load. Each request's latency counts from
// the moment it was due, not from when a connection was free to send it,
// so a stall that delays the requests behind it counts for them too.
func BenchmarkAsyncFunctionEnqueueRate(b *testing.B) { enqueueSides(b, benchEnqueueRate) }

// benchEnqueueRate posts b.N requests to url at enqueueRate a second from
// 32 connections and reports p99-ms (from each request's due time) and
// the rate achieved.
func benchEnqueueRate(b *testing.B, url string) {
	tr := &http.Transport{MaxIdleConnsPerHost: concurrency, MaxConnsPerHost: concurrency}
	client := &http.Client{Transport: tr}
	defer tr.CloseIdleConnections()
	// Half a second at the rate first, untimed: connections dialled,
	// River's producers fetching.
	if _, err := postAtRate(client, url, enqueueRate/2); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	lat, err := postAtRate(client, url, b.N)
	b.StopTimer()
	if err != nil {
		b.Fatal(err)
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

// postAtRate posts n requests to url at enqueueRate a second from 32
// connections and returns each one's latency from the moment it was due.
func postAtRate(client *http.Client, url string, n int) ([]time.Duration, error) {
	interval := time.Second / enqueueRate
	lat := make([]time.Duration, n)
	var (
		next  atomic.Int64
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	start := time.Now()
	for range concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				due := start.Add(time.Duration(i) * interval)
				time.Sleep(time.Until(due))
				if err := postEnqueue(client, url); err != nil {
					mu.Lock()
					first = cmp.Or(first, err)
					mu.Unlock()
					next.Store(int64(n))
					return
				}
				lat[i] = time.Since(due)
			}
		}()
	}
	wg.Wait()
	return lat, first
}

// enqueueArgs are the arguments of the hand-written route's jobs.
type enqueueArgs struct {
	N int `json:"n"`
}

func (enqueueArgs) Kind() string { return "bench.enqueue" }

// riverEnqueueServer is POST /async-function/noop hand-written in gin on
// River: the bearer token checked, the body decoded, the job inserted in
// a transaction of its own, 202 with its ID; River works the jobs with a
// no-op worker, as many workers as funcstack's default queue.
func riverEnqueueServer(b *testing.B, st *store.Store) *httptest.Server {
	workers := river.NewWorkers()
	river.AddWorker(workers, river.WorkFunc(func(context.Context, *river.Job[enqueueArgs]) error { return nil }))
	poll := time.Second
	if st.Dialect() == store.DialectSQLite {
		poll = 50 * time.Millisecond
	}
	rc := durabletest.NewRiver(b, st, &river.Config{Queues: map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: durable.DefaultWorkers}},
		Workers: workers, FetchCooldown: 5 * time.Millisecond, FetchPollInterval: poll, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err := rc.Start(context.Background()); err != nil {
		b.Fatal(err)
	}
	gin.SetMode(gin.ReleaseMode)
	g := gin.New()
	g.POST("/async-function/noop", func(c *gin.Context) {
		if subtle.ConstantTimeCompare([]byte(c.GetHeader("Authorization")), []byte("Bearer "+token)) != 1 {
			c.JSON(http.StatusUnauthorized, gin.H{"error": gin.H{"code": "unauthorized", "message": "a valid admin token is required"}})
			return
		}
		var args enqueueArgs
		if err := c.ShouldBindJSON(&args); err != nil {
			c.JSON(http.StatusBadRequest, gin.H{"error": gin.H{"code": "invalid_input", "message": err.Error()}})
			return
		}
		res, err := rc.Insert(c.Request.Context(), args, nil)
		if err != nil {
			c.JSON(http.StatusInternalServerError, gin.H{"error": gin.H{"code": "internal", "message": err.Error()}})
			return
		}
		id := strconv.FormatInt(res.Job.ID, 10)
		c.Header("X-Call-Id", id)
		c.JSON(http.StatusAccepted, gin.H{"id": id, "status_url": "/jobs/" + id})
	})
	ts := httptest.NewServer(g)
	b.Cleanup(ts.Close)
	return ts
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
